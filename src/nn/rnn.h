// Recurrent modules: multi-layer, optionally bidirectional LSTM / GRU / RNN (tanh) layers over whole
// sequences, and the single-step LSTMCell / GRUCell / RNNCell for decoders. Parameters are named and
// initialised like torch.nn (weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0, ..._reverse; cells:
// weight_ih, weight_hh, bias_ih, bias_hh; all uniform(-1/sqrt(H), 1/sqrt(H))), so a PyTorch state dict
// maps onto them name for name. Sequences are time-major: x [T,B,I].
#pragma once
#include <string>
#include <vector>

#include "autograd/ops/rnn.h"
#include "nn/module.h"
#include "tensor/rng.h"

namespace attend::nn {

struct RnnOptions {
  int64_t input_size = 0;
  int64_t hidden_size = 0;
  int64_t num_layers = 1;
  bool bidirectional = false;
  bool bias = true;
  DType dtype = DType::F32;
};

struct RnnOutput {
  Tensor out;  // [T,B,H*dirs] last layer's outputs, directions concatenated (forward first); 0 at padded steps
  Tensor h;    // [layers*dirs,B,H] final hidden states, index = layer*dirs + direction
  Tensor c;    // [layers*dirs,B,H] final cell states (LSTM only)
};

// The shared machinery of LSTM, GRU and RNN; use those.
class RecurrentLayers : public Module {
 public:
  const RnnOptions& options() const { return options_; }
  int64_t directions() const { return options_.bidirectional ? 2 : 1; }

 protected:
  enum class Kind { kLstm, kGru, kElman };
  RecurrentLayers(Kind kind, const char* name, const RnnOptions& options, Rng& rng);
  // x: [T,B,I]; mask: [T,B] (nonzero = valid) or undefined; h0, c0: [layers*dirs,B,H] or undefined (zeros).
  RnnOutput run(const Tensor& x, const Tensor& mask, const Tensor& h0, const Tensor& c0) const;

 private:
  struct Weights {
    Tensor w_ih, w_hh, b_ih, b_hh;
  };
  Kind kind_;
  const char* name_;
  RnnOptions options_;
  std::vector<Weights> weights_;  // [layer * dirs + direction]
};

class LSTM : public RecurrentLayers {
 public:
  LSTM(const RnnOptions& options, Rng& rng);
  RnnOutput forward(const Tensor& x, const Tensor& mask = {}, const Tensor& h0 = {}, const Tensor& c0 = {}) const {
    return run(x, mask, h0, c0);
  }
};

class GRU : public RecurrentLayers {
 public:
  GRU(const RnnOptions& options, Rng& rng);
  RnnOutput forward(const Tensor& x, const Tensor& mask = {}, const Tensor& h0 = {}) const {
    return run(x, mask, h0, {});
  }
};

// Elman RNN with tanh.
class RNN : public RecurrentLayers {
 public:
  RNN(const RnnOptions& options, Rng& rng);
  RnnOutput forward(const Tensor& x, const Tensor& mask = {}, const Tensor& h0 = {}) const {
    return run(x, mask, h0, {});
  }
};

struct RnnCellOptions {
  int64_t input_size = 0;
  int64_t hidden_size = 0;
  bool bias = true;
  DType dtype = DType::F32;
};

// One step: x [B,I], h, c [B,H] (undefined = zeros) -> the new state.
class LSTMCell : public Module {
 public:
  LSTMCell(const RnnCellOptions& options, Rng& rng);
  LstmState forward(const Tensor& x, const Tensor& h = {}, const Tensor& c = {}) const;
  const RnnCellOptions& options() const { return options_; }

 private:
  RnnCellOptions options_;
  Tensor w_ih_, w_hh_, b_ih_, b_hh_;
};

class GRUCell : public Module {
 public:
  GRUCell(const RnnCellOptions& options, Rng& rng);
  Tensor forward(const Tensor& x, const Tensor& h = {}) const;
  const RnnCellOptions& options() const { return options_; }

 private:
  RnnCellOptions options_;
  Tensor w_ih_, w_hh_, b_ih_, b_hh_;
};

class RNNCell : public Module {
 public:
  RNNCell(const RnnCellOptions& options, Rng& rng);
  Tensor forward(const Tensor& x, const Tensor& h = {}) const;
  const RnnCellOptions& options() const { return options_; }

 private:
  RnnCellOptions options_;
  Tensor w_ih_, w_hh_, b_ih_, b_hh_;
};

}  // namespace attend::nn
