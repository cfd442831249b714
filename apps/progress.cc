// Progress bar / log lines.
#include "progress.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace attend::app {

Progress::Progress(int64_t total_steps, int64_t start_step, int64_t every, std::function<Clock::time_point()> now)
    : total_(total_steps), every_(every < 1 ? 1 : every), now_(std::move(now)) {
  const char* ci = std::getenv("CI");
  tty_ = isatty(STDERR_FILENO) && !(ci && std::strcmp(ci, "true") == 0);
  if (!now_) now_ = [] { return Clock::now(); };
  last_draw_ = now_();
  previous_ = current_ = latest_ = {last_draw_, start_step, 0};
}

double Progress::tokens_per_s() const {
  const double secs = std::chrono::duration<double>(latest_.time - previous_.time).count();
  return secs > 0 ? static_cast<double>(latest_.tokens - previous_.tokens) / secs : 0.0;
}

double Progress::eta_s() const {
  const int64_t steps = latest_.step - previous_.step;
  if (steps <= 0) return 0.0;
  const double per_step = std::chrono::duration<double>(latest_.time - previous_.time).count() / steps;
  return per_step * static_cast<double>(total_ - latest_.step);
}

void Progress::update(int64_t step, double loss, int64_t tokens) {
  loss_avg_ = have_loss_ ? 0.9 * loss_avg_ + 0.1 * loss : loss;
  have_loss_ = true;
  const Clock::time_point now = now_();
  latest_ = {now, step, latest_.tokens + tokens};
  if (now - current_.time >= kWindow) {  // a window has passed: rates now span the last one to two
    previous_ = current_;
    current_ = latest_;
  }
  const double tok_s = tokens_per_s(), eta = eta_s();
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
