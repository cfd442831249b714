// Per-item rows of BLEU, chrF, PER and WER: summed over every item they give the corpus score exactly, and
// summed over a bootstrap draw (items repeated, some left out) they give the corpus score of that draw.
#include "eval/paired_metrics.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace attend::eval {
namespace {

using Lines = std::vector<std::string>;

std::vector<double> sum_of(const ItemStats& s, const std::vector<size_t>& items) {
  std::vector<double> sum(s.width, 0.0);
  for (size_t i : items)
    for (int k = 0; k < s.width; ++k) sum[k] += s.rows[i * s.width + k];
  return sum;
}

const Lines kHyps = {"the cat sat on the mat", "a dog barked loudly at night .", "él comió manzanas",
                     "short", "Is this the real life?"};
const std::vector<Lines> kRefStreams = {
    {"the cat is on the mat", "the dog barked at night .", "él come manzanas", "a short one", "Is this the real life?"},
    {"a cat sat on a mat", "", "comió manzanas", "short", "is this just fantasy?"}};

TEST(PairedMetrics, BleuAndChrfRowsSumToTheCorpusScores) {
  const ItemStats bleu = bleu_items(sentence_bleu_stats_all(kHyps, kRefStreams));
  const ItemStats chrf = chrf_items(sentence_chrf_stats_all(kHyps, kRefStreams));
  ASSERT_EQ(bleu.items(), kHyps.size());
  ASSERT_EQ(chrf.items(), kHyps.size());
  const std::vector<size_t> all = {0, 1, 2, 3, 4};
  EXPECT_DOUBLE_EQ(bleu_from_sums(sum_of(bleu, all)), corpus_bleu(kHyps, kRefStreams).bleu);
  EXPECT_DOUBLE_EQ(chrf_from_sums(sum_of(chrf, all)), corpus_chrf(kHyps, kRefStreams).chrf);
  // A draw: sentence 1 three times, 4 once, the rest left out.
  const std::vector<size_t> draw = {1, 4, 1, 1};
  Lines hyps;
  std::vector<Lines> streams(kRefStreams.size());
  for (size_t i : draw) {
    hyps.push_back(kHyps[i]);
    for (size_t k = 0; k < streams.size(); ++k) streams[k].push_back(kRefStreams[k][i]);
  }
  EXPECT_DOUBLE_EQ(bleu_from_sums(sum_of(bleu, draw)), corpus_bleu(hyps, streams).bleu);
  EXPECT_DOUBLE_EQ(chrf_from_sums(sum_of(chrf, draw)), corpus_chrf(hyps, streams).chrf);
  EXPECT_GT(corpus_bleu(hyps, streams).bleu, 0.0);
}

TEST(PairedMetrics, G2pRowsSumToPerAndWer) {
  using Pron = std::vector<std::string>;
  const std::vector<Pron> hyps = {{"K", "AE", "T"}, {"D", "AO", "G"}, {"T", "AH", "M", "EY", "T", "OW"}, {}};
  const std::vector<std::vector<Pron>> refs = {{{"K", "AE", "T"}},
                                               {{"D", "AA", "G"}, {"D", "AO", "G"}},
                                               {{"T", "AH", "M", "AA", "T", "OW"}, {"T", "AH", "M", "EY", "D", "OW"}},
                                               {{"EY"}}};
  std::vector<G2pScore> words;
  for (size_t i = 0; i < hyps.size(); ++i) words.push_back(score_g2p_word(hyps[i], refs[i]));
  const ItemStats items = g2p_items(words);
  const G2pScore corpus = score_g2p(hyps, refs);
  const std::vector<double> sums = sum_of(items, {0, 1, 2, 3});
  EXPECT_DOUBLE_EQ(per_from_sums(sums), corpus.per);
  EXPECT_DOUBLE_EQ(wer_from_sums(sums), corpus.wer);
  EXPECT_DOUBLE_EQ(wer_from_sums(sums), 50.0);  // "dog" matches its second variant; the last two miss
  // A draw of word 2 twice: one error in six phonemes each time, both words wrong.
  const std::vector<double> draw = sum_of(items, {2, 2});
  EXPECT_DOUBLE_EQ(per_from_sums(draw), 100.0 * 2 / 12);
  EXPECT_DOUBLE_EQ(wer_from_sums(draw), 100.0);
}

}  // namespace
}  // namespace attend::eval
