// `attend align`: the unsupervised IBM-model-2 word aligner (fast_align's model, eval/ibm_model2.h) on a
// data directory's parallel text, in both directions, symmetrised, and scored against the split's gold
// alignment when it has one — the baseline the attention alignments of `attend eval` are compared with.
//   attend align --data data/bible --split test [--src es --tgt en] [--out test.ibm2] [--json]
// Being unsupervised, it trains on the text of every split (train, dev and test by default; never on gold
// links), as fast_align is run on a whole corpus.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/error.h"
#include "command.h"
#include "eval/aer.h"
#include "eval/ibm_model2.h"
#include "eval/text.h"

namespace attend::app {
namespace {

namespace fs = std::filesystem;

struct AlignCli {
  std::string data;
  std::string src = "es";
  std::string tgt = "en";
  std::string gold_src;  // the language the split's .gold/.tagged index first (empty = src)
  std::string split = "test";
  std::vector<std::string> train_splits{"train", "dev", "test"};
  eval::Ibm2Options opt;
  bool fixed_tension = false;
  std::string out;
  std::string symmetrise = "gdfa";
  bool json = false;
};

// Word ids of one side of the corpus; each side has its own vocabulary (id 0 left for the null word).
class WordIds {
 public:
  std::vector<int32_t> encode(const std::string& line) {
    std::vector<int32_t> ids;
    for (std::string_view w : eval::split_whitespace(line)) {
      auto [it, added] = ids_.emplace(eval::alignment_word_key(w), static_cast<int32_t>(ids_.size() + 1));
      ids.push_back(it->second);
    }
    return ids;
  }
  size_t size() const { return ids_.size(); }

