// Tensor: factories, views sharing storage, strided copies, alignment, allocator reuse, errors.
#include "tensor/tensor.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>

#include "tensor/rng.h"
#include "tensor/threads.h"

namespace attend {
namespace {

TEST(Tensor, StorageIs64ByteAligned) {
  for (int64_t n : {1, 3, 17, 1000, 100000}) {
    Tensor t = Tensor::empty({n});
    EXPECT_EQ(reinterpret_cast<uintptr_t>(t.raw_data()) % 64, 0u) << n;
  }
}

// zeros() clears large buffers in 1 MiB pieces over the threads: every byte, the odd tail included, even
// when the allocator hands back memory that held other values.
TEST(Tensor, LargeZerosAreZeroOnTwoThreads) {
  struct Restore {
    int n = num_threads();
    ~Restore() { set_num_threads(n); }
  } restore;
  set_num_threads(2);
  const int64_t n = (int64_t{3} << 18) + 5;  // 3 MiB + 20 bytes of float
  { Tensor dirty = Tensor::full({n}, 7.0); }
  for (DType d : {DType::F32, DType::F64}) {
    const std::vector<double> v = Tensor::zeros({n}, d).to_vector<double>();
    EXPECT_EQ(std::count(v.begin(), v.end(), 0.0), n) << dtype_name(d);
  }
}

TEST(Tensor, FactoriesAndItem) {
  Tensor z = Tensor::zeros({2, 3});
  for (float v : z.to_vector<float>()) EXPECT_EQ(v, 0.f);
  Tensor f = Tensor::full({4}, 2.5, DType::F64);
  for (double v : f.to_vector<double>()) EXPECT_EQ(v, 2.5);
  EXPECT_EQ(Tensor::scalar(3.0).item(), 3.0);
  Tensor a = Tensor::arange(5);
  EXPECT_EQ(a.dtype(), DType::I64);
  EXPECT_EQ(a.at({4}), 4.0);
  Tensor x = Tensor::from<int32_t>({1, 2, 3, 4, 5, 6}, {2, 3});
  EXPECT_EQ(x.at({1, 2}), 6.0);
}

TEST(Tensor, TransposedViewSharesStorageAndCopiesStrided) {
  Tensor x = Tensor::from<float>({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor t = x.view_strided({3, 2}, {1, 3}, 0);
  EXPECT_TRUE(t.same_storage(x));
  EXPECT_FALSE(t.is_contiguous());
  EXPECT_EQ(t.to_vector<float>(), (std::vector<float>{1, 4, 2, 5, 3, 6}));
  Tensor c = t.copy();
  EXPECT_TRUE(c.is_contiguous());
  EXPECT_FALSE(c.same_storage(x));
  EXPECT_EQ(c.to_vector<float>(), (std::vector<float>{1, 4, 2, 5, 3, 6}));
}

TEST(Tensor, FourDimensionalStridedCopyMatchesIndexing) {
  Rng rng(3);
  Tensor x = Tensor::empty({2, 3, 4, 5}, DType::F64);
  rng.fill_uniform(x, -1, 1);
  // permute (0,2,1,3) as a view
  Tensor p = x.view_strided({2, 4, 3, 5}, {60, 5, 20, 1}, 0);
  Tensor c = p.copy();
  for (int64_t a = 0; a < 2; ++a)
    for (int64_t b = 0; b < 4; ++b)
      for (int64_t cc = 0; cc < 3; ++cc)
        for (int64_t d = 0; d < 5; ++d) ASSERT_EQ(c.at({a, b, cc, d}), x.at({a, cc, b, d}));
}

TEST(Tensor, ReshapeViewRequiresSameCount) {
  Tensor x = Tensor::zeros({4, 6});
  EXPECT_EQ(x.view_as_shape({2, 12}).shape(), (Shape{2, 12}));
  EXPECT_THROW(x.view_as_shape({5, 5}), Error);
}

TEST(Tensor, CastConvertsValues) {
  Tensor x = Tensor::from<double>({1.5, -2.25}, {2});
  EXPECT_EQ(x.copy(DType::F32).to_vector<float>(), (std::vector<float>{1.5f, -2.25f}));
  EXPECT_EQ(x.copy(DType::I64).to_vector<int64_t>(), (std::vector<int64_t>{1, -2}));
}

TEST(Tensor, WrongDtypeAccessIsAnError) {
  Tensor x = Tensor::zeros({2});
  EXPECT_THROW(x.data<double>(), Error);
  EXPECT_THROW(Tensor().shape(), Error);
  EXPECT_THROW(x.at({5}), Error);
  EXPECT_THROW(Tensor::from<float>({1, 2, 3}, {2, 2}), Error);
  EXPECT_THROW(Shape({2, -1}), Error);
}

TEST(Allocator, FreedBlocksAreReusedWithoutSystemAllocation) {
  { Tensor warm = Tensor::empty({1000, 37}); }
  const auto before = allocator_stats();
  for (int i = 0; i < 100; ++i) {
    Tensor t = Tensor::empty({1000, 37});
    Tensor u = Tensor::empty({3});
  }
  const auto after = allocator_stats();
  EXPECT_LE(after.system_allocs - before.system_allocs, 1u);  // the small block at most once
  EXPECT_GE(after.cache_hits - before.cache_hits, 199u);
}

TEST(Rng, StateRoundTripReproducesStream) {
  Rng a(99);
  for (int i = 0; i < 10; ++i) a.next_u64();
  auto s = a.state();
  std::vector<uint64_t> first;
  for (int i = 0; i < 5; ++i) first.push_back(a.next_u64());
  Rng b(1);
  b.set_state(s);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(b.next_u64(), first[static_cast<size_t>(i)]);
}

TEST(Rng, UniformAndNormalMoments) {
  Rng r(5);
  double s = 0, s2 = 0;
  const int n = 200000;
  for (int i = 0; i < n; ++i) {
    double x = r.normal();
    s += x;
    s2 += x * x;
  }
  EXPECT_NEAR(s / n, 0.0, 0.01);
  EXPECT_NEAR(s2 / n, 1.0, 0.02);
  double u = 0;
  for (int i = 0; i < n; ++i) u += r.uniform();
  EXPECT_NEAR(u / n, 0.5, 0.005);
}

}  // namespace
}  // namespace attend
