// Timing helpers for `attend bench`: median wall time over repeats after warm-up.
#pragma once
#include <algorithm>
#include <chrono>
#include <vector>

namespace attend::app {

// Runs fn `warmup` times, then `repeats` times, and returns the median duration in milliseconds.
template <class Fn>
double median_ms(Fn&& fn, int repeats, int warmup = 2) {
  for (int i = 0; i < warmup; ++i) fn();
  std::vector<double> t;
  t.reserve(static_cast<size_t>(repeats));
  for (int i = 0; i < repeats; ++i) {
    auto a = std::chrono::steady_clock::now();
    fn();
    auto b = std::chrono::steady_clock::now();
    t.push_back(std::chrono::duration<double, std::milli>(b - a).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

// Enough inner iterations that one timed repeat takes about `target_ms`.
template <class Fn>
int calibrate_iterations(Fn&& fn, double target_ms = 20.0) {
  for (int i = 0; i < 3; ++i) fn();  // first calls pay for JIT and page faults
  auto a = std::chrono::steady_clock::now();
  fn();
  auto b = std::chrono::steady_clock::now();
  double one = std::chrono::duration<double, std::milli>(b - a).count();
  int n = one > 0 ? static_cast<int>(target_ms / one) : 1000;
  return std::clamp(n, 1, 100000);
}

}  // namespace attend::app
