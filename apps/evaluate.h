// Scoring a model on a data split: translate the split's sources and compare with its references.
//   g2p:         PER and WER, with the lines of one word (identical source lines) as its admissible
//                pronunciations; the word is decoded once.
//   translation: corpus BLEU and chrF (sacreBLEU defaults), BLEU by source-length bucket (words), and, when
//                <split>.gold exists beside the data, AER of the attention-argmax word alignment against it
//                (links touching untagged words unscored when <split>.tagged exists).
// Used by validation during training and by `attend eval --model DIR --split S`.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "translator.h"

namespace attend::app {

struct EvalOptions {
  TranslateOptions translate;
  int64_t max_sentences = 0;  // score at most N sentences (g2p: words), spread evenly over the file (0 = all)
  bool alignments = true;     // translation: compute AER when gold links exist
  std::string hyp_out;        // when set, write the hypotheses there (one per source line scored)
  std::string alignment_out;  // translation with gold: write the teacher-forced word links (Pharaoh)
  // Which reading of the word-level matrix alignment_out holds: target_argmax (each target word's best source
  // word; the one scored as "aer"), source_argmax, intersection or union.
  std::string alignment_reading = "target_argmax";
  // > 0: also each score's bootstrap mean and 95% interval over this many draws of the scored sentences
  // (words), seed 12345 — "confidence": {"samples", "seed", "wer"|"bleu"...: {"score", "mean", "ci"}}.
  int confidence_draws = 0;
};

// Returns the metrics as a JSON object: {"split", "sentences", "per", "wer"} or {"split", "sentences", "bleu",
// "chrf", "bp", "ratio", "bleu_by_length": [...], "aer"...}, plus "decode_seconds".
nlohmann::json evaluate_split(LoadedModel& m, const std::string& split, const EvalOptions& opt);

// The number the trainer's early stopping minimises: WER for g2p, -BLEU for translation (ties: lower dev loss).
double validation_objective(const RunConfig& cfg, const nlohmann::json& metrics);

}  // namespace attend::app
