// Pointwise parts of one recurrent step (LSTM, GRU, Elman/tanh RNN), forward and backward, for B rows.
// The matrix products (x W_ih^T, h W_hh^T and their gradients) are GEMMs done by the caller; these
// kernels fuse everything between them: biases, gate activations, state update, masking, and the
// gradients w.r.t. the pre-activations. Gate layouts follow PyTorch so weights map 1:1 to torch.nn:
//   LSTM gates [B,4H] = i,f,g,o     GRU gates [B,3H] = r,z,n     Elman [B,H]
// All state buffers are row-major [B,H]. `valid` ([B], or null = every row valid) marks padded rows:
// a padded row keeps its state (h_next = h_prev, c_next = c_prev), its output is 0, and in backward its
// gradients pass straight through the step with zero gate gradients.
// float runs the fast vecmath activations with a run-time ISA choice; a whole step (all hidden units)
// that is big enough is split over OpenMP threads by rows. double runs the same code with <cmath>.
// Plain reference twins are in kernels/ref/rnn_cell.h.
#pragma once
#include <cstdint>

namespace attend::kernels {

struct RnnStepShape {
  int64_t batch = 0;   // B
  int64_t hidden = 0;  // H
  // Hidden units [unit_begin, unit_end) of every row to process (unit_end < 0: all). A caller that splits
  // one step over its own threads gives each a range; such a call runs on the calling thread only.
  int64_t unit_begin = 0;
  int64_t unit_end = -1;
};

// LSTM forward: c' = f*c + i*g, h' = o*tanh(c'), with i,f,o = sigmoid and g = tanh of their pre-activations.
// gates:  [B,4H] in: x W_ih^T + h W_hh^T without bias; out (valid rows): the activations i,f,g,o.
// bias:   [4H] b_ih + b_hh (never null). h_prev, c_prev: [B,H].
// h_next, c_next: [B,H]. out: [B,H] copy of h_next with padded rows zeroed, or null.
template <class T>
void lstm_forward_step(const RnnStepShape& s, T* gates, const T* bias, const T* h_prev, const T* c_prev,
                       const uint8_t* valid, T* h_next, T* c_next, T* out);

// LSTM backward of one step.
// gates:  [B,4H] in: the forward activations; out: gradient w.r.t. the pre-activations (0 on padded rows).
// c_prev, c_next: [B,H] the forward cell states. dout: [B,H] gradient of the step output, or null.
// dh:     [B,H] in: gradient w.r.t. h_next; out: the part of the gradient w.r.t. h_prev that does not go
//         through W_hh (padded rows: all of it; valid rows: 0). The caller adds gates @ W_hh.
// dc:     [B,H] in: gradient w.r.t. c_next; out: gradient w.r.t. c_prev.
template <class T>
void lstm_backward_step(const RnnStepShape& s, T* gates, const T* c_prev, const T* c_next, const uint8_t* valid,
                        const T* dout, T* dh, T* dc);

// GRU forward (PyTorch): r = sigmoid(W_ir x + b_ir + W_hr h + b_hr), z likewise,
// n = tanh(W_in x + b_in + r * (W_hn h + b_hn)), h' = (1 - z) * n + z * h.
// x_gates: [B,3H] in: x W_ih^T without bias; out (valid rows): activations r,z,n.
// h_gates: [B,3H] in: h W_hh^T without bias; out (valid rows): the n slot holds W_hn h + b_hn.
// b_ih, b_hh: [3H] (never null).
template <class T>
void gru_forward_step(const RnnStepShape& s, T* x_gates, T* h_gates, const T* b_ih, const T* b_hh, const T* h_prev,
                      const uint8_t* valid, T* h_next, T* out);

// GRU backward of one step.
// x_gates: in: r,z,n; out: gradient w.r.t. the input-projection pre-activations (x W_ih^T + b_ih).
// h_gates: in: n slot = W_hn h + b_hn; out: gradient w.r.t. the hidden projection (h W_hh^T + b_hh).
// dh: in: gradient w.r.t. h_next; out: the part of the gradient w.r.t. h_prev outside W_hh (z * dh).
template <class T>
void gru_backward_step(const RnnStepShape& s, T* x_gates, T* h_gates, const T* h_prev, const uint8_t* valid,
                       const T* dout, T* dh);

// Elman forward: h' = tanh(pre + bias). pre: [B,H] x W_ih^T + h W_hh^T; bias: [H] b_ih + b_hh.
template <class T>
void rnn_forward_step(const RnnStepShape& s, const T* pre, const T* bias, const T* h_prev, const uint8_t* valid,
                      T* h_next, T* out);

// Elman backward. grad_pre: [B,H] out: gradient w.r.t. the pre-activation (may alias the forward `pre`).
// h_next: the forward state. dh as for the LSTM.
template <class T>
void rnn_backward_step(const RnnStepShape& s, T* grad_pre, const T* h_next, const uint8_t* valid, const T* dout, T* dh);

}  // namespace attend::kernels
