// Shape printing and stride computation.
#include "tensor/shape.h"

namespace attend {

std::string Shape::str() const {
  std::string s = "[";
  for (int i = 0; i < n_; ++i) {
    if (i) s += ",";
    s += std::to_string(d_[static_cast<size_t>(i)]);
  }
  return s + "]";
}

Shape contiguous_strides(const Shape& s) {
  Shape st;
  st.resize(s.ndim());
  int64_t acc = 1;
  for (int i = s.ndim() - 1; i >= 0; --i) {
    st[i] = acc;
    acc *= s[i];
  }
  return st;
}

}  // namespace attend
