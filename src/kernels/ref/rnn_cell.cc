// Reference LSTM / GRU / Elman step kernels: one element at a time, in double.
#include "kernels/ref/rnn_cell.h"

#include <cmath>

namespace attend::kernels::ref {
namespace {

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }
bool is_valid(const uint8_t* valid, int64_t b) { return valid == nullptr || valid[b] != 0; }
template <class T>
double at_or_zero(const T* p, int64_t i) {
  return p ? static_cast<double>(p[i]) : 0.0;
}

}  // namespace

template <class T>
void lstm_forward_step(const RnnStepShape& s, T* gates, const T* bias, const T* h_prev, const T* c_prev,
                       const uint8_t* valid, T* h_next, T* c_next, T* out) {
  const int64_t H = s.hidden;
  for (int64_t b = 0; b < s.batch; ++b)
    for (int64_t j = 0; j < H; ++j) {
      const int64_t k = b * H + j;
      if (!is_valid(valid, b)) {
        h_next[k] = h_prev[k];
        c_next[k] = c_prev[k];
        if (out) out[k] = T(0);
        continue;
      }
      T* g = gates + b * 4 * H;
      const double i = sigmoid(double(g[j]) + double(bias[j]));
      const double f = sigmoid(double(g[H + j]) + double(bias[H + j]));
      const double gg = std::tanh(double(g[2 * H + j]) + double(bias[2 * H + j]));
      const double o = sigmoid(double(g[3 * H + j]) + double(bias[3 * H + j]));
      const double c = f * double(c_prev[k]) + i * gg;
      const double h = o * std::tanh(c);
      g[j] = T(i), g[H + j] = T(f), g[2 * H + j] = T(gg), g[3 * H + j] = T(o);
      c_next[k] = T(c);
      h_next[k] = T(h);
      if (out) out[k] = T(h);
    }
}

template <class T>
void lstm_backward_step(const RnnStepShape& s, T* gates, const T* c_prev, const T* c_next, const uint8_t* valid,
                        const T* dout, T* dh, T* dc) {
  const int64_t H = s.hidden;
  for (int64_t b = 0; b < s.batch; ++b)
    for (int64_t j = 0; j < H; ++j) {
      const int64_t k = b * H + j;
      T* g = gates + b * 4 * H;
      if (!is_valid(valid, b)) {
        g[j] = g[H + j] = g[2 * H + j] = g[3 * H + j] = T(0);
        continue;
      }
      const double i = g[j], f = g[H + j], gg = g[2 * H + j], o = g[3 * H + j];
      const double tc = std::tanh(double(c_next[k]));
      const double dh_total = double(dh[k]) + at_or_zero(dout, k);
      const double dc_total = double(dc[k]) + dh_total * o * (1 - tc * tc);
      g[j] = T(dc_total * gg * i * (1 - i));
      g[H + j] = T(dc_total * double(c_prev[k]) * f * (1 - f));
      g[2 * H + j] = T(dc_total * i * (1 - gg * gg));
      g[3 * H + j] = T(dh_total * tc * o * (1 - o));
      dc[k] = T(dc_total * f);
      dh[k] = T(0);
    }
}

template <class T>
void gru_forward_step(const RnnStepShape& s, T* x_gates, T* h_gates, const T* b_ih, const T* b_hh, const T* h_prev,
                      const uint8_t* valid, T* h_next, T* out) {
  const int64_t H = s.hidden;
  for (int64_t b = 0; b < s.batch; ++b)
    for (int64_t j = 0; j < H; ++j) {
      const int64_t k = b * H + j;
      if (!is_valid(valid, b)) {
        h_next[k] = h_prev[k];
        if (out) out[k] = T(0);
        continue;
      }
      T* xg = x_gates + b * 3 * H;
      T* hg = h_gates + b * 3 * H;
      const double r = sigmoid(double(xg[j]) + double(b_ih[j]) + double(hg[j]) + double(b_hh[j]));
      const double z = sigmoid(double(xg[H + j]) + double(b_ih[H + j]) + double(hg[H + j]) + double(b_hh[H + j]));
      const double hn = double(hg[2 * H + j]) + double(b_hh[2 * H + j]);
      const double n = std::tanh(double(xg[2 * H + j]) + double(b_ih[2 * H + j]) + r * hn);
      const double h = (1 - z) * n + z * double(h_prev[k]);
      xg[j] = T(r), xg[H + j] = T(z), xg[2 * H + j] = T(n);
      hg[2 * H + j] = T(hn);
      h_next[k] = T(h);
      if (out) out[k] = T(h);
    }
}

