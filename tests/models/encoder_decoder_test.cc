// EncoderDecoder: config parsing, the step-by-step decoder agreeing with the teacher-forced loss for every
// variant, select() with repeats, and small models learning to reverse sequences.
#include "models/encoder_decoder.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "autograd/ops.h"
#include "kernels/gemm_bf16.h"
#include "models/search.h"
#include "nn/clip.h"
#include "nn/optim.h"
#include "support/expect_error.h"

using attend::testing::expect_error_containing;

namespace attend::models {
namespace {

EncoderDecoderConfig small_config(const std::string& json_text) {
  EncoderDecoderConfig c = EncoderDecoderConfig::from_json(nlohmann::json::parse(json_text));
  c.src_vocab = c.src_vocab ? c.src_vocab : 12;
  c.tgt_vocab = c.tgt_vocab ? c.tgt_vocab : 12;
  return c;
}

const char* kVariants[] = {
    R"({"embed": 8, "encoder_hidden": 6, "hidden": 7, "decoder": "bahdanau", "attention": {"score": "additive"}})",
    R"({"embed": 8, "encoder_hidden": 6, "hidden": 7, "decoder": "luong", "attention": {"score": "general"}})",
    R"({"embed": 8, "encoder_hidden": 6, "hidden": 7, "decoder": "luong", "attention": {"score": "dot"}, "cell": "lstm"})",
    R"({"embed": 8, "encoder_hidden": 6, "hidden": 7, "decoder": "luong", "input_feeding": false,
        "attention": {"score": "location", "max_keys": 20}})",
    R"({"embed": 8, "encoder_hidden": 6, "hidden": 7, "decoder": "luong",
        "attention": {"score": "general", "window": "local_p", "window_radius": 2}})",
    R"({"embed": 8, "encoder_hidden": 6, "hidden": 7, "decoder": "bahdanau",
        "attention": {"score": "additive", "location_aware": true, "location_width": 3, "location_channels": 2}})",
    R"({"embed": 8, "encoder_hidden": 6, "hidden": 7, "decoder": "luong",
        "attention": {"score": "general", "window": "local_m", "window_radius": 1}})",
    R"({"embed": 8, "encoder_hidden": 6, "hidden": 7, "decoder": "bahdanau",
        "attention": {"score": "additive", "selection": "hard_reinforce"}})",
    R"({"embed": 8, "encoder_hidden": 6, "hidden": 7, "decoder": "none", "bidirectional": false})",
    R"({"embed": 8, "encoder_hidden": 6, "hidden": 7, "decoder": "none", "init": "final", "cell": "lstm"})",
    R"({"embed": 8, "encoder_hidden": 6, "hidden": 7, "decoder": "luong", "init": "final",
        "attention": {"score": "general"}})",
    // Deep decoders (kDeep below): a 2-layer LSTM with input feeding, a 3-layer GRU under Bahdanau attention.
    R"({"embed": 8, "encoder_hidden": 6, "hidden": 7, "decoder": "luong", "cell": "lstm", "decoder_layers": 2,
        "dropout": 0.2, "attention": {"score": "general"}})",
    R"({"embed": 8, "encoder_hidden": 6, "hidden": 7, "decoder": "bahdanau", "decoder_layers": 3,
        "attention": {"score": "additive"}})",
};
constexpr size_t kDeep[] = {11, 12};

// A synthetic batch over the small configs' vocabulary of 12, lengths 2..6.
data::SeqBatch small_batch(int64_t sentences, Rng& rng) {
  data::SyntheticOptions task{.vocab = 12, .min_length = 2, .max_length = 6};
  return data::make_synthetic_batch(task, sentences, rng);
}

// First-step log-probabilities of each source (decoded as one padded batch) after BOS.
std::vector<std::vector<float>> first_step(EncoderDecoder& model, const std::vector<std::vector<int64_t>>& srcs) {
  std::vector<data::Example> ex(srcs.size());
  std::vector<const data::Example*> ptrs;
  for (size_t i = 0; i < srcs.size(); ++i) {
    ex[i].src = srcs[i];
    ex[i].tgt = {3};
    ptrs.push_back(&ex[i]);
  }
  const data::SeqBatch b = data::make_seq_batch(ptrs);
  auto state = model.start(b.src, b.src_mask);
  const int64_t n = static_cast<int64_t>(srcs.size());
  const auto lp = model.step(*state, Tensor::from(std::vector<int64_t>(srcs.size(), data::kBos), {n}), nullptr)
                      .to_vector<float>();
  std::vector<std::vector<float>> rows;
  for (int64_t i = 0; i < n; ++i) rows.emplace_back(lp.begin() + i * 12, lp.begin() + (i + 1) * 12);
  return rows;
}

