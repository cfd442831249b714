// Recurrent nn blocks: Elman RNN, LSTM and GRU as cells (one step, for decoders) and as multi-layer,
// optionally bidirectional layers over time-major sequences with padding masks. Parameters are named
// and laid out as in torch.nn.RNN/LSTM/GRU (weight_ih_l0, weight_hh_l0_reverse, ...), so weights map 1:1.
#pragma once
#include <vector>

#include "autograd/ops/rnn.h"
#include "nn/module.h"
#include "tensor/rng.h"

namespace attend::nn {

enum class RnnKind { Elman, LSTM, GRU };

struct RnnOptions {
  int64_t input_size = 0;
  int64_t hidden_size = 0;
  int64_t num_layers = 1;
  bool bidirectional = false;
};

struct RnnOutput {
  Tensor out;  // [T,B,H*dirs]: the last layer's states (0 at padded steps)
  Tensor h;    // [layers*dirs,B,H]: final hidden state per layer and direction
  Tensor c;    // [layers*dirs,B,H]: final cell state (LSTM only)
};

// A stack of recurrent layers. Masked (padded) steps leave the state untouched; the reverse direction
// starts at each sequence's own last valid step.
class Recurrent : public Module {
 public:
  Recurrent(RnnKind kind, const RnnOptions& options, Rng& rng);
  // x: [T,B,I], mask: [T,B] (1 = token, undefined = all valid), h0/c0: [layers*dirs,B,H] or undefined.
  RnnOutput forward(const Tensor& x, const Tensor& mask = {}, const Tensor& h0 = {}, const Tensor& c0 = {}) const;
  const RnnOptions& options() const { return options_; }
  RnnKind kind() const { return kind_; }

 private:
  struct Weights {
    Tensor w_ih, w_hh, b_ih, b_hh;
  };
  RnnKind kind_;
  RnnOptions options_;
  std::vector<Weights> weights_;  // index: layer * dirs + direction
};

class LSTM : public Recurrent {
 public:
  LSTM(const RnnOptions& options, Rng& rng) : Recurrent(RnnKind::LSTM, options, rng) {}
};
class GRU : public Recurrent {
 public:
  GRU(const RnnOptions& options, Rng& rng) : Recurrent(RnnKind::GRU, options, rng) {}
};
class RNN : public Recurrent {
 public:
  RNN(const RnnOptions& options, Rng& rng) : Recurrent(RnnKind::Elman, options, rng) {}
};

// One step of a recurrent cell, for decoders that feed each output back in.
class LSTMCell : public Module {
 public:
  LSTMCell(int64_t input_size, int64_t hidden_size, Rng& rng);
  LstmState forward(const Tensor& x, const Tensor& h, const Tensor& c) const;  // x: [B,I], h, c: [B,H]

 private:
  Tensor w_ih_, w_hh_, b_ih_, b_hh_;
};

class GRUCell : public Module {
 public:
  GRUCell(int64_t input_size, int64_t hidden_size, Rng& rng);
  Tensor forward(const Tensor& x, const Tensor& h) const;

 private:
  Tensor w_ih_, w_hh_, b_ih_, b_hh_;
};

class RNNCell : public Module {
 public:
  RNNCell(int64_t input_size, int64_t hidden_size, Rng& rng);
  Tensor forward(const Tensor& x, const Tensor& h) const;

 private:
  Tensor w_ih_, w_hh_, b_ih_, b_hh_;
};

}  // namespace attend::nn
