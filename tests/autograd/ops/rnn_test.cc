// Recurrent ops: gradient checks of every layer and cell op (masks with padded steps, both directions),
// float layers against a scalar double implementation of the PyTorch formulas on odd sizes, padded
// steps leaving the state untouched, values computed by torch 1.13 (rnn_torch_fixtures.py), errors.
#include "autograd/ops/rnn.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>

#include "autograd/gradcheck.h"
#include "autograd/ops/binary.h"
#include "autograd/pack.h"
#include "autograd/tape.h"
#include "kernels/gemm_bf16.h"
#include "tensor/threads.h"

namespace attend {
namespace {

using testing::expect_gradients_match;
using testing::pack;
using testing::random_input;

enum class Kind { kLstm, kGru, kElman };
int64_t gates(Kind k) { return k == Kind::kLstm ? 4 : k == Kind::kGru ? 3 : 1; }

// ---- scalar double reference, straight from the torch.nn docs ----

struct Weights {
  std::vector<double> w_ih, w_hh, b_ih, b_hh;
};
struct RefResult {
  std::vector<double> out, h, c;
};

double sigmoid(double v) { return 1.0 / (1.0 + std::exp(-v)); }

RefResult reference_layer(Kind kind, const std::vector<double>& x, int64_t T, int64_t B, int64_t I, int64_t H,
                          const Weights& w, std::vector<double> h, std::vector<double> c,
                          const std::vector<double>& mask, bool reverse) {
  const int64_t G = gates(kind);
  if (h.empty()) h.assign(B * H, 0.0);
  if (c.empty()) c.assign(B * H, 0.0);
  RefResult r;
  r.out.assign(T * B * H, 0.0);
  for (int64_t step = 0; step < T; ++step) {
    const int64_t t = reverse ? T - 1 - step : step;
    for (int64_t b = 0; b < B; ++b) {
      if (!mask.empty() && mask[t * B + b] == 0.0) continue;  // padded: state carried, output 0
      std::vector<double> ax(G * H), ah(G * H);
      for (int64_t k = 0; k < G * H; ++k) {
        ax[k] = w.b_ih.empty() ? 0.0 : w.b_ih[k];
        ah[k] = w.b_hh.empty() ? 0.0 : w.b_hh[k];
        for (int64_t i = 0; i < I; ++i) ax[k] += w.w_ih[k * I + i] * x[(t * B + b) * I + i];
        for (int64_t j = 0; j < H; ++j) ah[k] += w.w_hh[k * H + j] * h[b * H + j];
      }
      for (int64_t j = 0; j < H; ++j) {
        double& hj = h[b * H + j];
        if (kind == Kind::kLstm) {
          const double ig = sigmoid(ax[j] + ah[j]), fg = sigmoid(ax[H + j] + ah[H + j]);
          const double gg = std::tanh(ax[2 * H + j] + ah[2 * H + j]), og = sigmoid(ax[3 * H + j] + ah[3 * H + j]);
          double& cj = c[b * H + j];
          cj = fg * cj + ig * gg;
          hj = og * std::tanh(cj);
        } else if (kind == Kind::kGru) {
          const double rg = sigmoid(ax[j] + ah[j]), zg = sigmoid(ax[H + j] + ah[H + j]);
          const double ng = std::tanh(ax[2 * H + j] + rg * ah[2 * H + j]);
          hj = (1 - zg) * ng + zg * hj;
        } else {
          hj = std::tanh(ax[j] + ah[j]);
        }
        r.out[(t * B + b) * H + j] = hj;
      }
    }
  }
  r.h = h;
  if (kind == Kind::kLstm) r.c = c;
  return r;
}

RnnLayerResult run_layer(Kind kind, const Tensor& x, const Tensor& w_ih, const Tensor& w_hh, const Tensor& b_ih,
                         const Tensor& b_hh, const Tensor& h0, const Tensor& c0, const Tensor& mask, bool reverse) {
  if (kind == Kind::kLstm) return lstm_layer(x, w_ih, w_hh, b_ih, b_hh, h0, c0, mask, reverse);
  if (kind == Kind::kGru) return gru_layer(x, w_ih, w_hh, b_ih, b_hh, h0, mask, reverse);
  return rnn_layer(x, w_ih, w_hh, b_ih, b_hh, h0, mask, reverse);
}

Tensor pack_result(const RnnLayerResult& r) { return r.c.defined() ? pack({r.out, r.h, r.c}) : pack({r.out, r.h}); }

// [T=4, B=3]: sequence 0 full, sequence 1 of length 2, sequence 2 of length 3 with a hole at t=1.
Tensor padded_mask() { return Tensor::from<double>({1, 1, 1, 1, 1, 0, 1, 0, 1, 1, 0, 0}, {4, 3}); }

void check_layer_gradients(Kind kind, uint64_t seed) {
  Rng rng(seed);
  const int64_t T = 4, B = 3, I = 3, H = 2, G = gates(kind);
  for (bool reverse : {false, true})
    for (bool masked : {false, true}) {
      std::vector<Tensor> in = {random_input({T, B, I}, rng),  random_input({G * H, I}, rng),
                                random_input({G * H, H}, rng), random_input({G * H}, rng),
                                random_input({G * H}, rng),    random_input({B, H}, rng),
                                random_input({B, H}, rng)};
      if (kind != Kind::kLstm) in.pop_back();
      const Tensor mask = masked ? padded_mask() : Tensor();
      expect_gradients_match(
          [&](const std::vector<Tensor>& v) {
            const Tensor c0 = v.size() > 6 ? v[6] : Tensor();
            return pack_result(run_layer(kind, v[0], v[1], v[2], v[3], v[4], v[5], c0, mask, reverse));
          },
          in);
    }
  // No biases, zero initial state: the gradients of the weights alone.
  std::vector<Tensor> in = {random_input({T, B, I}, rng), random_input({G * H, I}, rng), random_input({G * H, H}, rng)};
  expect_gradients_match(
      [&](const std::vector<Tensor>& v) {
        return pack_result(run_layer(kind, v[0], v[1], v[2], {}, {}, {}, {}, padded_mask(), true));
      },
      in);
}

GRADCHECK_TEST("lstm_layer", LstmLayerMaskedBothDirections) { check_layer_gradients(Kind::kLstm, 11); }
GRADCHECK_TEST("gru_layer", GruLayerMaskedBothDirections) { check_layer_gradients(Kind::kGru, 12); }
GRADCHECK_TEST("rnn_layer", RnnLayerMaskedBothDirections) { check_layer_gradients(Kind::kElman, 13); }

GRADCHECK_TEST("lstm_cell", LstmCellAllInputs) {
  Rng rng(14);
  std::vector<Tensor> in = {random_input({3, 4}, rng), random_input({3, 2}, rng), random_input({3, 2}, rng),
                            random_input({8, 4}, rng), random_input({8, 2}, rng), random_input({8}, rng),
                            random_input({8}, rng)};
  expect_gradients_match(
      [](const std::vector<Tensor>& v) {
        LstmState s = lstm_cell(v[0], v[1], v[2], v[3], v[4], v[5], v[6]);
        // Two steps, so the gradient also flows through the recurrent state.
        LstmState s2 = lstm_cell(v[0], s.h, s.c, v[3], v[4], v[5], v[6]);
        return pack({s2.h, s2.c});
      },
      in);
}

GRADCHECK_TEST("gru_cell", GruCellAllInputs) {
  Rng rng(15);
  std::vector<Tensor> in = {random_input({3, 4}, rng), random_input({3, 2}, rng), random_input({6, 4}, rng),
                            random_input({6, 2}, rng), random_input({6}, rng),    random_input({6}, rng)};
  expect_gradients_match(
      [](const std::vector<Tensor>& v) {
        Tensor h = gru_cell(v[0], v[1], v[2], v[3], v[4], v[5]);
        return gru_cell(v[0], h, v[2], v[3], v[4], v[5]);
      },
      in);
}

GRADCHECK_TEST("rnn_cell", RnnCellAllInputs) {
  Rng rng(16);
  std::vector<Tensor> in = {random_input({3, 4}, rng), random_input({3, 2}, rng), random_input({2, 4}, rng),
                            random_input({2, 2}, rng), random_input({2}, rng),    random_input({2}, rng)};
  expect_gradients_match(
      [](const std::vector<Tensor>& v) {
        Tensor h = rnn_cell(v[0], v[1], v[2], v[3], v[4], v[5]);
        return rnn_cell(v[0], h, v[2], v[3], v[4], v[5]);
      },
      in);
}

// ---- values ----

Tensor random_float(const Shape& s, Rng& rng, double scale = 0.5) {
  Tensor t = Tensor::empty(s);
  rng.fill_uniform(t, -scale, scale);
  return t;
}

void expect_near_all(const std::vector<float>& got, const std::vector<double>& want, double tol, const char* what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < got.size(); ++i) ASSERT_NEAR(got[i], want[i], tol) << what << " element " << i;
}

TEST(RnnLayer, FloatMatchesDoubleReferenceOnOddSizes) {
  Rng rng(21);
  struct Size {
    int64_t T, B, I, H;
  };
  // The last size is big enough for the kernels' OpenMP path.
  for (Size z : {Size{1, 1, 1, 1}, Size{7, 5, 13, 9}, Size{3, 2, 7, 65}, Size{4, 33, 17, 193}})
    for (Kind kind : {Kind::kLstm, Kind::kGru, Kind::kElman})
      for (bool reverse : {false, true}) {
        const int64_t G = gates(kind);
        Tensor x = random_float({z.T, z.B, z.I}, rng, 1.0);
        Tensor w_ih = random_float({G * z.H, z.I}, rng), w_hh = random_float({G * z.H, z.H}, rng);
        Tensor b_ih = random_float({G * z.H}, rng), b_hh = random_float({G * z.H}, rng);
        Tensor h0 = random_float({z.B, z.H}, rng), c0 = random_float({z.B, z.H}, rng);
        std::vector<double> mask(z.T * z.B, 1.0);
        for (int64_t b = 1; b < z.B; b += 2) mask[(z.T - 1) * z.B + b] = 0.0;  // some padded last steps
        const Tensor mask_t = Tensor::from<double>(mask, {z.T, z.B});
        RnnLayerResult r =
            run_layer(kind, x, w_ih, w_hh, b_ih, b_hh, h0, kind == Kind::kLstm ? c0 : Tensor(), mask_t, reverse);
        Weights w{w_ih.to_vector<double>(), w_hh.to_vector<double>(), b_ih.to_vector<double>(),
                  b_hh.to_vector<double>()};
        RefResult ref = reference_layer(kind, x.to_vector<double>(), z.T, z.B, z.I, z.H, w, h0.to_vector<double>(),
                                        c0.to_vector<double>(), mask, reverse);
        const double tol = 2e-5 * std::sqrt(double(z.I + z.H));
        SCOPED_TRACE(::testing::Message() << "kind " << int(kind) << " T" << z.T << " B" << z.B << " I" << z.I << " H"
                                          << z.H << " reverse " << reverse);
        expect_near_all(r.out.to_vector<float>(), ref.out, tol, "out");
        expect_near_all(r.h.to_vector<float>(), ref.h, tol, "h");
        if (kind == Kind::kLstm) expect_near_all(r.c.to_vector<float>(), ref.c, tol, "c");
      }
}

// Float on two threads (the step loops split the hidden units) against double on one thread.
TEST(RnnLayer, FloatGradientsOnTwoThreadsMatchDoubleOnOne) {
  Rng rng(22);
  const int64_t T = 4, B = 33, I = 17, H = 193;  // OpenMP-sized, packed steps; H not a multiple of 16
  struct RestoreThreads {
    int n = num_threads();
    ~RestoreThreads() { set_num_threads(n); }
  } restore;
  for (Kind kind : {Kind::kLstm, Kind::kGru, Kind::kElman}) {
    const int64_t G = gates(kind);
    std::vector<Tensor> f = {random_float({T, B, I}, rng, 1.0),  random_float({G * H, I}, rng, 0.2),
                             random_float({G * H, H}, rng, 0.2), random_float({G * H}, rng),
                             random_float({G * H}, rng),         random_float({B, H}, rng),
                             random_float({B, H}, rng)};
    std::vector<Tensor> d;
    for (Tensor& t : f) {
      d.push_back(t.copy(DType::F64).set_requires_grad());
      t.set_requires_grad();
    }
    std::vector<double> mask(T * B, 1.0);
    mask[2 * B + 3] = mask[1 * B + 3] = mask[2 * B + 8] = 0.0;
    const Tensor m = Tensor::from<double>(mask, {T, B});
    Tensor gout = random_float({T, B, H}, rng, 1.0);
    for (std::vector<Tensor>* v : {&f, &d}) {
      auto& in = *v;
      set_num_threads(v == &f ? 2 : 1);
      RnnLayerResult r =
          run_layer(kind, in[0], in[1], in[2], in[3], in[4], in[5], kind == Kind::kLstm ? in[6] : Tensor(), m, true);
      r.out.backward(gout);
    }
    for (size_t i = 0; i + (kind == Kind::kLstm ? 0 : 1) < f.size(); ++i) {
      auto gf = f[i].grad().to_vector<float>();
      auto gd = d[i].grad().to_vector<double>();
      double scale = 1e-3;
      for (double v : gd) scale = std::max(scale, std::abs(v));
      for (size_t k = 0; k < gf.size(); ++k)
        ASSERT_NEAR(gf[k], gd[k], 1e-4 * scale) << "kind " << int(kind) << " input " << i << " element " << k;
    }
  }
}

// Mixed precision with W_hh frozen for the step (as the trainer does): the per-step products h W_hh^T (and
// the backward's dG W_hh) run in bf16 on each thread's units; outputs and gradients stay within bf16's
// error of float, and differ from it (the bf16 path did run) where the CPU has native bf16.
TEST(RnnLayer, Bf16WithFrozenRecurrentWeightsStaysNearFloat) {
  if (!kernels::bf16_gemm_native()) GTEST_SKIP() << "no native bf16 matmul on this CPU: Bf16 runs float sgemm";
  Rng rng(23);
  const int64_t T = 5, B = 64, I = 32, H = 256;
  struct Restore {
    int n = num_threads();
    ~Restore() {
      set_num_threads(n);
      kernels::set_gemm_precision(kernels::GemmPrecision::F32);
    }
  } restore;
  set_num_threads(2);
  for (Kind kind : {Kind::kLstm, Kind::kGru}) {
    const int64_t G = gates(kind);
    const Tensor x = random_float({T, B, I}, rng, 1.0), w_ih = random_float({G * H, I}, rng, 0.2),
                 w_hh = random_float({G * H, H}, rng, 0.2), gout = random_float({T, B, H}, rng, 1.0);
    std::vector<float> out[2], grad_w[2];
    for (int bf16 = 0; bf16 < 2; ++bf16) {
      kernels::set_gemm_precision(bf16 ? kernels::GemmPrecision::Bf16 : kernels::GemmPrecision::F32);
      Tensor xi = x.copy(DType::F32).set_requires_grad(), wi = w_ih.copy(DType::F32).set_requires_grad();
      Tensor wh = w_hh.copy(DType::F32).set_requires_grad();
      kernels::FrozenBf16Operands frozen({{wh.data<float>(), wh.numel()}, {wi.data<float>(), wi.numel()}});
      // Two calls on the same weights: the second backward must add to the weight gradients, not overwrite them.
      RnnLayerResult r = run_layer(kind, xi, wi, wh, Tensor(), Tensor(), Tensor(), Tensor(), Tensor(), false);
      RnnLayerResult r2 = run_layer(kind, xi, wi, wh, Tensor(), Tensor(), Tensor(), Tensor(), Tensor(), true);
      add(r.out, r2.out).backward(gout);
      out[bf16] = r.out.to_vector<float>();
      grad_w[bf16] = wh.grad().to_vector<float>();
      for (float v : wi.grad().to_vector<float>()) grad_w[bf16].push_back(v);
    }
    double out_diff = 0, grad_diff = 0, grad_scale = 1e-3;
    for (size_t i = 0; i < out[0].size(); ++i) out_diff = std::max(out_diff, double(std::abs(out[1][i] - out[0][i])));
    for (size_t i = 0; i < grad_w[0].size(); ++i) {
      grad_diff = std::max(grad_diff, double(std::abs(grad_w[1][i] - grad_w[0][i])));
      grad_scale = std::max(grad_scale, double(std::abs(grad_w[0][i])));
    }
    SCOPED_TRACE(::testing::Message() << "kind " << int(kind));
    EXPECT_LT(out_diff, 2e-2);  // hidden states in (-1, 1); bf16 keeps ~3 significant digits
    EXPECT_LT(grad_diff, 3e-2 * grad_scale);
    EXPECT_GT(out_diff, 1e-5) << "the products ran in float";
  }
}

// Padded steps must not touch the state: each sequence's result equals running it alone over its own
// length, even though the padded inputs are huge.
TEST(RnnLayer, PaddedStepsLeaveStateUntouched) {
  Rng rng(23);
  const int64_t T = 6, B = 4, I = 5, H = 7;
  const std::vector<int64_t> lengths = {6, 1, 4, 3};
  for (Kind kind : {Kind::kLstm, Kind::kGru, Kind::kElman})
    for (bool reverse : {false, true}) {
      const int64_t G = gates(kind);
      Tensor x = random_float({T, B, I}, rng, 1.0);
      std::vector<double> mask(T * B, 0.0);
      for (int64_t b = 0; b < B; ++b)
        for (int64_t t = 0; t < T; ++t) {
          if (t < lengths[b])
            mask[t * B + b] = 1.0;
          else
            for (int64_t i = 0; i < I; ++i) x.data<float>()[(t * B + b) * I + i] = (i % 2 ? 1e4f : -1e4f);
        }
      Tensor w_ih = random_float({G * H, I}, rng), w_hh = random_float({G * H, H}, rng);
      Tensor b_ih = random_float({G * H}, rng), b_hh = random_float({G * H}, rng);
      Tensor h0 = random_float({B, H}, rng), c0 = random_float({B, H}, rng);
      Tensor c0_or = kind == Kind::kLstm ? c0 : Tensor();
      RnnLayerResult all =
          run_layer(kind, x, w_ih, w_hh, b_ih, b_hh, h0, c0_or, Tensor::from<double>(mask, {T, B}), reverse);
      for (int64_t b = 0; b < B; ++b) {
        const int64_t L = lengths[b];
        Tensor xb = Tensor::empty({L, 1, I});
        for (int64_t t = 0; t < L; ++t)
          for (int64_t i = 0; i < I; ++i) xb.data<float>()[t * I + i] = x.data<float>()[(t * B + b) * I + i];
        Tensor hb = Tensor::empty({1, H}), cb = Tensor::empty({1, H});
        for (int64_t j = 0; j < H; ++j) {
          hb.data<float>()[j] = h0.data<float>()[b * H + j];
          cb.data<float>()[j] = c0.data<float>()[b * H + j];
        }
        RnnLayerResult one =
            run_layer(kind, xb, w_ih, w_hh, b_ih, b_hh, hb, kind == Kind::kLstm ? cb : Tensor(), {}, reverse);
        for (int64_t j = 0; j < H; ++j) {
          EXPECT_NEAR(all.h.at({b, j}), one.h.at({0, j}), 1e-6) << "kind " << int(kind) << " seq " << b;
          if (kind == Kind::kLstm) {
            EXPECT_NEAR(all.c.at({b, j}), one.c.at({0, j}), 1e-6);
          }
          for (int64_t t = 0; t < T; ++t) {
            if (t < L) {
              ASSERT_NEAR(all.out.at({t, b, j}), one.out.at({t, 0, j}), 1e-6) << "seq " << b << " t " << t;
            } else {
              ASSERT_EQ(all.out.at({t, b, j}), 0.0) << "kind " << int(kind) << " seq " << b << " t " << t;
            }
          }
        }
      }
    }
}

TEST(RnnLayer, ExtremeInputsStayFinite) {
  Rng rng(24);
  for (Kind kind : {Kind::kLstm, Kind::kGru, Kind::kElman}) {
    const int64_t G = gates(kind), H = 17;
    Tensor x = random_float({5, 3, 4}, rng, 1e4);
    Tensor w_ih = random_float({G * H, 4}, rng, 10.0), w_hh = random_float({G * H, H}, rng, 10.0);
    RnnLayerResult r = run_layer(kind, x, w_ih, w_hh, {}, {}, {}, {}, {}, false);
    for (float v : r.out.to_vector<float>()) ASSERT_TRUE(std::isfinite(v) && std::abs(v) <= 1.0f) << v;
    if (kind == Kind::kLstm) {
      for (float v : r.c.to_vector<float>()) ASSERT_TRUE(std::isfinite(v) && std::abs(v) <= 6.0f) << v;
    }
  }
}

TEST(RnnCell, StepByStepEqualsLayer) {
  Rng rng(25);
  const int64_t T = 5, B = 3, I = 6, H = 11;
  for (Kind kind : {Kind::kLstm, Kind::kGru, Kind::kElman}) {
    const int64_t G = gates(kind);
    Tensor x = random_float({T, B, I}, rng, 1.0);
    Tensor w_ih = random_float({G * H, I}, rng), w_hh = random_float({G * H, H}, rng);
    Tensor b_ih = random_float({G * H}, rng), b_hh = random_float({G * H}, rng);
    RnnLayerResult layer = run_layer(kind, x, w_ih, w_hh, b_ih, b_hh, {}, {}, {}, false);
    Tensor h, c;
    for (int64_t t = 0; t < T; ++t) {
      Tensor xt = x.view_strided({B, I}, {I, 1}, x.offset() + t * B * I);
      if (kind == Kind::kLstm) {
        LstmState s = lstm_cell(xt, h, c, w_ih, w_hh, b_ih, b_hh);
        h = s.h, c = s.c;
      } else {
        h = kind == Kind::kGru ? gru_cell(xt, h, w_ih, w_hh, b_ih, b_hh) : rnn_cell(xt, h, w_ih, w_hh, b_ih, b_hh);
      }
      for (int64_t b = 0; b < B; ++b)
        for (int64_t j = 0; j < H; ++j) ASSERT_NEAR(h.at({b, j}), layer.out.at({t, b, j}), 1e-6);
    }
    if (kind == Kind::kLstm) {
      for (int64_t b = 0; b < B; ++b)
        for (int64_t j = 0; j < H; ++j) ASSERT_NEAR(c.at({b, j}), layer.c.at({b, j}), 1e-6);
    }
  }
}

// ---- torch 1.13 values (float64), from tests/autograd/ops/rnn_torch_fixtures.py ----

std::vector<double> fill(int64_t n, double seed) {
  std::vector<double> v(n);
  for (int64_t k = 0; k < n; ++k) v[k] = 0.5 * std::sin(1.3 * double(k) + seed);
  return v;
}

// clang-format off
const std::vector<double> k_lstm_out = {0.0251658323482493, 0.082287827072029, 0.138374629028337, -0.203793232160107, 0.0526936899142554, 0.0645204805222624, 0.115380847097478, -0.178072222803977, 0.105655807293317, -0.0687438635664704, 0.0581143137321887, -0.147405249447484};
const std::vector<double> k_lstm_c = {0.376045278238432, -0.120525938001358, 0.251389236916497, -0.301043390117432};
const std::vector<double> k_lstm_out_reverse = {0.0726989378584265, -0.0253069784582253, 0.128269338240331, -0.21840427315641, 0.0596991010217892, -0.00265385003282582, 0.115803083205227, -0.117045643703449, 0.0563141012578315, 0.00625920987981872, 0.0765649586872423, -0.0817333422621393};
const std::vector<double> k_lstm_c_reverse = {0.256257435734822, -0.0545732848711813, 0.375070784581395, -0.454547811239873};
const std::vector<double> k_gru_out = {-0.0743418245817887, 0.013795439258411, 0.602234508069703, -0.0401187814780368, 0.115309385489064, 0.0972337858314515, 0.472848220111704, -0.0924766297491203, 0.402252401307463, -0.0778235760310705, 0.325742153713333, 0.0374151331388599};
const std::vector<double> k_gru_out_reverse = {0.214848031461881, 0.0341273397430706, 0.567527336649685, -0.115335224672361, 0.241005614654476, -9.92560446263502e-05, 0.409639278307048, 0.111580699670143, 0.185252459637316, -0.147489180546921, 0.378170400933327, 0.27468975012907};
const std::vector<double> k_rnn_out = {-0.198151744648502, -0.69551194461962, -0.440363610289512, -0.617577224127504, -0.137779115018277, -0.787264219707443, -0.372228573930196, -0.35649729824422, -0.545542807961999, -0.44845325316827, -0.0763200150776199, -0.779863392517983};
const std::vector<double> k_rnn_out_reverse = {-0.0908632083274164, -0.655012749793909, -0.571353713298316, -0.291969011059188, -0.361665468594013, -0.703338742664901, -0.0492619331004601, -0.580954988945796, -0.680538269257878, -0.431501494372737, 0.25889141467388, -0.919206946639312};
// clang-format on

TEST(RnnLayer, MatchesTorchValues) {
  const int64_t T = 3, B = 2, I = 3, H = 2;
  for (Kind kind : {Kind::kLstm, Kind::kGru, Kind::kElman})
    for (bool reverse : {false, true}) {
      const int64_t G = gates(kind);
      const Tensor x = Tensor::from<double>(fill(T * B * I, 7), {T, B, I});
      const Tensor w_ih = Tensor::from<double>(fill(G * H * I, 1), {G * H, I});
      const Tensor w_hh = Tensor::from<double>(fill(G * H * H, 2), {G * H, H});
      const Tensor b_ih = Tensor::from<double>(fill(G * H, 3), {G * H});
      const Tensor b_hh = Tensor::from<double>(fill(G * H, 4), {G * H});
      const Tensor h0 = Tensor::from<double>(fill(B * H, 5), {B, H});
      const Tensor c0 = kind == Kind::kLstm ? Tensor::from<double>(fill(B * H, 6), {B, H}) : Tensor();
      RnnLayerResult r = run_layer(kind, x, w_ih, w_hh, b_ih, b_hh, h0, c0, {}, reverse);
      const std::vector<double>& want = kind == Kind::kLstm  ? (reverse ? k_lstm_out_reverse : k_lstm_out)
                                        : kind == Kind::kGru ? (reverse ? k_gru_out_reverse : k_gru_out)
                                                             : (reverse ? k_rnn_out_reverse : k_rnn_out);
      auto out = r.out.to_vector<double>();
      for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(out[i], want[i], 1e-12) << "kind " << int(kind);
      // The final state is the output of the last processed step.
      const int64_t last = reverse ? 0 : T - 1;
      for (int64_t k = 0; k < B * H; ++k) EXPECT_NEAR(r.h.to_vector<double>()[k], want[last * B * H + k], 1e-12);
      if (kind == Kind::kLstm) {
        const auto& wc = reverse ? k_lstm_c_reverse : k_lstm_c;
        for (int64_t k = 0; k < B * H; ++k) EXPECT_NEAR(r.c.to_vector<double>()[k], wc[k], 1e-12);
      }
    }
}

// ---- errors ----

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(RnnLayer, ErrorsNameShapes) {
  Tensor x = Tensor::zeros({5, 2, 3}), w_ih = Tensor::zeros({8, 3}), w_hh = Tensor::zeros({8, 2});
  EXPECT_NE(error_of([&] {
              lstm_layer(Tensor::zeros({2, 3}), w_ih, w_hh, {}, {}, {}, {});
            }).find("lstm_layer: x must be [T,B,I], got [2,3]"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              lstm_layer(x, Tensor::zeros({8, 4}), w_hh, {}, {}, {}, {});
            }).find("lstm_layer: w_ih must be [8,3] for x [5,2,3] and w_hh [8,2], got [8,4]"),
            std::string::npos);
  EXPECT_NE(error_of([&] { gru_layer(x, w_ih, w_hh, {}, {}, {}); }).find("gru_layer: w_hh must be [3H,H]"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              lstm_layer(x, w_ih, w_hh, Tensor::zeros({4}), {}, {}, {});
            }).find("lstm_layer: b_ih must be [8] for w_hh [8,2], got [4]"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              lstm_layer(x, w_ih, w_hh, {}, {}, Tensor::zeros({3, 2}), {});
            }).find("lstm_layer: h0 must be [2,2] for x [5,2,3], got [3,2]"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              lstm_layer(x, w_ih, w_hh, {}, {}, {}, {}, Tensor::ones({2, 5}));
            }).find("lstm_layer: mask must be [T,B] = [5,2] for x [5,2,3], got [2,5]"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              rnn_cell(x, {}, Tensor::zeros({2, 3}), Tensor::zeros({2, 2}), {}, {});
            }).find("rnn_cell: x must be [B,I], got [5,2,3]"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              lstm_layer(x, w_ih.copy(DType::F64), w_hh, {}, {}, {}, {});
            }).find("lstm_layer: w_ih is float64 but x is float32"),
            std::string::npos);
}

}  // namespace
}  // namespace attend
