// Google Benchmark: the seq2seq training loss over the bench model's logits (batch 64 x 30 target tokens,
// vocabulary 8,000: 61 MB), forward and backward. Arg 0 is the way EncoderDecoder::loss took it until
// 2026-12-03 (the smoothed loss, a second pass for the unsmoothed per-token NLL, and a zero-filled gradient
// the backward adds to); arg 1 the way it takes it now (the NLL from the same pass, the gradient written).
// Run: build/attend_bench --benchmark_filter=TrainingLoss
#include <benchmark/benchmark.h>

#include <cstdint>

#include "autograd/ops/loss.h"
#include "autograd/tape.h"
#include "tensor/rng.h"

namespace {

using attend::Tensor;

constexpr int64_t kLossRows = 64 * 30, kLossVocab = 8000;

void BM_TrainingLoss(benchmark::State& state) {
  const bool one_pass = state.range(0) == 1;
  attend::Rng rng(1);
  Tensor logits = Tensor::empty({kLossRows, kLossVocab});
  rng.fill_uniform(logits, -4, 4);
  logits.set_requires_grad();
  Tensor targets = Tensor::empty({kLossRows}, attend::DType::I64);
  for (int64_t r = 0; r < kLossRows; ++r) targets.data<int64_t>()[r] = static_cast<int64_t>(rng.below(kLossVocab));
  const attend::CrossEntropyOptions smoothed{.ignore_index = 0, .label_smoothing = 0.1};
  for (auto _ : state) {
    logits.impl()->grad = Tensor();  // every step starts without a gradient, as a training step does
    Tensor nll;
    Tensor loss;
    if (one_pass) {
      attend::CrossEntropyOptions o = smoothed;
      o.token_nll = &nll;
      loss = attend::cross_entropy(logits, targets, o);
    } else {
      loss = attend::cross_entropy(logits, targets, smoothed);
      attend::NoGradGuard no_grad;
      nll = attend::cross_entropy(logits.detach(), targets, {.ignore_index = 0, .reduction = attend::Reduction::None});
      attend::grad_buffer(logits);  // the zero-filled buffer the backward used to add into
    }
    benchmark::DoNotOptimize(nll.data<float>());
    loss.backward();
  }
  state.counters["MB/s of logits"] = benchmark::Counter(4.0 * kLossRows * kLossVocab, benchmark::Counter::kIsIterationInvariantRate,
                                                        benchmark::Counter::kIs1000);
}

BENCHMARK(BM_TrainingLoss)->Arg(0)->Arg(1)->UseRealTime();

}  // namespace
