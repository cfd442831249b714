// A steady-state training step does no heap allocation: after warm-up, tensors come from the caching
// allocator, closures from the tape arena, and the optimizer updates in place.
#include <gtest/gtest.h>

#include "autograd/ops.h"
#include "kernels/gemm.h"
#include "nn/clip.h"
#include "nn/layers.h"
#include "nn/optim.h"
#include "support/alloc_counter.h"

namespace attend {
namespace {

class Mlp : public nn::Module {
 public:
  explicit Mlp(Rng& rng) : embed(50, 32, rng), hidden(32, 64, rng), norm(64), out(64, 50, rng) {
    register_module("embed", &embed);
    register_module("hidden", &hidden);
    register_module("norm", &norm);
    register_module("out", &out);
  }
  Tensor loss(const Tensor& ids, const Tensor& targets, Rng& rng) {
    Tensor h = tanh(hidden.forward(embed.forward(ids)));              // [B,T,64]
    h = dropout(norm.forward(h), 0.1, rng, true);
    Tensor logits = out.forward(h);                                  // [B,T,50]
    Tensor l = cross_entropy(logits, targets, {.ignore_index = 0, .label_smoothing = 0.1});
    return l + mean(sigmoid(h)) * 0.0;  // exercise broadcasting ops and reductions too
  }
  nn::Embedding embed;
  nn::Linear hidden;
  nn::LayerNorm norm;
  nn::Linear out;
};

TEST(SteadyState, TrainingStepDoesNoHeapAllocation) {
  Rng rng(1);
  Mlp model(rng);
  nn::Adam opt(model.named_parameters(), {});
  std::vector<int64_t> idv(8 * 12), tv(8 * 12);
  for (size_t i = 0; i < idv.size(); ++i) idv[i] = static_cast<int64_t>(1 + i % 49), tv[i] = static_cast<int64_t>(i % 50);
  Tensor ids = Tensor::from(idv, {8, 12}), targets = Tensor::from(tv, {8, 12});
  auto step = [&] {
    Tensor l = model.loss(ids, targets, rng);
    l.backward();
    nn::clip_grad_norm(opt.params(), 1.0);
    opt.step();
    opt.zero_grad();
  };
  for (int i = 0; i < 3; ++i) step();
  // oneDNN's sgemm allocates internally on every call (buffers, its threading layer); attend cannot
  // avoid those, so they are counted apart. Everything else must be zero.
  const uint64_t before = testing::heap_allocations();
  const uint64_t before_sgemm = testing::heap_allocations_in_sgemm();
  const uint64_t gemms_before = kernels::sgemm_calls();
  for (int i = 0; i < 5; ++i) step();
  const uint64_t total = testing::heap_allocations() - before;
  const uint64_t in_sgemm = testing::heap_allocations_in_sgemm() - before_sgemm;
  const uint64_t gemms = kernels::sgemm_calls() - gemms_before;
  EXPECT_GT(gemms, 0u);
  EXPECT_EQ(total - in_sgemm, 0u) << "5 steady-state steps: " << total << " heap allocations, " << in_sgemm
                                  << " of them inside " << gemms << " oneDNN sgemm calls";
  std::printf("[steady state] 5 steps: %llu heap allocations by attend, %llu inside %llu oneDNN sgemm calls\n",
              static_cast<unsigned long long>(total - in_sgemm), static_cast<unsigned long long>(in_sgemm),
              static_cast<unsigned long long>(gemms));
}

TEST(SteadyState, CounterSeesAllocations) {
  const uint64_t before = testing::heap_allocations();
  std::vector<int>* volatile p = new std::vector<int>(100);
  (*p)[3] = 1;
  delete p;
  EXPECT_GE(testing::heap_allocations() - before, 2u);
}

}  // namespace
}  // namespace attend
