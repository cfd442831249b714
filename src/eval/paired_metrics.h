// The corpus metrics as per-item statistics for the paired tests (significance.h): each item's row holds
// the counts the metric sums over the corpus, and the score of a sample is the metric of the summed rows,
// so a draw is scored exactly as the whole test set is.
#pragma once
#include <span>

#include "eval/bleu.h"
#include "eval/chrf.h"
#include "eval/edit_distance.h"
#include "eval/significance.h"

namespace attend::eval {

// BLEU: matches and totals of orders 1..4, hypothesis and reference length, one sentence.
ItemStats bleu_items(std::span<const BleuStats> sentences);
double bleu_from_sums(std::span<const double> sums);

// chrF with the default options (sacreBLEU's): hypothesis, reference and matching n-grams of each order.
ItemStats chrf_items(std::span<const ChrfStats> sentences);
double chrf_from_sums(std::span<const double> sums);

// G2P: phoneme errors, reference phonemes, word errors (0 or 1), one word — from score_g2p_word.
ItemStats g2p_items(std::span<const G2pScore> words);
double per_from_sums(std::span<const double> sums);
double wer_from_sums(std::span<const double> sums);

}  // namespace attend::eval