// "init": "final" reads the forward state at each row's last real position (not a padding position, not the
// first one) and the backward state at position 0.
TEST(EncoderDecoder, FinalInitReadsTheLastRealPosition) {
  for (bool bi : {false, true}) {
    SCOPED_TRACE(bi ? "bidirectional" : "unidirectional");
    nlohmann::json j = nlohmann::json::parse(kVariants[9]);
    j["bidirectional"] = bi;
    Rng rng(4);
    EncoderDecoder model(small_config(j.dump()), rng);
    model.eval();
    const std::vector<int64_t> shortx = {4, 5, 6}, longx = {7, 8, 9, 10, 11, 4, 5};
    const auto alone = first_step(model, {shortx});
    const auto padded = first_step(model, {shortx, longx});
    for (size_t v = 0; v < 12; ++v) EXPECT_NEAR(alone[0][v], padded[0][v], 1e-5) << "padding leaked into s_0";
    // The decoder "none" sees the source only through s_0: changing the last real token must change it.
    const auto changed = first_step(model, {{4, 5, 7}});
    double diff = 0;
    for (size_t v = 0; v < 12; ++v) diff += std::fabs(changed[0][v] - alone[0][v]);
    EXPECT_GT(diff, 1e-4);
  }
  expect_error_containing([] { EncoderDecoderConfig::from_json(nlohmann::json::parse(R"({"init": "last"})")); },
                          "'init' must be");
}

// The step-by-step decoder (StepModel, used by greedy and beam search) must give exactly the probabilities
// the teacher-forced loss trains: sum of -log p(y_t) over the target equals LossResult::nll_sum.
TEST(EncoderDecoder, StepDecoderMatchesTeacherForcedLoss) {
  for (const char* text : kVariants) {
    SCOPED_TRACE(text);
    Rng rng(3);
    EncoderDecoder model(small_config(text), rng);
    model.eval();
    data::SeqBatch batch = small_batch(3, rng);
    const LossResult loss = model.loss(batch, 0.0, rng);

    double nll = 0;
    int64_t tokens = 0;
    auto state = model.start(batch.src, batch.src_mask);
    const int64_t tt = batch.tgt_in.size(0), b = batch.src.size(1);
    const auto tgt_in = batch.tgt_in.to_vector<int64_t>(), tgt_out = batch.tgt_out.to_vector<int64_t>();
    for (int64_t t = 0; t < tt; ++t) {
      std::vector<int64_t> prev(tgt_in.begin() + t * b, tgt_in.begin() + (t + 1) * b);
      Tensor weights;
      const auto logp = model.step(*state, Tensor::from(prev, {b}), &weights).to_vector<float>();
      for (int64_t i = 0; i < b; ++i) {
        const int64_t y = tgt_out[static_cast<size_t>(t * b + i)];
        if (y == data::kPad) continue;
        nll -= logp[static_cast<size_t>(i * 12 + y)];
        ++tokens;
      }
    }
    EXPECT_EQ(tokens, loss.tokens);
    EXPECT_NEAR(nll, loss.nll_sum, 1e-4 * std::max(1.0, loss.nll_sum));
    EXPECT_NEAR(loss.loss.item(), loss.nll_sum / static_cast<double>(loss.tokens), 1e-4)
        << "without label smoothing the training loss is the mean token NLL";
  }
}

// select() keeps, drops and repeats rows: stepping a selected state equals stepping the chosen sentences.
TEST(EncoderDecoder, SelectRepeatsAndDropsRows) {
  for (const size_t variant : {size_t{5}, kDeep[0], kDeep[1]}) {
  SCOPED_TRACE(kVariants[variant]);
  Rng rng(5);
  EncoderDecoder model(small_config(kVariants[variant]), rng);
  model.eval();
  data::SeqBatch batch = small_batch(3, rng);
  auto full = model.start(batch.src, batch.src_mask);
  Tensor w_full;
  const auto full1 = model.step(*full, Tensor::from(std::vector<int64_t>{1, 1, 1}, {3}), nullptr).to_vector<float>();
  const auto full2 = model.step(*full, Tensor::from(std::vector<int64_t>{4, 5, 6}, {3}), &w_full).to_vector<float>();

  auto picked = model.start(batch.src, batch.src_mask);
  model.step(*picked, Tensor::from(std::vector<int64_t>{1, 1, 1}, {3}), nullptr);
  model.select(*picked, {2, 0, 2});  // sentence 2 twice, sentence 0, sentence 1 dropped
  EXPECT_EQ(picked->rows(), 3);
  Tensor w_picked;
  const auto got = model.step(*picked, Tensor::from(std::vector<int64_t>{6, 4, 6}, {3}), &w_picked).to_vector<float>();
  const int64_t src_len = batch.src.size(0);
  const auto wf = w_full.to_vector<float>(), wp = w_picked.to_vector<float>();
  const int64_t from[3] = {2, 0, 2};
  for (int64_t r = 0; r < 3; ++r) {
    for (int64_t v = 0; v < 12; ++v)
      EXPECT_NEAR(got[static_cast<size_t>(r * 12 + v)], full2[static_cast<size_t>(from[r] * 12 + v)], 1e-5);
    for (int64_t j = 0; j < src_len; ++j)
      EXPECT_NEAR(wp[static_cast<size_t>(r * src_len + j)], wf[static_cast<size_t>(from[r] * src_len + j)], 1e-6);
  }
  (void)full1;
  expect_error_containing([&] { model.select(*picked, {3}); }, "row 3 of 3");
  }
}

