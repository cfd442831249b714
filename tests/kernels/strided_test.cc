// Strided copy/add against a naive multi-index loop: permuted, sliced and broadcast-free layouts of
// odd sizes, size-1 and empty axes, and adds that accumulate.
#include "kernels/strided.h"

#include <gtest/gtest.h>

#include <vector>

namespace attend::kernels {
namespace {

// Offsets of every index of `shape` (row-major order) under `strides`.
std::vector<int64_t> offsets(const std::vector<int64_t>& shape, const std::vector<int64_t>& strides) {
  std::vector<int64_t> out{0};
  for (size_t d = 0; d < shape.size(); ++d) {
    std::vector<int64_t> next;
    for (int64_t o : out)
      for (int64_t i = 0; i < shape[d]; ++i) next.push_back(o + i * strides[d]);
    out = next;
  }
  return out;
}

StridedLayout layout(const std::vector<int64_t>& shape, const std::vector<int64_t>& dst,
                     const std::vector<int64_t>& src) {
  StridedLayout l;
  l.ndim = static_cast<int>(shape.size());
  for (int d = 0; d < l.ndim; ++d) {
    l.shape[d] = shape[static_cast<size_t>(d)];
    l.dst_strides[d] = dst[static_cast<size_t>(d)];
    l.src_strides[d] = src[static_cast<size_t>(d)];
  }
  return l;
}

TEST(StridedKernel, CopyAndAddMatchNaiveLoops) {
  struct Case {
    std::vector<int64_t> shape, dst, src;
  };
  const std::vector<Case> cases{
      {{7, 65}, {65, 1}, {1, 7}},                  // transpose into dense
      {{3, 1, 63}, {63, 63, 1}, {200, 5, 2}},      // size-1 axis, every other element of a wider source
      {{2, 3, 4}, {1, 2, 6}, {12, 4, 1}},          // dense source into a fully permuted destination
      {{1000}, {1}, {1}},                          // flat
      {{300, 257}, {257, 1}, {1, 300}},            // large enough for threads
      {{4, 0, 3}, {0, 3, 1}, {0, 3, 1}},           // empty
  };
  for (const Case& c : cases) {
    const auto doff = offsets(c.shape, c.dst), soff = offsets(c.shape, c.src);
    int64_t dsize = 1, ssize = 1;
    for (int64_t o : doff) dsize = std::max(dsize, o + 1);
    for (int64_t o : soff) ssize = std::max(ssize, o + 1);
    std::vector<double> src(static_cast<size_t>(ssize));
    for (size_t i = 0; i < src.size(); ++i) src[i] = static_cast<double>(i) * 0.5 + 1;
    std::vector<double> dst(static_cast<size_t>(dsize), -1.0), expect = dst;
    const StridedLayout l = layout(c.shape, c.dst, c.src);
    strided_copy(l, src.data(), dst.data());
    for (size_t i = 0; i < doff.size(); ++i) expect[static_cast<size_t>(doff[i])] = src[static_cast<size_t>(soff[i])];
    ASSERT_EQ(dst, expect);
    strided_add(l, src.data(), dst.data());
    for (size_t i = 0; i < doff.size(); ++i) expect[static_cast<size_t>(doff[i])] += src[static_cast<size_t>(soff[i])];
    ASSERT_EQ(dst, expect);
  }
}

}  // namespace
}  // namespace attend::kernels
