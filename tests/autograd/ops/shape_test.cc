// Shape ops: views share storage and read the right elements, copies hold the right values, gradients
// match central differences (also through strided views and partial use of split pieces), and bad
// arguments raise errors that name the shapes.
#include "autograd/ops/shape.h"

#include <gtest/gtest.h>

#include "autograd/gradcheck.h"
#include "support/expect_error.h"
#include "autograd/ops/copy.h"
#include "autograd/tape.h"

namespace attend {
namespace {

using testing::expect_gradients_match;
using testing::random_input;

using testing::expect_error_containing;

// 0, 1, 2, ... as float32 in the given shape.
Tensor iota(const Shape& shape) { return Tensor::arange(shape.numel(), DType::F32).view_as_shape(shape); }

// ---- gradient checks --------------------------------------------------------------------------------

GRADCHECK_TEST("reshape", ReshapeViewAndInferredAxis) {
  Rng rng(11);
  Tensor a = random_input({2, 3, 4}, rng);
  expect_gradients_match([](const std::vector<Tensor>& x) { return reshape(x[0], Shape{6, 4}); }, {a});
  expect_gradients_match([](const std::vector<Tensor>& x) { return reshape(x[0], {4, -1}); }, {a});
}

GRADCHECK_TEST("reshape", ReshapeOfTransposedViewCopies) {
  Rng rng(12);
  Tensor a = random_input({3, 4}, rng);
  expect_gradients_match([](const std::vector<Tensor>& x) { return reshape(transpose(x[0], 0, 1), {2, 6}); }, {a});
}

GRADCHECK_TEST("transpose", TransposeInnerAndOuterAxes) {
  Rng rng(13);
  Tensor a = random_input({2, 3, 4}, rng);
  expect_gradients_match([](const std::vector<Tensor>& x) { return transpose(x[0], 0, 2); }, {a});
  expect_gradients_match([](const std::vector<Tensor>& x) { return transpose(x[0], -1, -2); }, {a});
}

GRADCHECK_TEST("permute", PermuteThreeAxes) {
  Rng rng(14);
  Tensor a = random_input({2, 3, 4}, rng);
  expect_gradients_match([](const std::vector<Tensor>& x) { return permute(x[0], {2, 0, 1}); }, {a});
}

GRADCHECK_TEST("slice", SliceOfTransposedView) {
  Rng rng(15);
  Tensor a = random_input({4, 5}, rng);
  expect_gradients_match([](const std::vector<Tensor>& x) { return slice(x[0], 1, 1, 4); }, {a});
  expect_gradients_match([](const std::vector<Tensor>& x) { return slice(transpose(x[0], 0, 1), 1, 2, 3); }, {a});
}

GRADCHECK_TEST("select", SelectTimeStep) {
  Rng rng(16);
  Tensor h = random_input({2, 3, 4}, rng);  // [B, T, D]
  expect_gradients_match([](const std::vector<Tensor>& x) { return select(x[0], 1, 2); }, {h});
  // two time steps of the same tensor: both gradients land in x
  expect_gradients_match(
      [](const std::vector<Tensor>& x) { return concat({select(x[0], 1, 0), select(x[0], 1, 2)}, 1); }, {h});
}

GRADCHECK_TEST("split", SplitUsesAnySubsetOfPieces) {
  Rng rng(17);
  Tensor a = random_input({3, 7}, rng);
  // only the last piece used
  expect_gradients_match([](const std::vector<Tensor>& x) { return split(x[0], {2, 4, 1}, 1)[2]; }, {a});
  // two of three pieces, in swapped order
  expect_gradients_match(
      [](const std::vector<Tensor>& x) {
        auto p = split(x[0], {2, 4, 1}, 1);
        return concat({p[2], p[0]}, 1);
      },
      {a});
}

GRADCHECK_TEST("concat", ConcatMiddleAxisAndRepeatedInput) {
  Rng rng(18);
  Tensor a = random_input({2, 3, 2}, rng);
  Tensor b = random_input({2, 1, 2}, rng);
  expect_gradients_match([](const std::vector<Tensor>& x) { return concat({x[0], x[1], x[0]}, 1); }, {a, b});
  Tensor c = Tensor::zeros({2, 2, 2}, DType::F64);  // no grad: only a gets one
  expect_gradients_match([&](const std::vector<Tensor>& x) { return concat({c, x[0]}, -2); }, {a});
}

GRADCHECK_TEST("stack", StackEveryPosition) {
  Rng rng(19);
  Tensor a = random_input({2, 3}, rng);
  Tensor b = random_input({2, 3}, rng);
  for (int axis : {0, 1, 2, -1})
    expect_gradients_match([axis](const std::vector<Tensor>& x) { return stack({x[0], x[1]}, axis); }, {a, b});
}

GRADCHECK_TEST("unsqueeze", UnsqueezeOfTransposedView) {
  Rng rng(20);
  Tensor a = random_input({3, 4}, rng);
  expect_gradients_match([](const std::vector<Tensor>& x) { return unsqueeze(transpose(x[0], 0, 1), 1); }, {a});
  expect_gradients_match([](const std::vector<Tensor>& x) { return unsqueeze(x[0], -1); }, {a});
}

GRADCHECK_TEST("squeeze", SqueezeMiddleAxis) {
  Rng rng(21);
  Tensor a = random_input({3, 1, 4}, rng);
  expect_gradients_match([](const std::vector<Tensor>& x) { return squeeze(x[0], 1); }, {a});
}

GRADCHECK_TEST("contiguous", ContiguousOfTransposedView) {
  Rng rng(5);
  Tensor a = random_input({3, 4}, rng);
  expect_gradients_match(
      [](const std::vector<Tensor>& x) {
        Tensor t = transpose(x[0], 0, 1);
        EXPECT_FALSE(t.is_contiguous());
        Tensor y = contiguous(t);
        EXPECT_TRUE(y.is_contiguous());
        return y;
      },
      {a});
}

// ---- values and storage -----------------------------------------------------------------------------

TEST(ShapeOps, ViewsShareStorageAndReadTheRightElements) {
  Tensor x = iota({2, 3, 4});
  Tensor t = transpose(x, 0, 2);  // [4,3,2]
  Tensor p = permute(x, {1, 2, 0});  // [3,4,2]
  Tensor s = slice(x, 2, 1, 3);  // [2,3,2]
  Tensor e = select(x, 1, 2);  // [2,4]
  Tensor r = reshape(x, {4, -1});  // [4,6]
  Tensor u = unsqueeze(x, 1);  // [2,1,3,4]
  Tensor q = squeeze(u, 1);
  for (const Tensor* v : {&t, &p, &s, &e, &r, &u, &q}) EXPECT_TRUE(v->same_storage(x));
  EXPECT_EQ(t.shape(), (Shape{4, 3, 2}));
  EXPECT_EQ(p.shape(), (Shape{3, 4, 2}));
  EXPECT_EQ(s.shape(), (Shape{2, 3, 2}));
  EXPECT_EQ(e.shape(), (Shape{2, 4}));
  EXPECT_EQ(r.shape(), (Shape{4, 6}));
  EXPECT_EQ(u.shape(), (Shape{2, 1, 3, 4}));
  EXPECT_EQ(q.shape(), x.shape());
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 3; ++j)
      for (int64_t k = 0; k < 4; ++k) {
        const double v = x.at({i, j, k});
        EXPECT_EQ(t.at({k, j, i}), v);
        EXPECT_EQ(p.at({j, k, i}), v);
        if (k >= 1 && k < 3) {
          EXPECT_EQ(s.at({i, j, k - 1}), v);
        }
        if (j == 2) {
          EXPECT_EQ(e.at({i, k}), v);
        }
        EXPECT_EQ(u.at({i, 0, j, k}), v);
      }
  // a write through x shows in the views: no copy was made
  x.data<float>()[1 * 12 + 2 * 4 + 1] = -7.f;
  EXPECT_EQ(t.at({1, 2, 1}), -7.f);
  EXPECT_EQ(s.at({1, 2, 0}), -7.f);
  EXPECT_EQ(e.at({1, 1}), -7.f);
}

TEST(ShapeOps, SplitPiecesAreViewsCoveringTheAxis) {
  Tensor x = iota({3, 7});
  auto pieces = split(x, {2, 0, 5}, 1);
  ASSERT_EQ(pieces.size(), 3u);
  EXPECT_EQ(pieces[0].shape(), (Shape{3, 2}));
  EXPECT_EQ(pieces[1].shape(), (Shape{3, 0}));
  EXPECT_EQ(pieces[2].shape(), (Shape{3, 5}));
  for (const Tensor& p : pieces) EXPECT_TRUE(p.same_storage(x));
  EXPECT_EQ(pieces[2].at({2, 4}), x.at({2, 6}));
  EXPECT_EQ(pieces[0].at({1, 1}), x.at({1, 1}));
}

TEST(ShapeOps, ReshapeCopiesOnlyStridedInputs) {
  Tensor x = iota({3, 4});
  EXPECT_TRUE(reshape(x, {2, 6}).same_storage(x));
  Tensor t = transpose(x, 0, 1);
  Tensor r = reshape(t, {12});
  EXPECT_FALSE(r.same_storage(x));
  auto v = r.to_vector<float>();
  for (int64_t i = 0; i < 12; ++i) EXPECT_EQ(v[static_cast<size_t>(i)], t.at({i / 3, i % 3}));
}

TEST(ShapeOps, ConcatAndStackValues) {
  Tensor a = iota({2, 3});
  Tensor b = iota({2, 2});
  Tensor c = concat({a, b}, 1);  // [2,5]
  ASSERT_EQ(c.shape(), (Shape{2, 5}));
  for (int64_t i = 0; i < 2; ++i) {
    for (int64_t j = 0; j < 3; ++j) EXPECT_EQ(c.at({i, j}), a.at({i, j}));
    for (int64_t j = 0; j < 2; ++j) EXPECT_EQ(c.at({i, 3 + j}), b.at({i, j}));
  }
  Tensor s = stack({a, transpose(transpose(a, 0, 1), 0, 1), a}, 1);  // [2,3,3]
  ASSERT_EQ(s.shape(), (Shape{2, 3, 3}));
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t k = 0; k < 3; ++k)
      for (int64_t j = 0; j < 3; ++j) EXPECT_EQ(s.at({i, k, j}), a.at({i, j}));
  // integer tensors (token ids) concatenate too
  Tensor ids = concat({Tensor::arange(3), Tensor::arange(2)}, 0);
  EXPECT_EQ(ids.to_vector<int64_t>(), (std::vector<int64_t>{0, 1, 2, 0, 1}));
}

