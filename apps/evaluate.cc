// evaluate_split: decode a split and score it (PER/WER or BLEU/chrF/length buckets/AER).
#include "evaluate.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <algorithm>

#include "base/error.h"
#include "data/parallel_corpus.h"
#include "data/text_file.h"
#include "eval/aer.h"
#include "eval/paired_metrics.h"
#include "eval_paired.h"
#include "g2p_files.h"
#include "gold_alignment.h"
#include "eval/bleu.h"
#include "eval/chrf.h"
#include "eval/edit_distance.h"

namespace attend::app {

namespace fs = std::filesystem;

namespace {

constexpr uint64_t kConfidenceSeed = 12345;  // sacreBLEU's default seed

void write_lines(const std::string& path, const std::vector<std::string>& lines) {
  std::string text;
  for (const auto& l : lines) text += l + '\n';
  data::write_text_atomic(path, text, "eval output");
}

// Every k-th of n items so that at most `limit` remain (all when limit is 0 or >= n): a sample spread over
// the whole (often alphabetical) file rather than its beginning.
std::vector<size_t> spread_sample(size_t n, int64_t limit) {
  const size_t keep = limit > 0 ? std::min(n, static_cast<size_t>(limit)) : n;
  std::vector<size_t> idx(keep);
  for (size_t i = 0; i < keep; ++i) idx[i] = i * n / keep;
  return idx;
}

nlohmann::json score_g2p(LoadedModel& m, const data::ParallelLines& lines, const EvalOptions& opt,
                         std::vector<std::string>* hyp_lines, size_t* scored) {
  const data::GroupedReferences all = data::group_references(lines);
  std::vector<std::string> words;
  std::vector<std::vector<std::vector<std::string>>> refs;
  for (size_t w : spread_sample(all.src.size(), opt.max_sentences)) {
    words.push_back(all.src[w]);
    refs.push_back(all.refs[w]);
  }
  *scored = words.size();
  const auto out = translate_lines(m, words, opt.translate);
  eval::G2pScorer scorer;
  std::vector<eval::G2pScore> scores;
  for (size_t w = 0; w < words.size(); ++w) {
    const std::string& hyp = out[w].empty() ? std::string() : out[w][0].text;
    scores.push_back(eval::score_g2p_word(data::split_whitespace(hyp), refs[w]));
    scorer.add(scores.back());
    if (hyp_lines) hyp_lines->push_back(words[w] + "\t" + hyp);
  }
  nlohmann::json j;
  put_g2p_score(j, scorer.result());
  if (opt.confidence_draws > 0) {
    const eval::ItemStats items = eval::g2p_items(scores);
    nlohmann::json& c = j["confidence"] = {{"samples", opt.confidence_draws}, {"seed", kConfidenceSeed}};
    add_confidence_metric(c, "per", eval::bootstrap_estimate(items, eval::per_from_sums, opt.confidence_draws, kConfidenceSeed));
    add_confidence_metric(c, "wer", eval::bootstrap_estimate(items, eval::wer_from_sums, opt.confidence_draws, kConfidenceSeed));
  }
  return j;
}

// Word links from a word-level attention matrix W [target word][source word].
enum class LinkRule { TargetArgmax, SourceArgmax, Intersection, Union };

std::vector<eval::Link> links_from(const WordAttention& a, LinkRule rule) {
  std::vector<eval::Link> by_target, by_source;
  const size_t nt = a.weights.size(), ns = a.src_words.size();
  for (size_t t = 0; t < nt; ++t) {  // each target word: its most attended source word
    const auto& row = a.weights[t];
    if (ns == 0) break;
    by_target.push_back({static_cast<int32_t>(std::max_element(row.begin(), row.end()) - row.begin()),
                         static_cast<int32_t>(t)});
  }
  for (size_t s = 0; s < ns && nt > 0; ++s) {  // each source word: the target word that attends to it most
    size_t best = 0;
    for (size_t t = 1; t < nt; ++t)
      if (a.weights[t][s] > a.weights[best][s]) best = t;
    by_source.push_back({static_cast<int32_t>(s), static_cast<int32_t>(best)});
  }
  std::sort(by_target.begin(), by_target.end());
  std::sort(by_source.begin(), by_source.end());
  switch (rule) {
    case LinkRule::TargetArgmax: return by_target;
    case LinkRule::SourceArgmax: return by_source;
    case LinkRule::Intersection: return eval::intersect_links(by_target, by_source);
    case LinkRule::Union: return eval::union_links(by_target, by_source);
  }
  return {};
}

// AER of the teacher-forced attention (the gold indexes the reference's words, so the reference is forced
// through the decoder) under four ways of reading links off the word-level matrix, each for the model's
// alignment rows ("target_argmax", ...), the shifted ones ("shift_target_argmax", ...: see forced_attention)
// and, for a model with an alignment head, the decoder's own attention ("decoder_target_argmax", ...).
nlohmann::json score_attention_alignments(LoadedModel& m, const std::vector<std::string>& src,
                                          const std::vector<std::string>& refs,
                                          const std::vector<eval::Alignment>& gold,
                                          const std::vector<eval::TaggedWords>& tagged, int64_t max_tokens,
                                          const std::string& alignment_out, const std::string& alignment_reading) {
  nlohmann::json out = nlohmann::json::object();
  const std::pair<const char*, LinkRule> rules[] = {{"target_argmax", LinkRule::TargetArgmax},
                                                    {"source_argmax", LinkRule::SourceArgmax},
                                                    {"intersection", LinkRule::Intersection},
                                                    {"union", LinkRule::Union}};
  const bool use_tags = tagged.size() == src.size();
  using models::ForcedRows;
  std::vector<std::pair<ForcedRows, std::string>> readings = {{ForcedRows::Alignment, ""}, {ForcedRows::Shifted, "shift_"}};
  if (m.config.model.alignment_head) readings.emplace_back(ForcedRows::Attention, "decoder_");
  for (const auto& [rows, prefix] : readings) {
    const auto forced = forced_attention(m, src, refs, max_tokens, rows);
    std::vector<WordAttention> words(src.size());
    for (size_t i = 0; i < src.size(); ++i)
      words[i] = word_attention(forced[i], m.src.word_of_line_tokens(src[i]), m.tgt.word_of_line_tokens(refs[i]),
                                data::split_whitespace(src[i]), data::split_whitespace(refs[i]));
    for (auto [name, rule] : rules) {
      std::vector<eval::Alignment> hyp(src.size());
      for (size_t i = 0; i < src.size(); ++i) hyp[i].sure = links_from(words[i], rule);
      if (name == alignment_reading && rows == ForcedRows::Alignment && !alignment_out.empty()) {
        std::vector<std::string> lines;
        // In the gold files' orientation (gold_alignment.h), whichever way the model translates.
        for (const auto& a : hyp) lines.push_back(eval::format_pharaoh(gold_reversed(m.config) ? transposed(a) : a));
        write_lines(alignment_out, lines);
      }
      const eval::AerScore sc = use_tags ? eval::score_alignments(hyp, gold, tagged) : eval::score_alignments(hyp, gold);
      const eval::AerScore all = eval::score_alignments(hyp, gold);
      out[prefix + name] = {{"aer", sc.aer},       {"precision", sc.precision},   {"recall", sc.recall},
                            {"links", sc.hyp_links}, {"aer_all_links", all.aer}, {"tagged_only", use_tags}};
    }
  }
  return out;
}

nlohmann::json score_translation(LoadedModel& m, const data::ParallelLines& lines, const std::string& split,
                                 const EvalOptions& opt, std::vector<std::string>* hyp_lines, size_t* scored) {
  const std::vector<size_t> pick = spread_sample(lines.src.size(), opt.max_sentences);
  const size_t n = pick.size();
  *scored = n;
  std::vector<std::string> src, refs;
  for (size_t i : pick) {
    src.push_back(lines.src[i]);
    refs.push_back(lines.tgt[i]);
  }
  const fs::path gold_path = fs::path(m.config.data.dir) / (split + ".gold");
  const bool with_alignments =
      opt.alignments && fs::exists(gold_path) && m.config.model.decoder != models::DecoderKind::None;
  const TranslateOptions& topt = opt.translate;
  const auto out = translate_lines(m, src, topt);
  std::vector<std::string> hyps(n);
  std::vector<int64_t> src_words(n);
  for (size_t i = 0; i < n; ++i) {
    hyps[i] = out[i].empty() ? std::string() : out[i][0].text;
    src_words[i] = static_cast<int64_t>(data::split_whitespace(src[i]).size());
  }
  if (hyp_lines) *hyp_lines = hyps;
  const eval::BleuResult bleu = eval::corpus_bleu(hyps, refs);
  const eval::ChrfResult chrf = eval::corpus_chrf(hyps, refs);
  nlohmann::json j = {{"bleu", bleu.bleu}, {"chrf", chrf.chrf}, {"bp", bleu.bp}, {"ratio", bleu.ratio},
                      {"hyp_len", bleu.hyp_len}, {"ref_len", bleu.ref_len}};
  nlohmann::json buckets = nlohmann::json::array();
  const std::vector<int64_t> edges = {10, 20, 30, 40, 50};
  for (const auto& b : eval::bleu_by_length_bucket(hyps, refs, src_words, edges))
    buckets.push_back({{"source_words", b.range()}, {"sentences", b.count}, {"bleu", b.bleu}});
  j["bleu_by_length"] = buckets;
  if (opt.confidence_draws > 0) {
    const std::vector<std::vector<std::string>> streams{refs};
    nlohmann::json& c = j["confidence"] = {{"samples", opt.confidence_draws}, {"seed", kConfidenceSeed}};
    add_confidence_metric(c, "bleu",
                          eval::bootstrap_estimate(eval::bleu_items(eval::sentence_bleu_stats_all(hyps, streams)),
                                                   eval::bleu_from_sums, opt.confidence_draws, kConfidenceSeed));
    add_confidence_metric(c, "chrf",
                          eval::bootstrap_estimate(eval::chrf_items(eval::sentence_chrf_stats_all(hyps, streams)),
                                                   eval::chrf_from_sums, opt.confidence_draws, kConfidenceSeed));
  }
  if (with_alignments) {
    const std::vector<eval::Alignment> all_gold = read_model_gold(m.config, gold_path.string());
    ATTEND_CHECK(all_gold.size() == lines.src.size(), "eval: {} has {} lines but the split has {} sentences",
                 gold_path.string(), all_gold.size(), lines.src.size());
    std::vector<eval::Alignment> gold;
    for (size_t i : pick) gold.push_back(all_gold[i]);
    const fs::path tagged_path = fs::path(m.config.data.dir) / (split + ".tagged");
    std::vector<eval::TaggedWords> tagged;
    if (fs::exists(tagged_path)) {
      const std::vector<eval::TaggedWords> all_tagged = read_model_tagged(m.config, tagged_path.string());
      if (all_tagged.size() == lines.src.size())
        for (size_t i : pick) tagged.push_back(all_tagged[i]);
    }
    j["alignment"] = score_attention_alignments(m, src, refs, gold, tagged, topt.max_tokens, opt.alignment_out,
                                                  opt.alignment_reading);
    j["aer"] = j["alignment"]["target_argmax"]["aer"];
    j["aer_all_links"] = j["alignment"]["target_argmax"]["aer_all_links"];
  }
  return j;
}

}  // namespace

nlohmann::json evaluate_split(LoadedModel& m, const std::string& split, const EvalOptions& opt) {
  for (const bool source : {true, false}) {
    const std::string path = m.config.split_path(split, source);
    ATTEND_CHECK(fs::is_regular_file(path), "eval: split '{}' needs {} (the model's data.dir is '{}'{})", split, path,
                 m.config.data.dir,
                 fs::path(m.config.data.dir).is_relative() ? ", read from the current directory" : "");
  }
  const data::ParallelLines lines =
      data::read_parallel_lines(m.config.split_path(split, true), m.config.split_path(split, false));
  // With nothing to score every metric would read as perfect (0 errors): that is an error, not a result.
  bool any_pair = false;
  for (size_t i = 0; i < lines.src.size() && !any_pair; ++i)
    any_pair = !data::is_blank(lines.src[i]) && !data::is_blank(lines.tgt[i]);
  ATTEND_CHECK(any_pair, "eval: split '{}' ({}) has no line pairs with text on both sides", split, lines.src_path);
  const bool was_training = m.model->training();
  m.model->eval();
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<std::string> hyp_lines;
  std::vector<std::string>* keep = opt.hyp_out.empty() ? nullptr : &hyp_lines;
  size_t n = 0;
  nlohmann::json j = m.config.task == TaskKind::G2p ? score_g2p(m, lines, opt, keep, &n)
                                                     : score_translation(m, lines, split, opt, keep, &n);
  j["split"] = split;
  j["sentences"] = n;
  j["beam"] = opt.translate.search.beam;
  j["decode_seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (keep) write_lines(opt.hyp_out, hyp_lines);
  m.model->train(was_training);
  return j;
}

double validation_objective(const RunConfig& cfg, const nlohmann::json& metrics) {
  return cfg.task == TaskKind::G2p ? metrics.at("wer").get<double>() : -metrics.at("bleu").get<double>();
}

}  // namespace attend::app
