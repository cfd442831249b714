// Long-range recall in small: hierarchical attention finds the answer hundreds of steps back where an
// LSTM trained alike stays near chance.
#include "models/recall.h"

#include <gtest/gtest.h>

#include "autograd/ops.h"
#include "data/recall.h"
#include "nn/clip.h"
#include "nn/optim.h"

namespace attend::models {
namespace {

double recall_accuracy(RecallModel& model, int64_t length, int steps) {
  nn::Adam opt(model.named_parameters(), {.lr = 1e-2});
  Rng data_rng(11);
  const int64_t vocab = 12;
  for (int s = 0; s < steps; ++s) {
    data::RecallBatch b = data::make_recall_batch(16, length, vocab, data_rng);
    Tensor loss = cross_entropy(model.logits(b.tokens, b.prev_tokens), b.answer);
    loss.backward();
    nn::clip_grad_norm(opt.params(), 1.0);
    opt.step();
    opt.zero_grad();
  }
  NoGradGuard ng;
  Rng eval_rng(12);
  data::RecallBatch b = data::make_recall_batch(200, length, vocab, eval_rng);
  auto pred = argmax(model.logits(b.tokens, b.prev_tokens), -1).to_vector<int64_t>();
  auto ans = b.answer.to_vector<int64_t>();
  int ok = 0;
  for (size_t i = 0; i < pred.size(); ++i) ok += pred[i] == ans[i];
  return ok / 200.0;
}

TEST(RecallData, AnswerFollowsTheMarkerFarBack) {
  Rng rng(1);
  data::RecallBatch b = data::make_recall_batch(8, 100, 12, rng);
  auto t = b.tokens.to_vector<int64_t>(), a = b.answer.to_vector<int64_t>(), p = b.prev_tokens.to_vector<int64_t>();
  for (int64_t i = 0; i < 8; ++i) {
    int markers = 0;
    for (int64_t j = 0; j < 100; ++j) {
      if (t[static_cast<size_t>(i * 100 + j)] == data::kRecallMarker) {
        ++markers;
        EXPECT_LT(j, 50);
        EXPECT_EQ(t[static_cast<size_t>(i * 100 + j + 1)], a[static_cast<size_t>(i)]);
      }
      if (j > 0) EXPECT_EQ(p[static_cast<size_t>(i * 100 + j)], t[static_cast<size_t>(i * 100 + j - 1)]);
    }
    EXPECT_EQ(markers, 1);
  }
  EXPECT_GE(b.distance_min, 50);
  EXPECT_THROW(data::make_recall_batch(1, 2, 12, rng), Error);
}

TEST(Recall, HierarchicalAttentionRecallsWhereTheLstmDoesNot) {
  RecallConfig cfg{.vocab = 12, .embed = 16, .hidden = 32, .chunk = 16, .levels = 2};
  Rng rng(3);
  RecallHierarchical hier(cfg, rng);
  RecallLstm lstm(cfg, rng);
  const double h = recall_accuracy(hier, 256, 600);
  const double l = recall_accuracy(lstm, 256, 600);
  RecordProperty("hierarchical", std::to_string(h));
  RecordProperty("lstm", std::to_string(l));
  EXPECT_GT(h, 0.9);
  EXPECT_LT(l, 0.4);  // chance is 1/8
}

}  // namespace
}  // namespace attend::models
