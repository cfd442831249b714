// `attend g2p-baseline`: the joint-sequence (graphone n-gram) G2P model of Sequitur and Phonetisaurus
// (eval/joint_sequence_g2p.h), trained on a data directory's training split and scored on another split
// with the same PER/WER as `attend eval` — the classic baseline the attention models' CMUdict figures are
// compared with, on the same words.
//   attend g2p-baseline --data data/cmudict [--split test] [--order 8] [--json]
//   attend g2p-baseline --data data/cmudict --pronounce words.txt   (word TAB phones for each line; - = stdin)
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/error.h"
#include "command.h"
#include "data/parallel_corpus.h"
#include "data/text_codec.h"
#include "data/text_file.h"
#include "eval/edit_distance.h"
#include "eval/joint_sequence_g2p.h"
#include "g2p_files.h"

namespace attend::app {
namespace {

namespace fs = std::filesystem;

struct G2pBaselineCli {
  std::string data;
  std::string src = "src";
  std::string tgt = "nostress.tgt";
  std::string train_split = "train";
  std::string split = "test";
  eval::JointSequenceOptions opt;
  int64_t max_words = 0;
  std::string pronounce;  // words to pronounce instead of scoring a split ("-" = stdin)
  std::string out;
  bool json = false;
};

data::ParallelLines read_split(const G2pBaselineCli& c, const std::string& split) {
  const fs::path src = fs::path(c.data) / (split + "." + c.src);
  const fs::path tgt = fs::path(c.data) / (split + "." + c.tgt);
  ATTEND_CHECK(fs::exists(src), "g2p-baseline: no {} in data directory '{}' (make it with `attend data cmudict --out {}`)",
               src.filename().string(), c.data, c.data);
  return data::read_parallel_lines(src.string(), tgt.string());
}

// A source line is the word's letters, space-separated (`attend data cmudict`); a line without spaces is
// read as one word and cut into its characters.
std::vector<std::string> letters_of(const std::string& line) {
  std::vector<std::string> tokens = data::split_whitespace(line);
  return tokens.size() == 1 ? data::utf8_characters(tokens[0]) : tokens;
}

std::string join_phones(const std::vector<std::string>& phones) {
  std::string text;
  for (size_t k = 0; k < phones.size(); ++k) text += (k ? " " : "") + phones[k];
  return text;
}

// Words longer than this are not pronounced (an empty result, counted on stderr): the search keeps every
// position's hypotheses, so a stray megabyte-long line would take minutes.
constexpr size_t kMaxWordLetters = 1000;

// Pronounces one word, counting what was not pronounced as asked.
std::vector<std::string> pronounce_counted(const eval::JointSequenceG2p& model, const std::string& word,
                                           int64_t* too_long, int64_t* unseen_letters) {
  const std::vector<std::string> letters = letters_of(word);
  if (letters.size() > kMaxWordLetters) {
    ++*too_long;
    return {};
  }
  int passed_over = 0;
  std::vector<std::string> phones = model.pronounce(letters, &passed_over);
  *unseen_letters += passed_over;
  return phones;
}

void report_skips(int64_t too_long, int64_t unseen_letters) {
  if (too_long > 0)
    std::fprintf(stderr, "g2p-baseline: %lld words over %zu letters left unpronounced\n",
                 static_cast<long long>(too_long), kMaxWordLetters);
  if (unseen_letters > 0)
    std::fprintf(stderr, "g2p-baseline: %lld letters never seen in training passed over (no phones)\n",
                 static_cast<long long>(unseen_letters));
}

// One output line per input line: the word, a tab, its phones (an empty word gives an empty line).
int pronounce_words(const eval::JointSequenceG2p& model, const std::string& path) {
  std::vector<std::string> lines;
  if (path == "-") {
    for (std::string line; std::getline(std::cin, line);) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      lines.push_back(line);
    }
  } else {
    lines = data::read_lines(path, "g2p-baseline --pronounce");
  }
  int64_t too_long = 0, unseen_letters = 0;
  for (const std::string& line : lines) {
    if (data::is_blank(line)) {
      std::printf("\n");
      continue;
    }
    std::printf("%s\t%s\n", line.c_str(),
                join_phones(pronounce_counted(model, line, &too_long, &unseen_letters)).c_str());
  }
  report_skips(too_long, unseen_letters);
  return 0;
}

int run_g2p_baseline(const G2pBaselineCli& c) {
  ATTEND_CHECK(c.pronounce.empty() || c.pronounce == "-" || fs::is_regular_file(c.pronounce),
               "g2p-baseline: --pronounce: cannot read '{}'", c.pronounce);
  const auto start = std::chrono::steady_clock::now();
  const data::ParallelLines train_lines = read_split(c, c.train_split);
  std::vector<eval::LetterPhoneEntry> train;
  for (size_t i = 0; i < train_lines.src.size(); ++i) {
    if (data::is_blank(train_lines.src[i]) || data::is_blank(train_lines.tgt[i])) continue;
    train.push_back({letters_of(train_lines.src[i]), data::split_whitespace(train_lines.tgt[i])});
  }
  ATTEND_CHECK(!train.empty(), "g2p-baseline: {} has no pronunciations", train_lines.src_path);
  const eval::JointSequenceG2p model(train, c.opt);
  const double train_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!c.pronounce.empty()) return pronounce_words(model, c.pronounce);

