// index_select / embedding / gather: values, gradients (repeated ids accumulate), the threaded
// scatter-add against a serial double reference, and errors naming the bad id and its position.
#include "autograd/ops/index.h"

#include <gtest/gtest.h>

#include "autograd/gradcheck.h"
#include "support/expect_error.h"
#include "autograd/ops/shape.h"
#include "tensor/threads.h"

namespace attend {
namespace {

using testing::expect_gradients_match;
using testing::random_input;

using testing::expect_error_containing;

GRADCHECK_TEST("index_select", IndexSelectRepeatedIdsEveryAxis) {
  Rng rng(31);
  Tensor x = random_input({4, 3, 5}, rng);
  Tensor ids = Tensor::from<int64_t>({2, 0, 2, 1}, {2, 2});
  for (int axis : {0, 1, 2})
    expect_gradients_match([&](const std::vector<Tensor>& v) { return index_select(v[0], axis, ids); }, {x});
}

GRADCHECK_TEST("index_select", EmbeddingLookupInt32Ids) {
  Rng rng(32);
  Tensor table = random_input({6, 4}, rng);
  Tensor ids = Tensor::from<int32_t>({5, 0, 5, 5, 3, 0}, {2, 3});  // [B, T]
  expect_gradients_match([&](const std::vector<Tensor>& v) { return embedding(v[0], ids); }, {table});
}

GRADCHECK_TEST("gather", GatherAlongEachAxis) {
  Rng rng(33);
  Tensor x = random_input({3, 4}, rng);
  Tensor idx1 = Tensor::from<int64_t>({3, 1, 0, 0, 2, 2}, {3, 2});
  expect_gradients_match([&](const std::vector<Tensor>& v) { return gather(v[0], 1, idx1); }, {x});
  Tensor idx0 = Tensor::from<int32_t>({2, 0, 1, 2, 2, 2}, {2, 3});  // smaller than x outside axis 0
  expect_gradients_match([&](const std::vector<Tensor>& v) { return gather(v[0], 0, idx0); }, {x});
}

TEST(IndexOps, EmbeddingCopiesRowsIntoIdsShape) {
  Tensor table = Tensor::arange(12, DType::F32).view_as_shape({4, 3});
  Tensor ids = Tensor::from<int64_t>({3, 1, 3, 0, 2, 2}, {2, 3});
  Tensor y = embedding(table, ids);
  ASSERT_EQ(y.shape(), (Shape{2, 3, 3}));
  for (int64_t b = 0; b < 2; ++b)
    for (int64_t t = 0; t < 3; ++t)
      for (int64_t d = 0; d < 3; ++d) EXPECT_EQ(y.at({b, t, d}), table.at({static_cast<int64_t>(ids.at({b, t})), d}));
}

TEST(IndexOps, IndexSelectMiddleAxisOfStridedInput) {
  Tensor x = Tensor::arange(24, DType::F32).view_as_shape({2, 3, 4});
  Tensor xt = transpose(x, 1, 2);  // [2,4,3], strided
  Tensor ids = Tensor::from<int32_t>({3, 3, 0}, {3});
  Tensor y = index_select(xt, 1, ids);
  ASSERT_EQ(y.shape(), (Shape{2, 3, 3}));
  for (int64_t a = 0; a < 2; ++a)
    for (int64_t j = 0; j < 3; ++j)
      for (int64_t c = 0; c < 3; ++c) EXPECT_EQ(y.at({a, j, c}), xt.at({a, static_cast<int64_t>(ids.at({j})), c}));
  // integer tensors can be reordered too (e.g. a batch of token ids)
  Tensor tok = Tensor::from<int64_t>({10, 11, 20, 21, 30, 31}, {3, 2});
  Tensor perm = Tensor::from<int64_t>({2, 0, 1}, {3});
  EXPECT_EQ(index_select(tok, 0, perm).to_vector<int64_t>(), (std::vector<int64_t>{30, 31, 10, 11, 20, 21}));
}

TEST(IndexOps, GatherPicksTargetLogProbs) {
  Tensor logp = Tensor::from<float>({0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f}, {2, 3});
  Tensor targets = Tensor::from<int64_t>({2, 0}, {2, 1});
  Tensor y = gather(logp, 1, targets);
  ASSERT_EQ(y.shape(), (Shape{2, 1}));
  EXPECT_FLOAT_EQ(y.at({0, 0}), 0.3f);
  EXPECT_FLOAT_EQ(y.at({1, 0}), 0.4f);
}

// The threaded backward (rows split between threads) against a serial double scatter-add, with many
// repeated ids; the result must not depend on the thread count.
TEST(IndexOps, EmbeddingBackwardMatchesSerialReferenceAnyThreadCount) {
  const int64_t vocab = 1000, dim = 65, count = 4099;
  Rng rng(34);
  Tensor table = Tensor::empty({vocab, dim});
  rng.fill_uniform(table, -1, 1);
  std::vector<int64_t> idv(static_cast<size_t>(count));
  for (auto& v : idv) v = static_cast<int64_t>(rng.below(50)) * 7;  // only 50 distinct rows, heavily repeated
  Tensor ids = Tensor::from(idv, {count});
  Tensor up = Tensor::empty({count, dim});
  rng.fill_uniform(up, -1, 1);
  auto upv = up.to_vector<float>();
  std::vector<double> ref(static_cast<size_t>(vocab * dim), 0.0);
  for (int64_t j = 0; j < count; ++j)
    for (int64_t d = 0; d < dim; ++d)
      ref[static_cast<size_t>(idv[static_cast<size_t>(j)] * dim + d)] += upv[static_cast<size_t>(j * dim + d)];

  std::vector<std::vector<float>> grads;
  const int threads_before = num_threads();
  for (int threads : {1, 2, 3}) {
    set_num_threads(threads);
    Tensor t = table.detach();
    t.set_requires_grad();
    embedding(t, ids).backward(up);
    grads.push_back(t.grad().to_vector<float>());
  }
  set_num_threads(threads_before);
  for (size_t i = 0; i < ref.size(); ++i) ASSERT_NEAR(grads[0][i], ref[i], 1e-3) << i;
  EXPECT_EQ(grads[0], grads[1]);
  EXPECT_EQ(grads[0], grads[2]);
}

TEST(IndexOps, OutOfRangeIdsNameIdPositionAndSize) {
  Tensor table = Tensor::zeros({10, 4});
  expect_error_containing([&] { embedding(table, Tensor::from<int64_t>({1, 2, 3, 12}, {2, 2})); },
                          "embedding: id 12 at position [1,1] is out of range for a table of 10 rows");
  expect_error_containing([&] { embedding(table, Tensor::from<int32_t>({-1}, {1})); },
                          "embedding: id -1 at position [0]");
  expect_error_containing([&] { index_select(table, 1, Tensor::from<int64_t>({4}, {1})); },
                          "index_select: id 4 at position [0] is out of range for axis 1 of size 4 in [10,4]");
  expect_error_containing([&] { gather(table, 1, Tensor::from<int64_t>({0, 9}, {2, 1})); },
                          "gather: id 9 at position [1,0] is out of range for axis 1 of size 4");
  expect_error_containing([&] { embedding(table, Tensor::zeros({3})); }, "expected an int32 or int64 index tensor");
  expect_error_containing([&] { embedding(Tensor::zeros({10}), Tensor::arange(3)); },
                          "embedding: table must be [V, D]");
  expect_error_containing([&] { gather(table, 0, Tensor::from<int64_t>({0, 0, 0, 0, 0}, {1, 5})); },
                          "gather: index shape [1,5] does not fit input [10,4]");
  expect_error_containing([&] { index_select(table, 2, Tensor::arange(1)); }, "index_select: axis 2 out of range");
}

}  // namespace
}  // namespace attend
