// Dense parameters and forward.
#include "attention/dense.h"

#include <cmath>

#include "autograd/ops/linear.h"

namespace attend::attention {

Tensor uniform_parameter(const Shape& shape, double bound, Rng& rng, DType dtype) {
  Tensor t = Tensor::empty(shape, DType::F32);
  rng.fill_uniform(t, -bound, bound);
  return dtype == DType::F32 ? t : t.copy(dtype);
}

Dense::Dense(int64_t in_features, int64_t out_features, Rng& rng, bool bias, DType dtype) {
  ATTEND_CHECK(in_features > 0 && out_features > 0, "attention Dense: sizes must be positive, got in={} out={}",
               in_features, out_features);
  ATTEND_CHECK(is_floating(dtype), "attention Dense: parameters must be float, got {}", dtype_name(dtype));
  const double k = 1.0 / std::sqrt(static_cast<double>(in_features));
  weight_ = register_parameter("weight", uniform_parameter({out_features, in_features}, k, rng, dtype));
  if (bias) bias_ = register_parameter("bias", uniform_parameter({out_features}, k, rng, dtype));
}

Tensor Dense::forward(const Tensor& x) const { return linear(x, weight_, bias_); }

}  // namespace attend::attention
