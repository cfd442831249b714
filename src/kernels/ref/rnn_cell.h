// Reference twins of kernels/rnn_cell.h: the same contracts (shapes, in-place gate buffers, masking,
// the split of dh), written as plain per-element loops that evaluate every formula in double with
// <cmath>. Tests compare the fast kernels with these.
#pragma once
#include <cstdint>

#include "kernels/rnn_cell.h"

namespace attend::kernels::ref {

template <class T>
void lstm_forward_step(const RnnStepShape& s, T* gates, const T* bias, const T* h_prev, const T* c_prev,
                       const uint8_t* valid, T* h_next, T* c_next, T* out);
template <class T>
void lstm_backward_step(const RnnStepShape& s, T* gates, const T* c_prev, const T* c_next, const uint8_t* valid,
                        const T* dout, T* dh, T* dc);
template <class T>
void gru_forward_step(const RnnStepShape& s, T* x_gates, T* h_gates, const T* b_ih, const T* b_hh, const T* h_prev,
                      const uint8_t* valid, T* h_next, T* out);
template <class T>
void gru_backward_step(const RnnStepShape& s, T* x_gates, T* h_gates, const T* h_prev, const uint8_t* valid,
                       const T* dout, T* dh);
template <class T>
void rnn_forward_step(const RnnStepShape& s, const T* pre, const T* bias, const T* h_prev, const uint8_t* valid,
                      T* h_next, T* out);
template <class T>
void rnn_backward_step(const RnnStepShape& s, T* grad_pre, const T* h_next, const uint8_t* valid, const T* dout, T* dh);

}  // namespace attend::kernels::ref
