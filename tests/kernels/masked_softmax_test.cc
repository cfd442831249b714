// Masked softmax kernels against the element-by-element double reference: odd sizes, every mask kind
// (key, causal, window, additive with broadcast strides), every output written, fully masked rows zero,
// +-1e4 logits without NaN, the allowed pattern, and backward.
#include "kernels/masked_softmax.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "kernels/ref/masked_softmax.h"
#include "tensor/rng.h"

namespace attend::kernels {
namespace {

template <class T>
std::vector<T> random_values(int64_t n, Rng& rng, double lo, double hi) {
  std::vector<T> v(static_cast<size_t>(n));
  for (auto& x : v) x = static_cast<T>(rng.uniform(lo, hi));
  return v;
}

// Every mask buffer a test case uses, in both precisions.
struct Case {
  MaskedSoftmaxParams<float> pf;
  MaskedSoftmaxParams<double> pd;
  std::vector<float> key_mask_f, additive_f, centres_f;
  std::vector<double> key_mask_d, additive_d, centres_d;
};

void build_case(Case& c, int64_t b, int64_t h, int64_t tq, int64_t tk, bool causal, bool key_mask, bool additive,
                bool window, Rng& rng) {
  auto& p = c.pf;
  p = {};
  p.batch = b, p.heads = h, p.tq = tq, p.tk = tk, p.causal = causal, p.scale = 0.7f;
  if (key_mask) {
    c.key_mask_f.resize(static_cast<size_t>(b * tk));
    for (auto& m : c.key_mask_f) m = rng.uniform() < 0.7 ? 1.f : 0.f;
    if (b > 1)  // batch row 1 fully masked
      for (int64_t j = 0; j < tk; ++j) c.key_mask_f[static_cast<size_t>(tk + j)] = 0.f;
    p.key_mask_batch_stride = tk;
  }
  if (additive) {  // [Tq, Tk] shared over batch and heads, with some -inf
    c.additive_f = random_values<float>(tq * tk, rng, -2, 2);
    for (size_t i = 0; i < c.additive_f.size(); i += 5) c.additive_f[i] = -std::numeric_limits<float>::infinity();
    p.additive_strides[0] = 0, p.additive_strides[1] = 0, p.additive_strides[2] = tk, p.additive_strides[3] = 1;
  }
  if (window) {
    c.centres_f = random_values<float>(b * tq, rng, -2, static_cast<double>(tk) + 2);
    p.centres_batch_stride = tq;
    p.window_radius = tk > 4 ? 2 : 0;
  }
  c.key_mask_d.assign(c.key_mask_f.begin(), c.key_mask_f.end());
  c.additive_d.assign(c.additive_f.begin(), c.additive_f.end());
  c.centres_d.assign(c.centres_f.begin(), c.centres_f.end());
  p.key_mask = key_mask ? c.key_mask_f.data() : nullptr;
  p.additive = additive ? c.additive_f.data() : nullptr;
  p.window_centres = window ? c.centres_f.data() : nullptr;
  auto& d = c.pd;
  d.batch = b, d.heads = h, d.tq = tq, d.tk = tk, d.causal = causal, d.scale = p.scale;
  d.key_mask_batch_stride = p.key_mask_batch_stride;
  for (int i = 0; i < 4; ++i) d.additive_strides[i] = p.additive_strides[i];
  d.centres_batch_stride = p.centres_batch_stride;
  d.window_radius = p.window_radius;
  d.key_mask = key_mask ? c.key_mask_d.data() : nullptr;
  d.additive = additive ? c.additive_d.data() : nullptr;
  d.window_centres = window ? c.centres_d.data() : nullptr;
}

TEST(MaskedSoftmaxKernel, ForwardMatchesReferenceForEveryMask) {
  Rng rng(301);
  for (int64_t tk : {1, 7, 63, 65, 1000})
    for (int64_t tq : {1, 5})
      for (int mask_bits = 0; mask_bits < 16; ++mask_bits) {
        const bool causal = mask_bits & 1, key_mask = mask_bits & 2, additive = mask_bits & 4, window = mask_bits & 8;
        Case c;
        build_case(c, 3, 2, tq, tk, causal, key_mask, additive, window, rng);
        const int64_t n = c.pf.rows() * tk;
        std::vector<float> x = random_values<float>(n, rng, -8, 8);
        std::vector<float> y(static_cast<size_t>(n), std::numeric_limits<float>::quiet_NaN());  // poison
        masked_softmax_forward(c.pf, x.data(), y.data());
        std::vector<double> xd(x.begin(), x.end()), ref(static_cast<size_t>(n)), yd(static_cast<size_t>(n), NAN);
        ref::masked_softmax_forward(c.pd, xd.data(), ref.data());
        masked_softmax_forward(c.pd, xd.data(), yd.data());
        for (int64_t r = 0; r < c.pf.rows(); ++r) {
          const int64_t bb = r / (c.pf.heads * tq), i = r % tq;
          for (int64_t j = 0; j < tk; ++j) {
            const size_t k = static_cast<size_t>(r * tk + j);
            ASSERT_FALSE(std::isnan(y[k])) << "not written: row " << r << " key " << j;
            ASSERT_NEAR(y[k], ref[k], 2e-6 * (1 + ref[k])) << "bits " << mask_bits << " tk " << tk << " at " << k;
            ASSERT_NEAR(yd[k], ref[k], 1e-14) << "double path, bits " << mask_bits << " at " << k;
            if (!ref::masked_softmax_key_allowed(c.pd, bb, i, j)) {
              ASSERT_EQ(y[k], 0.f) << "masked key not exactly 0";
            }
          }
        }
      }
}

TEST(MaskedSoftmaxKernel, FullyMaskedRowsAreZeroAndGetZeroGradient) {
  Case c;
  Rng rng(302);
  build_case(c, 2, 1, 3, 7, false, true, false, false, rng);
  for (int64_t j = 0; j < 7; ++j) c.key_mask_f[static_cast<size_t>(j)] = 0.f;  // batch 0 fully masked too
  std::vector<float> x = random_values<float>(2 * 3 * 7, rng, -1e4, 1e4);
  std::vector<float> y(x.size(), NAN), dx(x.size(), 0.f);
  masked_softmax_forward(c.pf, x.data(), y.data());
  for (float v : y) EXPECT_EQ(v, 0.f);
  std::vector<float> dy = random_values<float>(static_cast<int64_t>(x.size()), rng, -1, 1);
  masked_softmax_backward(c.pf, y.data(), dy.data(), 1.f, dx.data());
  for (float v : dx) EXPECT_EQ(v, 0.f);
}

TEST(MaskedSoftmaxKernel, ExtremeLogitsAndAllMinusInfRows) {
  MaskedSoftmaxParams<float> p;
  p.batch = 1, p.tq = 3, p.tk = 65;
  std::vector<float> x(3 * 65), y(3 * 65, NAN);
  for (size_t i = 0; i < x.size(); ++i) x[i] = (i * 7919) % 3 == 0 ? 1e4f : -1e4f;
  std::vector<float> additive(3 * 65, 0.f);
  for (int64_t j = 0; j < 65; ++j) additive[static_cast<size_t>(2 * 65 + j)] = -INFINITY;  // row 2 all -inf
  p.additive = additive.data();
  p.additive_strides[2] = 65, p.additive_strides[3] = 1;
  masked_softmax_forward(p, x.data(), y.data());
  for (int64_t r = 0; r < 3; ++r) {
    double sum = 0;
    for (int64_t j = 0; j < 65; ++j) {
      ASSERT_TRUE(std::isfinite(y[static_cast<size_t>(r * 65 + j)]));
      sum += y[static_cast<size_t>(r * 65 + j)];
    }
    EXPECT_NEAR(sum, r == 2 ? 0.0 : 1.0, 1e-5) << "row " << r;
  }
}

TEST(MaskedSoftmaxKernel, BackwardMatchesReference) {
  Rng rng(303);
  for (int64_t tk : {1, 7, 65, 1000}) {
    Case c;
    build_case(c, 2, 3, 4, tk, true, true, true, false, rng);
    const int64_t n = c.pf.rows() * tk;
    std::vector<float> x = random_values<float>(n, rng, -4, 4), y(static_cast<size_t>(n));
    masked_softmax_forward(c.pf, x.data(), y.data());
    std::vector<float> dy = random_values<float>(n, rng, -1, 1), dx = random_values<float>(n, rng, -1, 1);
    std::vector<double> yd(y.begin(), y.end()), dyd(dy.begin(), dy.end()), dxd(dx.begin(), dx.end());
    masked_softmax_backward(c.pf, y.data(), dy.data(), 0.7f, dx.data());
    ref::masked_softmax_backward(c.pd, yd.data(), dyd.data(), 0.7, dxd.data());
    for (size_t i = 0; i < dx.size(); ++i) ASSERT_NEAR(dx[i], dxd[i], 1e-5 * (1 + std::abs(dxd[i]))) << i;
  }
}

TEST(MaskedSoftmaxKernel, AllowedPatternMatchesReference) {
  Rng rng(304);
  Case c;
  build_case(c, 3, 2, 6, 11, true, true, false, true, rng);
  std::vector<double> out(static_cast<size_t>(c.pd.rows() * 11), NAN);
  masked_softmax_allowed(c.pd, out.data());
  for (int64_t r = 0; r < c.pd.rows(); ++r)
    for (int64_t j = 0; j < 11; ++j)
      EXPECT_EQ(out[static_cast<size_t>(r * 11 + j)],
                ref::masked_softmax_key_allowed(c.pd, r / (2 * 6), r % 6, j) ? 1.0 : 0.0);
}

TEST(MaskedSoftmaxKernel, WindowRangeRoundsHalfUpAndRejectsNonFiniteCentres) {
  MaskedSoftmaxParams<double> p;
  p.tq = 4, p.tk = 10, p.window_radius = 1;
  const double centres[4] = {2.5, -0.5, NAN, 1e300};
  p.window_centres = centres;
  int64_t lo, hi;
  allowed_key_range(p, 0, 0, &lo, &hi);
  EXPECT_EQ(lo, 2);  // round(2.5) = 3: keys 2..4
  EXPECT_EQ(hi, 5);
  allowed_key_range(p, 0, 1, &lo, &hi);
  EXPECT_EQ(lo, 0);  // round(-0.5) = 0: keys 0..1
  EXPECT_EQ(hi, 2);
  allowed_key_range(p, 0, 2, &lo, &hi);
  EXPECT_EQ(lo, hi);
  allowed_key_range(p, 0, 3, &lo, &hi);  // far beyond the keys: an empty range inside [0, Tk]
  EXPECT_EQ(lo, hi);
  EXPECT_LE(hi, 10);
}

}  // namespace
}  // namespace attend::kernels
