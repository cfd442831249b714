// Training progress for the CLI: a one-line bar redrawn in place on a terminal (step, loss, tokens/s,
// ETA), plain log lines every `every` steps otherwise (CI, pipes, files).
#pragma once
#include <chrono>
#include <cstdint>
#include <string>

namespace attend::app {

class Progress {
 public:
  Progress(int64_t total_steps, int64_t start_step, int64_t every);
  // Reports a finished step; `tokens` is what the step processed.
  void update(int64_t step, double loss, int64_t tokens);
  // Ends the bar line (terminal) so later output starts on a fresh line.
  void finish();
  bool interactive() const { return tty_; }

 private:
  int64_t total_, start_, every_;
  bool tty_;
  std::chrono::steady_clock::time_point t0_, last_draw_;
  int64_t tokens_ = 0;
  double loss_avg_ = 0;
  bool have_loss_ = false;
};

}  // namespace attend::app