// A deep decoder has one cell per layer, the first under the 1-layer decoder's name (checkpoints of 1-layer
// models keep loading), and its layers really differ: a 2-layer model's first step is not the 1-layer one's.
TEST(EncoderDecoder, DeepDecoderStacksItsCells) {
  Rng rng(6);
  EncoderDecoder deep(small_config(kVariants[kDeep[0]]), rng);
  std::vector<std::string> names;
  for (const auto& [name, p] : deep.named_parameters())
    if (name.starts_with("decoder")) names.push_back(name.substr(0, name.find('.')));
  EXPECT_NE(std::find(names.begin(), names.end(), "decoder"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "decoder1"), names.end());
  EXPECT_EQ(std::find(names.begin(), names.end(), "decoder2"), names.end());
  EncoderDecoderConfig one = small_config(kVariants[kDeep[0]]);
  one.decoder_layers = 1;
  Rng rng1(6);
  EncoderDecoder shallow(one, rng1);
  EXPECT_EQ(deep.parameter_count() - shallow.parameter_count(), 4 * (7 * 7 + 7 * 7 + 7 + 7))
      << "one more LSTM cell of 7 inputs and 7 units (input and recurrent weights, two biases)";
}

// step_top (the output layer fused with the choice of the k best tokens) gives the tokens and log-probs
// that top_tokens takes from step()'s log-softmax, for every variant, over several steps, with EOS banned.
TEST(EncoderDecoder, FusedStepTopMatchesTheLogSoftmaxOfStep) {
  struct Restore {
    ~Restore() {
      kernels::set_gemm_precision(kernels::GemmPrecision::F32);
      kernels::set_bf16_all_sizes(false);
    }
  } restore;
  for (const char* text : kVariants)
  for (bool bf16 : {false, true}) {  // in bf16 (every GEMM) both paths round the same operands
    SCOPED_TRACE(::testing::Message() << text << (bf16 ? " bf16" : " f32"));
    kernels::set_gemm_precision(bf16 ? kernels::GemmPrecision::Bf16 : kernels::GemmPrecision::F32);
    kernels::set_bf16_all_sizes(bf16);
    Rng rng(8);
    EncoderDecoder model(small_config(text), rng);
    model.eval();
    data::SeqBatch batch = small_batch(4, rng);
    auto full = model.start(batch.src, batch.src_mask);
    auto fused = model.start(batch.src, batch.src_mask);
    std::vector<int64_t> prev(4, data::kBos);
    for (int64_t t = 0; t < 3; ++t) {
      const int64_t banned = t == 0 ? data::kEos : -1;
      const TopTokens want = top_tokens(model.step(*full, Tensor::from(prev, {4}), nullptr), 5, banned);
      const TopTokens got = model.step_top(*fused, Tensor::from(prev, {4}), 5, banned, nullptr);
      EXPECT_EQ(got.ids.to_vector<int64_t>(), want.ids.to_vector<int64_t>()) << "step " << t;
      const auto gl = got.log_probs.to_vector<float>(), wl = want.log_probs.to_vector<float>();
      for (size_t i = 0; i < gl.size(); ++i) EXPECT_NEAR(gl[i], wl[i], bf16 ? 1e-4 : 1e-5) << "step " << t;
      const auto ids = got.ids.to_vector<int64_t>();
      for (size_t r = 0; r < prev.size(); ++r) prev[r] = ids[r * 5 + 1];  // the second best: not the argmax path
    }
  }
}

