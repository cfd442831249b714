// Reference twin of kernels/sparsemax: the sort-based threshold of Martins & Astudillo (2016, Alg. 1), in
// double. Sort the taking-part entries descending (z_1 >= z_2 >= ...), k = max{j : 1 + j z_j > sum_{i<=j} z_i},
// tau = (sum_{i<=k} z_i - 1) / k, y = max(x - tau, 0). A different algorithm from the kernel's Michelot
// iteration, so the two check each other.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <vector>

#include "kernels/sparsemax.h"

namespace attend::kernels::ref {

template <class T>
void sparsemax_forward(const SparsemaxShape& s, const T* x, const T* mask, T* y) {
  std::vector<double> z;
  for (int64_t o = 0; o < s.outer; ++o)
    for (int64_t c = 0; c < s.inner; ++c) {
      const int64_t base = o * s.dim * s.inner + c;
      auto part = [&](int64_t i) {
        return (!mask || mask[i] != T(0)) && static_cast<double>(x[i]) > -std::numeric_limits<double>::infinity();
      };
      z.clear();
      for (int64_t d = 0; d < s.dim; ++d)
        if (part(base + d * s.inner)) z.push_back(static_cast<double>(x[base + d * s.inner]));
      if (z.empty()) {
        for (int64_t d = 0; d < s.dim; ++d) y[base + d * s.inner] = T(0);
        continue;
      }
      std::sort(z.begin(), z.end(), std::greater<double>());
      double cumsum = 0, support_sum = 0;
      int64_t k = 0;
      for (size_t j = 0; j < z.size(); ++j) {
        cumsum += z[j];
        if (1.0 + static_cast<double>(j + 1) * z[j] > cumsum) {
          k = static_cast<int64_t>(j + 1);
          support_sum = cumsum;
        }
      }
      const double tau = (support_sum - 1.0) / static_cast<double>(k);
      for (int64_t d = 0; d < s.dim; ++d) {
        const int64_t i = base + d * s.inner;
        y[i] = part(i) ? static_cast<T>(std::max(static_cast<double>(x[i]) - tau, 0.0)) : T(0);
      }
    }
}

template <class T>
void sparsemax_backward(const SparsemaxShape& s, const T* y, const T* dy, T* dx) {
  for (int64_t o = 0; o < s.outer; ++o)
    for (int64_t c = 0; c < s.inner; ++c) {
      const int64_t base = o * s.dim * s.inner + c;
      double sum = 0;
      int64_t k = 0;
      for (int64_t d = 0; d < s.dim; ++d)
        if (y[base + d * s.inner] > T(0)) {
          sum += static_cast<double>(dy[base + d * s.inner]);
          ++k;
        }
      for (int64_t d = 0; d < s.dim; ++d) {
        const int64_t i = base + d * s.inner;
        if (y[i] > T(0)) dx[i] = static_cast<T>(static_cast<double>(dx[i]) + static_cast<double>(dy[i]) - sum / k);
      }
    }
}

}  // namespace attend::kernels::ref
