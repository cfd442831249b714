// LSTM / GRU / Elman step kernels against their reference twins: float and double, odd batch and hidden
// sizes (including OpenMP-sized steps), padded rows, extreme pre-activations, and NaN-poisoned outputs
// that must all be overwritten.
#include "kernels/rnn_cell.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "kernels/ref/rnn_cell.h"
#include "tensor/rng.h"

namespace attend::kernels {
namespace {

using Vec = std::vector<double>;

// Values representable in float, so float kernels and the double reference see the same inputs.
Vec random_vec(Rng& rng, int64_t n, double scale) {
  Vec v(n);
  for (double& x : v) x = static_cast<float>(rng.uniform(-scale, scale));
  return v;
}
template <class T>
std::vector<T> as(const Vec& v) {
  return std::vector<T>(v.begin(), v.end());
}
template <class T>
std::vector<T> poison(int64_t n) {
  return std::vector<T>(n, std::numeric_limits<T>::quiet_NaN());
}

template <class T>
void expect_close(const std::vector<T>& got, const Vec& want, double tol, const char* what) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    ASSERT_TRUE(std::isfinite(double(got[i]))) << what << " element " << i << " not written or not finite";
    ASSERT_NEAR(double(got[i]), want[i], tol * (1 + std::abs(want[i]))) << what << " element " << i;
  }
}

struct Case {
  int64_t B, H;
  bool masked;
  double scale;  // of the pre-activations
  bool split;    // run each step as two calls over unit ranges [0, h) and [h, H)
};

// Calls kernel(shape) once for the whole step, or once per unit range as a threaded caller would.
template <class F>
void run_step(const Case& c, F&& kernel) {
  if (!c.split) {
    kernel(RnnStepShape{c.B, c.H});
    return;
  }
  const int64_t h = c.H / 2;
  kernel(RnnStepShape{c.B, c.H, 0, h});
  kernel(RnnStepShape{c.B, c.H, h, c.H});
}

std::vector<Case> cases() {
  std::vector<Case> v;
  for (int64_t B : {1, 7, 33})
    for (int64_t H : {1, 7, 65, 193})
      for (bool masked : {false, true})
        for (double scale : {3.0, 1e4})
          for (bool split : {false, true}) v.push_back({B, H, masked, scale, split});
  return v;
}

std::vector<uint8_t> valid_rows(int64_t B, bool masked) {
  std::vector<uint8_t> v(B, 1);
  if (masked)
    for (int64_t b = 0; b < B; b += 3) v[b] = 0;
  return v;
}

// Float: a few ulp of the fast activations, plus the rounding of sums of pre-activations of size
// `scale` (which can cancel); double: the same formulas evaluated in another order.
template <class T>
double tolerance(double scale) {
  return sizeof(T) == 4 ? 2e-6 * (1 + scale / 10) : 1e-13 * (1 + scale);
}

template <class T>
void check_lstm(const Case& c, Rng& rng) {
  const int64_t B = c.B, H = c.H, BH = B * H;
  const RnnStepShape s{B, H};
  const std::vector<uint8_t> valid = valid_rows(B, c.masked);
  const uint8_t* vp = c.masked ? valid.data() : nullptr;
  const Vec gates = random_vec(rng, 4 * BH, c.scale), bias = random_vec(rng, 4 * H, 0.5);
  const Vec h_prev = random_vec(rng, BH, 1), c_prev = random_vec(rng, BH, 2);

  // forward
  Vec g_ref = gates, h_ref(BH), c_ref(BH), out_ref(BH);
  ref::lstm_forward_step<double>(s, g_ref.data(), bias.data(), h_prev.data(), c_prev.data(), vp, h_ref.data(),
                                 c_ref.data(), out_ref.data());
  std::vector<T> g = as<T>(gates), hn = poison<T>(BH), cn = poison<T>(BH), out = poison<T>(BH);
  const std::vector<T> bias_t = as<T>(bias), h_prev_t = as<T>(h_prev), c_prev_t = as<T>(c_prev);
  run_step(c, [&](const RnnStepShape& r) {
    lstm_forward_step<T>(r, g.data(), bias_t.data(), h_prev_t.data(), c_prev_t.data(), vp, hn.data(), cn.data(),
                         out.data());
  });
  const double tol = tolerance<T>(c.scale);
  expect_close(hn, h_ref, tol, "h_next");
  expect_close(cn, c_ref, tol, "c_next");
  expect_close(out, out_ref, tol, "out");
  for (int64_t b = 0; b < B; ++b)
    if (valid[b]) {
      for (int64_t k = 0; k < 4 * H; ++k) ASSERT_NEAR(double(g[b * 4 * H + k]), g_ref[b * 4 * H + k], tol);
    }

  // backward, from the reference forward's activations and states
  const Vec dout = random_vec(rng, BH, 1), dh = random_vec(rng, BH, 1), dc = random_vec(rng, BH, 1);
  Vec gb_ref = g_ref, dh_ref = dh, dc_ref = dc;
  ref::lstm_backward_step<double>(s, gb_ref.data(), c_prev.data(), c_ref.data(), vp, dout.data(), dh_ref.data(),
                                  dc_ref.data());
  std::vector<T> gb = as<T>(g_ref), dhv = as<T>(dh), dcv = as<T>(dc);
  const std::vector<T> c_ref_t = as<T>(c_ref), dout_t = as<T>(dout);
  run_step(c, [&](const RnnStepShape& r) {
    lstm_backward_step<T>(r, gb.data(), c_prev_t.data(), c_ref_t.data(), vp, dout_t.data(), dhv.data(), dcv.data());
  });
  expect_close(gb, gb_ref, tol, "gate gradients");
  expect_close(dhv, dh_ref, tol, "dh");
  expect_close(dcv, dc_ref, tol, "dc");
}

