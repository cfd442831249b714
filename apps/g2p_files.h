// G2P hypothesis and reference files for `attend eval per`, in either of two layouts:
//   plain: one pronunciation per line (space-separated phonemes), reference line i for hypothesis line i;
//   keyed: "word<TAB>phonemes" lines, as `attend eval --hyp-out` and `attend g2p-baseline --out` write
//          hypotheses; in a reference file several lines of one word are its admissible pronunciations
//          (`paste test.src test.nostress.tgt` writes one), and hypotheses are matched to words by key,
//          in any order.
#pragma once
#include <string>
#include <unordered_map>
#include <vector>

#include "eval/edit_distance.h"

namespace attend::app {

struct G2pReferences {
  std::string path;
  bool keyed = false;
  std::vector<std::string> words;                                     // keyed: in order of first appearance
  std::vector<std::vector<std::vector<std::string>>> pronunciations;  // per word (plain: per line)
  std::unordered_map<std::string, size_t> index;                      // keyed: word -> position
};

// Reads `path`, keyed when its lines hold tabs (blank lines skipped; the word before the tab is compared with
// its letters joined by single spaces); an empty file or a line without phonemes is an error.
G2pReferences read_g2p_references(const std::string& path);

// Whether a file is keyed: every non-blank line holds a tab. Some lines with and some without is an error.
bool g2p_lines_keyed(const std::vector<std::string>& lines, const std::string& path);

// The fields every G2P score prints in JSON (attend eval, eval per, g2p-baseline): per, wer and their counts.
template <class Json>
void put_g2p_score(Json& j, const eval::G2pScore& s) {
  j["per"] = s.per;
  j["wer"] = s.wer;
  j["phoneme_errors"] = s.phoneme_errors;
  j["ref_phonemes"] = s.ref_phonemes;
  j["word_errors"] = s.word_errors;
  j["words"] = s.words;
}

// The hypothesis file's counts for each word of `refs`, in refs' order. A keyed file must give each word
// exactly once and no other word; a plain one must have as many lines as refs.
std::vector<eval::G2pScore> score_g2p_file(const std::string& hyp_path, const G2pReferences& refs);

}  // namespace attend::app
