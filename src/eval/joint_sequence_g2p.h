// The joint-sequence grapheme-to-phoneme baseline: Bisani & Ney's model (Sequitur), built the way
// Phonetisaurus builds it (Novak et al. 2012): dictionary entries are cut into graphones by the EM
// aligner (graphone_alignment.h), an n-gram model with modified Kneser-Ney smoothing (kneser_ney.h) is
// trained on the graphone sequences, and a word is pronounced by the most probable graphone sequence whose
// letters spell it (beam search over letter positions, hypotheses with the same n-gram state merged). It is
// what the attention models' CMUdict figures are compared with on the same split (`attend g2p-baseline`).
#pragma once
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "eval/graphone_alignment.h"
#include "eval/kneser_ney.h"

namespace attend::eval {

struct JointSequenceOptions {
  GraphoneOptions graphones;
  int order = 8;    // n-gram order over graphones
  int beam = 64;    // hypotheses kept per letter position (per lattice point when re-cutting)
  // Viterbi re-segmentations: cut each training entry again along its most probable graphone sequence
  // under the n-gram model (not the aligner's unigram), then retrain the model on the new cuts. Sequitur
  // re-estimates the segmentation with its full model (by EM); 0 keeps the aligner's cuts, as
  // Phonetisaurus does.
  int realign = 0;
};

struct JointSequenceStats {
  size_t entries = 0;       // training pronunciations
  size_t unalignable = 0;   // of those, left out: no segmentation into graphones fits
  size_t graphones = 0;     // distinct graphones in the training segmentations
  size_t realigned = 0;     // entries the last round cut differently from the round before (0 without realign)
  std::vector<int64_t> ngrams;  // distinct n-grams per order
};

class JointSequenceG2p {
 public:
  JointSequenceG2p(std::span<const LetterPhoneEntry> train, const JointSequenceOptions& opt);

  // The phones of the most probable graphone sequence spelling `letters`; a letter no training graphone
  // starts with is passed over (it costs a uniform-probability step and gives no phone) and counted in
  // *passed_over when given.
  std::vector<std::string> pronounce(std::span<const std::string> letters, int* passed_over = nullptr) const;

  const JointSequenceStats& stats() const { return stats_; }
  // The training entries' cuts the n-gram model was trained on, in the order given (empty for unalignable).
  const std::vector<std::vector<int32_t>>& training_segmentations() const { return segmentations_; }
  const GraphoneInventory& inventory() const { return aligner_->inventory(); }
  // log P(units, end) under the n-gram model (natural log); -inf when a unit is not in its vocabulary.
  double log_prob(std::span<const int32_t> units) const;
  // The most probable segmentation of an entry under the aligner, for inspection (empty when none fits).
  std::vector<Graphone> segment(const LetterPhoneEntry& entry) const;

 private:
  static constexpr int32_t kBos = 0, kEos = 1, kFirstUnit = 2;  // LM tokens: kFirstUnit.. are graphones

  // (Re)builds lm_token_, lm_ (of `order`) and by_letters_ from segmentations_.
  void train_lm(int order);
  // The most probable cut of `entry` under the current n-gram model, among graphones it knows; empty when none.
  std::vector<int32_t> best_segmentation(const LetterPhoneEntry& entry) const;

  JointSequenceOptions opt_;
  JointSequenceStats stats_;
  std::unique_ptr<GraphoneAligner> aligner_;
  std::unique_ptr<KneserNeyLm> lm_;
  // Graphones that occur in some training segmentation, by their letters (joined with '\x1f').
  std::unordered_map<std::string, std::vector<int32_t>> by_letters_;
  // Graphone id -> LM token: the graphones some training segmentation uses, numbered densely, so the LM's
  // uniform floor 1/vocab counts only those (-1 for the rest, which pronounce() never proposes).
  std::vector<int32_t> lm_token_;
  std::vector<std::vector<int32_t>> segmentations_;
};

}  // namespace attend::eval
