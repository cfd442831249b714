// `attend eval`: scores of hypothesis files against references. Subcommands:
//   attend eval bleu --hyp FILE --ref FILE [--ref FILE2 ...] [--json]   corpus BLEU and chrF (sacreBLEU's defaults)
//   attend eval per  --hyp FILE --ref FILE [--json]                     phoneme and word error rates (G2P)
//   ... bleu|per --baseline FILE [--paired bs|ar]                        does --hyp differ significantly?
//   ... bleu|per --confidence                                           bootstrap 95% intervals of the scores
//   attend eval aer  --hyp FILE --gold FILE [--tagged FILE] [--json]    alignment error rate (Pharaoh files)
// Each subcommand is added by add_eval_subcommands(); a new way to evaluate (a trained model on a split, say)
// is one more add_eval_* function listed there, or options on `eval` itself handled in the command's action.
#include <cstdio>
#include <memory>
#include <optional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/error.h"
#include "command.h"
#include "eval/aer.h"
#include "eval/bleu.h"
#include "eval/chrf.h"
#include "eval/edit_distance.h"
#include "eval/ibm_model2.h"
#include "eval/text.h"
#include "eval/paired_metrics.h"
#include "eval_paired.h"
#include "evaluate.h"
#include "g2p_files.h"

namespace attend::app {
namespace {

// The action of the subcommand that was chosen on the command line (empty when none was).
using EvalAction = std::shared_ptr<std::function<int()>>;

void print_json(const nlohmann::ordered_json& j) { std::printf("%s\n", j.dump().c_str()); }

// Checks that two files hold one line per sentence each, and some: with nothing to score every metric
// would read as perfect.
void check_same_lines(const char* cmd, const std::string& a_path, size_t a_lines, const std::string& b_path,
                      size_t b_lines) {
  ATTEND_CHECK(a_lines == b_lines, "eval {}: {} has {} lines but {} has {} lines", cmd, a_path, a_lines, b_path,
               b_lines);
  ATTEND_CHECK(a_lines > 0, "eval {}: {} and {} are empty: nothing to score", cmd, a_path, b_path);
}

// ---- attend eval bleu -------------------------------------------------------------------------------
struct BleuCli {
  std::string hyp;
  std::vector<std::string> refs;
  bool json = false;
  PairedCli paired;
};

// Each sentence's BLEU and chrF statistics: what the paired tests and --confidence draw from.
struct BleuChrfItems {
  eval::ItemStats bleu, chrf;
};

BleuChrfItems sentence_items(const std::vector<std::string>& hyps,
                             const std::vector<std::vector<std::string>>& ref_streams) {
  return {eval::bleu_items(eval::sentence_bleu_stats_all(hyps, ref_streams)),
          eval::chrf_items(eval::sentence_chrf_stats_all(hyps, ref_streams))};
}

// --baseline: BLEU and chrF of both files compared on the same draws (sentences).
struct PairedBleu {
  eval::PairedTestResult bleu, chrf;
};

PairedBleu paired_bleu(const BleuCli& c, size_t hyp_lines, const BleuChrfItems& items,
                       const std::vector<std::vector<std::string>>& ref_streams) {
  const std::vector<std::string> base = eval::read_lines(c.paired.baseline, "baseline file");
  check_same_lines("bleu", c.hyp, hyp_lines, c.paired.baseline, base.size());
  const BleuChrfItems base_items = sentence_items(base, ref_streams);
  const eval::PairedTestOptions opt = paired_test_options(c.paired);
  return {eval::paired_test(base_items.bleu, items.bleu, eval::bleu_from_sums, opt),
          eval::paired_test(base_items.chrf, items.chrf, eval::chrf_from_sums, opt)};
}

struct BleuConfidence {
  eval::ScoreEstimate bleu, chrf;
};

BleuConfidence bleu_confidence(const BleuCli& c, const BleuChrfItems& items) {
  return {eval::bootstrap_estimate(items.bleu, eval::bleu_from_sums, confidence_draws(c.paired), c.paired.seed),
          eval::bootstrap_estimate(items.chrf, eval::chrf_from_sums, confidence_draws(c.paired), c.paired.seed)};
}

int run_eval_bleu(const BleuCli& c) {
  check_paired_options(c.paired);
  const std::vector<std::string> hyps = eval::read_lines(c.hyp, "hypothesis file");
  std::vector<std::vector<std::string>> ref_streams;
  for (const std::string& path : c.refs) {
    ref_streams.push_back(eval::read_lines(path, "reference file"));
    check_same_lines("bleu", c.hyp, hyps.size(), path, ref_streams.back().size());
    // As the sacrebleu command does: right-strip reference lines, so a blank line is an empty reference
    // (the scores do not change: BLEU right-strips and chrF drops whitespace anyway).
    for (std::string& line : ref_streams.back()) line.resize(eval::rstrip_whitespace(line).size());
  }
  for (size_t i = 0; i < hyps.size(); ++i) {
    bool any = false;
    for (const auto& s : ref_streams) any = any || !s[i].empty();
    ATTEND_CHECK(any, "eval bleu: line {} of {} is empty (sacreBLEU does not score against an empty reference)",
                 i + 1, c.refs.size() == 1 ? c.refs[0] : "every reference file");
  }
  const eval::BleuResult bleu = eval::corpus_bleu(hyps, ref_streams);
  const eval::ChrfResult chrf = eval::corpus_chrf(hyps, ref_streams);
  std::optional<BleuChrfItems> items;  // the hypotheses' sentence statistics, taken once for both uses
  if (!c.paired.baseline.empty() || c.paired.confidence) items = sentence_items(hyps, ref_streams);
  std::optional<PairedBleu> paired;  // before any output: a bad baseline file leaves one line, the error
  if (!c.paired.baseline.empty()) paired = paired_bleu(c, hyps.size(), *items, ref_streams);
  std::optional<BleuConfidence> confidence;
  if (c.paired.confidence) confidence = bleu_confidence(c, *items);
  if (c.json) {
    nlohmann::ordered_json j;
    j["bleu"] = bleu.bleu;
    j["chrf"] = chrf.chrf;
    j["bp"] = bleu.bp;
    j["ratio"] = bleu.ratio;
    j["hyp_len"] = bleu.hyp_len;
    j["ref_len"] = bleu.ref_len;
    j["sentences"] = static_cast<int64_t>(hyps.size());
    j["precisions"] = bleu.precisions;
    j["matches"] = bleu.matches;
    j["totals"] = bleu.totals;
    j["references"] = c.refs.size();
    if (paired) {
      nlohmann::ordered_json p = paired_header(c.paired, paired->bleu);
      add_paired_metric(p, "bleu", paired->bleu);
      add_paired_metric(p, "chrf", paired->chrf);
      j["paired"] = p;
    }
    if (confidence) {
      nlohmann::ordered_json conf = confidence_header(c.paired);
      add_confidence_metric(conf, "bleu", confidence->bleu);
      add_confidence_metric(conf, "chrf", confidence->chrf);
      j["confidence"] = conf;
    }
    print_json(j);
  } else {
    std::printf("%s chrF2 = %.2f (%zu sentences, %zu reference%s)\n", bleu.to_string().c_str(), chrf.chrf,
                hyps.size(), c.refs.size(), c.refs.size() == 1 ? "" : "s");
    if (paired) {
      print_paired_header(c.paired, paired->bleu);
      print_paired_metric("BLEU", paired->bleu);
      print_paired_metric("chrF2", paired->chrf);
    }
    if (confidence) {
      print_confidence_header(c.paired);
      print_confidence_metric("BLEU", confidence->bleu);
      print_confidence_metric("chrF2", confidence->chrf);
    }
  }
  return 0;
}

void add_eval_bleu(CLI::App& eval, const EvalAction& chosen) {
  auto c = std::make_shared<BleuCli>();
  CLI::App* sub = eval.add_subcommand("bleu", "corpus BLEU and chrF of a hypothesis file (sacreBLEU defaults: 13a, exp smoothing; chrF2)");
  sub->add_option("--hyp", c->hyp, "hypotheses, one detokenized sentence per line")->required();
  sub->add_option("--ref", c->refs, "references, one per line; repeat --ref for several references")->required();
  sub->add_flag("--json", c->json, "one JSON line");
  add_paired_options(*sub, c->paired);
  sub->callback([chosen, c] { *chosen = [c] { return run_eval_bleu(*c); }; });
}

// ---- attend eval per --------------------------------------------------------------------------------
struct PerCli {
  std::string hyp;
  std::string ref;
  bool json = false;
  PairedCli paired;
};

eval::G2pScore sum_words(const std::vector<eval::G2pScore>& words) {
  eval::G2pScorer total;
  for (const eval::G2pScore& w : words) total.add(w);
  return total.result();
}

// --baseline: PER and WER compared on the same draws (words), and McNemar's exact test on right/wrong words.
struct PairedPer {
  eval::PairedTestResult per, wer;
  eval::McNemarResult mcnemar;
};

PairedPer paired_per(const PerCli& c, const G2pReferences& refs, const std::vector<eval::G2pScore>& words) {
  const std::vector<eval::G2pScore> base = score_g2p_file(c.paired.baseline, refs);
  const eval::PairedTestOptions opt = paired_test_options(c.paired);
  const eval::ItemStats base_items = eval::g2p_items(base), items = eval::g2p_items(words);
  std::vector<uint8_t> base_right, right;
  for (const eval::G2pScore& w : base) base_right.push_back(w.word_errors == 0);
  for (const eval::G2pScore& w : words) right.push_back(w.word_errors == 0);
  return {eval::paired_test(base_items, items, eval::per_from_sums, opt),
          eval::paired_test(base_items, items, eval::wer_from_sums, opt), eval::mcnemar_exact(base_right, right)};
}

int run_eval_per(const PerCli& c) {
  check_paired_options(c.paired);
  const G2pReferences refs = read_g2p_references(c.ref);
  const std::vector<eval::G2pScore> words = score_g2p_file(c.hyp, refs);
  const eval::G2pScore s = sum_words(words);
  std::optional<PairedPer> paired;  // before any output: a bad baseline file leaves one line, the error
  if (!c.paired.baseline.empty()) paired = paired_per(c, refs, words);
  std::optional<std::pair<eval::ScoreEstimate, eval::ScoreEstimate>> confidence;  // PER, WER
  if (c.paired.confidence) {
    const eval::ItemStats items = eval::g2p_items(words);
    confidence.emplace(eval::bootstrap_estimate(items, eval::per_from_sums, confidence_draws(c.paired), c.paired.seed),
                       eval::bootstrap_estimate(items, eval::wer_from_sums, confidence_draws(c.paired), c.paired.seed));
  }
  if (c.json) {
    nlohmann::ordered_json j;
    put_g2p_score(j, s);
    if (paired) {
      nlohmann::ordered_json p = paired_header(c.paired, paired->per);
      add_paired_metric(p, "per", paired->per);
      add_paired_metric(p, "wer", paired->wer);
      p["mcnemar"] = {{"only_baseline_right", paired->mcnemar.only_baseline_right},
                      {"only_system_right", paired->mcnemar.only_system_right},
                      {"p", paired->mcnemar.p_value}};
      j["paired"] = p;
    }
    if (confidence) {
      nlohmann::ordered_json conf = confidence_header(c.paired);
      add_confidence_metric(conf, "per", confidence->first);
      add_confidence_metric(conf, "wer", confidence->second);
      j["confidence"] = conf;
    }
    print_json(j);
  } else {
    std::printf("PER = %.2f%% (%lld/%lld phonemes) WER = %.2f%% (%lld/%lld words)\n", s.per,
                static_cast<long long>(s.phoneme_errors), static_cast<long long>(s.ref_phonemes), s.wer,
                static_cast<long long>(s.word_errors), static_cast<long long>(s.words));
    if (paired) {
      print_paired_header(c.paired, paired->per);
      print_paired_metric("PER", paired->per);
      print_paired_metric("WER", paired->wer);
      std::printf("McNemar's exact test on words: %lld right only in the baseline, %lld only in --hyp, p = %s\n",
                  static_cast<long long>(paired->mcnemar.only_baseline_right),
                  static_cast<long long>(paired->mcnemar.only_system_right),
                  format_p_value(paired->mcnemar.p_value).c_str());
    }
    if (confidence) {
      print_confidence_header(c.paired);
      print_confidence_metric("PER", confidence->first);
      print_confidence_metric("WER", confidence->second);
    }
  }
  return 0;
}

void add_eval_per(CLI::App& eval, const EvalAction& chosen) {
  auto c = std::make_shared<PerCli>();
  CLI::App* sub = eval.add_subcommand("per", "phoneme and word error rates of a G2P hypothesis file");
  sub->add_option("--hyp", c->hyp,
                  "hypotheses: one word per line, space-separated phonemes (a tab anywhere makes the file keyed), or "
                  "'word<TAB>phonemes' lines (as eval --hyp-out and g2p-baseline --out write them; every word of "
                  "--ref must be there)")
      ->required();
  sub->add_option("--ref", c->ref,
                  "references in the same layout: line by line, or 'word<TAB>phonemes' with a word's several "
                  "pronunciations on several lines (paste test.src test.nostress.tgt)")
      ->required();
  sub->add_flag("--json", c->json, "one JSON line");
  add_paired_options(*sub, c->paired);
  sub->callback([chosen, c] { *chosen = [c] { return run_eval_per(*c); }; });
}

// ---- attend eval aer --------------------------------------------------------------------------------
struct AerCli {
  std::string hyp;
  std::string other;  // a second alignment of the same sentences: symmetrised with hyp
  std::string gold;
  std::string tagged;
  bool json = false;
};

// --hyp and --other (say, the two translation directions' links, both in the gold's orientation): each
// scored alone, then their intersection, union and grow-diag-final-and.
int run_eval_aer_symmetrised(const AerCli& c, const std::vector<eval::Alignment>& hyps,
                             const std::vector<eval::Alignment>& gold, const std::vector<eval::TaggedWords>& tagged) {
  const std::vector<eval::Alignment> others = eval::read_pharaoh_file(c.other);
  check_same_lines("aer", c.hyp, hyps.size(), c.other, others.size());
  std::vector<eval::Alignment> inter(hyps.size()), uni(hyps.size()), gdfa(hyps.size());
  for (size_t i = 0; i < hyps.size(); ++i) {
    const std::vector<eval::Link> a = hyps[i].all(), b = others[i].all();
    inter[i].sure = eval::intersect_links(a, b);
    uni[i].sure = eval::union_links(a, b);
    gdfa[i].sure = eval::grow_diag_final_and(a, b);
  }
  nlohmann::ordered_json j;
  using Named = std::pair<const char*, const std::vector<eval::Alignment>*>;
  for (const auto& [name, alignment] : {Named{"hyp", &hyps}, Named{"other", &others}, Named{"intersection", &inter},
                                        Named{"union", &uni}, Named{"gdfa", &gdfa}}) {
    const eval::AerScore s = eval::score_alignments(*alignment, gold, tagged);
    j[name] = {{"aer", s.aer}, {"precision", s.precision}, {"recall", s.recall}, {"links", s.hyp_links}};
  }
  if (c.json) {
    print_json(j);
  } else {
    for (const auto& [name, s] : j.items())
      std::printf("%-12s AER = %.4f precision = %.4f recall = %.4f\n", name.c_str(), s["aer"].get<double>(),
                  s["precision"].get<double>(), s["recall"].get<double>());
  }
  return 0;
}

int run_eval_aer(const AerCli& c) {
  const std::vector<eval::Alignment> hyps = eval::read_pharaoh_file(c.hyp);
  const std::vector<eval::Alignment> gold = eval::read_pharaoh_file(c.gold);
  check_same_lines("aer", c.hyp, hyps.size(), c.gold, gold.size());
  std::vector<eval::TaggedWords> tagged;
  if (!c.tagged.empty()) {
    tagged = eval::read_tagged_words_file(c.tagged);
    check_same_lines("aer", c.gold, gold.size(), c.tagged, tagged.size());
  }
  size_t gold_links = 0;
  for (const eval::Alignment& g : gold) gold_links += g.sure.size() + g.possible.size();
  ATTEND_CHECK(gold_links > 0, "eval aer: {} has no links: nothing to score against", c.gold);
  if (!c.other.empty()) return run_eval_aer_symmetrised(c, hyps, gold, tagged);
  const eval::AerScore s = eval::score_alignments(hyps, gold, tagged);
  if (c.json) {
    nlohmann::ordered_json j;
    j["aer"] = s.aer;
    j["precision"] = s.precision;
    j["recall"] = s.recall;
    j["hyp_links"] = s.hyp_links;
    j["sure_links"] = s.sure_links;
    j["possible_links"] = s.possible_links;
    j["sentences"] = s.sentences;
    print_json(j);
  } else {
    std::printf("AER = %.4f precision = %.4f recall = %.4f (%lld hypothesis links, %lld sure, %lld possible, %lld sentences)\n",
                s.aer, s.precision, s.recall, static_cast<long long>(s.hyp_links),
                static_cast<long long>(s.sure_links), static_cast<long long>(s.possible_links),
                static_cast<long long>(s.sentences));
  }
  return 0;
}

void add_eval_aer(CLI::App& eval, const EvalAction& chosen) {
  auto c = std::make_shared<AerCli>();
  CLI::App* sub = eval.add_subcommand("aer", "alignment error rate of Pharaoh alignments (i-j sure, i?j possible, 0-based)");
  sub->add_option("--hyp", c->hyp, "hypothesis alignments, one sentence per line")->required();
  sub->add_option("--other", c->other,
                  "a second alignment of the same sentences in the same orientation (e.g. the reverse model's): "
                  "also scores the intersection, union and grow-diag-final-and of the two");
  sub->add_option("--gold", c->gold, "gold alignments: i-j sure links, i?j possible links")->required();
  sub->add_option("--tagged", c->tagged,
                  "gold-eligible words per sentence ('0 1 4 ||| 0 2'); hypothesis links touching other words are ignored");
  sub->add_flag("--json", c->json, "one JSON line");
  sub->callback([chosen, c] { *chosen = [c] { return run_eval_aer(*c); }; });
}

// Every subcommand of `attend eval`. Add another here.
void add_eval_subcommands(CLI::App& eval, const EvalAction& chosen) {
  add_eval_bleu(eval, chosen);
  add_eval_per(eval, chosen);
  add_eval_aer(eval, chosen);
}

// ---- attend eval --model DIR --split S -----------------------------------------------------------------
struct ModelEvalCli {
  std::string model_dir;
  std::string split = "test";
  EvalOptions opt;
  bool latest = false;
  bool json = false;
};

int run_eval_model(ModelEvalCli& c) {
  LoadedModel m = load_model_dir(c.model_dir, c.latest);
  const nlohmann::json j = evaluate_split(m, c.split, c.opt);
  if (c.json) {
    std::printf("%s\n", j.dump().c_str());
  } else {
    std::printf("%s\n", j.dump(2).c_str());
  }
  return 0;
}

void add_model_eval_options(CLI::App& cmd, ModelEvalCli& c) {
  cmd.add_option("--model", c.model_dir, "score a trained model directory on a split of its data");
  cmd.add_option("--split", c.split, "a split of the model's data: dev | test | train | any other split name there (len100, ...)")
      ->check(split_name_check());
  cmd.add_option("--beam", c.opt.translate.search.beam, "beam size (1 = greedy)")->check(CLI::Range(1, 1000));
  cmd.add_option("--length-penalty", c.opt.translate.search.length_penalty, "GNMT alpha")->check(CLI::Range(0.0, 10.0));
  cmd.add_option("--max-sentences", c.opt.max_sentences, "score at most N sentences (g2p: words), spread over the split")
      ->check(CLI::Range(int64_t{0}, int64_t{1} << 40));
  cmd.add_option("--hyp-out", c.opt.hyp_out, "also write the hypotheses to this file");
  cmd.add_option("--alignment-out", c.opt.alignment_out,
                 "translation with gold links: write the attention's word links (Pharaoh) scored as 'aer', in the gold "
                 "files' orientation (data.gold_src first), so two directions combine with eval aer --other");
  cmd.add_option("--alignment-reading", c.opt.alignment_reading,
                 "which links --alignment-out writes: target_argmax (default: each target word's best source word), "
                 "source_argmax, intersection or union of the two")
      ->check(CLI::IsMember({"target_argmax", "source_argmax", "intersection", "union"}));
  cmd.add_flag_callback(
      "--confidence", [&c] { c.opt.confidence_draws = 1000; },
      "also each score's bootstrap mean and 95% interval over 1000 draws of the scored sentences (seed 12345)");
  cmd.add_flag("--latest", c.latest, "use the latest checkpoint (its weight average, if the run keeps one) instead of the best dev weights");
  cmd.add_flag("--json", c.json, "print one JSON line");
}

ATTEND_COMMAND("eval", "score a model on a split (--model DIR --split test), or files: bleu, per, aer",
               [](CLI::App& cmd) {
                 auto chosen = std::make_shared<std::function<int()>>();
                 auto model = std::make_shared<ModelEvalCli>();
                 cmd.require_subcommand(0, 1);
                 add_model_eval_options(cmd, *model);
                 add_eval_subcommands(cmd, chosen);
                 return [chosen, model, &cmd]() -> int {
                   if (*chosen) {
                     for (const CLI::Option* o : cmd.get_options())
                       ATTEND_CHECK(o->count() == 0 || o->get_name() == "--help",
                                    "eval: {} is an option of eval --model; give bleu, per and aer their options "
                                    "after the subcommand's name",
                                    o->get_name());
                     return (*chosen)();
                   }
                   ATTEND_CHECK(!model->model_dir.empty(),
                                "eval: say what to score: attend eval --model DIR --split test, or attend eval "
                                "bleu|per|aer (see attend eval --help)");
                   return run_eval_model(*model);
                 };
               });

}  // namespace
}  // namespace attend::app
