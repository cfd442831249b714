// scaled_dot_product_attention op: gradient checks in double (causal, padding, Tq != Tk, strided inputs),
// the fused float path against the double reference path, the naive float path, key_lengths dtypes,
// empty sequences, and errors that name the shapes.
#include "autograd/ops/attention.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "autograd/gradcheck.h"
#include "autograd/ops.h"
#include "support/alloc_counter.h"

namespace attend {
namespace {

using testing::expect_gradients_match;
using testing::random_input;

Tensor sdpa_fn(const std::vector<Tensor>& in, const SdpaOptions& opt) {
  return scaled_dot_product_attention(in[0], in[1], in[2], opt);
}

GRADCHECK_TEST("scaled_dot_product_attention", SdpaCausalPaddingUnequalLengths) {
  Rng rng(71);
  Tensor q = random_input({2, 2, 3, 4}, rng), k = random_input({2, 2, 5, 4}, rng), v = random_input({2, 2, 5, 3}, rng);
  for (bool causal : {false, true}) {
    SdpaOptions opt;
    opt.causal = causal;
    expect_gradients_match([opt](const std::vector<Tensor>& in) { return sdpa_fn(in, opt); }, {q, k, v});
    opt.key_lengths = Tensor::from(std::vector<int32_t>{4, 0}, {2});  // batch 1 is all padding
    opt.scale = 0.7;
    expect_gradients_match([opt](const std::vector<Tensor>& in) { return sdpa_fn(in, opt); }, {q, k, v});
  }
  // Causal with more queries than keys: the first two queries see nothing.
  Tensor q2 = random_input({1, 1, 6, 4}, rng), k2 = random_input({1, 1, 4, 4}, rng), v2 = random_input({1, 1, 4, 2}, rng);
  SdpaOptions causal;
  causal.causal = true;
  expect_gradients_match([causal](const std::vector<Tensor>& in) { return sdpa_fn(in, causal); }, {q2, k2, v2});
}

GRADCHECK_TEST("scaled_dot_product_attention", SdpaStridedInputs) {
  // [B,T,H,D] tensors viewed as [B,H,T,D] (the multi-head layout) go through a dense copy.
  Rng rng(72);
  Tensor q = random_input({1, 3, 2, 4}, rng), k = random_input({1, 5, 2, 4}, rng), v = random_input({1, 5, 2, 4}, rng);
  expect_gradients_match(
      [](const std::vector<Tensor>& in) {
        return scaled_dot_product_attention(transpose(in[0], 1, 2), transpose(in[1], 1, 2), transpose(in[2], 1, 2));
      },
      {q, k, v});
}

struct Inputs {
  Tensor q, k, v, g;
};

Inputs random_inputs(int64_t b, int64_t h, int64_t tq, int64_t tk, int64_t d, int64_t dv, uint64_t seed) {
  Rng rng(seed);
  Inputs in{Tensor::empty({b, h, tq, d}), Tensor::empty({b, h, tk, d}), Tensor::empty({b, h, tk, dv}),
            Tensor::empty({b, h, tq, dv})};
  for (Tensor* t : {&in.q, &in.k, &in.v, &in.g}) rng.fill_uniform(*t, -1, 1);
  return in;
}

// Output and the three input gradients of one run in the dtype of `dtype`, returned as doubles.
std::vector<std::vector<double>> run(const Inputs& in, DType dtype, const SdpaOptions& opt) {
  Tensor q = in.q.copy(dtype), k = in.k.copy(dtype), v = in.v.copy(dtype);
  for (Tensor* t : {&q, &k, &v}) t->set_requires_grad();
  Tensor y = scaled_dot_product_attention(q, k, v, opt);
  y.backward(in.g.copy(dtype));
  return {y.to_vector<double>(), q.grad().to_vector<double>(), k.grad().to_vector<double>(),
          v.grad().to_vector<double>()};
}

void expect_all_close(const std::vector<std::vector<double>>& got, const std::vector<std::vector<double>>& want,
                      double tol) {
  const char* names[] = {"y", "dq", "dk", "dv"};
  for (size_t a = 0; a < got.size(); ++a) {
    ASSERT_EQ(got[a].size(), want[a].size());
    for (size_t i = 0; i < got[a].size(); ++i)
      ASSERT_NEAR(got[a][i], want[a][i], tol * (1 + std::abs(want[a][i]))) << names[a] << "[" << i << "]";
  }
}

TEST(Sdpa, FusedFloatMatchesDoubleReference) {
  const Inputs in = random_inputs(2, 3, 70, 90, 16, 24, 73);
  for (bool causal : {false, true}) {
    SdpaOptions opt;
    opt.causal = causal;
    opt.key_lengths = Tensor::from(std::vector<int64_t>{90, 33}, {2});
    expect_all_close(run(in, DType::F32, opt), run(in, DType::F64, opt), 2e-5);
  }
}

TEST(Sdpa, NaiveFloatPathMatchesFused) {
  const Inputs in = random_inputs(1, 2, 65, 65, 32, 32, 74);
  SdpaOptions fused, naive;
  fused.causal = naive.causal = true;
  naive.fused = false;
  expect_all_close(run(in, DType::F32, naive), run(in, DType::F32, fused), 2e-5);
}

TEST(Sdpa, ScaleZeroMeansInverseSqrtOfHeadSize) {
  const Inputs in = random_inputs(1, 1, 5, 6, 9, 4, 75);
  SdpaOptions explicit_scale;
  explicit_scale.scale = 1.0 / 3.0;
  expect_all_close(run(in, DType::F64, {}), run(in, DType::F64, explicit_scale), 1e-14);
  // scale 2 on q equals doubling q with scale 1.
  SdpaOptions two, one;
  two.scale = 2.0;
  one.scale = 1.0;
  const Tensor y2 = scaled_dot_product_attention(in.q, in.k, in.v, two);
  const Tensor y1 = scaled_dot_product_attention(in.q * 2.0, in.k, in.v, one);
  const auto a = y2.to_vector<float>(), b = y1.to_vector<float>();
  for (size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], 1e-6);
}

TEST(Sdpa, Int32AndInt64KeyLengthsAgreeAndMaskPadding) {
  const Inputs in = random_inputs(2, 1, 4, 6, 8, 8, 76);
  SdpaOptions a, b;
  a.key_lengths = Tensor::from(std::vector<int32_t>{6, 2}, {2});
  b.key_lengths = Tensor::from(std::vector<int64_t>{6, 2}, {2});
  const auto ya = scaled_dot_product_attention(in.q, in.k, in.v, a).to_vector<float>();
  const auto yb = scaled_dot_product_attention(in.q, in.k, in.v, b).to_vector<float>();
  EXPECT_EQ(ya, yb);
  // Changing a padding key of batch 1 (position 4) changes nothing.
  Tensor k2 = in.k.copy();
  k2.data<float>()[(1 * 6 + 4) * 8] += 5.f;
  EXPECT_EQ(scaled_dot_product_attention(in.q, k2, in.v, a).to_vector<float>(), ya);
}

TEST(Sdpa, EmptySequences) {
  for (DType dt : {DType::F32, DType::F64}) {
    // Tq = 0: an empty output of the right shape.
    Tensor y = scaled_dot_product_attention(Tensor::zeros({2, 3, 0, 4}, dt), Tensor::zeros({2, 3, 5, 4}, dt),
                                            Tensor::zeros({2, 3, 5, 6}, dt));
    EXPECT_EQ(y.shape(), Shape({2, 3, 0, 6}));
    // Tk = 0: every query sees nothing, so zeros, and zero gradients.
    Tensor q = Tensor::ones({1, 2, 3, 4}, dt), k = Tensor::zeros({1, 2, 0, 4}, dt), v = Tensor::zeros({1, 2, 0, 5}, dt);
    q.set_requires_grad();
    Tensor y2 = scaled_dot_product_attention(q, k, v);
    EXPECT_EQ(y2.shape(), Shape({1, 2, 3, 5}));
    for (double x : y2.to_vector<double>()) EXPECT_EQ(x, 0.0);
    y2.backward(Tensor::ones(y2.shape(), dt));
    for (double x : q.grad().to_vector<double>()) EXPECT_EQ(x, 0.0);
  }
}

TEST(Sdpa, FusedSteadyStateDoesNoHeapAllocation) {
  // Whole heads per thread (H = 2) and one head split over threads (H = 1): after a warm-up, the
  // kernels' per-thread scratch and the tensor pool serve every buffer.
  for (int64_t heads : {2, 1}) {
    const Inputs in = random_inputs(1, heads, 300, 300, 64, 64, 77);
    Tensor q = in.q.detach(), k = in.k.detach(), v = in.v.detach();
    for (Tensor* t : {&q, &k, &v}) t->set_requires_grad();
    SdpaOptions opt;
    opt.causal = true;
    auto step = [&] {
      for (Tensor* t : {&q, &k, &v}) t->zero_grad();
      Tensor y = scaled_dot_product_attention(q, k, v, opt);
      y.backward(in.g);
    };
    for (int i = 0; i < 3; ++i) step();
    const uint64_t before = testing::heap_allocations();
    for (int i = 0; i < 3; ++i) step();
    EXPECT_EQ(testing::heap_allocations() - before, 0u) << "heads=" << heads;
  }
}

void expect_error(const std::function<void()>& fn, const std::string& needle) {
  try {
    fn();
    ADD_FAILURE() << "no error, expected one mentioning '" << needle << "'";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("scaled_dot_product_attention"), std::string::npos) << e.what();
  }
}