template <class T>
void gru_backward_step(const RnnStepShape& s, T* x_gates, T* h_gates, const T* h_prev, const uint8_t* valid,
                       const T* dout, T* dh) {
  const int64_t H = s.hidden;
  for (int64_t b = 0; b < s.batch; ++b)
    for (int64_t j = 0; j < H; ++j) {
      const int64_t k = b * H + j;
      T* xg = x_gates + b * 3 * H;
      T* hg = h_gates + b * 3 * H;
      if (!is_valid(valid, b)) {
        xg[j] = xg[H + j] = xg[2 * H + j] = T(0);
        hg[j] = hg[H + j] = hg[2 * H + j] = T(0);
        continue;
      }
      const double r = xg[j], z = xg[H + j], n = xg[2 * H + j], hn = hg[2 * H + j];
      const double dh_total = double(dh[k]) + at_or_zero(dout, k);
      const double dn = dh_total * (1 - z);
      const double dz = dh_total * (double(h_prev[k]) - n);
      const double da_n = dn * (1 - n * n);
      const double da_r = da_n * hn * r * (1 - r);
      const double da_z = dz * z * (1 - z);
      xg[j] = T(da_r), xg[H + j] = T(da_z), xg[2 * H + j] = T(da_n);
      hg[j] = T(da_r), hg[H + j] = T(da_z), hg[2 * H + j] = T(da_n * r);
      dh[k] = T(dh_total * z);
    }
}

template <class T>
void rnn_forward_step(const RnnStepShape& s, const T* pre, const T* bias, const T* h_prev, const uint8_t* valid,
                      T* h_next, T* out) {
  const int64_t H = s.hidden;
  for (int64_t b = 0; b < s.batch; ++b)
    for (int64_t j = 0; j < H; ++j) {
      const int64_t k = b * H + j;
      const double h = is_valid(valid, b) ? std::tanh(double(pre[k]) + double(bias[j])) : double(h_prev[k]);
      h_next[k] = T(h);
      if (out) out[k] = is_valid(valid, b) ? T(h) : T(0);
    }
}

template <class T>
void rnn_backward_step(const RnnStepShape& s, T* grad_pre, const T* h_next, const uint8_t* valid, const T* dout,
                       T* dh) {
  const int64_t H = s.hidden;
  for (int64_t b = 0; b < s.batch; ++b)
    for (int64_t j = 0; j < H; ++j) {
      const int64_t k = b * H + j;
      if (!is_valid(valid, b)) {
        grad_pre[k] = T(0);
        continue;
      }
      const double dh_total = double(dh[k]) + at_or_zero(dout, k);
      const double h = h_next[k];
      grad_pre[k] = T(dh_total * (1 - h * h));
      dh[k] = T(0);
    }
}

template void lstm_forward_step<float>(const RnnStepShape&, float*, const float*, const float*, const float*,
                                       const uint8_t*, float*, float*, float*);
template void lstm_forward_step<double>(const RnnStepShape&, double*, const double*, const double*, const double*,
                                        const uint8_t*, double*, double*, double*);
template void lstm_backward_step<float>(const RnnStepShape&, float*, const float*, const float*, const uint8_t*,
                                        const float*, float*, float*);
template void lstm_backward_step<double>(const RnnStepShape&, double*, const double*, const double*, const uint8_t*,
                                         const double*, double*, double*);
template void gru_forward_step<float>(const RnnStepShape&, float*, float*, const float*, const float*, const float*,
                                      const uint8_t*, float*, float*);
template void gru_forward_step<double>(const RnnStepShape&, double*, double*, const double*, const double*,
                                       const double*, const uint8_t*, double*, double*);
template void gru_backward_step<float>(const RnnStepShape&, float*, float*, const float*, const uint8_t*, const float*,
                                       float*);
template void gru_backward_step<double>(const RnnStepShape&, double*, double*, const double*, const uint8_t*,
                                        const double*, double*);
template void rnn_forward_step<float>(const RnnStepShape&, const float*, const float*, const float*, const uint8_t*,
                                      float*, float*);
template void rnn_forward_step<double>(const RnnStepShape&, const double*, const double*, const double*, const uint8_t*,
                                       double*, double*);
template void rnn_backward_step<float>(const RnnStepShape&, float*, const float*, const uint8_t*, const float*, float*);
template void rnn_backward_step<double>(const RnnStepShape&, double*, const double*, const uint8_t*, const double*,
                                        double*);

}  // namespace attend::kernels::ref
