// Model directories and batched translation with attention-derived word alignments.
#include "translator.h"

#include <algorithm>
#include <filesystem>
#include <tuple>
#include <numeric>

#include "base/error.h"
#include "data/batch.h"
#include "data/batcher.h"
#include "models/forced_attention.h"
#include "nn/checkpoint.h"
#include "nn/parameter_average.h"

namespace attend::app {

namespace fs = std::filesystem;

LoadedModel load_model_dir(const std::string& dir, bool latest) {
  ATTEND_CHECK(fs::is_directory(dir), "model: {} is not a directory (train one with attend train --config)", dir);
  LoadedModel m;
  m.config = RunConfig::load((fs::path(dir) / "config.json").string());
  m.src = data::TextCodec::load(dir, "src");
  m.tgt = data::TextCodec::load(dir, "tgt");
  // The codec files decide how text is cut; a config.json that says otherwise was edited or mixed up.
  for (const auto& [codec, config_kind, side] :
       {std::tuple{&m.src, m.config.data.src_codec.kind, "src"}, std::tuple{&m.tgt, m.config.data.tgt_codec.kind, "tgt"}})
    ATTEND_CHECK(codec->kind() == config_kind,
                 "model: {}: {}.codec.json cuts text into {} tokens but config.json's data.{}_tokens says {}", dir, side,
                 data::token_kind_name(codec->kind()), side, data::token_kind_name(config_kind));
  ATTEND_CHECK(m.src.vocab().size() == m.config.model.src_vocab && m.tgt.vocab().size() == m.config.model.tgt_vocab,
               "model: {} has vocabularies of {} / {} tokens but config.json says {} / {}", dir, m.src.vocab().size(),
               m.tgt.vocab().size(), m.config.model.src_vocab, m.config.model.tgt_vocab);
  Rng rng(m.config.train.seed);
  m.model = std::make_unique<models::EncoderDecoder>(m.config.model, rng);
  const fs::path weights = fs::path(dir) / (latest ? "checkpoint" : "best");
  ATTEND_CHECK(fs::exists(weights / "state.json"), "model: {} holds no weights (missing {})", dir,
               (weights / "state.json").string());
  const nn::CheckpointState st = nn::load_checkpoint(weights.string(), *m.model, nullptr, /*caller_tensors=*/latest);
  // A run with train.average_decay validates (and keeps in best/) the average: the latest model is that too.
  if (latest) nn::load_average_into(*m.model, st.tensors);
  m.model->eval();
  return m;
}

std::vector<std::pair<int, int>> argmax_word_links(const std::vector<std::vector<float>>& weights,
                                                   const std::vector<int64_t>& src_word,
                                                   const std::vector<int64_t>& out_word) {
  std::vector<std::pair<int, int>> links;
  for (size_t j = 0; j < weights.size() && j < out_word.size(); ++j) {
    const auto& row = weights[j];
    if (row.empty()) continue;
    const size_t i = static_cast<size_t>(std::max_element(row.begin(), row.end()) - row.begin());
    if (i < src_word.size()) links.emplace_back(static_cast<int>(src_word[i]), static_cast<int>(out_word[j]));
  }
  std::sort(links.begin(), links.end());
  links.erase(std::unique(links.begin(), links.end()), links.end());
  return links;
}

std::vector<std::vector<std::vector<float>>> forced_attention(LoadedModel& m, const std::vector<std::string>& src_lines,
                                                              const std::vector<std::string>& tgt_lines,
                                                              int64_t max_tokens, models::ForcedRows rows) {
  ATTEND_CHECK(src_lines.size() == tgt_lines.size(), "forced attention: {} source lines but {} target lines",
               src_lines.size(), tgt_lines.size());
  if (m.config.model.decoder == models::DecoderKind::None)
    return std::vector<std::vector<std::vector<float>>>(src_lines.size());  // nothing attends
  std::vector<data::Example> examples(src_lines.size());
  for (size_t i = 0; i < src_lines.size(); ++i) {
    examples[i].src = m.src.encode(src_lines[i]);
    examples[i].tgt = m.tgt.encode(tgt_lines[i]);
    examples[i].index = static_cast<int64_t>(i);
  }
  return models::forced_attention(*m.model, examples, static_cast<int64_t>(src_lines.size()), max_tokens, rows);
}

WordAttention word_attention(const std::vector<std::vector<float>>& weights, const std::vector<int64_t>& src_word,
                             const std::vector<int64_t>& tgt_word, const std::vector<std::string>& src_words,
                             const std::vector<std::string>& tgt_words) {
  WordAttention a;
  a.src_words = src_words;
  a.tgt_words = tgt_words;
  a.weights.assign(tgt_words.size(), std::vector<float>(src_words.size(), 0.0f));
  std::vector<int> pieces(tgt_words.size(), 0);
  for (size_t j = 0; j < weights.size() && j < tgt_word.size(); ++j) {
    const size_t tw = static_cast<size_t>(tgt_word[j]);
    if (tw >= tgt_words.size()) continue;
    ++pieces[tw];
    for (size_t i = 0; i < weights[j].size() && i < src_word.size(); ++i) {
      const size_t sw = static_cast<size_t>(src_word[i]);
      if (sw < src_words.size()) a.weights[tw][sw] += weights[j][i];
    }
  }
  for (size_t j = 0; j < tgt_words.size(); ++j)
    if (pieces[j] > 1)
      for (float& x : a.weights[j]) x /= static_cast<float>(pieces[j]);
  return a;
}

std::vector<std::vector<Translation>> translate_lines(LoadedModel& m, const std::vector<std::string>& lines,
                                                      const TranslateOptions& opt) {
  std::vector<std::vector<Translation>> out(lines.size());
  std::vector<data::Example> examples;
  for (size_t i = 0; i < lines.size(); ++i) {
    data::Example e;
    e.src = m.src.encode(lines[i]);
    e.index = static_cast<int64_t>(i);
    if (e.src.empty()) {
      out[i].resize(1);  // nothing to translate
      continue;
    }
    if (opt.max_source_tokens > 0 && static_cast<int64_t>(e.src.size()) > opt.max_source_tokens) {
      out[i].resize(1);
      out[i].front().too_long = true;
      continue;
    }
    examples.push_back(std::move(e));
  }
  models::SearchOptions search = opt.search;
  search.keep_weights = opt.weights;
  // Batches by source tokens x beam (targets are unknown: count the source twice).
  const int64_t budget = std::max<int64_t>(1, opt.max_tokens / std::max<int64_t>(1, search.beam));
  const data::BatchPlan plan = data::plan_eval_batches(examples, budget);
  for (const auto& positions : plan) {
    const data::SeqBatch batch = data::make_seq_batch(examples, positions);
    std::vector<std::vector<models::Hypothesis>> hyps;
    if (search.beam == 1 && search.nbest == 1) {
      for (auto& h : models::greedy_search(*m.model, batch.src, batch.src_mask, search)) hyps.push_back({std::move(h)});
    } else {
      hyps = models::beam_search(*m.model, batch.src, batch.src_mask, search);
    }
    if (opt.weights && m.config.model.alignment_head) {
      // A model with an alignment head aligns its output as it aligns a reference: teacher-forced, the head
      // reading each output token (the search's weights are the decoder's attention).
      std::vector<data::Example> outputs;
      for (size_t k = 0; k < positions.size(); ++k)
        for (const models::Hypothesis& h : hyps[k])
          outputs.push_back({examples[static_cast<size_t>(positions[k])].src, h.tokens, static_cast<int64_t>(outputs.size())});
      auto rows = models::forced_attention(*m.model, outputs, static_cast<int64_t>(outputs.size()), opt.max_tokens);
      size_t next = 0;
      for (auto& per_sentence : hyps)
        for (models::Hypothesis& h : per_sentence) h.weights = std::move(rows[next++]);
    }
    for (size_t k = 0; k < positions.size(); ++k) {
      const data::Example& e = examples[static_cast<size_t>(positions[k])];
      const std::string& line = lines[static_cast<size_t>(e.index)];
      auto& results = out[static_cast<size_t>(e.index)];
      for (auto& h : hyps[k]) {
        Translation t;
        t.text = m.tgt.decode(h.tokens);
        t.score = h.score;
        t.out_tokens = m.tgt.token_strings(h.tokens);
        if (opt.weights) {
          t.src_tokens = m.src.token_strings(e.src);
          t.weights = std::move(h.weights);
          t.word_links = argmax_word_links(t.weights, m.src.word_of_line_tokens(line), m.tgt.word_of_ids(h.tokens));
        }
        results.push_back(std::move(t));
      }
    }
  }
  return out;
}

}  // namespace attend::app
