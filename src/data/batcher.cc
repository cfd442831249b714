// Training and evaluation batch plans, and the resumable Batcher.
#include "data/batcher.h"

#include <algorithm>
#include <numeric>

#include "base/error.h"
#include "tensor/rng.h"
#include "base/json_excerpt.h"

namespace attend::data {
namespace {

void check_limits(int64_t max_tokens, int64_t max_batch) {
  ATTEND_CHECK(max_tokens >= 1, "batcher: max_tokens must be positive, got {}", max_tokens);
  ATTEND_CHECK(max_batch >= 0, "batcher: max_batch must be 0 (no limit) or positive, got {}", max_batch);
}

template <class T>
void shuffle(std::vector<T>& v, Rng& rng) {
  for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[rng.below(i)]);
}

int64_t src_len(const Example& e) { return static_cast<int64_t>(e.src.size()); }
int64_t tgt_len(const Example& e) { return static_cast<int64_t>(e.tgt.size()); }

// Cuts `order` (positions) greedily into batches, appending to `plan`.
void cut(std::span<const Example> ex, std::span<const int64_t> order, int64_t max_tokens, int64_t max_batch,
         BatchPlan& plan) {
  std::vector<int64_t> cur;
  int64_t ms = 0, mt = 0;
  for (int64_t p : order) {
    const Example& e = ex[static_cast<size_t>(p)];
    const int64_t s = std::max(ms, src_len(e)), t = std::max(mt, tgt_len(e));
    const int64_t n = static_cast<int64_t>(cur.size()) + 1;
    if (!cur.empty() && (n * (s + t + 1) > max_tokens || (max_batch > 0 && n > max_batch))) {
      plan.push_back(std::move(cur));
      cur.clear();
      ms = mt = 0;
    }
    cur.push_back(p);
    ms = std::max(ms, src_len(e));
    mt = std::max(mt, tgt_len(e));
  }
  if (!cur.empty()) plan.push_back(std::move(cur));
}

void sort_by_length(std::span<const Example> ex, std::span<int64_t> order) {
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
    const Example& x = ex[static_cast<size_t>(a)];
    const Example& y = ex[static_cast<size_t>(b)];
    return src_len(x) != src_len(y) ? src_len(x) < src_len(y) : tgt_len(x) < tgt_len(y);
  });
}

}  // namespace

int64_t padded_tokens(std::span<const Example> examples, std::span<const int64_t> positions) {
  int64_t s = 0, t = 0;
  for (int64_t p : positions) {
    s = std::max(s, src_len(examples[static_cast<size_t>(p)]));
    t = std::max(t, tgt_len(examples[static_cast<size_t>(p)]));
  }
  return static_cast<int64_t>(positions.size()) * (s + t + 1);
}

BatchPlan plan_training_epoch(std::span<const Example> examples, const BatcherOptions& opt, int64_t epoch) {
  check_limits(opt.max_tokens, opt.max_batch);
  ATTEND_CHECK(opt.chunk_batches >= 1, "batcher: chunk_batches must be positive, got {}", opt.chunk_batches);
  ATTEND_CHECK(epoch >= 0, "batcher: negative epoch {}", epoch);
  const int64_t n = static_cast<int64_t>(examples.size());
  BatchPlan plan;
  if (n == 0) return plan;
  // Examples per batch, estimated from the mean unpadded size; a chunk holds chunk_batches batches' worth.
  int64_t total = 0;
  for (const auto& e : examples) total += src_len(e) + tgt_len(e) + 1;
  int64_t per_batch = std::max<int64_t>(1, opt.max_tokens / std::max<int64_t>(1, total / n));
  if (opt.max_batch > 0) per_batch = std::min(per_batch, opt.max_batch);
  const int64_t chunk = std::max<int64_t>(1, per_batch * opt.chunk_batches);

  Rng rng(opt.seed * 0x9E3779B97F4A7C15ull + static_cast<uint64_t>(epoch) * 0xD1B54A32D192ED03ull + 1);
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), int64_t{0});
  shuffle(order, rng);
  for (int64_t begin = 0; begin < n; begin += chunk) {
    std::span<int64_t> part(order.data() + begin, static_cast<size_t>(std::min(chunk, n - begin)));
    sort_by_length(examples, part);
    cut(examples, part, opt.max_tokens, opt.max_batch, plan);
  }
  shuffle(plan, rng);
  return plan;
}

BatchPlan plan_eval_batches(std::span<const Example> examples, int64_t max_tokens, int64_t max_batch,
                            bool sort_by_len) {
  check_limits(max_tokens, max_batch);
  std::vector<int64_t> order(examples.size());
  std::iota(order.begin(), order.end(), int64_t{0});
  if (sort_by_len) sort_by_length(examples, order);
  BatchPlan plan;
  cut(examples, order, max_tokens, max_batch, plan);
  return plan;
}

nlohmann::json batcher_state_to_json(const BatcherState& s) {
  return {{"seed", s.seed}, {"epoch", s.epoch}, {"batch", s.batch}, {"examples", s.examples}};
}

BatcherState batcher_state_from_json(const nlohmann::json& j) {
  ATTEND_CHECK(j.is_object(), "batcher state: expected a JSON object, got {}", json_excerpt(j));
  auto field = [&](const char* name) -> const nlohmann::json& {
    ATTEND_CHECK(j.contains(name) && j[name].is_number_integer(), "batcher state: '{}' missing or not an integer in {}",
                 name, json_excerpt(j));
    return j[name];
  };
  BatcherState s;
  s.seed = field("seed").get<uint64_t>();
  s.epoch = field("epoch").get<int64_t>();
  s.batch = field("batch").get<int64_t>();
  s.examples = field("examples").get<int64_t>();
  ATTEND_CHECK(s.epoch >= 0 && s.batch >= 0 && s.examples >= 0, "batcher state: negative field in {}", json_excerpt(j));
  return s;
}

Batcher::Batcher(std::vector<Example> examples, const BatcherOptions& opt)
    : examples_(std::move(examples)), opt_(opt) {
  ATTEND_CHECK(!examples_.empty(), "batcher: no examples");
  plan_ = plan_training_epoch(examples_, opt_, 0);
}

SeqBatch Batcher::next() {
  if (batch_ >= static_cast<int64_t>(plan_.size())) {
    ++epoch_;
    batch_ = 0;
    plan_ = plan_training_epoch(examples_, opt_, epoch_);
  }
  return make_seq_batch(examples_, plan_[static_cast<size_t>(batch_++)]);
}

BatcherState Batcher::state() const {
  return {opt_.seed, epoch_, batch_, static_cast<int64_t>(examples_.size())};
}

void Batcher::restore(const BatcherState& s) {
  ATTEND_CHECK(s.examples == static_cast<int64_t>(examples_.size()),
               "batcher: saved position is for {} examples, this corpus has {}", s.examples, examples_.size());
  ATTEND_CHECK(s.epoch >= 0, "batcher: negative epoch {}", s.epoch);
  BatcherOptions o = opt_;
  o.seed = s.seed;
  BatchPlan p = plan_training_epoch(examples_, o, s.epoch);
  ATTEND_CHECK(s.batch >= 0 && s.batch <= static_cast<int64_t>(p.size()),
               "batcher: saved batch {} is past the {} batches of epoch {}", s.batch, p.size(), s.epoch);
  opt_ = o;
  epoch_ = s.epoch;
  batch_ = s.batch;
  plan_ = std::move(p);
}

}  // namespace attend::data
