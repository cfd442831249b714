// Recurrent modules on the fused layer and cell ops. Stacking and bidirectionality are composition:
// each (layer, direction) is one lstm_layer / gru_layer / rnn_layer call; three small differentiable
// helpers below take an initial state out of [layers*dirs,B,H], join the two directions' outputs, and
// stack the final states.
#include "nn/rnn.h"

#include <cmath>
#include <cstring>

#include "autograd/tape.h"

namespace attend::nn {
namespace {

// The gradient of y, contiguous in y's dtype, or undefined.
Tensor grad_of(const Tensor& y) {
  Tensor g = y.grad();
  if (!g.defined()) return g;
  if (g.dtype() != y.dtype() || !g.is_contiguous()) g = g.copy(y.dtype());
  return g;
}

Tensor dense(const Tensor& t) { return t.is_contiguous() ? t : t.copy(); }

// states: [N,B,H] -> states[i]: [B,H] (a copy).
Tensor take_state(const Tensor& states, int64_t i) {
  const int64_t B = states.size(1), H = states.size(2), n = B * H;
  const Tensor s = dense(states);
  Tensor y = s.view_strided({B, H}, {H, 1}, s.offset() + i * n).copy();
  if (any_requires_grad({&states})) {
    y.set_requires_grad();
    // forward was y = states[i], so d(states)[i] += dy.
    tape().record([states, y, i, n] {
      const Tensor g = grad_of(y);
      if (!g.defined()) return;
      dispatch_float(states.dtype(), "rnn_take_state", [&]<class T>() {
        T* d = grad_buffer(states).template data<T>() + i * n;
        const T* gy = g.data<T>();
        for (int64_t k = 0; k < n; ++k) d[k] += gy[k];
      });
    });
  }
  return y;
}

// fwd, bwd: [T,B,H] -> [T,B,2H] with fwd's features first.
Tensor join_directions(const Tensor& fwd, const Tensor& bwd) {
  const int64_t rows = fwd.size(0) * fwd.size(1), H = fwd.size(2);
  const Tensor a = dense(fwd), b = dense(bwd);
  Tensor y = Tensor::empty({fwd.size(0), fwd.size(1), 2 * H}, fwd.dtype());
  dispatch_float(fwd.dtype(), "rnn_join_directions", [&]<class T>() {
    const T* pa = a.data<T>();
    const T* pb = b.data<T>();
    T* py = y.data<T>();
    for (int64_t r = 0; r < rows; ++r) {
      std::memcpy(py + r * 2 * H, pa + r * H, sizeof(T) * H);
      std::memcpy(py + r * 2 * H + H, pb + r * H, sizeof(T) * H);
    }
  });
  if (any_requires_grad({&fwd, &bwd})) {
    y.set_requires_grad();
    // forward was y[r] = [fwd[r], bwd[r]], so each input gets its half of dy[r].
    tape().record([fwd, bwd, y, rows, H] {
      const Tensor g = grad_of(y);
      if (!g.defined()) return;
      dispatch_float(y.dtype(), "rnn_join_directions", [&]<class T>() {
        const T* gy = g.data<T>();
        for (int half = 0; half < 2; ++half) {
          const Tensor& x = half ? bwd : fwd;
          if (!x.requires_grad()) continue;
          T* d = grad_buffer(x).template data<T>();
          for (int64_t r = 0; r < rows; ++r)
            for (int64_t j = 0; j < H; ++j) d[r * H + j] += gy[r * 2 * H + half * H + j];
        }
      });
    });
  }
  return y;
}

// n tensors [B,H] -> [n,B,H].
Tensor stack_states(const std::vector<Tensor>& states) {
  const int64_t B = states[0].size(0), H = states[0].size(1), n = B * H;
  Tensor y = Tensor::empty({static_cast<int64_t>(states.size()), B, H}, states[0].dtype());
  bool grad = false;
  dispatch_float(y.dtype(), "rnn_stack_states", [&]<class T>() {
    for (size_t i = 0; i < states.size(); ++i) {
      std::memcpy(y.data<T>() + i * n, dense(states[i]).template data<T>(), sizeof(T) * n);
      grad = grad || states[i].requires_grad();
    }
  });
  if (grad && grad_enabled()) {
    y.set_requires_grad();
    // forward was y[i] = states[i], so d(states[i]) += dy[i].
    tape().record([states, y, n] {
      const Tensor g = grad_of(y);
      if (!g.defined()) return;
      dispatch_float(y.dtype(), "rnn_stack_states", [&]<class T>() {
        for (size_t i = 0; i < states.size(); ++i) {
          if (!states[i].requires_grad()) continue;
          T* d = grad_buffer(states[i]).template data<T>();
          const T* gy = g.data<T>() + i * n;
          for (int64_t k = 0; k < n; ++k) d[k] += gy[k];
        }
      });
    });
  }
  return y;
}

// uniform(-1/sqrt(H), 1/sqrt(H)), PyTorch's init for every recurrent weight and bias.
Tensor init_uniform(const Shape& shape, int64_t hidden, DType dtype, Rng& rng) {
  ATTEND_CHECK(is_floating(dtype), "rnn: parameters must be float32 or float64, got {}", dtype_name(dtype));
  Tensor t = Tensor::empty(shape, dtype);
  const double k = 1.0 / std::sqrt(static_cast<double>(hidden));
  rng.fill_uniform(t, -k, k);
  return t;
}

}  // namespace

RecurrentLayers::RecurrentLayers(Kind kind, const char* name, const RnnOptions& options, Rng& rng)
    : kind_(kind), name_(name), options_(options) {
  ATTEND_CHECK(options.input_size > 0 && options.hidden_size > 0 && options.num_layers > 0,
               "{}: input_size, hidden_size and num_layers must be positive, got {}, {}, {}", name, options.input_size,
               options.hidden_size, options.num_layers);
  const int64_t gates = kind == Kind::kLstm ? 4 : kind == Kind::kGru ? 3 : 1;
  const int64_t H = options.hidden_size, GH = gates * H;
  for (int64_t layer = 0; layer < options.num_layers; ++layer)
    for (int64_t dir = 0; dir < directions(); ++dir) {
      const int64_t in = layer == 0 ? options.input_size : H * directions();
      const std::string suffix = "_l" + std::to_string(layer) + (dir ? "_reverse" : "");
      Weights w;
      w.w_ih = register_parameter("weight_ih" + suffix, init_uniform({GH, in}, H, options.dtype, rng));
      w.w_hh = register_parameter("weight_hh" + suffix, init_uniform({GH, H}, H, options.dtype, rng));
      if (options.bias) {
        w.b_ih = register_parameter("bias_ih" + suffix, init_uniform({GH}, H, options.dtype, rng));
        w.b_hh = register_parameter("bias_hh" + suffix, init_uniform({GH}, H, options.dtype, rng));
      }
      weights_.push_back(w);
    }
}

RnnOutput RecurrentLayers::run(const Tensor& x, const Tensor& mask, const Tensor& h0, const Tensor& c0) const {
  const int64_t H = options_.hidden_size, dirs = directions(), L = options_.num_layers;
  ATTEND_CHECK(x.defined() && x.ndim() == 3 && x.size(2) == options_.input_size,
               "{}: x must be [T,B,{}] (time-major, input_size {}), got {}", name_, options_.input_size,
               options_.input_size, x.defined() ? x.shape() : Shape{});
  const Shape state_shape{L * dirs, x.size(1), H};
  for (auto [label, s] : {std::pair{"h0", &h0}, std::pair{"c0", &c0}})
    ATTEND_CHECK(!s->defined() || s->shape() == state_shape, "{}: {} must be {} ([layers*dirs,B,H]), got {}", name_,
                 label, state_shape, s->shape());

  RnnOutput result;
  std::vector<Tensor> h_last, c_last;
  Tensor input = x;
  for (int64_t layer = 0; layer < L; ++layer) {
    Tensor outs[2];
    for (int64_t dir = 0; dir < dirs; ++dir) {
      const int64_t index = layer * dirs + dir;
      const Weights& w = weights_[static_cast<size_t>(index)];
      const Tensor h_init = h0.defined() ? take_state(h0, index) : Tensor();
      const bool reverse = dir == 1;
      RnnLayerResult r;
      switch (kind_) {
        case Kind::kLstm: {
          const Tensor c_init = c0.defined() ? take_state(c0, index) : Tensor();
          r = lstm_layer(input, w.w_ih, w.w_hh, w.b_ih, w.b_hh, h_init, c_init, mask, reverse);
          c_last.push_back(r.c);
          break;
        }
        case Kind::kGru:
          r = gru_layer(input, w.w_ih, w.w_hh, w.b_ih, w.b_hh, h_init, mask, reverse);
          break;
        case Kind::kElman:
          r = rnn_layer(input, w.w_ih, w.w_hh, w.b_ih, w.b_hh, h_init, mask, reverse);
          break;
      }
      outs[dir] = r.out;
      h_last.push_back(r.h);
    }
    input = dirs == 2 ? join_directions(outs[0], outs[1]) : outs[0];
  }
  result.out = input;
  result.h = stack_states(h_last);
  if (!c_last.empty()) result.c = stack_states(c_last);
  return result;
}

LSTM::LSTM(const RnnOptions& options, Rng& rng) : RecurrentLayers(Kind::kLstm, "LSTM", options, rng) {}
GRU::GRU(const RnnOptions& options, Rng& rng) : RecurrentLayers(Kind::kGru, "GRU", options, rng) {}
RNN::RNN(const RnnOptions& options, Rng& rng) : RecurrentLayers(Kind::kElman, "RNN", options, rng) {}

namespace {
// Registers a cell's weight_ih, weight_hh and (with bias) bias_ih, bias_hh in PyTorch's order.
template <class Register>
void make_cell_parameters(const char* name, const RnnCellOptions& o, int64_t gates, Rng& rng, Register&& reg,
                          Tensor& w_ih, Tensor& w_hh, Tensor& b_ih, Tensor& b_hh) {
  ATTEND_CHECK(o.input_size > 0 && o.hidden_size > 0, "{}: input_size and hidden_size must be positive, got {}, {}",
               name, o.input_size, o.hidden_size);
  const int64_t H = o.hidden_size, GH = gates * H;
  w_ih = reg("weight_ih", init_uniform({GH, o.input_size}, H, o.dtype, rng));
  w_hh = reg("weight_hh", init_uniform({GH, H}, H, o.dtype, rng));
  if (o.bias) {
    b_ih = reg("bias_ih", init_uniform({GH}, H, o.dtype, rng));
    b_hh = reg("bias_hh", init_uniform({GH}, H, o.dtype, rng));
  }
}
}  // namespace

LSTMCell::LSTMCell(const RnnCellOptions& options, Rng& rng) : options_(options) {
  make_cell_parameters(
      "LSTMCell", options, 4, rng, [&](const std::string& n, Tensor t) { return register_parameter(n, t); }, w_ih_,
      w_hh_, b_ih_, b_hh_);
}
LstmState LSTMCell::forward(const Tensor& x, const Tensor& h, const Tensor& c) const {
  return lstm_cell(x, h, c, w_ih_, w_hh_, b_ih_, b_hh_);
}

GRUCell::GRUCell(const RnnCellOptions& options, Rng& rng) : options_(options) {
  make_cell_parameters(
      "GRUCell", options, 3, rng, [&](const std::string& n, Tensor t) { return register_parameter(n, t); }, w_ih_,
      w_hh_, b_ih_, b_hh_);
}
Tensor GRUCell::forward(const Tensor& x, const Tensor& h) const { return gru_cell(x, h, w_ih_, w_hh_, b_ih_, b_hh_); }

RNNCell::RNNCell(const RnnCellOptions& options, Rng& rng) : options_(options) {
  make_cell_parameters(
      "RNNCell", options, 1, rng, [&](const std::string& n, Tensor t) { return register_parameter(n, t); }, w_ih_,
      w_hh_, b_ih_, b_hh_);
}
Tensor RNNCell::forward(const Tensor& x, const Tensor& h) const { return rnn_cell(x, h, w_ih_, w_hh_, b_ih_, b_hh_); }

}  // namespace attend::nn
