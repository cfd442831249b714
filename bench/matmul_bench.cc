// Google Benchmark: raw dnnl_sgemm vs attend::matmul (Tensor + autograd recording) at square sizes, and the
// seq2seq output layer in float32 vs int8. Run: build/attend_bench --benchmark_filter=Matmul (as `attend bench matmul`),
// --benchmark_filter=OutputLayer for the output layer (plain sgemm, int8, and the beam's fused logits + log-softmax
// top-5), --benchmark_filter=DecoderWeightGradient for a decoder
// weight gradient taken step by step or once over all steps, --benchmark_filter=RnnWeightGradient for the two
// orientations of a recurrent weight gradient.
#include <benchmark/benchmark.h>
#include <dnnl.h>

#include <cstdint>
#include <vector>

#include "autograd/ops/matmul.h"
#include "autograd/tape.h"
#include "kernels/top_k.h"
#include "kernels/weight_gradient.h"
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

// The seq2seq decoder's output layer (beam 5 x batch 64 hypotheses, hidden 256, vocabulary 8,000) in float32
// and as oneDNN's integer GEMM (u8 activations x s8 weights -> s32), the product an int8 output layer would
// run. Shapes only: the values do not matter to the speed.
constexpr int64_t kOutRows = 320, kOutK = 256, kOutVocab = 8000;

// Times one output-layer product per iteration; `multiply` returns oneDNN's status, and a failure ends the
// benchmark with an error instead of timing a no-op.
template <class Multiply>
void time_output_layer(benchmark::State& state, const char* rate_name, Multiply&& multiply) {
  for (auto _ : state) {
    if (multiply() != dnnl_success) {
      state.SkipWithError("oneDNN GEMM failed");
      break;
    }
  }
  state.counters[rate_name] = benchmark::Counter(2.0 * kOutRows * kOutK * kOutVocab,
                                                 benchmark::Counter::kIsIterationInvariantRate,
                                                 benchmark::Counter::kIs1000);
}

void BM_OutputLayerSgemm(benchmark::State& state) {
  std::vector<float> a(kOutRows * kOutK, 0.5f), b(kOutK * kOutVocab, 0.25f), c(kOutRows * kOutVocab);
  time_output_layer(state, "GFLOP/s", [&] {
    const dnnl_status_t st = dnnl_sgemm('N', 'N', kOutRows, kOutVocab, kOutK, 1.f, a.data(), kOutK, b.data(),
                                        kOutVocab, 0.f, c.data(), kOutVocab);
    benchmark::DoNotOptimize(c.data());
    return st;
  });
}

// The beam's fused output layer (kernels::logits_top_k): logits, their log-softmax normaliser and the top 5
// per row without writing the logits; normal operands, so the logits spread like an untrained model's.
void BM_OutputLayerTopK(benchmark::State& state) {
  attend::Rng rng(3);
  Tensor x = Tensor::empty({kOutRows, kOutK}), w = Tensor::empty({kOutVocab, kOutK}), bias = Tensor::empty({kOutVocab});
  rng.fill_normal(x, 0, 1);
  rng.fill_normal(w, 0, 0.1f);
  rng.fill_normal(bias, 0, 1);
  constexpr int64_t k = 5;
  std::vector<float> logp(kOutRows * k);
  std::vector<int64_t> ids(kOutRows * k);
  for (auto _ : state) {
    attend::kernels::logits_top_k({kOutRows, kOutK, kOutVocab, k, -1}, x.data<float>(), w.data<float>(),
                                  bias.data<float>(), logp.data(), ids.data());
    benchmark::DoNotOptimize(logp.data());
  }
  state.counters["GFLOP/s"] = benchmark::Counter(2.0 * kOutRows * kOutK * kOutVocab,
                                                 benchmark::Counter::kIsIterationInvariantRate,
                                                 benchmark::Counter::kIs1000);
}