TEST(ShapeOps, LargeStridedCopyMatchesElementwise) {
  // big enough to go through the threaded path of the strided kernel
  Tensor x = iota({301, 257});
  Tensor y = contiguous(transpose(x, 0, 1));
  auto v = y.to_vector<float>();
  for (int64_t i = 0; i < 257; i += 17)
    for (int64_t j = 0; j < 301; j += 13) ASSERT_EQ(v[static_cast<size_t>(i * 301 + j)], x.at({j, i}));
  Tensor c = concat({slice(x, 1, 0, 100), slice(x, 1, 100, 257)}, 1);
  EXPECT_EQ(c.to_vector<float>(), x.to_vector<float>());
}

TEST(ShapeOps, NoTapeEntriesWithoutGrad) {
  Tensor x = iota({2, 3});
  const size_t before = tape().size();
  Tensor y = concat({transpose(x, 0, 1), reshape(x, {3, 2})}, 0);
  (void)split(y, {3, 3}, 0);
  EXPECT_EQ(tape().size(), before);
  EXPECT_FALSE(y.requires_grad());
}

// ---- errors -----------------------------------------------------------------------------------------

TEST(ShapeOps, ErrorsNameTheShapes) {
  Tensor x = iota({2, 5});
  expect_error_containing([&] { transpose(x, 0, 2); }, "transpose: axis 2 out of range for a 2-d tensor");
  expect_error_containing([&] { select(x, -3, 0); }, "select: axis -3 out of range");
  expect_error_containing([&] { slice(x, 1, 3, 6); },
                          "slice: range [3, 6) out of bounds for axis 1 of size 5 in [2,5]");
  expect_error_containing([&] { slice(x, 1, 4, 2); }, "slice: range [4, 2)");
  expect_error_containing([&] { select(x, 1, 5); }, "select: index 5 out of range for axis 1 of size 5 in [2,5]");
  expect_error_containing([&] { concat({x, iota({3, 4})}, 1); },
                          "concat: shapes [2,5] (input 0) and [3,4] (input 1) differ outside axis 1");
  expect_error_containing([&] { concat({x, iota({2, 5, 1})}, 0); }, "concat: shapes [2,5] (input 0) and [2,5,1]");
  expect_error_containing([&] { concat({x, Tensor::arange(10).view_as_shape({2, 5})}, 0); }, "concat: dtypes differ");
  expect_error_containing([&] { concat({}, 0); }, "concat: no inputs");
  expect_error_containing([&] { stack({x, iota({5, 2})}, 0); }, "stack: shapes [2,5] (input 0) and [5,2] (input 1)");
  expect_error_containing([&] { stack({x}, 3); }, "stack: axis 3 out of range");
  expect_error_containing([&] { reshape(x, Shape{3, 3}); }, "reshape: cannot reshape [2,5] (10 elements) to [3,3]");
  expect_error_containing([&] { reshape(x, {-1, -1}); }, "reshape: more than one -1");
  expect_error_containing([&] { reshape(x, {3, -1}); }, "reshape: cannot infer the -1");
  expect_error_containing([&] { permute(x, {0, 0}); }, "permute: dims [0, 0] are not a permutation");
  expect_error_containing([&] { split(x, {2, 2}, 1); }, "split: sizes [2, 2] sum to 4, but axis 1 of [2,5] has size 5");
  expect_error_containing([&] { squeeze(x, 0); }, "squeeze: axis 0 of [2,5] has size 2, not 1");
  expect_error_containing([&] { unsqueeze(x, 4); }, "unsqueeze: axis 4 out of range");
}

}  // namespace
}  // namespace attend
