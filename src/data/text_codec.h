// TextCodec: one side of a parallel corpus as the model sees it — how a line becomes ids and ids become a
// line again. Three kinds:
//   char:    Unicode characters (whitespace dropped), joined without spaces (CMUdict spellings);
//   word:    whitespace-separated tokens, joined with one space (CMUdict phonemes, pre-tokenised text);
//   subword: SentencePiece pieces trained on the training split only, decoded by SentencePiece.
// char and word build a Vocab from the training lines; unseen tokens map to <unk>. A codec is saved into a
// model directory as <name>.codec.json plus <name>.vocab (char, word) or <name>.model (subword), and loaded
// from there, so translation tokenises exactly as training did.
#pragma once
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "data/subword.h"
#include "data/text_file.h"
#include "data/vocab.h"

namespace attend::data {

enum class TokenKind { Char, Word, Subword };

struct CodecOptions {
  TokenKind kind = TokenKind::Word;
  int64_t vocab_size = 8000;  // subword: pieces (specials included); char/word: 0 or a cap on the vocabulary
  int64_t min_count = 1;      // char/word: rarer tokens become <unk>
};

// "char" | "word" | "subword" (anything else is an error naming `what`).
TokenKind parse_token_kind(const std::string& name, const std::string& what);
const char* token_kind_name(TokenKind kind);

class TextCodec {
 public:
  // Builds from the training lines and saves into `dir` as `name` (a subword model is trained there).
  static TextCodec build(std::span<const std::string> train_lines, const CodecOptions& opt, const std::string& dir,
                         const std::string& name);
  // Loads what build() saved; a missing or corrupt file is an error naming it.
  static TextCodec load(const std::string& dir, const std::string& name);
  // Loads `name` from from_dir and copies its files into to_dir (a run that starts from another's weights
  // must tokenise as that run did).
  static TextCodec copy(const std::string& from_dir, const std::string& to_dir, const std::string& name);

  TokenKind kind() const { return kind_; }
  const Vocab& vocab() const;
  // Surface tokens of a line (characters, words or pieces).
  std::vector<std::string> tokens(std::string_view line) const;
  // Ids of a line (no <s> / </s>); adds the count of <unk> ids to *unknowns when given.
  std::vector<int64_t> encode(std::string_view line, int64_t* unknowns = nullptr) const;
  // Text of decoder output ids (stops at </s>, skips <pad> and <s>).
  std::string decode(std::span<const int64_t> ids) const;
  // The token string of each id (for heatmap labels).
  std::vector<std::string> token_strings(std::span<const int64_t> ids) const;
  // For each token of tokens(line) / of the ids, the index of the whitespace word of the text it belongs to
  // (subword pieces merged back into words; a char codec's characters grouped by the spaces of the line).
  std::vector<int64_t> word_of_line_tokens(std::string_view line) const;
  std::vector<int64_t> word_of_ids(std::span<const int64_t> ids) const;

 private:
  TokenKind kind_ = TokenKind::Word;
  Vocab vocab_;
  std::shared_ptr<SubwordModel> subword_;
};

// UTF-8 code points of a string, each as its own string (invalid bytes are kept one by one).
std::vector<std::string> utf8_characters(std::string_view s);

}  // namespace attend::data
