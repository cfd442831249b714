// Attention in a steady-state training step makes no heap allocation of attend's own (oneDNN's sgemm
// allocates internally and is counted apart, as in tests/autograd/steady_state_test.cc): soft attention
// (additive, location-aware, local-p window, padding mask) and multi-head self-attention.
#include <gtest/gtest.h>

#include <vector>

#include "attention/multi_head.h"
#include "attention/soft.h"
#include "autograd/ops.h"
#include "kernels/gemm.h"
#include "support/alloc_counter.h"

namespace attend::attention {
namespace {

template <class Step>
void expect_no_allocation(const char* what, Step&& step) {
  for (int i = 0; i < 3; ++i) step();
  const uint64_t before = testing::heap_allocations();
  const uint64_t before_sgemm = testing::heap_allocations_in_sgemm();
  for (int i = 0; i < 5; ++i) step();
  const uint64_t total = testing::heap_allocations() - before;
  const uint64_t in_sgemm = testing::heap_allocations_in_sgemm() - before_sgemm;
  EXPECT_EQ(total - in_sgemm, 0u) << what << ": " << total << " heap allocations, " << in_sgemm << " inside sgemm";
}

TEST(AttentionSteadyState, SoftAttentionStepDoesNoHeapAllocation) {
  Rng rng(901);
  AttentionConfig c;
  c.score = Score::Additive;
  c.window = Window::LocalPredictive;
  c.window_radius = 2;
  c.query_dim = 8;
  c.key_dim = 6;
  c.hidden_dim = 16;
  c.location_aware = true;
  auto att = make_attention(c, rng);
  Tensor q = Tensor::empty({4, 3, 8}), k = Tensor::empty({4, 11, 6}), v = Tensor::empty({4, 11, 5});
  rng.fill_uniform(q, -1, 1);
  rng.fill_uniform(k, -1, 1);
  rng.fill_uniform(v, -1, 1);
  Tensor mask = Tensor::ones({4, 11});
  mask.data<float>()[20] = 0.f;
  const std::vector<Tensor> params = att->parameters();  // (named_parameters() itself allocates names)
  expect_no_allocation("soft attention", [&] {
    AttentionInputs in;
    in.query = q, in.keys = k, in.values = v, in.key_mask = mask;
    sum(att->forward(in, rng).context).backward();
    for (const Tensor& p : params) Tensor(p).zero_grad();
  });
}

TEST(AttentionSteadyState, MultiHeadStepDoesNoHeapAllocation) {
  Rng rng(902);
  MultiHeadAttention mha(32, 4, rng);
  Tensor x = Tensor::empty({4, 9, 32});
  rng.fill_uniform(x, -1, 1);
  x.set_requires_grad();
  Tensor mask = Tensor::ones({4, 9});
  const std::vector<Tensor> params = mha.parameters();
  expect_no_allocation("multi-head", [&] {
    sum(mha.forward(x, x, x, mask, true).output).backward();
    for (const Tensor& p : params) Tensor(p).zero_grad();
    x.zero_grad();
  });
}

}  // namespace
}  // namespace attend::attention
