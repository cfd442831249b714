// Progress bar / log lines.
#include "progress.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace attend::app {

Progress::Progress(int64_t total_steps, int64_t start_step, int64_t every)
    : total_(total_steps), start_(start_step), every_(every < 1 ? 1 : every) {
  const char* ci = std::getenv("CI");
  tty_ = isatty(STDERR_FILENO) && !(ci && std::strcmp(ci, "true") == 0);
  t0_ = last_draw_ = std::chrono::steady_clock::now();
}

void Progress::update(int64_t step, double loss, int64_t tokens) {
  tokens_ += tokens;
  loss_avg_ = have_loss_ ? 0.9 * loss_avg_ + 0.1 * loss : loss;
  have_loss_ = true;
  auto now = std::chrono::steady_clock::now();
  const double secs = std::chrono::duration<double>(now - t0_).count();
  const double tok_s = secs > 0 ? tokens_ / secs : 0;
  const double per_step = (step - start_) > 0 ? secs / static_cast<double>(step - start_) : 0;
  const double eta = per_step * static_cast<double>(total_ - step);
  if (tty_) {
    if (std::chrono::duration<double>(now - last_draw_).count() < 0.1 && step != total_) return;
    last_draw_ = now;
    const int width = 30;
    const int filled = total_ > 0 ? static_cast<int>(width * step / total_) : width;
    char bar[width + 1];
    for (int i = 0; i < width; ++i) bar[i] = i < filled ? '#' : '.';
    bar[width] = 0;
    std::fprintf(stderr, "\r[%s] step %lld/%lld  loss %.4f  %.0f tok/s  ETA %02d:%02d ", bar,
                 static_cast<long long>(step), static_cast<long long>(total_), loss_avg_, tok_s,
                 static_cast<int>(eta) / 60, static_cast<int>(eta) % 60);
    std::fflush(stderr);
  } else if (step % every_ == 0 || step == total_) {
    std::fprintf(stderr, "step %lld/%lld loss %.4f tok/s %.0f eta %.0fs\n", static_cast<long long>(step),
                 static_cast<long long>(total_), loss_avg_, tok_s, eta);
  }
}

void Progress::finish() {
  if (tty_) std::fprintf(stderr, "\n");
}

}  // namespace attend::app