template <class T>
void check_gru(const Case& c, Rng& rng) {
  const int64_t B = c.B, H = c.H, BH = B * H;
  const RnnStepShape s{B, H};
  const std::vector<uint8_t> valid = valid_rows(B, c.masked);
  const uint8_t* vp = c.masked ? valid.data() : nullptr;
  const Vec xg = random_vec(rng, 3 * BH, c.scale), hg = random_vec(rng, 3 * BH, c.scale);
  const Vec b_ih = random_vec(rng, 3 * H, 0.5), b_hh = random_vec(rng, 3 * H, 0.5), h_prev = random_vec(rng, BH, 1);

  Vec xg_ref = xg, hg_ref = hg, h_ref(BH), out_ref(BH);
  ref::gru_forward_step<double>(s, xg_ref.data(), hg_ref.data(), b_ih.data(), b_hh.data(), h_prev.data(), vp,
                                h_ref.data(), out_ref.data());
  std::vector<T> xgv = as<T>(xg), hgv = as<T>(hg), hn = poison<T>(BH), out = poison<T>(BH);
  const std::vector<T> b_ih_t = as<T>(b_ih), b_hh_t = as<T>(b_hh), h_prev_t = as<T>(h_prev);
  run_step(c, [&](const RnnStepShape& r) {
    gru_forward_step<T>(r, xgv.data(), hgv.data(), b_ih_t.data(), b_hh_t.data(), h_prev_t.data(), vp, hn.data(),
                        out.data());
  });
  const double tol = tolerance<T>(c.scale);
  expect_close(hn, h_ref, tol, "h_next");
  expect_close(out, out_ref, tol, "out");
  for (int64_t b = 0; b < B; ++b)
    if (valid[b]) {
      for (int64_t k = 0; k < 3 * H; ++k) {
        ASSERT_NEAR(double(xgv[b * 3 * H + k]), xg_ref[b * 3 * H + k], tol);
        if (k >= 2 * H) {
          ASSERT_NEAR(double(hgv[b * 3 * H + k]), hg_ref[b * 3 * H + k], tol * (1 + c.scale));
        }
      }
    }

  const Vec dout = random_vec(rng, BH, 1), dh = random_vec(rng, BH, 1);
  Vec xb_ref = xg_ref, hb_ref = hg_ref, dh_ref = dh;
  ref::gru_backward_step<double>(s, xb_ref.data(), hb_ref.data(), h_prev.data(), vp, dout.data(), dh_ref.data());
  std::vector<T> xb = as<T>(xg_ref), hb = as<T>(hg_ref), dhv = as<T>(dh);
  const std::vector<T> dout_t = as<T>(dout);
  run_step(c, [&](const RnnStepShape& r) {
    gru_backward_step<T>(r, xb.data(), hb.data(), h_prev_t.data(), vp, dout_t.data(), dhv.data());
  });
  expect_close(xb, xb_ref, tol, "input-side gate gradients");
  expect_close(hb, hb_ref, tol, "hidden-side gate gradients");
  expect_close(dhv, dh_ref, tol, "dh");
}

