// Unary ops: gradients by central differences, float against double on odd sizes, strided inputs,
// and extreme inputs through forward and backward.
#include "autograd/ops/unary.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "autograd/gradcheck.h"
#include "autograd/ops/copy.h"

namespace attend {
namespace {

using testing::expect_gradients_match;
using testing::random_input;
using UnaryFn = Tensor (*)(const Tensor&);

// Gradient check on a [3,5] input drawn from [lo, hi).
void check_unary(UnaryFn fn, double lo, double hi, uint64_t seed) {
  Rng rng(seed);
  Tensor x = random_input({3, 5}, rng, lo, hi);
  expect_gradients_match([fn](const std::vector<Tensor>& in) { return fn(in[0]); }, {x});
}

GRADCHECK_TEST("neg", Neg) { check_unary(neg, -2, 2, 1); }
GRADCHECK_TEST("abs", Abs) { check_unary(abs, -2, 2, 2); }
GRADCHECK_TEST("exp", Exp) { check_unary(exp, -3, 3, 3); }
GRADCHECK_TEST("log", Log) { check_unary(log, 0.2, 3, 4); }
GRADCHECK_TEST("sqrt", Sqrt) { check_unary(sqrt, 0.2, 3, 5); }
GRADCHECK_TEST("tanh", Tanh) { check_unary(tanh, -3, 3, 6); }
GRADCHECK_TEST("sigmoid", Sigmoid) { check_unary(sigmoid, -5, 5, 7); }
GRADCHECK_TEST("relu", Relu) { check_unary(relu, -2, 2, 8); }
GRADCHECK_TEST("gelu", Gelu) { check_unary(gelu, -4, 4, 9); }

GRADCHECK_TEST("pow", PowCommonAndGeneralExponents) {
  Rng rng(10);
  for (double p : {0.0, 1.0, 2.0, 3.0, 0.5, -1.0, 1.7, -2.5}) {
    SCOPED_TRACE(p);
    Tensor x = random_input({2, 4}, rng, 0.3, 2.0);
    expect_gradients_match([p](const std::vector<Tensor>& in) { return pow(in[0], p); }, {x});
  }
  Tensor neg_x = random_input({2, 4}, rng, -2.0, -0.3);  // integer powers of negatives
  for (double p : {2.0, 3.0, -1.0})
    expect_gradients_match([p](const std::vector<Tensor>& in) { return pow(in[0], p); }, {neg_x});
}

TEST(Unary, FloatMatchesDoubleOnOddSizes) {
  Rng rng(11);
  const std::pair<UnaryFn, const char*> fns[] = {{exp, "exp"},   {tanh, "tanh"}, {sigmoid, "sigmoid"},
                                                 {gelu, "gelu"}, {relu, "relu"}, {neg, "neg"}};
  for (int64_t n : {1, 7, 63, 65, 1000}) {
    Tensor xd = Tensor::empty({n}, DType::F64);
    rng.fill_uniform(xd, -6, 6);
    Tensor xf = xd.copy(DType::F32);
    for (const auto& [fn, name] : fns) {
      const auto yf = fn(xf).to_vector<float>();
      const auto yd = fn(cast(xf, DType::F64)).to_vector<double>();
      for (size_t i = 0; i < yf.size(); ++i)
        ASSERT_NEAR(yf[i], yd[i], 2e-6 * std::max(1.0, std::abs(yd[i]))) << name << " n=" << n;
    }
  }
}

// A transposed view goes through a dense copy: same values and gradients as the copy itself.
TEST(Unary, StridedInputMatchesItsDenseCopy) {
  Rng rng(12);
  Tensor base = Tensor::empty({5, 3}, DType::F64);
  Tensor w = Tensor::empty({3, 5}, DType::F64);
  rng.fill_uniform(base, 0.2, 2);
  rng.fill_uniform(w, -1, 1);
  for (UnaryFn fn : {exp, log, tanh, gelu, abs}) {
    Tensor view = base.view_strided({3, 5}, {1, 3}, 0);
    Tensor dense = view.copy();
    view.set_requires_grad();
    dense.set_requires_grad();
    Tensor yv = fn(view);
    yv.backward(w);  // runs and clears the tape, so one forward/backward at a time
    Tensor yd = fn(dense);
    yd.backward(w);
    EXPECT_EQ(yv.to_vector<double>(), yd.to_vector<double>());
    EXPECT_EQ(view.grad().to_vector<double>(), dense.grad().to_vector<double>());
  }
}

// Saturating functions at +-1e4 give exact limits and zero (not NaN) gradients; exp over/underflows.
TEST(Unary, ExtremeInputsThroughForwardAndBackward) {
  for (DType dt : {DType::F32, DType::F64}) {
    Tensor x = Tensor::empty({2}, dt);
    x.copy_from_(Tensor::from<double>({1e4, -1e4}, {2}));
    auto run = [&](UnaryFn fn) {
      Tensor xi = x.copy();
      xi.set_requires_grad();
      Tensor y = fn(xi);
      y.backward(Tensor::ones({2}, dt));
      return std::make_pair(y.to_vector<double>(), xi.grad().to_vector<double>());
    };
    auto [th, dth] = run(tanh);
    EXPECT_EQ(th, (std::vector<double>{1, -1}));
    EXPECT_EQ(dth, (std::vector<double>{0, 0}));
    auto [sg, dsg] = run(sigmoid);
    EXPECT_EQ(sg, (std::vector<double>{1, 0}));
    EXPECT_EQ(dsg, (std::vector<double>{0, 0}));
    auto [ge, dge] = run(gelu);
    EXPECT_EQ(ge, (std::vector<double>{1e4, 0}));
    EXPECT_EQ(dge, (std::vector<double>{1, 0}));
    auto [ex, dex] = run(exp);
    EXPECT_TRUE(std::isinf(ex[0]) && ex[0] > 0);
    EXPECT_EQ(ex[1], 0.0);
    EXPECT_EQ(dex[1], 0.0);
    auto [re, dre] = run(relu);
    EXPECT_EQ(re, (std::vector<double>{1e4, 0}));
    EXPECT_EQ(dre, (std::vector<double>{1, 0}));
  }
}

// Documented, not an error: log(0) = -inf (gradient +inf), log(-1) = NaN, sqrt(0)' = +inf.
TEST(Unary, LogAndSqrtAtTheDomainEdge) {
  Tensor x = Tensor::from<float>({0.f, -1.f, 1.f}, {3});
  x.set_requires_grad();
  Tensor y = log(x);
  const auto v = y.to_vector<float>();
  EXPECT_EQ(v[0], -std::numeric_limits<float>::infinity());
  EXPECT_TRUE(std::isnan(v[1]));
  EXPECT_EQ(v[2], 0.f);
  y.backward(Tensor::ones({3}));
  EXPECT_EQ(x.grad().to_vector<float>()[0], std::numeric_limits<float>::infinity());
  Tensor z = Tensor::zeros({1});
  z.set_requires_grad();
  sqrt(z).backward(Tensor::ones({1}));
  EXPECT_EQ(z.grad().item(), std::numeric_limits<double>::infinity());
}

TEST(Unary, IntegerInputIsAnError) {
  try {
    tanh(Tensor::arange(3));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.message(), "tanh: expected a floating-point tensor, got int64");
  }
}

}  // namespace
}  // namespace attend
