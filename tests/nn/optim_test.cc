// SGD / Adam / AdamW against the torch.optim update formulas written out here in double, against values
// printed by PyTorch 1.13 for the same inputs, on a quadratic, and state export/import.
#include "nn/optim.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

namespace attend::nn {
namespace {

using Vec = std::vector<double>;

Tensor param64(const Vec& v) { return Tensor::from(v, Shape{static_cast<int64_t>(v.size())}).set_requires_grad(); }

const Vec kStart = {1.0, -2.0, 0.5};
const std::vector<Vec> kGrads = {{0.1, -0.2, 0.3}, {0.4, 0.0, -0.1}, {-0.3, 0.5, 0.2}};

// torch.optim.Adam / AdamW on one element, written from the documented algorithm.
Vec adam_by_hand(Vec p, double lr, double b1, double b2, double eps, double wd, bool decoupled) {
  Vec m(p.size(), 0), v(p.size(), 0);
  for (size_t t = 1; t <= kGrads.size(); ++t) {
    for (size_t i = 0; i < p.size(); ++i) {
      double g = kGrads[t - 1][i];
      if (decoupled) p[i] *= 1 - lr * wd;
      else g += wd * p[i];
      m[i] = b1 * m[i] + (1 - b1) * g;
      v[i] = b2 * v[i] + (1 - b2) * g * g;
      const double m_hat = m[i] / (1 - std::pow(b1, t));
      const double v_hat = v[i] / (1 - std::pow(b2, t));
      p[i] -= lr * m_hat / (std::sqrt(v_hat) + eps);
    }
  }
  return p;
}

// torch.optim.SGD: buf = g on the first step, then momentum * buf + (1 - dampening) * g.
Vec sgd_by_hand(Vec p, double lr, double momentum, double dampening, double wd, bool nesterov) {
  Vec buf(p.size(), 0);
  for (size_t t = 0; t < kGrads.size(); ++t) {
    for (size_t i = 0; i < p.size(); ++i) {
      double d = kGrads[t][i] + wd * p[i];
      if (momentum != 0) {
        buf[i] = t == 0 ? d : momentum * buf[i] + (1 - dampening) * d;
        d = nesterov ? d + momentum * buf[i] : buf[i];
      }
      p[i] -= lr * d;
    }
  }
  return p;
}

Vec run(Optimizer& opt, Tensor& p) {
  for (const Vec& g : kGrads) {
    p.set_grad(Tensor::from(g, Shape{3}));
    opt.step();
  }
  return p.to_vector<double>();
}

void expect_near(const Vec& got, const Vec& want, double tol, const std::string& what) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], tol) << what << " element " << i;
}

TEST(Adam, ThreeStepsMatchFormulaAndTorch) {
  Tensor p = param64(kStart);
  Adam opt({{"w", p}}, AdamOptions{.lr = 0.1, .beta1 = 0.9, .beta2 = 0.999});
  const Vec got = run(opt, p);
  expect_near(got, adam_by_hand(kStart, 0.1, 0.9, 0.999, 1e-8, 0, false), 1e-14, "formula");
  // printed by torch.optim.Adam(lr=0.1, betas=(0.9, 0.999)) in float64
  expect_near(got, {0.7938915337896525, -1.8730948628719435, 0.2996695015761391}, 1e-14, "torch");
  // First step by hand: m_hat = g, v_hat = g^2, so every element moves by lr * sign(g) (eps aside).
  Tensor q = param64(kStart);
  Adam one({{"w", q}}, AdamOptions{.lr = 0.1});
  q.set_grad(Tensor::from(kGrads[0], Shape{3}));
  one.step();
  expect_near(q.to_vector<double>(), {0.9, -1.9, 0.4}, 1e-7, "first step");
}

TEST(Adam, L2WeightDecayMatchesFormulaAndTorch) {
  Tensor p = param64(kStart);
  Adam opt({{"w", p}}, AdamOptions{.lr = 0.1, .weight_decay = 0.1});
  const Vec got = run(opt, p);
  expect_near(got, adam_by_hand(kStart, 0.1, 0.9, 0.999, 1e-8, 0.1, false), 1e-14, "formula");
  expect_near(got, {0.7629990181909688, -1.7869613114333995, 0.2768270516421907}, 1e-14, "torch");
}