  const data::GroupedReferences test = data::group_references(read_split(c, c.split));
  ATTEND_CHECK(!test.src.empty(), "g2p-baseline: split '{}' of '{}' has no words", c.split, c.data);
  const size_t words = c.max_words > 0 ? std::min(test.src.size(), static_cast<size_t>(c.max_words)) : test.src.size();
  const auto decode_start = std::chrono::steady_clock::now();
  eval::G2pScorer scorer;
  int64_t too_long = 0, unseen_letters = 0;
  std::string hyp_text;
  for (size_t w = 0; w < words; ++w) {
    const std::vector<std::string> hyp = pronounce_counted(model, test.src[w], &too_long, &unseen_letters);
    scorer.add(hyp, test.refs[w]);
    if (!c.out.empty()) hyp_text += test.src[w] + '\t' + join_phones(hyp) + '\n';
  }
  const double decode_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - decode_start).count();
  report_skips(too_long, unseen_letters);
  if (!c.out.empty()) data::write_text_atomic(c.out, hyp_text, "g2p-baseline hypotheses");

  const eval::G2pScore s = scorer.result();
  const eval::JointSequenceStats& st = model.stats();
  nlohmann::ordered_json j;
  j["split"] = c.split;
  put_g2p_score(j, s);
  j["order"] = c.opt.order;
  j["beam"] = c.opt.beam;
  j["realign"] = c.opt.realign;
  j["realigned"] = st.realigned;
  j["train_pronunciations"] = st.entries;
  j["unalignable"] = st.unalignable;
  j["graphones"] = st.graphones;
  j["ngrams"] = st.ngrams;
  j["train_seconds"] = train_seconds;
  j["decode_seconds"] = decode_seconds;
  if (c.json) {
    std::printf("%s\n", j.dump().c_str());
  } else {
    std::printf("joint-sequence %d-gram over %zu graphones, trained on %zu pronunciations (%zu unalignable) in %.1f s\n",
                c.opt.order, st.graphones, st.entries, st.unalignable, train_seconds);
    if (c.opt.realign > 0)
      std::printf("re-cut %d times along the n-gram model; the last round changed %zu cuts\n", c.opt.realign,
                  st.realigned);
    std::printf("%s: %lld words, PER %.2f%%  WER %.2f%%  (%.1f s)\n", c.split.c_str(),
                static_cast<long long>(s.words), s.per, s.wer, decode_seconds);
  }
  return 0;
}

ATTEND_COMMAND("g2p-baseline",
               "the joint-sequence graphone n-gram G2P model (Sequitur's, built as Phonetisaurus does) trained and "
               "scored on a data directory's splits",
               [](CLI::App& cmd) {
                 auto c = std::make_shared<G2pBaselineCli>();
                 cmd.add_option("--data", c->data, "data directory from `attend data cmudict`")->required();
                 cmd.add_option("--src", c->src, "source suffix: letters (default src)");
                 cmd.add_option("--tgt", c->tgt, "target suffix: phones (default nostress.tgt; tgt keeps stress)");
                 cmd.add_option("--train-split", c->train_split, "the split it learns from (default train)")
                     ->check(split_name_check());
                 cmd.add_option("--split", c->split, "the split it is scored on (default test)")->check(split_name_check());
                 cmd.add_option("--order", c->opt.order, "n-gram order over graphones (default 8)")->check(CLI::Range(1, 16));
                 cmd.add_option("--beam", c->opt.beam, "hypotheses kept per letter position (default 64)")
                     ->check(CLI::Range(1, 100000));
                 cmd.add_option("--iterations", c->opt.graphones.iterations, "EM iterations of the aligner (default 10)")
                     ->check(CLI::Range(1, 1000));
                 cmd.add_option("--realign", c->opt.realign,
                                "re-cut the training entries along the n-gram model's best segmentation and retrain, "
                                "N times (default 0: the aligner's cuts)")
                     ->check(CLI::Range(0, 100));
                 cmd.add_option("--max-letters", c->opt.graphones.max_letters, "letters per graphone (default 2)")
                     ->check(CLI::Range(1, 8));
                 cmd.add_option("--max-phones", c->opt.graphones.max_phones, "phones per graphone (default 2)")
                     ->check(CLI::Range(1, 8));
                 cmd.add_flag("--many-to-many", c->opt.graphones.many_to_many,
                              "allow graphones with several letters and several phones");
                 cmd.add_flag("!--no-penalize-long", c->opt.graphones.penalize_long,
                              "cut entries by plain probability, without scaling a graphone's cost by its longer side");
                 cmd.add_option("--max-words", c->max_words, "score only the first N words of the split (default all)")
                     ->check(CLI::Range(int64_t{0}, int64_t{1} << 40));
                 cmd.add_option("--out", c->out, "write the hypotheses here (word TAB phones)");
                 cmd.add_option("--pronounce", c->pronounce,
                                "pronounce the words of this file (one per line; - = stdin) instead of scoring a split: "
                                "word TAB phones on stdout");
                 cmd.add_flag("--json", c->json, "one JSON line");
                 return [c] { return run_g2p_baseline(*c); };
               });

}  // namespace
}  // namespace attend::app
