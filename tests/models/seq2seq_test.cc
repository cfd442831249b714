// Seq2Seq with and without attention: config round trip and errors, shapes, and the seeds' claim in small:
// on reversal, attention keeps long sequences right where the fixed-vector model falls off.
#include "models/seq2seq.h"

#include <gtest/gtest.h>

#include "autograd/ops.h"
#include "nn/clip.h"
#include "nn/optim.h"

namespace attend::models {
namespace {

TEST(Seq2SeqConfig, JsonRoundTripAndErrors) {
  Seq2SeqConfig c;
  c.hidden = 32;
  c.attention = attention::AttentionConfig{};
  c.attention->score = attention::Score::Additive;
  Seq2SeqConfig back = Seq2SeqConfig::from_json(c.to_json());
  EXPECT_EQ(back.to_json(), c.to_json());
  EXPECT_FALSE(Seq2SeqConfig::from_json({{"attention", nullptr}}).attention.has_value());
  EXPECT_THROW(Seq2SeqConfig::from_json({{"hiden", 3}}), Error);
  EXPECT_THROW(Seq2SeqConfig::from_json({{"dropout", 1.5}}), Error);
  EXPECT_THROW(Seq2SeqConfig::from_json({{"attention", {{"score", "nope"}}}}), Error);
}

// Trains a small model on reversal of lengths 6..12 and returns sequence accuracy on length-12 inputs. The
// decayed LR makes the outcome robust to the last bits of the float kernels (AVX2 and AVX-512 differ).
double reversal_accuracy(bool with_attention) {
  data::SyntheticOptions task{.task = data::SyntheticTask::Reverse, .vocab = 13, .min_length = 6, .max_length = 12};
  Seq2SeqConfig cfg{.src_vocab = 13, .tgt_vocab = 13, .embed = 16, .hidden = 48, .attention = std::nullopt};
  if (with_attention) {
    cfg.attention = attention::AttentionConfig{};
    cfg.attention->score = attention::Score::General;
  }
  Rng rng(3), data_rng(4);
  Seq2Seq model(cfg, rng);
  nn::Adam opt(model.named_parameters(), {.lr = 1e-2});
  const int steps = 300;
  for (int step = 0; step < steps; ++step) {
    opt.set_lr(1e-2 * (1.0 - 0.9 * step / steps));  // decayed: the last steps settle instead of jumping about
    Tensor loss = model.loss(data::make_synthetic_batch(task, 32, data_rng), rng);
    loss.backward();
    nn::clip_grad_norm(opt.params(), 1.0);
    opt.step();
    opt.zero_grad();
  }
  model.eval();
  Rng eval_rng(5);
  data::SeqBatch b = data::make_synthetic_batch(task, 100, eval_rng, 12);
  auto hyp = model.greedy(b.src, b.src_mask, 20, eval_rng).tokens;
  auto src = b.src.to_vector<int64_t>();
  int ok = 0;
  for (int64_t j = 0; j < 100; ++j) {
    std::vector<int64_t> s;
    for (int64_t i = 0; i < 12; ++i) s.push_back(src[static_cast<size_t>(i * 100 + j)]);
    ok += hyp[static_cast<size_t>(j)] == data::synthetic_target(task, s);
  }
  return ok / 100.0;
}

TEST(Seq2Seq, AttentionHoldsUpOnLongReversalWhereTheFixedVectorFails) {
  const double plain = reversal_accuracy(false);
  const double attended = reversal_accuracy(true);
  RecordProperty("no_attention", std::to_string(plain));
  RecordProperty("attention", std::to_string(attended));
  EXPECT_GT(attended, 0.8) << "with attention";
  EXPECT_GT(attended, plain + 0.4) << "without attention " << plain;
}

TEST(Seq2Seq, GreedyReturnsWeightsThatAreDistributions) {
  Seq2SeqConfig cfg{.src_vocab = 10, .tgt_vocab = 10, .embed = 8, .hidden = 12, .attention = std::nullopt};
  cfg.attention = attention::AttentionConfig{};
  Rng rng(7);
  Seq2Seq model(cfg, rng);
  model.eval();
  data::SyntheticOptions task{.vocab = 10, .min_length = 2, .max_length = 6};
  data::SeqBatch b = data::make_synthetic_batch(task, 4, rng);
  DecodeResult r = model.greedy(b.src, b.src_mask, 5, rng);
  ASSERT_EQ(r.weights.size(), 4u);
  for (size_t j = 0; j < 4; ++j) {
    ASSERT_EQ(r.weights[j].size(), r.tokens[j].size());
    for (auto& row : r.weights[j]) {
      double sum = 0;
      for (size_t i = 0; i < row.size(); ++i) {
        sum += row[i];
        if (static_cast<int64_t>(i) >= b.lengths[j]) {
          EXPECT_EQ(row[i], 0.f);  // padding gets no weight
        }
      }
      EXPECT_NEAR(sum, 1.0, 1e-5);
    }
  }
}

}  // namespace
}  // namespace attend::models