TEST(AdamW, DecoupledWeightDecayMatchesFormulaAndTorch) {
  Tensor p = param64(kStart);
  AdamW opt({{"w", p}}, AdamOptions{.lr = 0.1, .weight_decay = 0.1});
  const Vec got = run(opt, p);
  expect_near(got, adam_by_hand(kStart, 0.1, 0.9, 0.999, 1e-8, 0.1, true), 1e-14, "formula");
  expect_near(got, {0.7670649100509012, -1.816352920979188, 0.28720922006385824}, 1e-14, "torch");
  EXPECT_STREQ(opt.kind(), "adamw");
}

TEST(Sgd, PlainMomentumAndNesterovMatchFormulaAndTorch) {
  {
    Tensor p = param64(kStart);
    Sgd opt({{"w", p}}, SgdOptions{.lr = 0.1});
    const Vec got = run(opt, p);
    expect_near(got, sgd_by_hand(kStart, 0.1, 0, 0, 0, false), 1e-15, "plain formula");
    expect_near(got, {0.98, -2.03, 0.46}, 1e-15, "plain by hand");
  }
  {
    Tensor p = param64(kStart);
    Sgd opt({{"w", p}}, SgdOptions{.lr = 0.1, .momentum = 0.9, .dampening = 0.1, .weight_decay = 0.01});
    const Vec got = run(opt, p);
    expect_near(got, sgd_by_hand(kStart, 0.1, 0.9, 0.1, 0.01, false), 1e-15, "momentum formula");
    expect_near(got, {0.9262508210899999, -1.9802368421799998, 0.415236590295}, 1e-14, "momentum torch");
  }
  {
    Tensor p = param64(kStart);
    Sgd opt({{"w", p}}, SgdOptions{.lr = 0.1, .momentum = 0.9, .weight_decay = 0.01, .nesterov = true});
    const Vec got = run(opt, p);
    expect_near(got, sgd_by_hand(kStart, 0.1, 0.9, 0, 0.01, true), 1e-15, "nesterov formula");
    expect_near(got, {0.906422212551, -2.010355625102, 0.3821850848005}, 1e-14, "nesterov torch");
  }
}

TEST(Adam, Float32MatchesDoubleFormula) {
  Tensor p = Tensor::from(std::vector<float>{1.0f, -2.0f, 0.5f}, Shape{3}).set_requires_grad();
  AdamW opt({{"w", p}}, AdamOptions{.lr = 0.1, .weight_decay = 0.1});
  for (const Vec& g : kGrads) {
    p.set_grad(Tensor::from(g, Shape{3}).copy(DType::F32));
    opt.step();
  }
  expect_near(p.to_vector<double>(), adam_by_hand(kStart, 0.1, 0.9, 0.999, 1e-8, 0.1, true), 2e-6, "float32");
}

// A tensor big enough for the threaded path, checked element by element against the scalar formula.
TEST(Adam, LargeTensorThreadedPathMatchesFormula) {
  const int64_t n = 100003;
  Vec start(n), grad(n);
  for (int64_t i = 0; i < n; ++i) {
    start[i] = std::sin(0.37 * i);
    grad[i] = std::cos(1.3 * i) * (i % 7 == 0 ? 1e4 : 1.0);  // extreme gradients stay finite
  }
  Tensor p = param64(start);
  Adam opt({{"big", p}}, AdamOptions{.lr = 0.01, .weight_decay = 0.05});
  for (int s = 0; s < 2; ++s) {
    p.set_grad(Tensor::from(grad, Shape{n}));
    opt.step();
  }
  const Vec got = p.to_vector<double>();
  for (int64_t i = 0; i < n; i += 1) {
    double w = start[i], m = 0, v = 0;
    for (int t = 1; t <= 2; ++t) {
      const double g = grad[i] + 0.05 * w;
      m = 0.9 * m + 0.1 * g;
      v = 0.999 * v + 0.001 * g * g;
      w -= 0.01 * (m / (1 - std::pow(0.9, t))) / (std::sqrt(v / (1 - std::pow(0.999, t))) + 1e-8);
    }
    ASSERT_NEAR(got[i], w, 1e-12) << i;
  }
}

// Odd sizes around the update's 256-element blocks and vector widths, float32 against the double formula.
TEST(AdamW, Float32OddSizesMatchDoubleFormula) {
  for (int64_t n : {1, 7, 15, 17, 63, 65, 255, 256, 257, 1000}) {
    Vec start(n), grad(n);
    for (int64_t i = 0; i < n; ++i) {
      start[i] = std::cos(0.7 * i);
      grad[i] = std::sin(2.1 * i + 0.3);
    }
    Tensor p = Tensor::from(start, Shape{n}).copy(DType::F32).set_requires_grad();
    AdamW opt({{"w", p}}, AdamOptions{.lr = 0.05, .weight_decay = 0.1});
    p.set_grad(Tensor::from(grad, Shape{n}).copy(DType::F32));
    opt.step();
    const Vec got = p.to_vector<double>();
    for (int64_t i = 0; i < n; ++i) {
      const double g = static_cast<float>(grad[i]), w0 = static_cast<float>(start[i]);
      const double m = 0.1 * g, v = 0.001 * g * g;  // first step
      const double want = w0 * (1 - 0.05 * 0.1) - 0.05 * (m / 0.1) / (std::sqrt(v / 0.001) + 1e-8);
      ASSERT_NEAR(got[i], want, 1e-6) << "n " << n << " i " << i;
    }
  }
}

