// linear: gradients by central differences; values against matmul + explicit bias.
#include "autograd/ops/linear.h"

#include <gtest/gtest.h>

#include "autograd/gradcheck.h"
#include "autograd/ops/matmul.h"

namespace attend {
namespace {

GRADCHECK_TEST("linear", LinearWithAndWithoutBias) {
  Rng rng(11);
  Tensor x = testing::random_input({2, 3, 4}, rng);
  Tensor w = testing::random_input({5, 4}, rng);
  Tensor b = testing::random_input({5}, rng);
  testing::expect_gradients_match([](const std::vector<Tensor>& v) { return linear(v[0], v[1], v[2]); }, {x, w, b});
  testing::expect_gradients_match([](const std::vector<Tensor>& v) { return linear(v[0], v[1], Tensor()); }, {x, w});
}

TEST(Linear, MatchesMatmulPlusBiasOnOddSizes) {
  Rng rng(12);
  for (int64_t rows : {1, 7, 65})
    for (int64_t in : {1, 63})
      for (int64_t out : {1, 65}) {
        Tensor x = Tensor::empty({rows, in}), w = Tensor::empty({out, in}), b = Tensor::empty({out});
        rng.fill_uniform(x, -1, 1);
        rng.fill_uniform(w, -1, 1);
        rng.fill_uniform(b, -1, 1);
        auto y = linear(x, w, b).to_vector<float>();
        auto m = matmul(x, w, false, true).to_vector<float>();
        auto bv = b.to_vector<float>();
        for (int64_t r = 0; r < rows; ++r)
          for (int64_t j = 0; j < out; ++j)
            ASSERT_NEAR(y[r * out + j], m[r * out + j] + bv[j], 1e-5);
      }
}

TEST(Linear, ShapeErrorsNameShapes) {
  Tensor x = Tensor::zeros({3, 4}), w = Tensor::zeros({5, 6});
  try {
    linear(x, w, Tensor());
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("[3,4] x [5,6]"), std::string::npos) << e.what();
  }
  EXPECT_THROW(linear(Tensor::zeros({3, 6}), w, Tensor::zeros({4})), Error);
}

}  // namespace
}  // namespace attend