// Beam search through the fused step_top equals beam search through the default (step() then top-k).
TEST(EncoderDecoder, BeamSearchIsTheSameWithTheFusedOutputLayer) {
  struct DefaultTop : StepModel {  // forwards everything but step_top
    EncoderDecoder& m;
    explicit DefaultTop(EncoderDecoder& model) : m(model) {}
    std::unique_ptr<DecoderState> start(const Tensor& s, const Tensor& mask) override { return m.start(s, mask); }
    Tensor step(DecoderState& st, const Tensor& prev, Tensor* w) override { return m.step(st, prev, w); }
    void select(DecoderState& st, const std::vector<int64_t>& rows) override { m.select(st, rows); }
    int64_t target_vocab() const override { return m.target_vocab(); }
  };
  EncoderDecoderConfig c = small_config(kVariants[0]);
  c.tgt_vocab = 300;
  Rng rng(12);
  EncoderDecoder model(c, rng);
  model.eval();
  data::SyntheticOptions task{.vocab = 12, .min_length = 3, .max_length = 7};
  data::SeqBatch batch = data::make_synthetic_batch(task, 5, rng);
  DefaultTop reference(model);
  SearchOptions o;
  o.beam = 4;
  o.nbest = 3;
  o.min_length = 2;
  const auto want = beam_search(reference, batch.src, batch.src_mask, o);
  const auto got = beam_search(model, batch.src, batch.src_mask, o);
  ASSERT_EQ(got.size(), want.size());
  for (size_t b = 0; b < got.size(); ++b) {
    ASSERT_EQ(got[b].size(), want[b].size());
    for (size_t h = 0; h < got[b].size(); ++h) {
      EXPECT_EQ(got[b][h].tokens, want[b][h].tokens) << "sentence " << b << " hypothesis " << h;
      EXPECT_NEAR(got[b][h].score, want[b][h].score, 1e-4);
    }
  }
}

// The stack really runs and carries every layer's state. The top GRU is made memoryless (update gate shut by a
// bias of -60, recurrent weights zero: h_t = tanh(W_in x_t + b_in)), so what the 3rd step remembers of the 2nd
// token reaches it only through the lower layer's carried state; and changing the top layer's weights changes
// the output.
TEST(EncoderDecoder, DeepDecoderCarriesTheLowerLayersState) {
  Rng rng(9);
  EncoderDecoder model(small_config(R"({"embed": 8, "encoder_hidden": 6, "hidden": 7, "decoder": "none",
                                         "bidirectional": false, "decoder_layers": 2})"),
                       rng);
  model.eval();
  const int64_t h = 7;
  for (auto& [name, p] : model.named_parameters()) {
    Tensor t = p;
    float* d = t.data<float>();
    if (name == "decoder1.weight_hh" || name == "decoder1.bias_hh") std::fill_n(d, t.numel(), 0.0f);
    if (name == "decoder1.weight_ih") std::fill_n(d + h * h, h * h, 0.0f);  // z rows
    if (name == "decoder1.bias_ih") std::fill_n(d + h, h, -60.0f);           // z = sigmoid(-60) = 0
  }
  data::SeqBatch batch = small_batch(1, rng);
  auto third_step = [&](int64_t second) {
    auto state = model.start(batch.src, batch.src_mask);
    for (int64_t tok : {int64_t{data::kBos}, second}) model.step(*state, Tensor::from(std::vector<int64_t>{tok}, {1}), nullptr);
    return model.step(*state, Tensor::from(std::vector<int64_t>{7}, {1}), nullptr).to_vector<float>();
  };
  const std::vector<float> a = third_step(5), b = third_step(6);
  double diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff = std::max(diff, std::abs(static_cast<double>(a[i]) - b[i]));
  EXPECT_GT(diff, 1e-4) << "the 2nd token did not reach the 3rd step: the lower layer's state was not carried";
  for (auto& [name, p] : model.named_parameters())
    if (name == "decoder1.weight_ih") {
      Tensor t = p;
      for (int64_t i = 2 * h * h; i < 3 * h * h; ++i) t.data<float>()[i] *= 2.0f;  // n rows
    }
  const std::vector<float> scaled = third_step(5);
  diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff = std::max(diff, std::abs(static_cast<double>(a[i]) - scaled[i]));
  EXPECT_GT(diff, 1e-4) << "the top layer's weights do not matter";
}

