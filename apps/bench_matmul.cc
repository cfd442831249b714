// `attend bench matmul`: the cost of going through Tensor + autograd compared with raw dnnl_sgemm, for
// square sizes 64..2048. Forward: one matmul of two requires-grad tensors (tape recorded, then
// cleared) vs one sgemm. Forward+backward: matmul + backward vs the three raw sgemms it needs.
#include <dnnl.h>
#include <fmt/format.h>

#include <cstdio>

#include "autograd/ops/matmul.h"
#include "autograd/tape.h"
#include "bench_timer.h"
#include "command.h"
#include "tensor/rng.h"
#include "tensor/threads.h"

namespace attend::app {
namespace {

struct MatmulBenchOptions {
  std::vector<int64_t> sizes{64, 128, 256, 512, 1024, 2048};
  int repeats = 15;
  bool json = false;
};

int run_matmul_bench(const MatmulBenchOptions& opt) {
  Rng rng(42);
  for (int64_t n : opt.sizes) {
    Tensor a = Tensor::empty({n, n}), b = Tensor::empty({n, n});
    rng.fill_uniform(a, -1, 1);
    rng.fill_uniform(b, -1, 1);
    Tensor c = Tensor::zeros({n, n}), g = Tensor::ones({n, n}), da = Tensor::zeros({n, n}), db = Tensor::zeros({n, n});
    const float* pa = a.data<float>();
    const float* pb = b.data<float>();
    float* pc = c.data<float>();
    auto raw_fwd = [&] { dnnl_sgemm('N', 'N', n, n, n, 1.f, pa, n, pb, n, 0.f, pc, n); };
    auto raw_fwd_bwd = [&] {
      raw_fwd();
      dnnl_sgemm('N', 'T', n, n, n, 1.f, g.data<float>(), n, pb, n, 1.f, da.data<float>(), n);
      dnnl_sgemm('T', 'N', n, n, n, 1.f, pa, n, g.data<float>(), n, 1.f, db.data<float>(), n);
    };
    Tensor ag = a.detach(), bg = b.detach();
    ag.set_requires_grad();
    bg.set_requires_grad();
    auto attend_fwd = [&] {
      Tensor y = matmul(ag, bg);
      tape().clear();
    };
    auto attend_fwd_bwd = [&] {
      Tensor y = matmul(ag, bg);
      y.backward(g);
    };
    const int inner = calibrate_iterations(raw_fwd);
    auto loop = [inner](auto& fn) {
      return [&fn, inner] {
        for (int i = 0; i < inner; ++i) fn();
      };
    };
    // Interleave raw and attend measurements so machine noise hits both alike.
    double t_raw = 0, t_att = 0, t_raw_b = 0, t_att_b = 0;
    std::vector<double> r1, r2, r3, r4;
    for (int r = 0; r < opt.repeats; ++r) {
      r1.push_back(median_ms(loop(raw_fwd), 1, r == 0 ? 1 : 0) / inner);
      r2.push_back(median_ms(loop(attend_fwd), 1, r == 0 ? 1 : 0) / inner);
      r3.push_back(median_ms(loop(raw_fwd_bwd), 1, r == 0 ? 1 : 0) / inner);
      r4.push_back(median_ms(loop(attend_fwd_bwd), 1, r == 0 ? 1 : 0) / inner);
    }
    auto med = [](std::vector<double> v) {
      std::sort(v.begin(), v.end());
      return v[v.size() / 2];
    };
    t_raw = med(r1), t_att = med(r2), t_raw_b = med(r3), t_att_b = med(r4);
    const double flops = 2.0 * n * n * n;
    const double raw_gflops = flops / (t_raw * 1e6);
    if (opt.json) {
      std::printf(
          "{\"bench\":\"matmul\",\"n\":%lld,\"threads\":%d,\"sgemm_ms\":%.5f,\"attend_fwd_ms\":%.5f,"
          "\"fwd_overhead_pct\":%.2f,\"sgemm_fwd_bwd_ms\":%.5f,\"attend_fwd_bwd_ms\":%.5f,"
          "\"fwd_bwd_overhead_pct\":%.2f,\"sgemm_gflops\":%.1f}\n",
          static_cast<long long>(n), num_threads(), t_raw, t_att, 100.0 * (t_att / t_raw - 1), t_raw_b, t_att_b,
          100.0 * (t_att_b / t_raw_b - 1), raw_gflops);
    } else {
      std::printf("n=%-5lld sgemm %9.4f ms (%6.1f GFLOP/s)  attend %9.4f ms (%+6.2f%%)   fwd+bwd: 3 sgemm %9.4f ms  attend %9.4f ms (%+6.2f%%)\n",
                  static_cast<long long>(n), t_raw, raw_gflops, t_att, 100.0 * (t_att / t_raw - 1), t_raw_b, t_att_b,
                  100.0 * (t_att_b / t_raw_b - 1));
    }
    std::fflush(stdout);
  }
  return 0;
}

ATTEND_BENCHMARK("matmul", "matmul through Tensor + autograd vs raw dnnl_sgemm", [](CLI::App& cmd) {
  auto opt = std::make_shared<MatmulBenchOptions>();
  cmd.add_option("--sizes", opt->sizes, "square sizes")->check(CLI::Range(int64_t{1}, int64_t{16384}));
  cmd.add_option("--repeats", opt->repeats, "timed repeats (median reported)")->check(CLI::Range(1, 1000));
  cmd.add_flag("--json", opt->json, "one JSON line per size");
  return std::function<int()>([opt] { return run_matmul_bench(*opt); });
});

}  // namespace
}  // namespace attend::app
