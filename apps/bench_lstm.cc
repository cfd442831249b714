// `attend bench lstm`: times one LSTM layer (the fused lstm_layer op) forward, and forward + backward
// with the output gradient seeded to ones, on x [T,B,I] that requires grad. Median over --repeat runs
// after --warmup runs. The PyTorch peer with the same layer, sizes and protocol is
// bench/peers/lstm_peer.py; both print one JSON line with the same keys.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <vector>

#include "autograd/ops/rnn.h"
#include "autograd/tape.h"
#include "command.h"
#include "tensor/rng.h"
#include "tensor/threads.h"

namespace attend::app {
namespace {

struct LstmBenchOptions {
  int64_t batch = 64;
  int64_t steps = 30;
  int64_t hidden = 512;
  int64_t input = 512;
  int repeat = 20;
  int warmup = 3;
  bool json = false;
};

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

int run_lstm_bench(const LstmBenchOptions& o) {
  const int64_t T = o.steps, B = o.batch, I = o.input, H = o.hidden;
  Rng rng(1);
  // PyTorch's init: every weight and bias uniform(-1/sqrt(H), 1/sqrt(H)).
  const double k = 1.0 / std::sqrt(static_cast<double>(H));
  auto uniform = [&](const Shape& s, double bound) {
    Tensor t = Tensor::empty(s);
    rng.fill_uniform(t, -bound, bound);
    t.set_requires_grad();
    return t;
  };
  Tensor x = uniform({T, B, I}, 1.0);
  Tensor w_ih = uniform({4 * H, I}, k), w_hh = uniform({4 * H, H}, k);
  Tensor b_ih = uniform({4 * H}, k), b_hh = uniform({4 * H}, k);
  const Tensor grad_out = Tensor::ones({T, B, H});
  std::vector<Tensor> inputs = {x, w_ih, w_hh, b_ih, b_hh};

  auto time_fwd = [&] {
    const auto t0 = std::chrono::steady_clock::now();
    RnnLayerResult r = lstm_layer(x, w_ih, w_hh, b_ih, b_hh, {}, {});
    const double s = seconds_since(t0);
    tape().clear();  // the recorded backward is not run
    return s;
  };
  auto time_fwd_bwd = [&] {
    for (Tensor& t : inputs) t.zero_grad();
    const auto t0 = std::chrono::steady_clock::now();
    RnnLayerResult r = lstm_layer(x, w_ih, w_hh, b_ih, b_hh, {}, {});
    r.out.backward(grad_out);
    return seconds_since(t0);
  };
  for (int i = 0; i < o.warmup; ++i) {
    time_fwd();
    time_fwd_bwd();
  }
  std::vector<double> fwd, fwd_bwd;
  for (int i = 0; i < o.repeat; ++i) fwd.push_back(time_fwd());
  for (int i = 0; i < o.repeat; ++i) fwd_bwd.push_back(time_fwd_bwd());
  const double fwd_s = median(fwd), fwd_bwd_s = median(fwd_bwd);

  // Forward: the input and recurrent GEMMs of every step; backward does twice that.
  const double flops_fwd = 2.0 * T * B * 4 * H * static_cast<double>(I + H);
  auto round3 = [](double v) { return std::round(v * 1e3) / 1e3; };
  nlohmann::ordered_json j;
  j["bench"] = "lstm";
  j["impl"] = "attend";
  j["batch"] = B;
  j["steps"] = T;
  j["hidden"] = H;
  j["input"] = I;
  j["threads"] = num_threads();
  j["repeat"] = o.repeat;
  j["fwd_ms"] = round3(fwd_s * 1e3);
  j["fwd_bwd_ms"] = round3(fwd_bwd_s * 1e3);
  // Rates to four significant digits: tiny sizes on a busy machine run at well under 0.001 GFLOP/s, which
  // three decimals would print as 0.
  auto significant4 = [](double v) {
    if (!(v > 0) || !std::isfinite(v)) return v;
    const double scale = std::pow(10.0, 3 - std::floor(std::log10(v)));
    return std::round(v * scale) / scale;
  };
  j["gflops_fwd"] = significant4(flops_fwd / fwd_s / 1e9);
  j["gflops_fwd_bwd"] = significant4(3 * flops_fwd / fwd_bwd_s / 1e9);
  if (o.json) {
    std::printf("%s\n", j.dump().c_str());
  } else {
    std::printf("lstm layer  T=%lld B=%lld I=%lld H=%lld  threads=%d  (median of %d)\n", static_cast<long long>(T),
                static_cast<long long>(B), static_cast<long long>(I), static_cast<long long>(H), num_threads(),
                o.repeat);
    std::printf("  forward             %9.3f ms  %7.1f GFLOP/s\n", fwd_s * 1e3, flops_fwd / fwd_s / 1e9);
    std::printf("  forward + backward  %9.3f ms  %7.1f GFLOP/s\n", fwd_bwd_s * 1e3, 3 * flops_fwd / fwd_bwd_s / 1e9);
  }
  return 0;
}

}  // namespace

ATTEND_BENCHMARK(
    "lstm", "one LSTM layer: forward and forward+backward times (peer: bench/peers/lstm_peer.py)",
    [](CLI::App& cmd) -> std::function<int()> {
      auto o = std::make_shared<LstmBenchOptions>();
      cmd.add_option("--batch", o->batch, "batch size B")->check(CLI::Range(1, 1 << 20));
      cmd.add_option("--steps", o->steps, "sequence length T")->check(CLI::Range(1, 1 << 20));
      cmd.add_option("--hidden", o->hidden, "hidden size H")->check(CLI::Range(1, 1 << 16));
      cmd.add_option("--input", o->input, "input size I")->check(CLI::Range(1, 1 << 16));
      cmd.add_option("--repeat", o->repeat, "timed runs (the median is reported)")->check(CLI::Range(1, 100000));
      cmd.add_option("--warmup", o->warmup, "untimed runs first")->check(CLI::Range(0, 100000));
      cmd.add_flag("--json", o->json, "print one JSON line");
      return [o] { return run_lstm_bench(*o); };
    });

}  // namespace attend::app