 private:
  std::unordered_map<std::string, int32_t> ids_;
};

struct AlignCorpus {
  std::vector<eval::WordIdPair> forward;  // source → target: each target word picks a source word
  std::vector<eval::WordIdPair> reverse;  // the other way
  size_t split_begin = 0;                 // the evaluated split's sentences: [split_begin, split_end)
  size_t split_end = 0;
  size_t src_vocab = 0, tgt_vocab = 0;
};

AlignCorpus read_corpus(const AlignCli& c) {
  std::vector<std::string> splits = c.train_splits;
  if (std::find(splits.begin(), splits.end(), c.split) == splits.end()) splits.push_back(c.split);
  AlignCorpus corpus;
  WordIds src_ids, tgt_ids;
  bool found_split = false;
  for (const std::string& split : splits) {
    const fs::path src_path = fs::path(c.data) / (split + "." + c.src);
    const fs::path tgt_path = fs::path(c.data) / (split + "." + c.tgt);
    if (split != c.split && !fs::exists(src_path)) continue;  // a listed training split the directory lacks
    const std::vector<std::string> src = eval::read_lines(src_path.string(), "source file");
    const std::vector<std::string> tgt = eval::read_lines(tgt_path.string(), "target file");
    ATTEND_CHECK(src.size() == tgt.size(), "align: {} has {} lines but {} has {} lines", src_path.string(), src.size(),
                 tgt_path.string(), tgt.size());
    if (split == c.split && !found_split) {
      corpus.split_begin = corpus.forward.size();
      corpus.split_end = corpus.split_begin + src.size();
      found_split = true;
    }
    for (size_t k = 0; k < src.size(); ++k) {
      eval::WordIdPair p{src_ids.encode(src[k]), tgt_ids.encode(tgt[k])};
      corpus.reverse.push_back({p.tgt, p.src});
      corpus.forward.push_back(std::move(p));
    }
  }
  corpus.src_vocab = src_ids.size();
  corpus.tgt_vocab = tgt_ids.size();
  return corpus;
}

nlohmann::ordered_json score_json(const std::vector<eval::Alignment>& hyp, const std::vector<eval::Alignment>& gold,
                                  const std::vector<eval::TaggedWords>& tagged) {
  const eval::AerScore s = eval::score_alignments(hyp, gold, tagged);
  const eval::AerScore all = eval::score_alignments(hyp, gold);
  return {{"aer", s.aer},         {"precision", s.precision}, {"recall", s.recall}, {"links", s.hyp_links},
          {"aer_all_links", all.aer}, {"tagged_only", !tagged.empty()}};
}

int run_align(const AlignCli& c) {
  ATTEND_CHECK(c.gold_src.empty() || c.gold_src == c.src || c.gold_src == c.tgt,
               "align: --gold-src must be the source ('{}') or target ('{}') language, got '{}'", c.src, c.tgt, c.gold_src);
  // Links are computed as (src word, tgt word); a gold indexing the target language first is met by turning
  // our links round, both to score them and to write them (so --out files are in the gold's orientation).
  const bool flip = !c.gold_src.empty() && c.gold_src != c.src;
  const auto start = std::chrono::steady_clock::now();
  const AlignCorpus corpus = read_corpus(c);
  eval::Ibm2Options opt = c.opt;
  opt.optimise_tension = !c.fixed_tension;
  const eval::Ibm2Aligner forward(corpus.forward, opt);
  const eval::Ibm2Aligner reverse(corpus.reverse, opt);

  // The split's alignments, every one in (source, target) orientation.
  std::vector<eval::Alignment> fwd, rev, inter, uni, gdfa;
  for (size_t s = corpus.split_begin; s < corpus.split_end; ++s) {
    fwd.push_back({forward.align(s), {}});
    rev.push_back({eval::transpose_links(reverse.align(s)), {}});
    inter.push_back({eval::intersect_links(fwd.back().sure, rev.back().sure), {}});
    uni.push_back({eval::union_links(fwd.back().sure, rev.back().sure), {}});
    gdfa.push_back({eval::grow_diag_final_and(fwd.back().sure, rev.back().sure), {}});
  }
  if (flip)
    for (auto* v : {&fwd, &rev, &inter, &uni, &gdfa})
      for (eval::Alignment& a : *v) a.sure = eval::transpose_links(a.sure);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  if (!c.out.empty()) {
    const std::vector<eval::Alignment>& chosen = c.symmetrise == "forward"  ? fwd
                                                 : c.symmetrise == "reverse" ? rev
                                                 : c.symmetrise == "intersect" ? inter
                                                 : c.symmetrise == "union"     ? uni
                                                                               : gdfa;
    // Written beside and renamed into place, so an interrupted run never leaves half a file.
    const std::string tmp = c.out + ".tmp";
    {
      std::ofstream out(tmp, std::ios::binary);
      ATTEND_CHECK(out.good(), "align: cannot write '{}'", tmp);
      for (const eval::Alignment& a : chosen) out << eval::format_pharaoh(a) << '\n';
      ATTEND_CHECK(out.good(), "align: writing '{}' failed", tmp);
    }
    fs::rename(tmp, c.out);
  }

  nlohmann::ordered_json j;
  j["split"] = c.split;
  j["sentences"] = corpus.split_end - corpus.split_begin;
  j["train_sentences"] = corpus.forward.size();
  j["src_vocab"] = corpus.src_vocab;
  j["tgt_vocab"] = corpus.tgt_vocab;
  j["iterations"] = opt.iterations;
  j["tension_forward"] = forward.tension();
  j["tension_reverse"] = reverse.tension();
  j["log_likelihood_forward"] = forward.log_likelihood();
  j["log_likelihood_reverse"] = reverse.log_likelihood();
  j["seconds"] = seconds;
  const fs::path gold_path = fs::path(c.data) / (c.split + ".gold");
  if (fs::exists(gold_path)) {
    const std::vector<eval::Alignment> gold = eval::read_pharaoh_file(gold_path.string());
    ATTEND_CHECK(gold.size() == fwd.size(), "align: {} has {} lines but the split has {} sentences",
                 gold_path.string(), gold.size(), fwd.size());
    std::vector<eval::TaggedWords> tagged;
    const fs::path tagged_path = fs::path(c.data) / (c.split + ".tagged");
    if (fs::exists(tagged_path)) {
      tagged = eval::read_tagged_words_file(tagged_path.string());
      ATTEND_CHECK(tagged.size() == fwd.size(), "align: {} has {} lines but the split has {} sentences",
                   tagged_path.string(), tagged.size(), fwd.size());
    }
    j["forward"] = score_json(fwd, gold, tagged);
    j["reverse"] = score_json(rev, gold, tagged);
    j["intersection"] = score_json(inter, gold, tagged);
    j["union"] = score_json(uni, gold, tagged);
    j["gdfa"] = score_json(gdfa, gold, tagged);
  }
  if (c.json) {
    std::printf("%s\n", j.dump().c_str());
  } else {
    std::printf("aligned %zu sentences of %s (trained on %zu) in %.1f s; tension %.2f / %.2f\n", fwd.size(),
                c.split.c_str(), corpus.forward.size(), seconds, forward.tension(), reverse.tension());
    for (const char* key : {"forward", "reverse", "intersection", "union", "gdfa"})
      if (j.contains(key))
        std::printf("  %-12s AER %.2f  precision %.2f  recall %.2f\n", key, 100 * j[key]["aer"].get<double>(),
                    100 * j[key]["precision"].get<double>(), 100 * j[key]["recall"].get<double>());
  }
  return 0;
}

ATTEND_COMMAND("align", "unsupervised IBM-model-2 word alignment (fast_align's model) of a data split, scored against its gold",
               [](CLI::App& cmd) {
                 auto c = std::make_shared<AlignCli>();
                 cmd.add_option("--data", c->data, "data directory with SPLIT.SRC / SPLIT.TGT text files")->required();
                 cmd.add_option("--src", c->src, "source language suffix (default es)");
                 cmd.add_option("--tgt", c->tgt, "target language suffix (default en)");
                 cmd.add_option("--gold-src", c->gold_src,
                                "the language the split's .gold/.tagged files index first (default: --src); links are "
                                "scored and written in that orientation");
                 cmd.add_option("--split", c->split, "the split to align and score (default test)")
                     ->check(split_name_check());
                 cmd.add_option("--train-splits", c->train_splits,
                                "splits whose text trains the aligner (default train dev test; missing ones skipped)")
                     ->delimiter(',')
                     ->check(split_name_check());
                 cmd.add_option("--iterations", c->opt.iterations, "EM iterations (default 5)")->check(CLI::Range(1, 1000));
                 cmd.add_option("--null-prob", c->opt.null_prob, "probability of aligning to the null word (default 0.08)")
                     ->check(CLI::Range(1e-6, 0.999999));
                 cmd.add_option("--tension", c->opt.tension, "diagonal tension λ, the starting value unless --fixed-tension (default 4)")
                     ->check(CLI::Range(1e-2, 200.0));
                 cmd.add_flag("--fixed-tension", c->fixed_tension, "keep λ fixed instead of learning it");
                 cmd.add_option("--alpha", c->opt.alpha, "Dirichlet prior of the translation table, variational Bayes; 0 = plain EM (default 0.01)")
                     ->check(CLI::Range(0.0, 1e3));
                 cmd.add_option("--out", c->out, "write the split's alignment (Pharaoh, in the gold's orientation: --gold-src word first) here");
                 cmd.add_option("--symmetrise", c->symmetrise, "which alignment --out writes (default gdfa)")
                     ->check(CLI::IsMember({"forward", "reverse", "intersect", "union", "gdfa"}));
                 cmd.add_flag("--json", c->json, "one JSON line");
                 return [c] { return run_align(*c); };
               });

}  // namespace
}  // namespace attend::app