TEST(EncoderDecoder, ConfigRoundTripAndErrors) {
  const EncoderDecoderConfig c = small_config(kVariants[2]);
  const EncoderDecoderConfig back = EncoderDecoderConfig::from_json(c.to_json());
  EXPECT_EQ(back.to_json(), c.to_json());
  EXPECT_EQ(back.cell, CellKind::Lstm);
  EXPECT_EQ(back.decoder, DecoderKind::Luong);
  expect_error_containing([&] { EncoderDecoderConfig::from_json(nlohmann::json::parse(R"({"hiden": 3})")); }, "unknown key 'hiden'");
  expect_error_containing([&] { EncoderDecoderConfig::from_json(nlohmann::json::parse(R"({"decoder": "bahdanau"})")); }, "needs an 'attention' section");
  expect_error_containing([&] { EncoderDecoderConfig::from_json(nlohmann::json::parse(R"({"cell": "rnn", "decoder": "none"})")); }, "'cell' must be");
  expect_error_containing([&] { EncoderDecoderConfig::from_json(nlohmann::json::parse(R"({"dropout": 1.5})")); }, "'dropout' must be a number in [0, 1)");
  expect_error_containing([&] { EncoderDecoderConfig::from_json(nlohmann::json::parse(R"({"decoder_layers": 0, "decoder": "none"})")); }, "'decoder_layers' must be an integer in [1, 64]");
  EXPECT_EQ(EncoderDecoderConfig::from_json(small_config(kVariants[kDeep[1]]).to_json()).decoder_layers, 3);
}

// Trains a tiny model to reverse strings of length 3..7 and greedy-decodes fresh ones through the StepModel.
double reversal_accuracy_after_training(const char* text, int64_t steps) {
  Rng rng(11);
  EncoderDecoderConfig cfg = small_config(text);
  cfg.embed = 16;
  cfg.encoder_hidden = 32;
  cfg.hidden = 32;
  EncoderDecoder model(cfg, rng);
  nn::Adam adam(model.named_parameters(), {.lr = 1e-2});
  data::SyntheticOptions task{.vocab = 12, .min_length = 3, .max_length = 7};
  for (int64_t i = 0; i < steps; ++i) {
    data::SeqBatch batch = data::make_synthetic_batch(task, 32, rng);
    model.loss(batch, 0.0, rng).loss.backward();
    nn::clip_grad_norm(adam.params(), 1.0);
    adam.step();
    adam.zero_grad();
  }
  model.eval();
  data::SeqBatch test = data::make_synthetic_batch(task, 100, rng);
  auto state = model.start(test.src, test.src_mask);
  const int64_t b = test.src.size(1), tt = test.tgt_out.size(0);
  std::vector<int64_t> prev(static_cast<size_t>(b), data::kBos);
  std::vector<bool> right(static_cast<size_t>(b), true), done(static_cast<size_t>(b), false);
  const auto tgt_out = test.tgt_out.to_vector<int64_t>();
  for (int64_t t = 0; t < tt; ++t) {
    const Tensor best = argmax(model.step(*state, Tensor::from(prev, {b}), nullptr), -1);
    prev = best.to_vector<int64_t>();
    for (int64_t i = 0; i < b; ++i) {
      const size_t bi = static_cast<size_t>(i);
      const int64_t want = tgt_out[static_cast<size_t>(t * b + i)];
      if (done[bi] || want == data::kPad) continue;
      if (prev[bi] != want) right[bi] = false;
      if (want == data::kEos) done[bi] = true;
    }
  }
  int64_t correct = 0;
  for (bool r : right) correct += r;
  return static_cast<double>(correct) / static_cast<double>(b);
}

TEST(EncoderDecoder, BahdanauLearnsToReverse) {
  EXPECT_GE(reversal_accuracy_after_training(kVariants[0], 300), 0.9);
}

// Mixed precision: every GEMM of forward and backward on bf16-rounded operands (the size rule lifted, so the
// tiny model goes through bf16 too) still trains the model to reverse.
TEST(EncoderDecoder, BahdanauLearnsToReverseWithBf16Gemms) {
  kernels::set_gemm_precision(kernels::GemmPrecision::Bf16);
  kernels::set_bf16_all_sizes(true);
  const double accuracy = reversal_accuracy_after_training(kVariants[0], 300);
  kernels::set_gemm_precision(kernels::GemmPrecision::F32);
  kernels::set_bf16_all_sizes(false);
  EXPECT_GE(accuracy, 0.9);
}

TEST(EncoderDecoder, LuongInputFeedingLearnsToReverse) {
  EXPECT_GE(reversal_accuracy_after_training(kVariants[1], 300), 0.9);
}

TEST(EncoderDecoder, DeepLuongDecoderLearnsToReverse) {
  EXPECT_GE(reversal_accuracy_after_training(kVariants[kDeep[0]], 300), 0.9);
}

}  // namespace
}  // namespace attend::models
