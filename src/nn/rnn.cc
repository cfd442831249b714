// Recurrent layers and cells over the fused ops in autograd/ops/rnn.h.
#include "nn/rnn.h"

#include <cmath>

#include "autograd/ops/shape.h"

namespace attend::nn {
namespace {

int64_t gates(RnnKind k) { return k == RnnKind::LSTM ? 4 : k == RnnKind::GRU ? 3 : 1; }

// PyTorch's init: every weight and bias uniform(-1/sqrt(H), 1/sqrt(H)).
Tensor uniform_param(const Shape& shape, int64_t hidden, Rng& rng) {
  const double k = 1.0 / std::sqrt(static_cast<double>(hidden));
  Tensor t = Tensor::empty(shape);
  rng.fill_uniform(t, -k, k);
  return t;
}

}  // namespace

Recurrent::Recurrent(RnnKind kind, const RnnOptions& o, Rng& rng) : kind_(kind), options_(o) {
  ATTEND_CHECK(o.input_size > 0 && o.hidden_size > 0 && o.num_layers > 0,
               "rnn: input_size, hidden_size and num_layers must be positive, got {}, {}, {}", o.input_size,
               o.hidden_size, o.num_layers);
  const int dirs = o.bidirectional ? 2 : 1;
  const int64_t g = gates(kind) * o.hidden_size;
  for (int64_t l = 0; l < o.num_layers; ++l) {
    const int64_t in = l == 0 ? o.input_size : o.hidden_size * dirs;
    for (int d = 0; d < dirs; ++d) {
      const std::string sfx = "_l" + std::to_string(l) + (d ? "_reverse" : "");
      Weights w;
      w.w_ih = register_parameter("weight_ih" + sfx, uniform_param({g, in}, o.hidden_size, rng));
      w.w_hh = register_parameter("weight_hh" + sfx, uniform_param({g, o.hidden_size}, o.hidden_size, rng));
      w.b_ih = register_parameter("bias_ih" + sfx, uniform_param({g}, o.hidden_size, rng));
      w.b_hh = register_parameter("bias_hh" + sfx, uniform_param({g}, o.hidden_size, rng));
      weights_.push_back(w);
    }
  }
}

RnnOutput Recurrent::forward(const Tensor& x, const Tensor& mask, const Tensor& h0, const Tensor& c0) const {
  const int dirs = options_.bidirectional ? 2 : 1;
  const int64_t states = options_.num_layers * dirs;
  ATTEND_CHECK(x.defined() && x.ndim() == 3 && x.size(2) == options_.input_size,
               "rnn: input must be [T,B,{}], got {}", options_.input_size, x.defined() ? x.shape() : Shape{});
  const Shape state_shape{states, x.size(1), options_.hidden_size};
  ATTEND_CHECK(!h0.defined() || h0.shape() == state_shape, "rnn: h0 must be {}, got {}", state_shape, h0.shape());
  ATTEND_CHECK(!c0.defined() || c0.shape() == state_shape, "rnn: c0 must be {}, got {}", state_shape, c0.shape());
  ATTEND_CHECK(kind_ == RnnKind::LSTM || !c0.defined(), "rnn: c0 given to a layer without a cell state");
  std::vector<Tensor> hs, cs, outs;
  hs.reserve(static_cast<size_t>(states));
  cs.reserve(static_cast<size_t>(states));
  Tensor input = x;  // [T,B,I] then [T,B,H*dirs]
  for (int64_t l = 0; l < options_.num_layers; ++l) {
    outs.clear();
    for (int d = 0; d < dirs; ++d) {
      const int64_t s = l * dirs + d;
      const Weights& w = weights_[static_cast<size_t>(s)];
      const Tensor h_init = h0.defined() ? select(h0, 0, s) : Tensor();
      RnnLayerResult r;
      switch (kind_) {
        case RnnKind::LSTM:
          r = lstm_layer(input, w.w_ih, w.w_hh, w.b_ih, w.b_hh, h_init, c0.defined() ? select(c0, 0, s) : Tensor(),
                         mask, d == 1);
          break;
        case RnnKind::GRU: r = gru_layer(input, w.w_ih, w.w_hh, w.b_ih, w.b_hh, h_init, mask, d == 1); break;
        case RnnKind::Elman: r = rnn_layer(input, w.w_ih, w.w_hh, w.b_ih, w.b_hh, h_init, mask, d == 1); break;
      }
      outs.push_back(r.out);
      hs.push_back(r.h);
      if (kind_ == RnnKind::LSTM) cs.push_back(r.c);
    }
    input = dirs == 1 ? outs[0] : concat(outs, 2);
  }
  RnnOutput result;
  result.out = input;
  result.h = stack(hs, 0);
  if (kind_ == RnnKind::LSTM) result.c = stack(cs, 0);
  return result;
}

LSTMCell::LSTMCell(int64_t input_size, int64_t hidden_size, Rng& rng) {
  ATTEND_CHECK(input_size > 0 && hidden_size > 0, "LSTMCell: sizes must be positive, got {} and {}", input_size,
               hidden_size);
  w_ih_ = register_parameter("weight_ih", uniform_param({4 * hidden_size, input_size}, hidden_size, rng));
  w_hh_ = register_parameter("weight_hh", uniform_param({4 * hidden_size, hidden_size}, hidden_size, rng));
  b_ih_ = register_parameter("bias_ih", uniform_param({4 * hidden_size}, hidden_size, rng));
  b_hh_ = register_parameter("bias_hh", uniform_param({4 * hidden_size}, hidden_size, rng));
}
LstmState LSTMCell::forward(const Tensor& x, const Tensor& h, const Tensor& c) const {
  return lstm_cell(x, h, c, w_ih_, w_hh_, b_ih_, b_hh_);
}

GRUCell::GRUCell(int64_t input_size, int64_t hidden_size, Rng& rng) {
  ATTEND_CHECK(input_size > 0 && hidden_size > 0, "GRUCell: sizes must be positive, got {} and {}", input_size,
               hidden_size);
  w_ih_ = register_parameter("weight_ih", uniform_param({3 * hidden_size, input_size}, hidden_size, rng));
  w_hh_ = register_parameter("weight_hh", uniform_param({3 * hidden_size, hidden_size}, hidden_size, rng));
  b_ih_ = register_parameter("bias_ih", uniform_param({3 * hidden_size}, hidden_size, rng));
  b_hh_ = register_parameter("bias_hh", uniform_param({3 * hidden_size}, hidden_size, rng));
}
Tensor GRUCell::forward(const Tensor& x, const Tensor& h) const { return gru_cell(x, h, w_ih_, w_hh_, b_ih_, b_hh_); }

RNNCell::RNNCell(int64_t input_size, int64_t hidden_size, Rng& rng) {
  ATTEND_CHECK(input_size > 0 && hidden_size > 0, "RNNCell: sizes must be positive, got {} and {}", input_size,
               hidden_size);
  w_ih_ = register_parameter("weight_ih", uniform_param({hidden_size, input_size}, hidden_size, rng));
  w_hh_ = register_parameter("weight_hh", uniform_param({hidden_size, hidden_size}, hidden_size, rng));
  b_ih_ = register_parameter("bias_ih", uniform_param({hidden_size}, hidden_size, rng));
  b_hh_ = register_parameter("bias_hh", uniform_param({hidden_size}, hidden_size, rng));
}
Tensor RNNCell::forward(const Tensor& x, const Tensor& h) const { return rnn_cell(x, h, w_ih_, w_hh_, b_ih_, b_hh_); }

}  // namespace attend::nn
