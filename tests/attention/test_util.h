// Helpers shared by the attention tests: random inputs, flat element access for hand references, and an
// error-text check.
#pragma once
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "attention/attention.h"
#include "support/expect_error.h"
#include "tensor/rng.h"
#include "tensor/tensor.h"

namespace attend::attention::testutil {

// Random tensor in [lo, hi); float64 inputs require grad (for gradient checks).
inline Tensor random_tensor(const Shape& shape, Rng& rng, DType dtype = DType::F64, double lo = -1, double hi = 1) {
  Tensor t = Tensor::empty(shape, dtype);
  rng.fill_uniform(t, lo, hi);
  if (dtype == DType::F64) t.set_requires_grad();
  return t;
}

// Row-major values of any tensor as doubles, with index helpers.
struct Values {
  explicit Values(const Tensor& t) : v(t.to_vector<double>()), shape(t.shape()) {}
  double operator()(int64_t i) const { return v[static_cast<size_t>(i)]; }
  double operator()(int64_t i, int64_t j) const { return v[static_cast<size_t>(i * shape[1] + j)]; }
  double operator()(int64_t i, int64_t j, int64_t k) const {
    return v[static_cast<size_t>((i * shape[1] + j) * shape[2] + k)];
  }
  double operator()(int64_t i, int64_t j, int64_t k, int64_t l) const {
    return v[static_cast<size_t>(((i * shape[1] + j) * shape[2] + k) * shape[3] + l)];
  }
  std::vector<double> v;
  Shape shape;
};

// AttentionInputs with query, keys and values set and everything else at its default.
inline AttentionInputs qkv(const Tensor& q, const Tensor& k, const Tensor& v) {
  AttentionInputs in;
  in.query = q;
  in.keys = k;
  in.values = v;
  return in;
}

using attend::testing::expect_error_containing;

inline void expect_all_near(const Tensor& a, const Tensor& b, double tol) {
  ASSERT_EQ(a.shape(), b.shape());
  auto x = a.to_vector<double>(), y = b.to_vector<double>();
  for (size_t i = 0; i < x.size(); ++i) ASSERT_NEAR(x[i], y[i], tol) << "element " << i;
}

}  // namespace attend::attention::testutil