TEST(Sdpa, ErrorsNameTheShapes) {
  const Tensor q = Tensor::zeros({2, 1, 3, 4}), k = Tensor::zeros({2, 1, 5, 4}), v = Tensor::zeros({2, 1, 5, 6});
  expect_error([&] { scaled_dot_product_attention(q, Tensor::zeros({2, 1, 5, 3}), v); }, "k [2,1,5,3]");
  expect_error([&] { scaled_dot_product_attention(q, k, Tensor::zeros({2, 1, 4, 6})); }, "v [2,1,4,6]");
  expect_error([&] { scaled_dot_product_attention(q, k, Tensor::zeros({1, 1, 5, 6})); }, "v [1,1,5,6]");
  expect_error([&] { scaled_dot_product_attention(Tensor::zeros({3, 4}), k, v); }, "q [3,4]");
  expect_error([&] { scaled_dot_product_attention(q, k, v.copy(DType::F64)); }, "float64");
  SdpaOptions opt;
  opt.key_lengths = Tensor::from(std::vector<int32_t>{5, 5, 5}, {3});
  expect_error([&] { scaled_dot_product_attention(q, k, v, opt); }, "[3]");
  opt.key_lengths = Tensor::from(std::vector<int32_t>{6, 1}, {2});
  expect_error([&] { scaled_dot_product_attention(q, k, v, opt); }, "key_lengths[0] = 6");
  opt.key_lengths = Tensor::from(std::vector<int64_t>{1, -1}, {2});
  expect_error([&] { scaled_dot_product_attention(q, k, v, opt); }, "key_lengths[1] = -1");
  opt.key_lengths = Tensor::zeros({2});
  expect_error([&] { scaled_dot_product_attention(q, k, v, opt); }, "int32 or int64");
}

}  // namespace
}  // namespace attend
