// Levenshtein distance over token sequences, and the grapheme-to-phoneme scores built on it:
// PER (phoneme error rate) and WER (word error rate) with several admissible pronunciations per word.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace attend::eval {

// Fewest insertions, deletions and substitutions (each costing 1) that turn a into b.
int64_t edit_distance(std::span<const std::string> a, std::span<const std::string> b);
int64_t edit_distance(std::span<const int64_t> a, std::span<const int64_t> b);

// G2P scores over a word list:
//   PER = sum over words of the edit distance to the chosen reference / sum of the chosen references'
//         lengths, x100; the chosen reference of a word is the one with the smallest edit distance to the
//         hypothesis (ties: the shortest, then the first);
//   WER = % of words whose hypothesis equals none of its references.
struct G2pScore {
  double per = 0;  // x100 (0 when there are no reference phonemes)
  double wer = 0;  // x100 (0 when there are no words)
  int64_t phoneme_errors = 0;
  int64_t ref_phonemes = 0;
  int64_t word_errors = 0;
  int64_t words = 0;
};

// One word's counts (words = 1; per and wer left 0): the chosen reference's edit distance and length, and
// whether the hypothesis equals none of the references. `refs` must not be empty.
G2pScore score_g2p_word(std::span<const std::string> hyp, std::span<const std::vector<std::string>> refs);

class G2pScorer {
 public:
  // One word: its hypothesis phonemes and its admissible pronunciations (at least one).
  void add(std::span<const std::string> hyp, std::span<const std::vector<std::string>> refs);
  void add(std::span<const std::string> hyp, std::span<const std::string> ref);
  // Counts already taken (score_g2p_word's, or another scorer's result).
  void add(const G2pScore& counts);
  G2pScore result() const;

 private:
  G2pScore s_;
};

// hyps[i] against refs[i] (several pronunciations per word) / ref[i] (one).
G2pScore score_g2p(std::span<const std::vector<std::string>> hyps,
                   std::span<const std::vector<std::vector<std::string>>> refs);
G2pScore score_g2p(std::span<const std::vector<std::string>> hyps, std::span<const std::vector<std::string>> refs);

}  // namespace attend::eval
