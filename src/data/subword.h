// A thin SentencePiece wrapper: train a unigram or BPE model from a text file, load it, encode lines to
// pieces and to ids, decode, and map pieces back to the whitespace words they came from.
//
// Ids: models trained here put <pad>, <s>, </s>, <unk> at SentencePiece ids 0-3, so SentencePiece's ids are
// ours. For any model (also one trained elsewhere with another layout), vocab() is a data::Vocab made of the
// four specials followed by every normal or user-defined piece in SentencePiece id order, and encode_ids()
// maps through it: unknown pieces become kUnk, control pieces never appear. For our own models that Vocab
// lists exactly SentencePiece's pieces, id for id.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "data/vocab.h"

namespace sentencepiece {
class SentencePieceProcessor;
}

namespace attend::data {

enum class SubwordType { Unigram, Bpe };

struct SubwordTrainOptions {
  int64_t vocab_size = 8000;         // pieces, the four specials included
  SubwordType type = SubwordType::Unigram;
  double character_coverage = 1.0;   // share of characters the model must cover (0.9995 for large scripts)
  int64_t input_sentence_size = 0;   // train on at most this many lines (a random sample); 0 = all
  uint32_t seed = 1;                 // SentencePiece's random generator
};

// Trains on the lines of `input` and writes `prefix`.model and `prefix`.vocab (renamed into place when both
// are complete). Single-threaded, on a fresh thread whose SentencePiece generator starts from `seed`, so the
// same input, options and prefix give the same model bytes (the .model records the input path and prefix).
// Measured with libsentencepiece 0.1.97: its line sampling comes out the same whatever the seed, so the
// seed changes nothing there today; it is passed on for versions that use it.
// SentencePiece's own log lines are silenced except errors; a failure is an attend::Error naming the input.
void train_subword_model(const std::string& input, const std::string& prefix, const SubwordTrainOptions& opt);

class SubwordModel {
 public:
  // A missing or unreadable model file -> attend::Error naming it.
  static SubwordModel load(const std::string& model_path);
  SubwordModel(SubwordModel&&) noexcept;
  SubwordModel& operator=(SubwordModel&&) noexcept;
  ~SubwordModel();

  // Pieces of a line; word-initial pieces start with U+2581 "▁". Unknown characters come back as their
  // surface text.
  std::vector<std::string> encode_pieces(std::string_view line) const;
  // Ids in vocab(); adds the number of kUnk ids to *unknowns when given.
  std::vector<int64_t> encode_ids(std::string_view line, int64_t* unknowns = nullptr) const;
  // Text of pieces ("▁" becomes a space, the leading one dropped).
  std::string decode_pieces(const std::vector<std::string>& pieces) const;
  // Text of ids in vocab(), stopping at kEos and skipping kPad and kBos; kUnk decodes as " ⁇ ".
  std::string decode_ids(const std::vector<int64_t>& ids) const;

  const Vocab& vocab() const { return vocab_; }
  const std::string& path() const { return path_; }

 private:
  SubwordModel();
  std::unique_ptr<sentencepiece::SentencePieceProcessor> sp_;
  Vocab vocab_;
  std::vector<int64_t> sp_to_vocab_;   // SentencePiece id -> our id
  std::vector<int> vocab_to_sp_;       // our id -> SentencePiece id
  std::string path_;
};

// For each piece, the index of the whitespace word it belongs to: a piece starting with "▁" opens a new
// word, any other piece continues the current one (the first piece opens word 0 either way). A lone "▁"
// piece opens a word that its following pieces continue. Used to merge subword attention into words.
std::vector<int64_t> word_index_of_pieces(const std::vector<std::string>& pieces);

}  // namespace attend::data
