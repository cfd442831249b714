// Simple nn blocks: Linear, Embedding, LayerNorm, Dropout. Each holds its parameters and composes ops.
#pragma once
#include "nn/module.h"
#include "tensor/rng.h"

namespace attend::nn {

// y = x W^T + b; W: [out, in] initialised uniform(-1/sqrt(in), 1/sqrt(in)) like PyTorch.
class Linear : public Module {
 public:
  Linear(int64_t in_features, int64_t out_features, Rng& rng, bool bias = true);
  Tensor forward(const Tensor& x) const;  // x: [..., in] -> [..., out]
  const Tensor& weight() const { return weight_; }
  const Tensor& bias() const { return bias_; }

 private:
  Tensor weight_, bias_;
};

// Lookup table [vocab, dim], initialised N(0, 1) like PyTorch.
class Embedding : public Module {
 public:
  Embedding(int64_t vocab, int64_t dim, Rng& rng);
  Tensor forward(const Tensor& ids) const;  // ids: int [...] -> [..., dim]
  const Tensor& weight() const { return weight_; }

 private:
  Tensor weight_;
};

// Layer normalisation over the last axis with learnable gain (1) and bias (0).
class LayerNorm : public Module {
 public:
  explicit LayerNorm(int64_t dim, double eps = 1e-5);
  Tensor forward(const Tensor& x) const;

 private:
  Tensor gamma_, beta_;
  double eps_;
};

// Inverted dropout, active only in training mode; draws its masks from the given Rng.
class Dropout : public Module {
 public:
  explicit Dropout(double p);
  Tensor forward(const Tensor& x, Rng& rng) const;

 private:
  double p_;
};

}  // namespace attend::nn