void BM_OutputLayerU8S8S32(benchmark::State& state) {
  std::vector<uint8_t> a(kOutRows * kOutK, 3);
  std::vector<int8_t> b(kOutK * kOutVocab, 2);
  std::vector<int32_t> c(kOutRows * kOutVocab);
  const int32_t c_offset = 0;
  time_output_layer(state, "GOP/s", [&] {
    const dnnl_status_t st = dnnl_gemm_u8s8s32('N', 'N', 'F', kOutRows, kOutVocab, kOutK, 1.f, a.data(), kOutK, 0,
                                               b.data(), kOutVocab, 0, 0.f, c.data(), kOutVocab, &c_offset);
    benchmark::DoNotOptimize(c.data());
    return st;
  });
}

// The demo decoder's per-step weight gradient, dW_ih += dG_t^T x_t for its GRU cell (3 x 128 gates, input
// 64 + 256; ~170 words a batch, ~10 target steps): one product per step, as the tape runs it, against one
// product over all steps' rows, as a time-batched backward would. Argument: the number of products.
constexpr int64_t kGateRows = 384, kCellInput = 320, kBatchRows = 170, kSteps = 10;

void BM_DecoderWeightGradient(benchmark::State& state) {
  const int64_t calls = state.range(0), rows = kBatchRows * kSteps / calls;
  std::vector<float> g(kBatchRows * kSteps * kGateRows, 0.01f), x(kBatchRows * kSteps * kCellInput, 0.02f);
  std::vector<float> dw(kGateRows * kCellInput, 0.f);
  for (auto _ : state) {
    for (int64_t i = 0; i < calls; ++i) {
      if (dnnl_sgemm('T', 'N', kGateRows, kCellInput, rows, 1.f, g.data() + i * rows * kGateRows, kGateRows,
                     x.data() + i * rows * kCellInput, kCellInput, 1.f, dw.data(), kCellInput) != dnnl_success) {
        state.SkipWithError("oneDNN GEMM failed");
        return;
      }
    }
    benchmark::DoNotOptimize(dw.data());
  }
  state.counters["GFLOP/s"] = benchmark::Counter(2.0 * kGateRows * kCellInput * kBatchRows * kSteps,
                                                 benchmark::Counter::kIsIterationInvariantRate,
                                                 benchmark::Counter::kIs1000);
}

// A recurrent layer's weight gradient, grad [N,K] += g^T a (g: [rows,N] gate gradients, a: [rows,K] inputs),
// GRU 3 x 256 gates as in the seq2seq benchmark, through kernels::add_weight_gradient. Args: orientation
// (0 = one product straight into grad; 1 = the transposed product into scratch, then added transposed), rows
// (1,920 = the encoder's 30 steps x 64 sentences; 64 = one decoder step of the benchmark's batch, 320 = one step
// of a five times larger batch), K (input width: 256 for the encoder, 768 for the decoder's embedding + context).
constexpr int64_t kRnnGates = 768;

void BM_RnnWeightGradient(benchmark::State& state) {
  const auto order = state.range(0) == 0 ? attend::kernels::WeightGradientOrder::kDirect
                                         : attend::kernels::WeightGradientOrder::kTransposed;
  const int64_t rows = state.range(1), K = state.range(2), N = kRnnGates;
  std::vector<float> g(rows * N, 0.01f), a(rows * K, 0.02f), grad(N * K, 0.f);
  for (auto _ : state) {
    attend::kernels::add_weight_gradient<float>(g.data(), a.data(), rows, N, K, grad.data(), order);
    benchmark::DoNotOptimize(grad.data());
  }
  state.counters["GFLOP/s"] = benchmark::Counter(2.0 * rows * N * K, benchmark::Counter::kIsIterationInvariantRate,
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
BENCHMARK(BM_OutputLayerSgemm)->UseRealTime();
BENCHMARK(BM_OutputLayerU8S8S32)->UseRealTime();
BENCHMARK(BM_OutputLayerTopK)->UseRealTime();
BENCHMARK(BM_DecoderWeightGradient)->Arg(kSteps)->Arg(1)->UseRealTime();
BENCHMARK(BM_RnnWeightGradient)->ArgsProduct({{0, 1}, {64, 320, 1920}, {256, 768}})->UseRealTime();
BENCHMARK(BM_AttendMatmulForward)->RangeMultiplier(2)->Range(64, 2048)->UseRealTime();
BENCHMARK(BM_AttendMatmulForwardBackward)->RangeMultiplier(2)->Range(64, 2048)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