TEST(Optimizer, SkipsParametersWithoutGradientAndCountsStepsPerParameter) {
  Tensor a = param64(kStart), b = param64({3.0, 4.0});
  Adam opt({{"a", a}, {"b", b}}, AdamOptions{.lr = 0.1});
  a.set_grad(Tensor::from(kGrads[0], Shape{3}));
  opt.step();
  EXPECT_EQ(b.to_vector<double>(), (Vec{3.0, 4.0}));  // untouched
  EXPECT_EQ(opt.state_tensors().size(), 2u);           // only a's m and v
  EXPECT_EQ(opt.state_json()["param_steps"]["b"], 0);
  // b's first update uses bias correction for step 1 (moves by lr), as torch's per-parameter step does.
  opt.zero_grad();
  EXPECT_FALSE(a.grad().defined());
  b.set_grad(Tensor::from(Vec{1.0, -1.0}, Shape{2}));
  opt.step();
  expect_near(b.to_vector<double>(), {2.9, 4.1}, 1e-7, "b");
  EXPECT_EQ(opt.step_count(), 2);
  EXPECT_EQ(opt.state_json()["param_steps"]["a"], 1);
  EXPECT_EQ(opt.state_json()["param_steps"]["b"], 1);
}

// f(x) = sum_i a_i (x_i - c_i)^2 with gradient 2 a_i (x_i - c_i): every optimizer reaches c.
TEST(Optimizer, MinimisesAQuadratic) {
  const Vec a = {1.0, 3.0, 0.5, 10.0}, c = {0.5, -1.5, 2.0, 0.25};
  for (const char* type : {"sgd", "adam", "adamw"}) {
    Tensor x = param64({0, 0, 0, 0});
    nlohmann::json opts = std::string(type) == "sgd" ? nlohmann::json{{"lr", 0.02}, {"momentum", 0.9}}
                                                     : nlohmann::json{{"lr", 0.05}, {"weight_decay", 0.0}};
    auto opt = make_optimizer(type, opts, {{"x", x}});
    for (int step = 0; step < 600; ++step) {
      const Vec xv = x.to_vector<double>();
      Vec g(4);
      for (int i = 0; i < 4; ++i) g[i] = 2 * a[i] * (xv[i] - c[i]);
      x.set_grad(Tensor::from(g, Shape{4}));
      opt->step();
    }
    expect_near(x.to_vector<double>(), c, 1e-3, type);
  }
}

TEST(Optimizer, LearningRateGetSetAndValidation) {
  Tensor p = param64(kStart);
  Sgd opt({{"w", p}}, SgdOptions{.lr = 0.5});
  EXPECT_EQ(opt.lr(), 0.5);
  opt.set_lr(0.25);
  EXPECT_EQ(opt.lr(), 0.25);
  p.set_grad(Tensor::from(Vec{1, 1, 1}, Shape{3}));
  opt.step();
  expect_near(p.to_vector<double>(), {0.75, -2.25, 0.25}, 1e-15, "lr 0.25");
  EXPECT_THROW(opt.set_lr(-1), Error);
  EXPECT_THROW(opt.set_lr(NAN), Error);
}

TEST(Optimizer, RejectsBadConstruction) {
  Tensor p = param64(kStart);
  EXPECT_THROW(Sgd({}, SgdOptions{}), Error);
  EXPECT_THROW(Sgd({{"w", p}, {"w", param64(kStart)}}, SgdOptions{}), Error);
  EXPECT_THROW(Sgd({{"w", p}, {"v", p}}, SgdOptions{}), Error);
  EXPECT_THROW(Sgd({{"i", Tensor::arange(3)}}, SgdOptions{}), Error);
  EXPECT_THROW(Sgd({{"w", p}}, SgdOptions{.nesterov = true}), Error);
  EXPECT_THROW(Adam({{"w", p}}, AdamOptions{.beta1 = 1.0}), Error);
  EXPECT_THROW(Adam({{"w", p}}, AdamOptions{.lr = -0.1}), Error);
  try {
    make_optimizer("adam", {{"lr", 0.1}, {"momentum", 0.9}}, {{"w", p}});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(e.message().find("'momentum'"), std::string::npos) << e.message();
  }
  EXPECT_THROW(make_optimizer("lamb", {}, {{"w", p}}), Error);
  EXPECT_THROW(make_optimizer("adam", {{"betas", {0.9}}}, {{"w", p}}), Error);
}

