// Vocab: token strings <-> ids for real corpora. Ids 0-3 are always <pad>, <s>, </s>, <unk> (data/batch.h:
// kPad, kBos, kEos, kUnk); the other tokens follow by count (descending), ties by token (byte order), so a
// vocabulary built from the same counts is the same everywhere. Unseen tokens map to kUnk. Saved as a text
// file with one token per line, line i = id i (the four specials included), written atomically.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace attend::data {

inline constexpr const char* kPadToken = "<pad>";
inline constexpr const char* kBosToken = "<s>";
inline constexpr const char* kEosToken = "</s>";
inline constexpr const char* kUnkToken = "<unk>";
inline constexpr int64_t kNumSpecials = 4;

struct VocabOptions {
  int64_t min_count = 1;  // tokens seen fewer times are left out (they become <unk>)
  int64_t max_size = 0;   // at most this many ids, specials included; 0 = no limit
};

// Token frequencies, fed line by line.
class TokenCounter {
 public:
  void add(std::string_view token, int64_t count = 1);
  void add(std::span<const std::string> tokens);
  const std::unordered_map<std::string, int64_t>& counts() const { return counts_; }

 private:
  std::unordered_map<std::string, int64_t> counts_;
};

class Vocab {
 public:
  Vocab();  // just the four specials

  // From counts (see the ordering above). Tokens spelled like a special are skipped (they already have
  // their id); an empty token or one containing a line break is an error (it could not be saved).
  static Vocab build(const std::unordered_map<std::string, int64_t>& counts, const VocabOptions& opt = {});
  // From a token list in id order. The first four must be the specials; duplicates are an error.
  static Vocab from_tokens(std::vector<std::string> tokens);

  int64_t size() const { return static_cast<int64_t>(tokens_.size()); }
  bool contains(std::string_view token) const;
  // kUnk for a token not in the vocabulary.
  int64_t id(std::string_view token) const;
  // The token of an id; an id outside [0, size) is an error.
  const std::string& token(int64_t id) const;
  const std::vector<std::string>& tokens() const { return tokens_; }

  // Ids of the tokens; adds the number of tokens that became kUnk to *unknowns when given.
  std::vector<int64_t> encode(std::span<const std::string> tokens, int64_t* unknowns = nullptr) const;
  // Tokens of the ids, stopping at the first kEos and skipping kPad and kBos (the shape of decoder output).
  std::vector<std::string> decode(std::span<const int64_t> ids) const;

  // One token per line, atomically (through a temporary file and a rename).
  void save(const std::string& path) const;
  // A missing file, a wrong special, a duplicate or empty token -> attend::Error naming file and line.
  static Vocab load(const std::string& path);

  bool operator==(const Vocab& o) const { return tokens_ == o.tokens_; }

 private:
  void index();
  std::vector<std::string> tokens_;
  std::unordered_map<std::string, int64_t> ids_;
};

}  // namespace attend::data
