// additive_score op: gradient checks for all four inputs (with and without location features), the float
// kernel against its unfused twin (add, tanh, dot with v) over odd sizes, saturating inputs and zero
// upstream gradients (masked keys), forward and backward; and shape errors.
#include "autograd/ops/additive_score.h"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <vector>

#include "autograd/gradcheck.h"
#include "autograd/ops.h"
#include "support/expect_error.h"

namespace attend {
namespace {

using testing::expect_gradients_match;
using testing::random_input;

// The unfused composition the op replaces: v . tanh(wq[:, :, None] + wk[:, None] (+ loc)).
Tensor unfused(const Tensor& wq, const Tensor& wk, const Tensor& loc, const Tensor& v) {
  Tensor pre = add(unsqueeze(wq, 2), unsqueeze(wk, 1));
  if (loc.defined()) pre = add(pre, loc);
  return squeeze(matmul(tanh(pre), reshape(v, {v.size(0), 1})), -1);
}

GRADCHECK_TEST("additive_score", AdditiveScoreAllInputs) {
  Rng rng(81);
  Tensor wq = random_input({2, 3, 5}, rng, -2, 2), wk = random_input({2, 4, 5}, rng, -2, 2);
  Tensor v = random_input({5}, rng);
  expect_gradients_match([](const std::vector<Tensor>& x) { return additive_score(x[0], x[1], Tensor(), x[2]); },
                         {wq, wk, v});
}

GRADCHECK_TEST("additive_score", AdditiveScoreWithLocationOnStridedQuery) {
  Rng rng(82);
  Tensor wq = random_input({3, 2, 4}, rng, -2, 2), wk = random_input({2, 3, 4}, rng, -2, 2);
  Tensor loc = random_input({2, 3, 3, 4}, rng), v = random_input({4}, rng);
  expect_gradients_match(
      [](const std::vector<Tensor>& x) { return additive_score(transpose(x[0], 0, 1), x[1], x[2], x[3]); },
      {wq, wk, loc, v});
}

// Float kernel vs the unfused float64 composition: values and all four gradients.
void expect_matches_unfused(int64_t b, int64_t tq, int64_t tk, int64_t h, bool with_loc, double scale,
                            bool zero_some_grads) {
  SCOPED_TRACE(::testing::Message() << "B " << b << " Tq " << tq << " Tk " << tk << " H " << h << " loc " << with_loc
                                    << " scale " << scale);
  Rng rng(static_cast<uint64_t>(b * 1000 + tq * 100 + tk * 10 + h));
  auto make = [&](const Shape& s) { return random_input(s, rng, -scale, scale); };
  const Tensor wq64 = make({b, tq, h}), wk64 = make({b, tk, h}), v64 = make({h});
  const Tensor loc64 = with_loc ? make({b, tq, tk, h}) : Tensor();
  Tensor g64 = random_input({b, tq, tk}, rng);
  if (zero_some_grads) {  // masked keys pass no gradient
    auto* p = g64.data<double>();
    for (int64_t i = 0; i < g64.numel(); i += 3) p[i] = 0;
  }
  auto leaf = [](const Tensor& t, DType d) {
    if (!t.defined()) return Tensor();
    Tensor c = t.detach().copy(d);
    c.set_requires_grad();
    return c;
  };
  const Tensor q32 = leaf(wq64, DType::F32), k32 = leaf(wk64, DType::F32), v32 = leaf(v64, DType::F32),
               l32 = leaf(loc64, DType::F32);
  const Tensor q64 = leaf(wq64, DType::F64), k64 = leaf(wk64, DType::F64), v64b = leaf(v64, DType::F64),
               l64 = leaf(loc64, DType::F64);
  // One graph at a time: backward() consumes the whole tape.
  const Tensor fused = additive_score(q32, k32, l32, v32);
  sum(mul(fused, g64.detach().copy(DType::F32))).backward();
  const Tensor ref = unfused(q64, k64, l64, v64b);
  sum(mul(ref, g64.detach())).backward();
  auto expect_close = [&](const Tensor& a, const Tensor& r, const char* what) {
    ASSERT_EQ(a.shape(), r.shape()) << what;
    const auto av = a.copy(DType::F64).to_vector<double>(), rv = r.to_vector<double>();
    for (size_t i = 0; i < av.size(); ++i) {
      ASSERT_TRUE(std::isfinite(av[i])) << what << " " << i;
      ASSERT_NEAR(av[i], rv[i], 2e-5 * (1 + std::fabs(rv[i])) * std::sqrt(static_cast<double>(h * tk * tq)))
          << what << " element " << i;
    }
  };
  expect_close(fused, ref, "scores");
  expect_close(q32.grad(), q64.grad(), "d wq");
  expect_close(k32.grad(), k64.grad(), "d wk");
  expect_close(v32.grad(), v64b.grad(), "d v");
  if (with_loc) expect_close(l32.grad(), l64.grad(), "d loc");
}

TEST(AdditiveScoreKernel, MatchesUnfusedOverOddSizes) {
  for (auto [b, tq, tk, h] : std::vector<std::array<int64_t, 4>>{
           {1, 1, 1, 1}, {1, 1, 7, 3}, {3, 1, 30, 17}, {2, 5, 9, 33}, {65, 1, 13, 64}, {4, 3, 63, 256}})
    for (bool loc : {false, true}) expect_matches_unfused(b, tq, tk, h, loc, 2.0, b % 2 == 1);
}

TEST(AdditiveScoreKernel, SaturatedInputsStayFinite) {
  expect_matches_unfused(3, 2, 11, 19, true, 1e4, true);  // tanh at +-1: zero slope, no NaN
  expect_matches_unfused(2, 1, 5, 40, false, 30.0, false);
}

TEST(AdditiveScoreKernel, ShapeErrors) {
  const Tensor q = Tensor::zeros({2, 1, 4}), k = Tensor::zeros({2, 3, 4}), v = Tensor::zeros({4});
  testing::expect_error_containing([&] { additive_score(q, Tensor::zeros({2, 3, 5}), Tensor(), v); }, "expected wq");
  testing::expect_error_containing([&] { additive_score(q, k, Tensor(), Tensor::zeros({3})); }, "expected wq");
  testing::expect_error_containing([&] { additive_score(q, k, Tensor::zeros({2, 1, 3, 5}), v); },
                                   "location features");
  EXPECT_EQ(additive_score(q, Tensor::zeros({2, 0, 4}), Tensor(), v).shape(), Shape({2, 1, 0}));
}

}  // namespace
}  // namespace attend
