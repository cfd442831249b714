// Shape: up to 8 dimensions stored inline, so creating tensors never allocates for metadata.
#pragma once
#include <array>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <vector>

#include "base/error.h"

namespace attend {

class Shape {
 public:
  static constexpr int kMaxDims = 8;

  Shape() = default;
  Shape(std::initializer_list<int64_t> dims) { assign(dims.begin(), dims.size()); }
  explicit Shape(std::span<const int64_t> dims) { assign(dims.data(), dims.size()); }
  explicit Shape(const std::vector<int64_t>& dims) { assign(dims.data(), dims.size()); }

  int ndim() const { return n_; }
  int64_t operator[](int i) const { return d_[static_cast<size_t>(i)]; }
  int64_t& operator[](int i) { return d_[static_cast<size_t>(i)]; }
  int64_t numel() const {
    int64_t n = 1;
    for (int i = 0; i < n_; ++i) n *= d_[static_cast<size_t>(i)];
    return n;
  }
  const int64_t* begin() const { return d_.data(); }
  const int64_t* end() const { return d_.data() + n_; }
  std::vector<int64_t> vec() const { return {begin(), end()}; }
  void push_back(int64_t v) {
    ATTEND_CHECK(n_ < kMaxDims, "shape: more than {} dimensions", kMaxDims);
    d_[static_cast<size_t>(n_++)] = v;
  }
  void resize(int n, int64_t fill = 1) {
    ATTEND_CHECK(n >= 0 && n <= kMaxDims, "shape: {} dimensions requested, at most {}", n, kMaxDims);
    for (int i = n_; i < n; ++i) d_[static_cast<size_t>(i)] = fill;
    n_ = n;
  }
  // Normalises a possibly negative axis (-1 = last) and checks it is in range.
  int axis(int a, const char* op) const {
    int r = a < 0 ? a + n_ : a;
    ATTEND_CHECK(r >= 0 && r < n_, "{}: axis {} out of range for a {}-d tensor", op, a, n_);
    return r;
  }
  bool operator==(const Shape& o) const {
    if (n_ != o.n_) return false;
    for (int i = 0; i < n_; ++i)
      if (d_[static_cast<size_t>(i)] != o.d_[static_cast<size_t>(i)]) return false;
    return true;
  }
  bool operator!=(const Shape& o) const { return !(*this == o); }
  std::string str() const;

 private:
  void assign(const int64_t* p, size_t n) {
    ATTEND_CHECK(n <= kMaxDims, "shape: {} dimensions given, at most {}", n, kMaxDims);
    n_ = static_cast<int>(n);
    for (size_t i = 0; i < n; ++i) {
      ATTEND_CHECK(p[i] >= 0, "shape: negative dimension {} at axis {}", p[i], i);
      d_[i] = p[i];
    }
  }
  std::array<int64_t, kMaxDims> d_{};
  int n_ = 0;
};

// Row-major strides for a shape.
Shape contiguous_strides(const Shape& s);

}  // namespace attend

template <>
struct fmt::formatter<attend::Shape> : fmt::formatter<std::string> {
  auto format(const attend::Shape& s, format_context& ctx) const {
    return fmt::formatter<std::string>::format(s.str(), ctx);
  }
};
