// Self-test of the gradient-check harness: an op whose backward is deliberately wrong must be caught.
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include "autograd/gradcheck.h"
#include "autograd/tape.h"

namespace attend {
namespace {

// y = x, but the recorded backward adds 2*dy instead of dy. Not registered: it exists only here.
Tensor identity_with_wrong_gradient(const Tensor& x) {
  Tensor y = x.copy();
  if (any_requires_grad({&x})) {
    y.set_requires_grad();
    tape().record([x, y] {
      Tensor dy = y.grad();
      if (!dy.defined()) return;
      double* dx = grad_buffer(x).data<double>();
      const double* g = dy.data<double>();
      for (int64_t i = 0; i < x.numel(); ++i) dx[i] += 2 * g[i];
    });
  }
  return y;
}

// The correct version of the same op, so the test also shows the harness passes a right gradient.
Tensor identity(const Tensor& x) {
  Tensor y = x.copy();
  if (any_requires_grad({&x})) {
    y.set_requires_grad();
    tape().record([x, y] {
      Tensor dy = y.grad();
      if (!dy.defined()) return;
      double* dx = grad_buffer(x).data<double>();
      const double* g = dy.data<double>();
      for (int64_t i = 0; i < x.numel(); ++i) dx[i] += g[i];
    });
  }
  return y;
}

TEST(GradCheckHarness, DetectsWrongGradient) {
  Rng rng(1);
  const auto wrong = [](const std::vector<Tensor>& in) { return identity_with_wrong_gradient(in[0]); };
  // One element: exactly one reported mismatch, naming the analytic and numeric values.
  Tensor x1 = testing::random_input({1}, rng);
  EXPECT_NONFATAL_FAILURE(testing::expect_gradients_match(wrong, {x1}), "analytic");
  // Many elements: every mismatch is reported, up to the harness's cap of 5 per input.
  Tensor x = testing::random_input({2, 3}, rng);
  ::testing::TestPartResultArray failures;
  {
    ::testing::ScopedFakeTestPartResultReporter reporter(
        ::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD, &failures);
    testing::expect_gradients_match(wrong, {x});
  }
  EXPECT_EQ(failures.size(), 5);
  // The correct gradient of the same op passes.
  testing::expect_gradients_match([](const std::vector<Tensor>& in) { return identity(in[0]); }, {x});
}

}  // namespace
}  // namespace attend
