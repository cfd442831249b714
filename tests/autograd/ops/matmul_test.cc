// matmul: values against the reference GEMM, gradients by central differences, bad shapes.
#include "autograd/ops/matmul.h"

#include <gtest/gtest.h>

#include "autograd/gradcheck.h"
#include "autograd/ops/copy.h"
#include "kernels/gemm.h"

namespace attend {
namespace {

using testing::expect_gradients_match;
using testing::random_input;

GRADCHECK_TEST("matmul", MatmulAllTransposes) {
  Rng rng(1);
  for (bool ta : {false, true})
    for (bool tb : {false, true}) {
      Tensor a = random_input(ta ? Shape{5, 3} : Shape{3, 5}, rng);
      Tensor b = random_input(tb ? Shape{4, 5} : Shape{5, 4}, rng);
      expect_gradients_match([&](const std::vector<Tensor>& x) { return matmul(x[0], x[1], ta, tb); }, {a, b});
    }
}

GRADCHECK_TEST("matmul", MatmulBatchedAndSharedWeight) {
  Rng rng(2);
  for (bool ta : {false, true})
    for (bool tb : {false, true}) {
      Tensor a = random_input(ta ? Shape{2, 3, 4, 2} : Shape{2, 3, 2, 4}, rng);
      Tensor b = random_input(tb ? Shape{2, 3, 5, 4} : Shape{2, 3, 4, 5}, rng);
      Tensor w = random_input(tb ? Shape{5, 4} : Shape{4, 5}, rng);
      expect_gradients_match([&](const std::vector<Tensor>& x) { return matmul(x[0], x[1], ta, tb); }, {a, b});
      expect_gradients_match([&](const std::vector<Tensor>& x) { return matmul(x[0], x[1], ta, tb); }, {a, w});
    }
}

TEST(Matmul, FloatMatchesReferenceOnOddSizes) {
  Rng rng(3);
  for (int64_t m : {1, 7, 65})
    for (int64_t k : {1, 63})
      for (int64_t n : {1, 7, 65}) {
        Tensor a = Tensor::empty({m, k});
        Tensor b = Tensor::empty({n, k});
        rng.fill_uniform(a, -1, 1);
        rng.fill_uniform(b, -1, 1);
        Tensor y = matmul(a, b, false, true);
        std::vector<double> ref(static_cast<size_t>(m * n));
        auto ad = a.to_vector<double>();
        auto bd = b.to_vector<double>();
        kernels::ref::gemm<double>({false, true, m, n, k, k, k, n}, 1.0, ad.data(), bd.data(), 0.0, ref.data());
        auto yv = y.to_vector<float>();
        for (size_t i = 0; i < ref.size(); ++i) ASSERT_NEAR(yv[i], ref[i], 1e-4) << m << "x" << k << "x" << n;
      }
}

TEST(Matmul, TransposedViewNeedsNoFlag) {
  Rng rng(4);
  Tensor a = Tensor::empty({3, 4});
  Tensor b = Tensor::empty({5, 4});
  rng.fill_uniform(a, -1, 1);
  rng.fill_uniform(b, -1, 1);
  Tensor bt = b.view_strided({4, 5}, {1, 4}, 0);  // b^T as a view
  auto y1 = matmul(a, bt).to_vector<float>();
  auto y2 = matmul(a, b, false, true).to_vector<float>();
  for (size_t i = 0; i < y1.size(); ++i) EXPECT_FLOAT_EQ(y1[i], y2[i]);
}

TEST(Matmul, InnerDimensionMismatchNamesShapes) {
  Tensor a = Tensor::zeros({32, 64});
  Tensor b = Tensor::zeros({128, 16});
  try {
    matmul(a, b);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("matmul: inner dimensions differ: [32,64] x [128,16]"), std::string::npos)
        << e.what();
  }
}

GRADCHECK_TEST("cast", CastRoundTrip) {
  Rng rng(6);
  Tensor a = random_input({2, 3}, rng);
  expect_gradients_match([](const std::vector<Tensor>& x) { return cast(cast(x[0], DType::F32), DType::F64); }, {a},
                         {.eps = 1e-2, .atol = 1e-5, .rtol = 1e-4});
}

}  // namespace
}  // namespace attend
