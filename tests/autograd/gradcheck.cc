// Gradient-check harness implementation, and the test that every registered op is covered.
#include "autograd/gradcheck.h"

#include <algorithm>
#include <cmath>

#include "autograd/registry.h"
#include "autograd/tape.h"

namespace attend::testing {
namespace {
std::vector<std::string>& covered() {
  static auto* v = new std::vector<std::string>();
  return *v;
}

double weighted_sum(const Tensor& y, const Tensor& w) {
  auto yv = y.to_vector<double>();
  auto wv = w.to_vector<double>();
  double s = 0;
  for (size_t i = 0; i < yv.size(); ++i) s += yv[i] * wv[i];
  return s;
}
}  // namespace

CheckedOp::CheckedOp(const char* op_name) { covered().emplace_back(op_name); }

std::vector<std::string> checked_ops() {
  auto v = covered();
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

Tensor random_input(const Shape& shape, Rng& rng, double lo, double hi) {
  Tensor t = Tensor::empty(shape, DType::F64);
  rng.fill_uniform(t, lo, hi);
  t.set_requires_grad();
  return t;
}

void expect_gradients_match(const TensorFn& f, const std::vector<Tensor>& inputs, GradCheckOptions opt) {
  for (const Tensor& x : inputs) Tensor(x).zero_grad();
  Tensor y = f(inputs);
  ASSERT_TRUE(y.requires_grad()) << "output does not require grad";
  Rng rng(opt.seed);
  Tensor w = Tensor::empty(y.shape(), DType::F64);
  rng.fill_uniform(w, -1.0, 1.0);
  y.backward(w);

  for (size_t i = 0; i < inputs.size(); ++i) {
    const Tensor& x = inputs[i];
    if (!x.requires_grad()) continue;
    ASSERT_EQ(x.dtype(), DType::F64) << "gradient checks run in double";
    ASSERT_TRUE(x.is_contiguous());
    Tensor analytic = x.grad();
    std::vector<double> an = analytic.defined() ? analytic.to_vector<double>() : std::vector<double>(x.numel(), 0.0);
    double* p = x.data<double>();
    int failures = 0;
    for (int64_t j = 0; j < x.numel() && failures < 5; ++j) {
      const double orig = p[j];
      double lp, lm;
      {
        NoGradGuard ng;
        p[j] = orig + opt.eps;
        lp = weighted_sum(f(inputs), w);
        p[j] = orig - opt.eps;
        lm = weighted_sum(f(inputs), w);
        p[j] = orig;
      }
      const double numeric = (lp - lm) / (2 * opt.eps);
      const double a = an[static_cast<size_t>(j)];
      if (std::abs(a - numeric) > opt.atol + opt.rtol * std::abs(numeric)) {
        ADD_FAILURE() << "input " << i << " element " << j << ": analytic " << a << " vs numeric " << numeric;
        ++failures;
      }
    }
  }
}

}  // namespace attend::testing

namespace {

TEST(GradCheck, EveryRegisteredOpHasACheck) {
  auto checked = attend::testing::checked_ops();
  std::vector<std::string> missing;
  for (const auto& op : attend::registered_ops())
    if (!std::binary_search(checked.begin(), checked.end(), op)) missing.push_back(op);
  EXPECT_TRUE(missing.empty()) << "ops without a gradient check: " << fmt::format("{}", fmt::join(missing, ", "));
  EXPECT_FALSE(attend::registered_ops().empty());
}

}  // namespace
