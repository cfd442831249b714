// Parallel text: a source file and a target file with one sentence per line, line i of one translating line
// i of the other. Reading checks the line counts agree; tokenising drops empty pairs and pairs longer than
// a limit (either side), and counts what it dropped. The kept examples remember their 0-based line
// (Example::index), so outputs can be written back to the right line (a dropped line has no Example: a
// writer fills it, e.g. with an empty line, up to CorpusStats::lines).
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "data/batch.h"

namespace attend::data {

class Vocab;
class SubwordModel;

// A line -> ids (no kBos/kEos).
using LineTokenizer = std::function<std::vector<int64_t>(std::string_view line)>;
// Whitespace-separated tokens through `vocab` (which must outlive the tokenizer); unseen tokens -> kUnk.
LineTokenizer whitespace_tokenizer(const Vocab& vocab);
// SentencePiece pieces through the model's vocab() (the model must outlive the tokenizer).
LineTokenizer subword_tokenizer(const SubwordModel& model);

struct ParallelLines {
  std::vector<std::string> src;
  std::vector<std::string> tgt;
  std::string src_path, tgt_path;  // for messages
};

// Both files' lines (CRLF tolerated). Different line counts -> attend::Error naming both files and counts.
ParallelLines read_parallel_lines(const std::string& src_path, const std::string& tgt_path);

// The distinct source lines in first-appearance order, each with the tokens of every target line given
// for it (a word and its pronunciations); pairs with a blank side are skipped.
struct GroupedReferences {
  std::vector<std::string> src;
  std::vector<std::vector<std::vector<std::string>>> refs;  // [source][reference][token]
};
GroupedReferences group_references(const ParallelLines& lines);

struct CorpusFilter {
  int64_t max_length = 0;  // most tokens on either side after tokenisation; 0 = no limit
};

struct CorpusStats {
  int64_t lines = 0;      // line pairs read
  int64_t kept = 0;
  int64_t empty = 0;      // dropped: a side blank or tokenised to nothing
  int64_t too_long = 0;   // dropped: a side longer than max_length tokens
  int64_t src_tokens = 0, tgt_tokens = 0;    // in kept examples
  int64_t src_unknown = 0, tgt_unknown = 0;  // kUnk ids in kept examples
};

struct ParallelCorpus {
  std::vector<Example> examples;
  CorpusStats stats;
};

ParallelCorpus tokenize_parallel(const ParallelLines& lines, const LineTokenizer& src, const LineTokenizer& tgt,
                                 const CorpusFilter& filter = {});
ParallelCorpus read_parallel_corpus(const std::string& src_path, const std::string& tgt_path,
                                    const LineTokenizer& src, const LineTokenizer& tgt,
                                    const CorpusFilter& filter = {});

}  // namespace attend::data
