// Dense: the affine maps inside attention mechanisms (y = x W^T + b, W: [out, in], PyTorch layout), like
// nn::Linear but with a parameter dtype, so a whole mechanism can be built in float64 for gradient checks.
// Parameters are always drawn in float32 from the Rng and then cast, so the float32 and float64 builds of
// one seed hold the same values.
#pragma once
#include "nn/module.h"
#include "tensor/rng.h"

namespace attend::attention {

// A parameter tensor of `shape` drawn uniform(-bound, bound) in float32, then cast to `dtype`.
Tensor uniform_parameter(const Shape& shape, double bound, Rng& rng, DType dtype);

class Dense : public nn::Module {
 public:
  // W (and b) uniform(-1/sqrt(in), 1/sqrt(in)), as PyTorch's nn.Linear.
  Dense(int64_t in_features, int64_t out_features, Rng& rng, bool bias, DType dtype = DType::F32);
  Tensor forward(const Tensor& x) const;  // x: [..., in] -> [..., out]
  const Tensor& weight() const { return weight_; }
  const Tensor& bias() const { return bias_; }

 private:
  Tensor weight_, bias_;
};

}  // namespace attend::attention
