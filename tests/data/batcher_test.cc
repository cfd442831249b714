// Batcher: each example once per epoch, the max_tokens bound (and its single-example exception), length
// bucketing against an unsorted twin, determinism, exact resume, and in-order evaluation plans.
#include "data/batcher.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "support/expect_error.h"
#include "tensor/rng.h"

namespace attend::data {
namespace {

std::vector<Example> random_examples(int n, uint64_t seed, int max_len = 40) {
  Rng rng(seed);
  std::vector<Example> ex(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    auto& e = ex[static_cast<size_t>(i)];
    const int64_t s = 1 + static_cast<int64_t>(rng.below(static_cast<uint64_t>(max_len)));
    // Target lengths follow source lengths, as in translation.
    const int64_t t = std::max<int64_t>(1, s + static_cast<int64_t>(rng.below(7)) - 3);
    for (int64_t k = 0; k < s; ++k) e.src.push_back(4 + static_cast<int64_t>(rng.below(50)));
    for (int64_t k = 0; k < t; ++k) e.tgt.push_back(4 + static_cast<int64_t>(rng.below(50)));
    e.index = 1000 + i;  // not the position, to tell the two apart
  }
  return ex;
}

void expect_each_once(const BatchPlan& plan, size_t n) {
  std::vector<int> seen(n, 0);
  for (const auto& b : plan)
    for (int64_t p : b) ++seen[static_cast<size_t>(p)];
  for (size_t i = 0; i < n; ++i) ASSERT_EQ(seen[i], 1) << "example " << i;
}

int64_t total_padded(const std::vector<Example>& ex, const BatchPlan& plan) {
  int64_t t = 0;
  for (const auto& b : plan) t += padded_tokens(ex, b);
  return t;
}

TEST(Batcher, EveryExampleOncePerEpochWithinTheTokenBudget) {
  const auto ex = random_examples(997, 3);
  BatcherOptions opt{.max_tokens = 600, .max_batch = 0, .chunk_batches = 10, .seed = 5};
  BatchPlan previous;
  for (int64_t epoch = 0; epoch < 4; ++epoch) {
    const BatchPlan plan = plan_training_epoch(ex, opt, epoch);
    expect_each_once(plan, ex.size());
    for (const auto& b : plan) {
      ASSERT_FALSE(b.empty());
      EXPECT_LE(padded_tokens(ex, b), opt.max_tokens);
    }
    EXPECT_NE(plan, previous) << "epoch " << epoch << " repeats the previous one";
    EXPECT_EQ(plan, plan_training_epoch(ex, opt, epoch)) << "not deterministic";
    previous = plan;
  }
  BatcherOptions other = opt;
  other.seed = 6;
  EXPECT_NE(plan_training_epoch(ex, opt, 0), plan_training_epoch(ex, other, 0));
}

TEST(Batcher, OversizedExampleGetsABatchOfItsOwnAndMaxBatchHolds) {
  auto ex = random_examples(200, 4, 10);
  ex[17].src.assign(300, 5);  // 300 + tgt + 1 > 256 alone
  BatcherOptions opt{.max_tokens = 256, .max_batch = 6, .chunk_batches = 5, .seed = 1};
  const BatchPlan plan = plan_training_epoch(ex, opt, 0);
  expect_each_once(plan, ex.size());
  for (const auto& b : plan) {
    EXPECT_LE(static_cast<int64_t>(b.size()), 6);
    if (std::find(b.begin(), b.end(), 17) != b.end())
      EXPECT_EQ(b.size(), 1u);
    else
      EXPECT_LE(padded_tokens(ex, b), 256);
  }
}

// Bucketing: against the same greedy cut over the shuffled order without sorting, far less padding.
TEST(Batcher, BucketingCutsPadding) {
  const auto ex = random_examples(3000, 8);
  int64_t real = 0;
  for (const auto& e : ex) real += static_cast<int64_t>(e.src.size() + e.tgt.size() + 1);
  BatcherOptions opt{.max_tokens = 2000, .max_batch = 0, .chunk_batches = 20, .seed = 2};
  const int64_t bucketed = total_padded(ex, plan_training_epoch(ex, opt, 0));
  // Unsorted twin: the in-order eval plan over a shuffled copy is a plain greedy cut.
  std::vector<Example> shuffled = ex;
  Rng rng(9);
  for (size_t i = shuffled.size(); i > 1; --i) std::swap(shuffled[i - 1], shuffled[rng.below(i)]);
  const int64_t plain = total_padded(shuffled, plan_eval_batches(shuffled, 2000, 0, false));
  EXPECT_LT(static_cast<double>(bucketed), 1.25 * static_cast<double>(real));
  EXPECT_GT(static_cast<double>(plain), 1.5 * static_cast<double>(real));
}

void expect_same_batch(const SeqBatch& a, const SeqBatch& b) {
  ASSERT_EQ(a.indices, b.indices);
  ASSERT_EQ(a.src.shape(), b.src.shape());
  ASSERT_EQ(a.tgt_out.shape(), b.tgt_out.shape());
  for (int64_t i = 0; i < a.src.numel(); ++i) ASSERT_EQ(a.src.data<int64_t>()[i], b.src.data<int64_t>()[i]);
  for (int64_t i = 0; i < a.tgt_out.numel(); ++i) ASSERT_EQ(a.tgt_out.data<int64_t>()[i], b.tgt_out.data<int64_t>()[i]);
}

TEST(Batcher, ResumeSeesTheSameBatches) {
  const auto ex = random_examples(300, 11);
  BatcherOptions opt{.max_tokens = 500, .max_batch = 0, .chunk_batches = 4, .seed = 77};
  Batcher a(ex, opt);
  const int64_t per_epoch = a.batches_in_epoch();
  ASSERT_GT(per_epoch, 5);
  // Stop at several points, including the end of an epoch, and resume in a fresh Batcher.
  for (int64_t stop : {int64_t{0}, int64_t{3}, per_epoch, per_epoch + 2}) {
    Batcher run(ex, opt);
    for (int64_t i = 0; i < stop; ++i) run.next();
    const std::string saved = batcher_state_to_json(run.state()).dump();
    BatcherOptions fresh = opt;
    fresh.seed = 1;  // the saved seed wins
    Batcher resumed(ex, fresh);
    resumed.restore(batcher_state_from_json(nlohmann::json::parse(saved)));
    EXPECT_EQ(resumed.state(), run.state());
    for (int i = 0; i < per_epoch + 1; ++i) expect_same_batch(run.next(), resumed.next());
  }
  // The batches of an epoch are its plan, in order, with the examples' own indices.
  for (int64_t i = 0; i < per_epoch; ++i) {
    const auto plan = a.plan()[static_cast<size_t>(i)];
    const SeqBatch b = a.next();
    ASSERT_EQ(b.indices.size(), plan.size());
    for (size_t k = 0; k < plan.size(); ++k) EXPECT_EQ(b.indices[k], ex[static_cast<size_t>(plan[k])].index);
  }
  EXPECT_EQ(a.state().epoch, 0);
  a.next();
  EXPECT_EQ(a.state().epoch, 1);
  EXPECT_EQ(a.state().batch, 1);
}

TEST(Batcher, BadStatesAreRefused) {
  const auto ex = random_examples(50, 1);
  Batcher b(ex, {.max_tokens = 200});
  BatcherState s = b.state();
  s.examples = 49;
  testing::expect_error_containing([&] { b.restore(s); }, "saved position is for 49 examples, this corpus has 50");
  s = b.state();
  s.batch = b.batches_in_epoch() + 1;
  testing::expect_error_containing([&] { b.restore(s); }, "past the");
  testing::expect_error_containing([] { batcher_state_from_json(nlohmann::json{{"seed", 1}, {"epoch", 0}}); },
                                   "'batch' missing");
  testing::expect_error_containing([] { Batcher(std::vector<Example>{}, {}); }, "no examples");
  testing::expect_error_containing([&] { plan_training_epoch(ex, {.max_tokens = 0}, 0); }, "max_tokens must be positive");
}

TEST(Batcher, EvalPlansCoverEverythingInOrderOrByLength) {
  const auto ex = random_examples(400, 21);
  const BatchPlan in_order = plan_eval_batches(ex, 700, 0, false);
  std::vector<int64_t> flat;
  for (const auto& b : in_order) flat.insert(flat.end(), b.begin(), b.end());
  std::vector<int64_t> want(ex.size());
  for (size_t i = 0; i < want.size(); ++i) want[i] = static_cast<int64_t>(i);
  EXPECT_EQ(flat, want);
  const BatchPlan sorted = plan_eval_batches(ex, 700, 0, true);
  expect_each_once(sorted, ex.size());
  size_t last = 0;
  for (const auto& b : sorted) {
    EXPECT_LE(padded_tokens(ex, b), 700);
    for (int64_t p : b) {
      EXPECT_GE(ex[static_cast<size_t>(p)].src.size(), last);
      last = ex[static_cast<size_t>(p)].src.size();
    }
  }
  // Greedy: no batch could have taken the next example of the order.
  for (size_t i = 0; i + 1 < in_order.size(); ++i) {
    auto grown = in_order[i];
    grown.push_back(in_order[i + 1].front());
    EXPECT_GT(padded_tokens(ex, grown), 700);
  }
}

}  // namespace
}  // namespace attend::data
