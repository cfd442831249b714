// Tape behaviour: recording only when needed, no-grad mode, accumulation across passes, errors.
#include "autograd/tape.h"

#include <gtest/gtest.h>

#include "autograd/ops/matmul.h"

namespace attend {
namespace {

TEST(Tape, NothingRecordedWhenNoInputNeedsGrad) {
  tape().clear();
  Tensor a = Tensor::ones({2, 2}), b = Tensor::ones({2, 2});
  Tensor y = matmul(a, b);
  EXPECT_FALSE(y.requires_grad());
  EXPECT_EQ(tape().size(), 0u);
}

TEST(Tape, NoGradGuardDisablesRecording) {
  tape().clear();
  Tensor a = Tensor::ones({2, 2});
  a.set_requires_grad();
  {
    NoGradGuard ng;
    Tensor y = matmul(a, a);
    EXPECT_FALSE(y.requires_grad());
  }
  EXPECT_EQ(tape().size(), 0u);
  Tensor y = matmul(a, a);
  EXPECT_TRUE(y.requires_grad());
  EXPECT_EQ(tape().size(), 1u);
  tape().clear();
}

TEST(Tape, GradientsAccumulateAcrossBackwardPasses) {
  Tensor a = Tensor::from<double>({1, 2, 3, 4}, {2, 2});
  Tensor b = Tensor::from<double>({1, 0, 0, 1}, {2, 2});
  a.set_requires_grad();
  Tensor g = Tensor::ones({2, 2}, DType::F64);
  matmul(a, b).backward(g);
  auto first = a.grad().to_vector<double>();
  matmul(a, b).backward(g);
  auto second = a.grad().to_vector<double>();
  for (size_t i = 0; i < first.size(); ++i) EXPECT_DOUBLE_EQ(second[i], 2 * first[i]);
  EXPECT_FALSE(b.grad().defined());  // b never needed a gradient
  EXPECT_EQ(tape().size(), 0u);      // backward clears the tape
}

TEST(Tape, BackwardErrors) {
  Tensor a = Tensor::ones({2, 2});
  EXPECT_THROW(a.backward(), Error);  // not one element and no gradient given
  a.set_requires_grad();
  EXPECT_THROW(a.backward(Tensor::ones({3})), Error);
  EXPECT_THROW(Tensor::ones({2}, DType::I64).set_requires_grad(), Error);
}

}  // namespace
}  // namespace attend
