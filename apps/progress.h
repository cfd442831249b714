// Training progress for the CLI: a one-line bar redrawn in place on a terminal (step, loss, tokens/s,
// ETA), plain log lines every `every` steps otherwise (CI, pipes, files).
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

namespace attend::app {

class Progress {
 public:
  using Clock = std::chrono::steady_clock;
  // `now` replaces the steady clock (tests).
  Progress(int64_t total_steps, int64_t start_step, int64_t every, std::function<Clock::time_point()> now = {});
  // Reports a finished step; `tokens` is what the step processed.
  void update(int64_t step, double loss, int64_t tokens);
  // Ends the bar line (terminal) so later output starts on a fresh line.
  void finish();
  bool interactive() const { return tty_; }

  // Tokens per second and seconds left at the rate of the last one to two windows (kWindow each), so a
  // pause, a validation or a slow start long ago no longer weighs on them; the whole run until one
  // window has passed.
  double tokens_per_s() const;
  double eta_s() const;
  static constexpr std::chrono::seconds kWindow{30};

 private:
  struct Mark {
    Clock::time_point time;
    int64_t step = 0, tokens = 0;
  };
  int64_t total_, every_;
  bool tty_;
  std::function<Clock::time_point()> now_;
  Clock::time_point last_draw_;
  Mark previous_, current_, latest_;  // window starts (previous_ <= current_) and the last update
  double loss_avg_ = 0;
  bool have_loss_ = false;
};

}  // namespace attend::app
