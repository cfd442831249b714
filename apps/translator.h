// A trained model directory and what the CLI does with it: load (config, codecs, weights), translate lines in
// batches with greedy or beam search, and turn the attention weights into word alignments and heatmap views.
// A model directory (written by `attend train --config`) holds
//   config.json            the run config with the vocabulary sizes filled in
//   src.* / tgt.*          the two TextCodecs (vocabularies or SentencePiece models)
//   best/                  the weights with the best dev score (a checkpoint directory)
//   checkpoint/            the latest training checkpoint (weights, optimizer, data position; with
//                          train.average_decay also the weight average, which --latest reads as the model)
//   metrics.jsonl, curve.svg
#pragma once
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "data/text_codec.h"
#include "models/encoder_decoder.h"
#include "models/forced_attention.h"
#include "models/search.h"
#include "run_config.h"

namespace attend::app {

struct LoadedModel {
  RunConfig config;
  data::TextCodec src, tgt;
  std::unique_ptr<models::EncoderDecoder> model;
};

// Loads dir/config.json, the codecs and the weights of dir/best (or dir/checkpoint with latest = true).
// A missing or corrupt directory is a one-line error naming what is missing.
LoadedModel load_model_dir(const std::string& dir, bool latest = false);

struct Translation {
  std::string text;                          // detokenised output
  std::vector<std::string> src_tokens;       // the model's source tokens (pieces, characters, words)
  std::vector<std::string> out_tokens;       // the model's output tokens, EOS excluded
  std::vector<std::vector<float>> weights;   // [output token][source token], when asked for
  double score = 0;                          // normalised log-probability (search.h)
  std::vector<std::pair<int, int>> word_links;  // (source word, output word) from the attention argmax
  bool too_long = false;  // not translated: more source tokens than TranslateOptions::max_source_tokens
};

struct TranslateOptions {
  models::SearchOptions search;
  int64_t max_tokens = 6000;  // source tokens x beam per batch
  bool weights = false;       // fill Translation::weights and word_links
  // Lines with more source tokens are not translated (search time grows with the square of the length):
  // an empty result with too_long set. 0 = no limit.
  int64_t max_source_tokens = 0;
};

// One result per line (nbest results per line with search.nbest > 1), in input order. Empty lines (or lines
// that tokenise to nothing) translate to an empty result, as do lines over opt.max_source_tokens.
std::vector<std::vector<Translation>> translate_lines(LoadedModel& m, const std::vector<std::string>& lines,
                                                      const TranslateOptions& opt);

// Teacher-forced attention of the model on line pairs (models/forced_attention.h: the model's alignment, the
// decoder's attention, or shifted): per sentence [target token][source token]; empty pairs give an empty matrix.
std::vector<std::vector<std::vector<float>>> forced_attention(LoadedModel& m, const std::vector<std::string>& src_lines,
                                                              const std::vector<std::string>& tgt_lines,
                                                              int64_t max_tokens = 6000,
                                                              models::ForcedRows rows = models::ForcedRows::Alignment);

// Word-level view of a token-level attention matrix: source words = whitespace words of the source line,
// output words = those of the target (pieces merged); weight(word j, word i) = mean over j's tokens of the sum
// over i's tokens. Rows still sum to at most 1.
struct WordAttention {
  std::vector<std::string> src_words, tgt_words;
  std::vector<std::vector<float>> weights;  // [target word][source word]
};
WordAttention word_attention(const std::vector<std::vector<float>>& weights, const std::vector<int64_t>& src_word,
                             const std::vector<int64_t>& tgt_word, const std::vector<std::string>& src_words,
                             const std::vector<std::string>& tgt_words);

// Word alignment from attention: every output token links its word to the word of the source token it
// attends to most; links are unique and sorted.
std::vector<std::pair<int, int>> argmax_word_links(const std::vector<std::vector<float>>& weights,
                                                   const std::vector<int64_t>& src_word,
                                                   const std::vector<int64_t>& out_word);

}  // namespace attend::app
