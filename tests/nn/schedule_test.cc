// Learning-rate schedules against hand-computed values, and their parsing errors.
#include "nn/schedule.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <numbers>
#include <string>

#include "base/error.h"

namespace attend::nn {
namespace {

void expect_error_naming(const std::function<void()>& f, const std::string& needle) {
  try {
    f();
    ADD_FAILURE() << "expected an error naming " << needle;
  } catch (const Error& e) {
    EXPECT_NE(e.message().find(needle), std::string::npos) << e.message();
  }
}

TEST(Schedule, ConstantWithWarmup) {
  Schedule s = Schedule::parse("constant", 0.1);
  EXPECT_DOUBLE_EQ(s.lr_at(0), 0.1);
  EXPECT_DOUBLE_EQ(s.lr_at(123456), 0.1);
  s = Schedule::parse("constant:warmup=4", 0.1);
  EXPECT_DOUBLE_EQ(s.lr_at(0), 0.025);
  EXPECT_DOUBLE_EQ(s.lr_at(1), 0.05);
  EXPECT_DOUBLE_EQ(s.lr_at(2), 0.075);
  EXPECT_DOUBLE_EQ(s.lr_at(3), 0.1);
  EXPECT_DOUBLE_EQ(s.lr_at(10), 0.1);
}

TEST(Schedule, StepDecay) {
  const Schedule s = Schedule::from_json({{"type", "step"}, {"step_size", 3}, {"gamma", 0.5}}, 1.0);
  const double want[] = {1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.125};
  for (int i = 0; i < 10; ++i) EXPECT_DOUBLE_EQ(s.lr_at(i), want[i]) << i;
}

TEST(Schedule, InverseSqrtNoam) {
  // base * min(s / 4, sqrt(4 / s)), s = step + 1
  const Schedule s = Schedule::parse("noam:warmup=4", 1.0);
  EXPECT_DOUBLE_EQ(s.lr_at(0), 0.25);
  EXPECT_DOUBLE_EQ(s.lr_at(1), 0.5);
  EXPECT_DOUBLE_EQ(s.lr_at(3), 1.0);  // the peak at s = warmup
  EXPECT_DOUBLE_EQ(s.lr_at(15), 0.5);
  EXPECT_DOUBLE_EQ(s.lr_at(99), 0.2);
  EXPECT_EQ(Schedule::parse("inverse_sqrt:warmup=4", 1.0).kind, Schedule::Kind::InverseSqrt);
}

TEST(Schedule, CosineWithWarmupAndFloor) {
  const Schedule s = Schedule::parse("cosine:warmup=2,total_steps=12,min_lr=0.1", 1.0);
  EXPECT_DOUBLE_EQ(s.lr_at(0), 0.5);
  EXPECT_DOUBLE_EQ(s.lr_at(1), 1.0);
  EXPECT_DOUBLE_EQ(s.lr_at(2), 1.0);                                           // p = 0
  EXPECT_NEAR(s.lr_at(4), 0.1 + 0.45 * (1 + std::cos(0.2 * std::numbers::pi)), 1e-15);  // 0.914057...
  EXPECT_NEAR(s.lr_at(4), 0.9140576474687264, 1e-15);
  EXPECT_NEAR(s.lr_at(7), 0.55, 1e-15);  // p = 0.5
  EXPECT_DOUBLE_EQ(s.lr_at(12), 0.1);
  EXPECT_DOUBLE_EQ(s.lr_at(1000), 0.1);
  // Without warm-up or floor: half the base lr at the midpoint.
  EXPECT_NEAR(Schedule::parse(R"({"type": "cosine", "total_steps": 10})", 2.0).lr_at(5), 1.0, 1e-15);
}

TEST(Schedule, JsonRoundTrip) {
  const Schedule s = Schedule::parse("cosine:warmup=5,total_steps=50,min_lr=1e-5", 3e-4);
  const Schedule t = Schedule::from_json(s.to_json(), 1.0);
  for (int64_t i : {0, 3, 5, 20, 49, 50, 70}) EXPECT_EQ(s.lr_at(i), t.lr_at(i)) << i;
  EXPECT_EQ(Schedule::from_json({{"type", "constant"}, {"lr", 0.5}}, 1.0).lr_at(3), 0.5);
}

TEST(Schedule, BadValuesNameTheKey) {
  expect_error_naming([] { Schedule::parse("cosine", 1.0); }, "'total_steps'");
  expect_error_naming([] { Schedule::parse("cosine:total_steps=10,warmup=10", 1.0); }, "'total_steps'");
  expect_error_naming([] { Schedule::parse("cosine:total_steps=10,min_lr=2", 1.0); }, "'min_lr'");
  expect_error_naming([] { Schedule::parse("step:step_size=2,gamma=-1", 1.0); }, "'gamma'");
  expect_error_naming([] { Schedule::parse("step", 1.0); }, "'step_size'");
  expect_error_naming([] { Schedule::parse("noam", 1.0); }, "'warmup'");
  expect_error_naming([] { Schedule::parse("constant:warmpu=3", 1.0); }, "'warmpu'");
  expect_error_naming([] { Schedule::parse("constant:warmup=abc", 1.0); }, "'warmup'");
  expect_error_naming([] { Schedule::parse("constant:warmup=-3", 1.0); }, "'warmup'");
  expect_error_naming([] { Schedule::parse("constant:warmup=2.5", 1.0); }, "'warmup'");
  expect_error_naming([] { Schedule::parse("constant:warmup", 1.0); }, "key=value");
  expect_error_naming([] { Schedule::parse("linear", 1.0); }, "'linear'");
  expect_error_naming([] { Schedule::parse("{\"type\": ", 1.0); }, "not valid JSON");
  expect_error_naming([] { Schedule::from_json({{"warmup", 3}}, 1.0); }, "'type'");
  expect_error_naming([] { Schedule::from_json({{"type", "constant"}, {"lr", "fast"}}, 1.0); }, "'lr'");
  expect_error_naming([] { Schedule::from_json(42, 1.0); }, "schedule");
  expect_error_naming([] { Schedule::parse("constant", -1.0); }, "'lr'");
  expect_error_naming([] { Schedule::parse("constant", 1.0).lr_at(-1); }, "step");
}

}  // namespace
}  // namespace attend::nn
