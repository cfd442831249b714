// Teacher-forced attention rows: each equals the weights the step-by-step decoder gives when fed the
// reference, unshifted (the step predicting the token) and shifted (the step reading it), for a padded batch;
// and the guided-alignment loss computed from those rows.
#include "models/forced_attention.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <random>

#include "data/reversal.h"
#include "models/encoder_decoder.h"
#include "nn/clip.h"
#include "nn/optim.h"

namespace attend::models {
namespace {

// The attention rows of one example stepped alone: [step][source], for steps BOS, y_0, ..., y_{n-1}.
std::vector<std::vector<float>> stepped_rows(EncoderDecoder& model, const data::Example& e) {
  const data::SeqBatch b = data::make_seq_batch(std::vector<const data::Example*>{&e});
  auto state = model.start(b.src, b.src_mask);
  std::vector<std::vector<float>> rows;
  std::vector<int64_t> inputs = {data::kBos};
  inputs.insert(inputs.end(), e.tgt.begin(), e.tgt.end());
  for (int64_t x : inputs) {
    Tensor w;
    model.step(*state, Tensor::from(std::vector<int64_t>{x}, {1}), &w);
    rows.push_back(w.to_vector<float>());
  }
  return rows;
}

// A tiny model (vocabulary 12) in eval mode.
std::unique_ptr<EncoderDecoder> small_model(const char* json_text, uint64_t seed) {
  EncoderDecoderConfig c = EncoderDecoderConfig::from_json(nlohmann::json::parse(json_text));
  c.src_vocab = c.tgt_vocab = 12;
  Rng rng(seed);
  auto m = std::make_unique<EncoderDecoder>(c, rng);
  m->eval();
  return m;
}

TEST(ForcedAttention, RowsAreTheDecodersStepsUnshiftedAndShifted) {
  auto owned = small_model(
      R"({"embed": 8, "encoder_hidden": 6, "hidden": 7, "decoder": "bahdanau", "attention": {"score": "additive"}})", 7);
  EncoderDecoder& model = *owned;
  std::vector<data::Example> ex(4);
  ex[0] = {{4, 5, 6}, {7, 8}, 0};
  ex[1] = {{9, 10, 11, 4, 5}, {6, 7, 8, 9}, 2};
  ex[2] = {{}, {4}, 3};  // empty source: skipped
  ex[3] = {{4}, {5, 6, 7, 8, 9, 10}, 1};
  for (bool shift : {false, true}) {
    SCOPED_TRACE(shift ? "shifted" : "unshifted");
    const auto got = forced_attention(model, ex, 4, 1000, shift ? ForcedRows::Shifted : ForcedRows::Attention);
    ASSERT_EQ(got.size(), 4u);
    EXPECT_TRUE(got[3].empty());
    for (int e : {0, 1, 3}) {
      const data::Example& x = ex[static_cast<size_t>(e)];
      const auto want = stepped_rows(model, x);
      const auto& rows = got[static_cast<size_t>(x.index)];
      ASSERT_EQ(rows.size(), x.tgt.size()) << "one row per reference token, EOS excluded";
      for (size_t t = 0; t < rows.size(); ++t) {
        const auto& w = want[t + (shift ? 1 : 0)];
        ASSERT_EQ(rows[t].size(), x.src.size());
        for (size_t s = 0; s < rows[t].size(); ++s) EXPECT_NEAR(rows[t][s], w[s], 1e-5) << "token " << t;
      }
    }
  }
}

// Guided alignment: the loss with a guide is the plain loss plus weight x the mean over guided rows of
// -sum(guide * log(attention + 1e-6)), with the attention of the teacher-forced rows above.
TEST(GuidedAlignment, LossAddsTheCrossEntropyToTheGuide) {
  auto owned = small_model(
      R"({"embed": 8, "encoder_hidden": 6, "hidden": 7, "decoder": "luong", "attention": {"score": "general"}})", 8);
  EncoderDecoder& model = *owned;
  Rng rng(9);
  std::vector<data::Example> ex = {{{4, 5, 6}, {7, 8}, 0}, {{9, 10, 11, 4}, {6, 7, 8}, 1}};
  const data::SeqBatch batch = data::make_seq_batch(std::vector<const data::Example*>{&ex[0], &ex[1]});
  const int64_t tt = batch.tgt_in.size(0), ts = batch.src.size(0);  // 4, 4
  Tensor guide = Tensor::zeros({2, tt, ts});
  float* g = guide.data<float>();
  g[(0 * tt + 0) * ts + 2] = 1;                                    // example 0, token 0 -> source 2
  g[(0 * tt + 1) * ts + 0] = g[(0 * tt + 1) * ts + 1] = 0.5f;      // token 1 -> sources 0 and 1
  g[(1 * tt + 2) * ts + 3] = 1;                                    // example 1, token 2 -> source 3
  const double plain = model.loss(batch, 0.0, rng).loss.item();
  const LossResult r = model.loss(batch, 0.0, rng, guide, 0.7);
  const auto rows = forced_attention(model, ex, 2, 1000);
  const double ce = -(std::log(rows[0][0][2] + 1e-6) + 0.5 * std::log(rows[0][1][0] + 1e-6) +
                      0.5 * std::log(rows[0][1][1] + 1e-6) + std::log(rows[1][2][3] + 1e-6)) / 3.0;
  EXPECT_NEAR(r.guide_loss, ce, 1e-5);
  EXPECT_NEAR(r.loss.item(), plain + 0.7 * ce, 1e-5);
  EXPECT_THROW(model.loss(batch, 0.0, rng, Tensor::zeros({2, tt, ts + 1}), 1.0), Error);
}

}  // namespace
}  // namespace attend::models

