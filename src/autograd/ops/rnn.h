// Fused recurrent ops: whole-sequence LSTM / GRU / Elman (tanh) layers and their single-step cells.
// Weights and biases are laid out exactly as in torch.nn.LSTM / GRU / RNN (gate blocks i,f,g,o for the
// LSTM and r,z,n for the GRU, stacked along the first axis), so parameters map 1:1 to PyTorch.
//
//   x: [T,B,I]   w_ih: [G*H,I]   w_hh: [G*H,H]   b_ih, b_hh: [G*H]   h0, c0: [B,H]   mask: [T,B]
//   -> out: [T,B,H]   h: [B,H]   c: [B,H]                       G = 4 (LSTM), 3 (GRU), 1 (Elman)
//
// Biases, h0 and c0 may be undefined (no bias / zero initial state). mask (any dtype, nonzero = valid)
// may be undefined (every step valid). At a padded step (mask 0) a sequence's state is carried over
// unchanged and its output is 0, so with left-aligned sequences h/c are the states after each one's
// last valid step. reverse = true runs t = T-1 .. 0; padded steps at the end are then skipped until each
// sequence's own last valid step. Gradients flow to every input that requires them.
#pragma once
#include "tensor/tensor.h"

namespace attend {

struct RnnLayerResult {
  Tensor out;  // [T,B,H] hidden state after each step (0 at padded steps)
  Tensor h;    // [B,H] final hidden state
  Tensor c;    // [B,H] final cell state (LSTM only)
};

RnnLayerResult lstm_layer(const Tensor& x, const Tensor& w_ih, const Tensor& w_hh, const Tensor& b_ih,
                          const Tensor& b_hh, const Tensor& h0, const Tensor& c0, const Tensor& mask = {},
                          bool reverse = false);
RnnLayerResult gru_layer(const Tensor& x, const Tensor& w_ih, const Tensor& w_hh, const Tensor& b_ih,
                         const Tensor& b_hh, const Tensor& h0, const Tensor& mask = {}, bool reverse = false);
RnnLayerResult rnn_layer(const Tensor& x, const Tensor& w_ih, const Tensor& w_hh, const Tensor& b_ih,
                         const Tensor& b_hh, const Tensor& h0, const Tensor& mask = {}, bool reverse = false);

// Single steps, for decoders: x: [B,I], h, c: [B,H] (undefined = zeros) -> the new state [B,H].
struct LstmState {
  Tensor h;  // [B,H]
  Tensor c;  // [B,H]
};
LstmState lstm_cell(const Tensor& x, const Tensor& h, const Tensor& c, const Tensor& w_ih, const Tensor& w_hh,
                    const Tensor& b_ih, const Tensor& b_hh);
Tensor gru_cell(const Tensor& x, const Tensor& h, const Tensor& w_ih, const Tensor& w_hh, const Tensor& b_ih,
                const Tensor& b_hh);
Tensor rnn_cell(const Tensor& x, const Tensor& h, const Tensor& w_ih, const Tensor& w_hh, const Tensor& b_ih,
                const Tensor& b_hh);

}  // namespace attend
