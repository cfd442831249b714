// Rng seeding and tensor fills.
#include "tensor/rng.h"

namespace attend {

void Rng::seed_with(uint64_t seed) {
  uint64_t z = seed;
  for (auto& w : s_) {
    z += 0x9e3779b97f4a7c15ULL;
    uint64_t x = z;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    w = x ^ (x >> 31);
  }
}

void Rng::fill_uniform(Tensor& t, double lo, double hi) {
  ATTEND_CHECK(t.is_contiguous(), "rng: fill_uniform needs a contiguous tensor, got strides {}", t.strides());
  dispatch_float(t.dtype(), "fill_uniform", [&]<class T>() {
    T* p = t.data<T>();
    for (int64_t i = 0, n = t.numel(); i < n; ++i) p[i] = static_cast<T>(uniform(lo, hi));
  });
}

void Rng::fill_normal(Tensor& t, double mean, double stddev) {
  ATTEND_CHECK(t.is_contiguous(), "rng: fill_normal needs a contiguous tensor, got strides {}", t.strides());
  dispatch_float(t.dtype(), "fill_normal", [&]<class T>() {
    T* p = t.data<T>();
    for (int64_t i = 0, n = t.numel(); i < n; ++i) p[i] = static_cast<T>(mean + stddev * normal());
  });
}

}  // namespace attend