namespace attend::models {
namespace {

// With an alignment head the guide applies to the head, and teacher-forced rows read the head (through
// StepModel::alignment, one step at a time): the loss's guide term, computed from the head's weights over
// all steps at once, equals the cross-entropy of those rows — the two paths agree. The decoder's own
// attention rows are different ones.
TEST(GuidedAlignment, AlignmentHeadTakesTheGuideAndForcedRowsReadIt) {
  auto owned = small_model(R"({"embed": 8, "encoder_hidden": 6, "hidden": 7, "decoder": "bahdanau",
                               "attention": {"score": "additive"}, "alignment_head": true})",
                           8);
  EncoderDecoder& model = *owned;
  Rng rng(9);
  std::vector<data::Example> ex = {{{4, 5, 6}, {7, 8}, 0}, {{9, 10, 11, 4}, {6, 7, 8}, 1}};
  const data::SeqBatch batch = data::make_seq_batch(std::vector<const data::Example*>{&ex[0], &ex[1]});
  const int64_t tt = batch.tgt_in.size(0), ts = batch.src.size(0);
  Tensor guide = Tensor::zeros({2, tt, ts});
  float* g = guide.data<float>();
  g[(0 * tt + 0) * ts + 2] = 1;
  g[(0 * tt + 1) * ts + 0] = g[(0 * tt + 1) * ts + 1] = 0.5f;
  g[(1 * tt + 2) * ts + 3] = 1;
  const LossResult r = model.loss(batch, 0.0, rng, guide, 0.7);
  const auto rows = forced_attention(model, ex, 2, 1000);
  ASSERT_EQ(rows[0].size(), 2u);
  ASSERT_EQ(rows[1].size(), 3u);
  const double ce = -(std::log(rows[0][0][2] + 1e-6) + 0.5 * std::log(rows[0][1][0] + 1e-6) +
                      0.5 * std::log(rows[0][1][1] + 1e-6) + std::log(rows[1][2][3] + 1e-6)) / 3.0;
  EXPECT_NEAR(r.guide_loss, ce, 1e-5);
  const auto decoder_rows = stepped_rows(model, ex[1]);
  double differ = 0;
  for (size_t s = 0; s < 4; ++s) differ += std::abs(decoder_rows[0][s] - rows[1][0][s]);
  EXPECT_GT(differ, 1e-3) << "the head's rows are not the decoder's attention";
  EXPECT_THROW(EncoderDecoderConfig::from_json(nlohmann::json::parse(R"({"decoder": "none", "alignment_head": true})")),
               Error);
}

// Trained on reversal with the guide "token t comes from source position L-1-t", the head learns it.
TEST(GuidedAlignment, AlignmentHeadLearnsTheGuide) {
  Rng rng(12);
  EncoderDecoderConfig cfg = EncoderDecoderConfig::from_json(nlohmann::json::parse(
      R"({"embed": 16, "encoder_hidden": 24, "hidden": 24, "decoder": "bahdanau", "attention": {"score": "additive"},
          "alignment_head": true})"));
  cfg.src_vocab = cfg.tgt_vocab = 12;
  EncoderDecoder model(cfg, rng);
  nn::Adam adam(model.named_parameters(), {.lr = 1e-2});
  const data::SyntheticOptions task{.vocab = 12, .min_length = 3, .max_length = 7};
  auto reversal_guide = [](const data::SeqBatch& b) {
    const int64_t ts = b.src.size(0), bs = b.src.size(1), tt = b.tgt_out.size(0);
    const std::vector<float> mask = b.src_mask.to_vector<float>();  // [Ts, B]
    Tensor guide = Tensor::zeros({bs, tt, ts});
    for (int64_t i = 0; i < bs; ++i) {
      int64_t len = 0;
      for (int64_t s = 0; s < ts; ++s) len += mask[static_cast<size_t>(s * bs + i)] != 0;
      for (int64_t t = 0; t < len; ++t) guide.data<float>()[(i * tt + t) * ts + (len - 1 - t)] = 1;
    }
    return guide;
  };
  for (int step = 0; step < 150; ++step) {
    const data::SeqBatch batch = data::make_synthetic_batch(task, 32, rng);
    model.loss(batch, 0.0, rng, reversal_guide(batch), 1.0).loss.backward();
    nn::clip_grad_norm(adam.params(), 1.0);
    adam.step();
    adam.zero_grad();
  }
  model.eval();
  std::vector<data::Example> ex;
  std::mt19937 gen(4);
  for (int k = 0; k < 50; ++k) {
    std::vector<int64_t> src(3 + k % 5);
    for (int64_t& x : src) x = std::uniform_int_distribution<int64_t>(4, 11)(gen);
    ex.push_back({src, std::vector<int64_t>(src.rbegin(), src.rend()), k});
  }
  const auto rows = forced_attention(model, ex, 50, 1000);
  int right = 0, total = 0;
  for (const data::Example& e : ex)
    for (size_t t = 0; t < e.tgt.size(); ++t) {
      const auto& row = rows[static_cast<size_t>(e.index)][t];
      right += std::max_element(row.begin(), row.end()) - row.begin() == static_cast<long>(e.src.size() - 1 - t);
      ++total;
    }
  EXPECT_GT(static_cast<double>(right) / total, 0.95);
}

}  // namespace
}  // namespace attend::models
