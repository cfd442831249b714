// Gradient-check harness: compares reverse-mode gradients with central differences in double, and
// registers which ops a test covers so that GradCheck.EveryRegisteredOpHasACheck can find gaps.
#pragma once
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "tensor/rng.h"
#include "tensor/tensor.h"

namespace attend::testing {

struct GradCheckOptions {
  double eps = 1e-6;
  double atol = 1e-7;
  double rtol = 1e-6;
  uint64_t seed = 1234;
};

using TensorFn = std::function<Tensor(const std::vector<Tensor>&)>;

// For every floating input that requires grad: backprop a random upstream gradient w through f and
// compare each element of the input's gradient with (L(x+eps) - L(x-eps)) / 2eps, L = sum(w * f(x)).
// Reports mismatches as gtest failures.
void expect_gradients_match(const TensorFn& f, const std::vector<Tensor>& inputs, GradCheckOptions opt = {});

// Random float64 tensor with values in [lo, hi), requiring grad.
Tensor random_input(const Shape& shape, Rng& rng, double lo = -1.0, double hi = 1.0);

// Coverage registry.
struct CheckedOp {
  explicit CheckedOp(const char* op_name);
};
std::vector<std::string> checked_ops();

}  // namespace attend::testing

#define ATTEND_GC_CONCAT_INNER(a, b) a##b
#define ATTEND_GC_CONCAT(a, b) ATTEND_GC_CONCAT_INNER(a, b)
// GRADCHECK_TEST("matmul", MatmulPlain) { ... }  -- a TEST(GradCheck, MatmulPlain) that covers op "matmul".
#define GRADCHECK_TEST(op_name, test_name)                                                                  \
  static const ::attend::testing::CheckedOp ATTEND_GC_CONCAT(gradcheck_cover_, test_name)(op_name);         \
  TEST(GradCheck, test_name)
