// Google Benchmark: raw dnnl_sgemm vs attend::matmul (Tensor + autograd recording) at square sizes.
// Run: build/attend_bench --benchmark_filter=Matmul  (the same comparison as `attend bench matmul`).
#include <benchmark/benchmark.h>
#include <dnnl.h>

#include "autograd/ops/matmul.h"
#include "autograd/tape.h"
#include "tensor/rng.h"

namespace {

using attend::Tensor;

void BM_RawSgemm(benchmark::State& state) {
  const int64_t n = state.range(0);
  attend::Rng rng(1);
  Tensor a = Tensor::empty({n, n}), b = Tensor::empty({n, n}), c = Tensor::empty({n, n});
  rng.fill_uniform(a, -1, 1);
  rng.fill_uniform(b, -1, 1);
  for (auto _ : state) {
    dnnl_sgemm('N', 'N', n, n, n, 1.f, a.data<float>(), n, b.data<float>(), n, 0.f, c.data<float>(), n);
    benchmark::DoNotOptimize(c.data<float>());
  }
  state.counters["GFLOP/s"] = benchmark::Counter(2.0 * n * n * n, benchmark::Counter::kIsIterationInvariantRate,
                                                 benchmark::Counter::kIs1000);
}

void BM_AttendMatmulForward(benchmark::State& state) {
  const int64_t n = state.range(0);
  attend::Rng rng(1);
  Tensor a = Tensor::empty({n, n}), b = Tensor::empty({n, n});
  rng.fill_uniform(a, -1, 1);
  rng.fill_uniform(b, -1, 1);
  a.set_requires_grad();
  b.set_requires_grad();
  for (auto _ : state) {
    Tensor y = attend::matmul(a, b);
    benchmark::DoNotOptimize(y.data<float>());
    attend::tape().clear();
  }
  state.counters["GFLOP/s"] = benchmark::Counter(2.0 * n * n * n, benchmark::Counter::kIsIterationInvariantRate,
                                                 benchmark::Counter::kIs1000);
}

void BM_AttendMatmulForwardBackward(benchmark::State& state) {
  const int64_t n = state.range(0);
  attend::Rng rng(1);
  Tensor a = Tensor::empty({n, n}), b = Tensor::empty({n, n}), g = Tensor::ones({n, n});
  rng.fill_uniform(a, -1, 1);
  rng.fill_uniform(b, -1, 1);
  a.set_requires_grad();
  b.set_requires_grad();
  for (auto _ : state) {
    Tensor y = attend::matmul(a, b);
    y.backward(g);
  }
  state.counters["GFLOP/s"] = benchmark::Counter(6.0 * n * n * n, benchmark::Counter::kIsIterationInvariantRate,
                                                 benchmark::Counter::kIs1000);
}

BENCHMARK(BM_RawSgemm)->RangeMultiplier(2)->Range(64, 2048)->UseRealTime();
BENCHMARK(BM_AttendMatmulForward)->RangeMultiplier(2)->Range(64, 2048)->UseRealTime();
BENCHMARK(BM_AttendMatmulForwardBackward)->RangeMultiplier(2)->Range(64, 2048)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