TEST(Optimizer, GradientOfWrongShapeIsAnError) {
  Tensor p = param64(kStart);
  Adam opt({{"enc.w", p}}, AdamOptions{});
  p.set_grad(Tensor::from(Vec{1, 2}, Shape{2}));
  try {
    opt.step();
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(e.message().find("enc.w"), std::string::npos) << e.message();
  }
}

TEST(Optimizer, StateRoundTripContinuesIdentically) {
  for (const char* type : {"sgd", "adam", "adamw"}) {
    nlohmann::json opts = {{"lr", 0.05}, {"weight_decay", 0.01}};
    if (std::string(type) == "sgd") opts["momentum"] = 0.9;
    Tensor a = param64(kStart);
    auto first = make_optimizer(type, opts, {{"enc.w", a}});
    for (int s = 0; s < 2; ++s) {
      a.set_grad(Tensor::from(kGrads[s], Shape{3}));
      first->step();
    }
    const NamedTensors state = first->state_tensors();
    const std::string prefix = std::string(type) + (std::string(type) == "sgd" ? ".momentum." : ".m.");
    ASSERT_FALSE(state.empty());
    EXPECT_EQ(state[0].first, prefix + "enc.w");

    Tensor b = param64(a.to_vector<double>());
    auto second = make_optimizer(type, {{"lr", 1.0}}, {{"enc.w", b}});  // hyperparameters come from the state
    second->load_state(first->state_json(), state);
    EXPECT_EQ(second->lr(), 0.05);
    EXPECT_EQ(second->step_count(), 2);
    a.set_grad(Tensor::from(kGrads[2], Shape{3}));
    b.set_grad(Tensor::from(kGrads[2], Shape{3}));
    first->step();
    second->step();
    EXPECT_EQ(a.to_vector<double>(), b.to_vector<double>()) << type;
  }
}

TEST(Optimizer, LoadStateRejectsMismatchesAndChangesNothing) {
  Tensor a = param64(kStart);
  Adam src({{"w", a}}, AdamOptions{.lr = 0.1});
  a.set_grad(Tensor::from(kGrads[0], Shape{3}));
  src.step();
  const nlohmann::json good = src.state_json();
  const NamedTensors tensors = src.state_tensors();

  Tensor b = param64(kStart);
  Adam dst({{"w", b}}, AdamOptions{.lr = 0.3, .beta1 = 0.5});
  auto expect_error = [&](const nlohmann::json& j, const NamedTensors& t, const std::string& needle) {
    try {
      dst.load_state(j, t);
      ADD_FAILURE() << "expected an error mentioning " << needle;
    } catch (const Error& e) {
      EXPECT_NE(e.message().find(needle), std::string::npos) << e.message();
    }
    EXPECT_EQ(dst.lr(), 0.3);
    EXPECT_EQ(dst.options().beta1, 0.5);
    EXPECT_EQ(dst.step_count(), 0);
  };
  expect_error(nlohmann::json::array(), tensors, "object");
  nlohmann::json j = good;
  j["type"] = "sgd";
  expect_error(j, tensors, "'sgd'");
  j = good;
  j.erase("step");
  expect_error(j, tensors, "'step'");
  j = good;
  j["param_steps"] = nlohmann::json::object();
  expect_error(j, tensors, "'w'");
  j = good;
  j["hyperparameters"]["betas"] = {0.9, 2.0};
  expect_error(j, tensors, "beta2");
  expect_error(good, {tensors[0]}, "adam.v.w");                                    // missing buffer
  expect_error(good, {tensors[0], tensors[1], {"adam.m.x", tensors[0].second}}, "adam.m.x");  // unknown
  expect_error(good, {tensors[0], {"adam.v.w", Tensor::zeros(Shape{4}, DType::F64)}}, "[4]");  // shape
  expect_error(good, {tensors[0], {"adam.v.w", Tensor::zeros(Shape{3}, DType::F32)}}, "float32");  // dtype
  dst.load_state(good, tensors);
  EXPECT_EQ(dst.lr(), 0.1);
  EXPECT_EQ(dst.options().beta1, 0.9);
}

}  // namespace
}  // namespace attend::nn
