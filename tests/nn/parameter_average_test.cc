// The exponential moving average of parameters against a double-precision twin of its formula, the swap
// in and out of the model, and the checkpoint state's validation.
#include "nn/parameter_average.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "base/error.h"

namespace attend::nn {
namespace {

class TwoParams : public Module {
 public:
  TwoParams() {
    w_ = register_parameter("w", Tensor::full(Shape{2, 3}, 0.5));
    b_ = register_parameter("b", Tensor::full(Shape{3}, -1.0));
    w = &w_;
    b = &b_;
  }
  Tensor* w;  // handles sharing the registered parameters' storage
  Tensor* b;

 private:
  Tensor w_, b_;
};

// Sets every parameter element to f(step, index) (weights the way an optimizer would leave them).
void set_weights(TwoParams& m, int step) {
  int k = 0;
  for (Tensor* t : {m.w, m.b}) {
    float* d = t->data<float>();
    for (int64_t i = 0; i < t->numel(); ++i, ++k) d[i] = static_cast<float>(0.3 * step - 0.07 * k * k + (step % 3));
  }
}

std::vector<float> all_values(const TwoParams& m) {
  std::vector<float> v = m.w->to_vector<float>();
  const std::vector<float> b = m.b->to_vector<float>();
  v.insert(v.end(), b.begin(), b.end());
  return v;
}

TEST(ParameterAverage, FollowsTheFormulaWithItsWarmUp) {
  TwoParams m;
  const double decay = 0.9;
  ParameterAverage avg(m, decay);
  std::vector<double> ref(9);
  const std::vector<float> start = all_values(m);
  std::copy(start.begin(), start.end(), ref.begin());
  // 120 updates: the warm-up rate (1+n)/(10+n) rules until n = 80, the decay after.
  for (int n = 0; n < 120; ++n) {
    set_weights(m, n + 1);
    avg.update();
    const double keep = std::min(decay, (1.0 + n) / (10.0 + n));
    const std::vector<float> p = all_values(m);
    for (size_t i = 0; i < ref.size(); ++i) ref[i] = keep * ref[i] + (1 - keep) * p[i];
  }
  EXPECT_EQ(avg.updates(), 120);
  std::vector<float> got = avg.tensors()[0].second.to_vector<float>();
  const std::vector<float> gb = avg.tensors()[1].second.to_vector<float>();
  got.insert(got.end(), gb.begin(), gb.end());
  ASSERT_EQ(got.size(), ref.size());
  // float accumulation over 120 updates: relative 1e-5.
  for (size_t i = 0; i < ref.size(); ++i) EXPECT_NEAR(got[i], ref[i], 1e-5 * std::max(1.0, std::abs(ref[i]))) << i;
  // The average is not the last weights (it lags them).
  EXPECT_NE(got, all_values(m));
}

TEST(ParameterAverage, ReachesTheDecayAfterItsWarmUp) {
  // With decay 0.5 the warm-up rate (1+n)/(10+n) exceeds 0.5 from n = 8: a constant weight c after that
  // pulls the average by half the gap each update.
  TwoParams m;
  ParameterAverage avg(m, 0.5);
  for (int n = 0; n < 8; ++n) avg.update();  // weights unchanged: the average stays at them
  EXPECT_EQ(avg.tensors()[0].second.to_vector<float>(), m.w->to_vector<float>());
  std::fill_n(m.w->data<float>(), 6, 2.5f);  // w was 0.5 everywhere
  avg.update();
  EXPECT_EQ(avg.tensors()[0].second.to_vector<float>(), std::vector<float>(6, 1.5f));
  avg.update();
  EXPECT_EQ(avg.tensors()[0].second.to_vector<float>(), std::vector<float>(6, 2.0f));
}

TEST(ParameterAverage, SwapExchangesAndSwapsBack) {
  TwoParams m;
  ParameterAverage avg(m, 0.99);
  const std::vector<float> before = all_values(m);
  set_weights(m, 5);
  const std::vector<float> trained = all_values(m);
  {
    const AveragedWeightsScope scope(&avg);
    EXPECT_EQ(all_values(m), before);  // the average has seen no update: still the starting weights
    const std::vector<float> held = avg.tensors()[1].second.to_vector<float>();
    EXPECT_EQ(held, std::vector<float>(trained.end() - 3, trained.end()));  // and it holds the trained ones
  }
  EXPECT_EQ(all_values(m), trained);
  { const AveragedWeightsScope none(nullptr); }
  EXPECT_EQ(all_values(m), trained);
}

TEST(ParameterAverage, LoadValidatesBeforeChangingAnything) {
  TwoParams m;
  ParameterAverage avg(m, 0.9);
  // Checkpoint names carry the prefix; tensors without it (another caller's) are ignored.
  NamedTensors good = {{"average.w", Tensor::full(Shape{2, 3}, 4.0)}, {"other", Tensor::full(Shape{1}, 1.0)},
                       {"average.b", Tensor::full(Shape{3}, 5.0)}};
  auto expect_error = [&](const NamedTensors& t, const std::string& needle) {
    try {
      avg.load(t, 3);
      ADD_FAILURE() << "expected an error mentioning " << needle;
    } catch (const Error& e) {
      EXPECT_NE(e.message().find(needle), std::string::npos) << e.message();
    }
    EXPECT_EQ(avg.tensors()[0].second.to_vector<float>(), m.w->to_vector<float>()) << "changed by a failed load";
    EXPECT_EQ(avg.updates(), 0);
  };
  expect_error({good[0]}, "1 tensors saved");
  expect_error({good[2], good[0]}, "expected 'w'");
  expect_error({{"average.w", Tensor::full(Shape{3, 2}, 4.0)}, good[2]}, "'w' has shape");
  avg.load(good, 3);
  EXPECT_EQ(avg.updates(), 3);
  EXPECT_EQ(avg.tensors()[1].second.to_vector<float>(), std::vector<float>(3, 5.0f));
  EXPECT_EQ(avg.state()[0].first, "average.w");
  EXPECT_EQ(avg.state()[1].second.to_vector<float>(), std::vector<float>(3, 5.0f));
  try {
    ParameterAverage bad(m, 1.0);
    ADD_FAILURE() << "decay 1 accepted";
  } catch (const Error& e) {
    EXPECT_NE(e.message().find("decay"), std::string::npos);
  }
}

TEST(ParameterAverage, LoadAverageIntoAModel) {
  TwoParams m;
  const std::vector<float> before = all_values(m);
  EXPECT_FALSE(load_average_into(m, {{"other", Tensor::full(Shape{1}, 1.0)}}));
  EXPECT_EQ(all_values(m), before);
  EXPECT_TRUE(load_average_into(m, {{"average.w", Tensor::full(Shape{2, 3}, 4.0)},
                                    {"average.b", Tensor::full(Shape{3}, 5.0)}}));
  EXPECT_EQ(m.w->to_vector<float>(), std::vector<float>(6, 4.0f));
  EXPECT_EQ(m.b->to_vector<float>(), std::vector<float>(3, 5.0f));
  try {
    load_average_into(m, {{"average.w", Tensor::full(Shape{2, 3}, 1.0)}});
    ADD_FAILURE() << "a partial average was accepted";
  } catch (const Error& e) {
    EXPECT_NE(e.message().find("1 tensors saved"), std::string::npos) << e.message();
  }
  EXPECT_EQ(m.w->to_vector<float>(), std::vector<float>(6, 4.0f));
}

}  // namespace
}  // namespace attend::nn
