// `attend bench attention`: scaled_dot_product_attention forward and forward+backward at [B,H,N,D],
// fused (flash kernels) or --naive (full [N,N] weights), with a square sgemm timed in the same run as the
// yardstick and the peak resident memory. FLOPs: 4 B H N^2 D forward (half with --causal), 3.5x that
// for forward+backward. Repeats are interleaved (sgemm, forward, forward+backward) and medians reported.
#include <fmt/format.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>

#include "autograd/ops/attention.h"
#include "autograd/tape.h"
#include "command.h"
#include "kernels/flash_attention.h"
#include "kernels/gemm.h"
#include "tensor/rng.h"
#include "tensor/threads.h"

namespace attend::app {
namespace {

struct AttentionBenchOptions {
  int64_t n = 1024;
  int64_t heads = 8;
  int64_t dim = 64;
  int64_t batch = 1;
  bool causal = false;
  bool naive = false;
  bool json = false;
  int repeats = 5;
  int64_t sgemm_size = 2048;  // 0: skip (e.g. for a clean peak-memory figure)
  bool forward_only = false;
};

double peak_rss_mib() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_maxrss) / 1024.0;  // KiB on Linux
}

template <class Fn>
double time_ms(Fn&& fn) {
  const auto a = std::chrono::steady_clock::now();
  fn();
  const auto b = std::chrono::steady_clock::now();
  return std::chrono::duration<double, std::milli>(b - a).count();
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

int run_attention_bench(const AttentionBenchOptions& opt) {
  Rng rng(7);
  const int64_t B = opt.batch, H = opt.heads, N = opt.n, D = opt.dim;
  Tensor q = Tensor::empty({B, H, N, D}), k = Tensor::empty({B, H, N, D}), v = Tensor::empty({B, H, N, D});
  Tensor g = Tensor::empty({B, H, N, D});
  for (Tensor* t : {&q, &k, &v, &g}) rng.fill_uniform(*t, -1, 1);
  SdpaOptions sdpa;
  sdpa.causal = opt.causal;
  sdpa.fused = !opt.naive;

  Tensor a, b, c;
  if (opt.sgemm_size > 0) {
    const int64_t s = opt.sgemm_size;
    a = Tensor::empty({s, s}), b = Tensor::empty({s, s}), c = Tensor::zeros({s, s});
    rng.fill_uniform(a, -1, 1);
    rng.fill_uniform(b, -1, 1);
  }
  auto sgemm = [&] {
    const int64_t s = opt.sgemm_size;
    kernels::gemm(kernels::GemmShape{false, false, s, s, s, s, s, s}, 1.f, a.data<float>(), b.data<float>(), 0.f,
                  c.data<float>());
  };
  auto forward = [&] {
    NoGradGuard no_grad;
    Tensor y = scaled_dot_product_attention(q, k, v, sdpa);
  };
  Tensor qg = q.detach(), kg = k.detach(), vg = v.detach();
  for (Tensor* t : {&qg, &kg, &vg}) t->set_requires_grad();
  auto forward_backward = [&] {
    for (Tensor* t : {&qg, &kg, &vg}) t->zero_grad();
    Tensor y = scaled_dot_product_attention(qg, kg, vg, sdpa);
    y.backward(g);
  };

  // One warm-up round (page faults, scratch growth) unless a single repeat was asked for (huge sizes);
  // the sgemm is always warmed up once (oneDNN generates its kernel on the first call).
  const int warmup = opt.repeats > 1 ? 1 : 0;
  if (opt.sgemm_size > 0 && warmup == 0) sgemm();
  std::vector<double> t_gemm, t_fwd, t_fwd_bwd;
  for (int r = 0; r < warmup + opt.repeats; ++r) {
    const double tg = opt.sgemm_size > 0 ? time_ms(sgemm) : 0;
    const double tf = time_ms(forward);
    const double tb = opt.forward_only ? 0 : time_ms(forward_backward);
    if (r < warmup) continue;
    t_gemm.push_back(tg), t_fwd.push_back(tf), t_fwd_bwd.push_back(tb);
  }
  const double gemm_ms = median(t_gemm), fwd_ms = median(t_fwd), fwd_bwd_ms = median(t_fwd_bwd);
  const double fwd_flops = 4.0 * B * H * static_cast<double>(N) * N * D * (opt.causal ? 0.5 : 1.0);
  const double fwd_gflops = fwd_flops / (fwd_ms * 1e6);
  const double fwd_bwd_gflops = opt.forward_only ? 0 : 3.5 * fwd_flops / (fwd_bwd_ms * 1e6);
  const double sgemm_gflops =
      opt.sgemm_size > 0 ? 2.0 * std::pow(static_cast<double>(opt.sgemm_size), 3) / (gemm_ms * 1e6) : 0;
  // q, k, v, o, dq, dk, dv, do: eight [B,H,N,D] float arrays.
  const double io_mib = 8.0 * B * H * N * D * 4 / (1024.0 * 1024.0);
  const double rss = peak_rss_mib();
  const std::string impl = opt.naive ? "naive" : "fused";
  if (opt.json) {
    std::printf(
        "{\"bench\":\"attention\",\"impl\":\"%s\",\"isa\":\"%s\",\"threads\":%d,\"batch\":%lld,\"heads\":%lld,"
        "\"n\":%lld,\"dim\":%lld,\"causal\":%s,\"repeats\":%d,\"fwd_ms\":%.3f,\"fwd_bwd_ms\":%.3f,"
        "\"fwd_gflops\":%.1f,\"fwd_bwd_gflops\":%.1f,\"sgemm_gflops\":%.1f,\"fwd_pct_sgemm\":%.1f,"
        "\"fwd_bwd_pct_sgemm\":%.1f,\"peak_rss_mib\":%.1f,\"io_mib\":%.1f,\"rss_minus_io_mib\":%.1f}\n",
        impl.c_str(), kernels::flash_attention_isa(), num_threads(), static_cast<long long>(B),
        static_cast<long long>(H), static_cast<long long>(N), static_cast<long long>(D), opt.causal ? "true" : "false",
        opt.repeats, fwd_ms, fwd_bwd_ms, fwd_gflops, fwd_bwd_gflops, sgemm_gflops,
        sgemm_gflops > 0 ? 100 * fwd_gflops / sgemm_gflops : 0, sgemm_gflops > 0 ? 100 * fwd_bwd_gflops / sgemm_gflops : 0,
        rss, io_mib, rss - io_mib);
  } else {
    std::printf("attention %s (%s, %d threads) B=%lld H=%lld N=%lld D=%lld%s\n", impl.c_str(),
                kernels::flash_attention_isa(), num_threads(), static_cast<long long>(B), static_cast<long long>(H),
                static_cast<long long>(N), static_cast<long long>(D), opt.causal ? " causal" : "");
    std::printf("  forward          %10.3f ms  %7.1f GFLOP/s\n", fwd_ms, fwd_gflops);
    if (!opt.forward_only)
      std::printf("  forward+backward %10.3f ms  %7.1f GFLOP/s\n", fwd_bwd_ms, fwd_bwd_gflops);
    if (opt.sgemm_size > 0) std::printf("  sgemm %lld        %7.1f GFLOP/s\n", static_cast<long long>(opt.sgemm_size), sgemm_gflops);
    std::printf("  peak RSS %.1f MiB (q,k,v,o,dq,dk,dv,do: %.1f MiB)\n", rss, io_mib);
  }
  std::fflush(stdout);
  return 0;
}

ATTEND_BENCHMARK("attention", "scaled dot-product attention, fused or naive, forward and forward+backward",
                 [](CLI::App& cmd) {
                   auto opt = std::make_shared<AttentionBenchOptions>();
                   cmd.add_option("--n", opt->n, "sequence length (queries = keys)")
                       ->check(CLI::Range(int64_t{1}, int64_t{1} << 20));
                   cmd.add_option("--heads", opt->heads, "heads")->check(CLI::Range(int64_t{1}, int64_t{4096}));
                   cmd.add_option("--dim", opt->dim, "head size D")->check(CLI::Range(int64_t{1}, int64_t{4096}));
                   cmd.add_option("--batch", opt->batch, "batch")->check(CLI::Range(int64_t{1}, int64_t{4096}));
                   cmd.add_flag("--causal", opt->causal, "causal mask (FLOPs counted half)");
                   cmd.add_flag("--naive", opt->naive, "the naive path (full [N,N] weights) instead of the fused one");
                   cmd.add_flag("--json", opt->json, "one JSON line");
                   cmd.add_option("--repeats", opt->repeats, "timed repeats (median reported)")
                       ->check(CLI::Range(1, 1000));
                   cmd.add_option("--sgemm-size", opt->sgemm_size, "square sgemm timed alongside (0: none)")
                       ->check(CLI::Range(int64_t{0}, int64_t{8192}));
                   cmd.add_flag("--forward-only", opt->forward_only, "skip forward+backward");
                   return std::function<int()>([opt] { return run_attention_bench(*opt); });
                 });

}  // namespace
}  // namespace attend::app
