// Linear, Embedding, LayerNorm, Dropout.
#include "nn/layers.h"

#include <cmath>

#include "autograd/ops/dropout.h"
#include "autograd/ops/index.h"
#include "autograd/ops/layer_norm.h"
#include "autograd/ops/linear.h"

namespace attend::nn {

Linear::Linear(int64_t in_features, int64_t out_features, Rng& rng, bool bias) {
  ATTEND_CHECK(in_features > 0 && out_features > 0, "Linear: sizes must be positive, got in={} out={}", in_features,
               out_features);
  const double k = 1.0 / std::sqrt(static_cast<double>(in_features));
  Tensor w = Tensor::empty({out_features, in_features});
  rng.fill_uniform(w, -k, k);
  weight_ = register_parameter("weight", w);
  if (bias) {
    Tensor b = Tensor::empty({out_features});
    rng.fill_uniform(b, -k, k);
    bias_ = register_parameter("bias", b);
  }
}

Tensor Linear::forward(const Tensor& x) const { return linear(x, weight_, bias_); }

Embedding::Embedding(int64_t vocab, int64_t dim, Rng& rng) {
  ATTEND_CHECK(vocab > 0 && dim > 0, "Embedding: sizes must be positive, got vocab={} dim={}", vocab, dim);
  Tensor w = Tensor::empty({vocab, dim});
  rng.fill_normal(w, 0.0, 1.0);
  weight_ = register_parameter("weight", w);
}

Tensor Embedding::forward(const Tensor& ids) const { return embedding(weight_, ids); }

LayerNorm::LayerNorm(int64_t dim, double eps) : eps_(eps) {
  ATTEND_CHECK(dim > 0, "LayerNorm: dimension must be positive, got {}", dim);
  gamma_ = register_parameter("weight", Tensor::ones({dim}));
  beta_ = register_parameter("bias", Tensor::zeros({dim}));
}

Tensor LayerNorm::forward(const Tensor& x) const { return layer_norm(x, gamma_, beta_, eps_); }

Dropout::Dropout(double p) : p_(p) {
  ATTEND_CHECK(p >= 0.0 && p < 1.0, "Dropout: p must be in [0, 1), got {}", p);
}

Tensor Dropout::forward(const Tensor& x, Rng& rng) const { return dropout(x, p_, rng, training()); }

}  // namespace attend::nn