template <class T>
void check_elman(const Case& c, Rng& rng) {
  const int64_t B = c.B, H = c.H, BH = B * H;
  const RnnStepShape s{B, H};
  const std::vector<uint8_t> valid = valid_rows(B, c.masked);
  const uint8_t* vp = c.masked ? valid.data() : nullptr;
  const Vec pre = random_vec(rng, BH, c.scale), bias = random_vec(rng, H, 0.5), h_prev = random_vec(rng, BH, 1);

  Vec h_ref(BH), out_ref(BH);
  ref::rnn_forward_step<double>(s, pre.data(), bias.data(), h_prev.data(), vp, h_ref.data(), out_ref.data());
  std::vector<T> hn = poison<T>(BH), out = poison<T>(BH);
  const std::vector<T> pre_t = as<T>(pre), bias_t = as<T>(bias), h_prev_t = as<T>(h_prev);
  run_step(c, [&](const RnnStepShape& r) {
    rnn_forward_step<T>(r, pre_t.data(), bias_t.data(), h_prev_t.data(), vp, hn.data(), out.data());
  });
  const double tol = tolerance<T>(c.scale);
  expect_close(hn, h_ref, tol, "h_next");
  expect_close(out, out_ref, tol, "out");

  const Vec dout = random_vec(rng, BH, 1), dh = random_vec(rng, BH, 1);
  Vec gp_ref(BH), dh_ref = dh;
  ref::rnn_backward_step<double>(s, gp_ref.data(), h_ref.data(), vp, dout.data(), dh_ref.data());
  std::vector<T> gp = poison<T>(BH), dhv = as<T>(dh);
  const std::vector<T> h_ref_t = as<T>(h_ref), dout_t = as<T>(dout);
  run_step(c, [&](const RnnStepShape& r) {
    rnn_backward_step<T>(r, gp.data(), h_ref_t.data(), vp, dout_t.data(), dhv.data());
  });
  expect_close(gp, gp_ref, tol, "pre-activation gradient");
  expect_close(dhv, dh_ref, tol, "dh");
}

void for_each_case(void (*check)(const Case&, Rng&)) {
  Rng rng(7);
  for (const Case& c : cases()) {
    SCOPED_TRACE(::testing::Message() << "B " << c.B << " H " << c.H << " masked " << c.masked << " scale " << c.scale
                                      << " split " << c.split);
    check(c, rng);
    if (::testing::Test::HasFatalFailure()) return;
  }
}

TEST(RnnCellKernels, LstmFloatMatchesReference) { for_each_case(check_lstm<float>); }
TEST(RnnCellKernels, LstmDoubleMatchesReference) { for_each_case(check_lstm<double>); }
TEST(RnnCellKernels, GruFloatMatchesReference) { for_each_case(check_gru<float>); }
TEST(RnnCellKernels, GruDoubleMatchesReference) { for_each_case(check_gru<double>); }
TEST(RnnCellKernels, ElmanFloatMatchesReference) { for_each_case(check_elman<float>); }
TEST(RnnCellKernels, ElmanDoubleMatchesReference) { for_each_case(check_elman<double>); }

// Padded rows: state copied exactly, output exactly 0, gradients passed through untouched.
TEST(RnnCellKernels, PaddedRowsCarryStateExactly) {
  const RnnStepShape s{2, 3};
  const std::vector<uint8_t> valid = {0, 1};
  std::vector<float> gates(24, 5.f), bias(12, 0.f), h_prev = {1, 2, 3, 4, 5, 6}, c_prev = {7, 8, 9, 1, 2, 3};
  std::vector<float> hn(6, NAN), cn(6, NAN), out(6, NAN);
  lstm_forward_step<float>(s, gates.data(), bias.data(), h_prev.data(), c_prev.data(), valid.data(), hn.data(),
                           cn.data(), out.data());
  for (int j = 0; j < 3; ++j) {
    EXPECT_EQ(hn[j], h_prev[j]);
    EXPECT_EQ(cn[j], c_prev[j]);
    EXPECT_EQ(out[j], 0.f);
    EXPECT_EQ(out[3 + j], hn[3 + j]);
  }
  std::vector<float> dout(6, 1.f), dh = {1, 2, 3, 4, 5, 6}, dc = {6, 5, 4, 3, 2, 1};
  lstm_backward_step<float>(s, gates.data(), c_prev.data(), cn.data(), valid.data(), dout.data(), dh.data(), dc.data());
  for (int j = 0; j < 3; ++j) {
    EXPECT_EQ(dh[j], float(j + 1));  // untouched: the zero output had no gradient path
    EXPECT_EQ(dc[j], float(6 - j));
    EXPECT_EQ(dh[3 + j], 0.f);  // valid rows: everything goes through the gates
  }
  for (int k = 0; k < 12; ++k) EXPECT_EQ(gates[k], 0.f);
}

}  // namespace
}  // namespace attend::kernels
