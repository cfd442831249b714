// Progress: tokens/s and ETA follow the last one to two windows, so a long pause (SIGSTOP, a validation) or a
// slow start stops weighing on them once a window has passed; before that they cover the whole run.
#include "../../apps/progress.h"  // the CLI's headers are not on the tests' include path

#include <gtest/gtest.h>

#include <chrono>

namespace attend::app {
namespace {

using std::chrono::seconds;

struct FakeClock {
  Progress::Clock::time_point t{};
  Progress::Clock::time_point operator()() const { return t; }
};

TEST(Progress, RatesCoverTheWholeRunUntilAWindowHasPassed) {
  FakeClock clock;
  Progress p(100, 0, 1000, [&] { return clock(); });
  for (int s = 1; s <= 10; ++s) {  // 2 s per step, 500 tokens per step
    clock.t += seconds(2);
    p.update(s, 1.0, 500);
  }
  EXPECT_DOUBLE_EQ(p.tokens_per_s(), 250.0);
  EXPECT_DOUBLE_EQ(p.eta_s(), 90 * 2.0);
}

TEST(Progress, APauseLongAgoNoLongerSlowsTheRates) {
  FakeClock clock;
  Progress p(1000, 200, 1000, [&] { return clock(); });  // resumed at step 200
  int64_t step = 200;
  for (int i = 0; i < 5; ++i) {
    clock.t += seconds(1);
    p.update(++step, 1.0, 1000);
  }
  clock.t += seconds(3600);  // paused for an hour
  p.update(++step, 1.0, 1000);
  // cumulative: 6,000 tokens in 3,605 s; the window that holds the pause is still the current one
  EXPECT_NEAR(p.tokens_per_s(), 6000.0 / 3605, 1e-9);
  for (int i = 0; i < 100; ++i) {  // then 100 s at 1 s and 1,000 tokens per step
    clock.t += seconds(1);
    p.update(++step, 1.0, 1000);
  }
  EXPECT_DOUBLE_EQ(p.tokens_per_s(), 1000.0);
  EXPECT_DOUBLE_EQ(p.eta_s(), static_cast<double>(1000 - step));
}

TEST(Progress, NoStepsYetGiveZeroNotNaN) {
  FakeClock clock;
  Progress p(10, 0, 1, [&] { return clock(); });
  EXPECT_EQ(p.tokens_per_s(), 0.0);
  EXPECT_EQ(p.eta_s(), 0.0);
}

}  // namespace
}  // namespace attend::app
