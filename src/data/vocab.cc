// Vocabulary building, lookup and the one-token-per-line file format.
#include "data/vocab.h"

#include <algorithm>

#include "base/error.h"
#include "data/batch.h"
#include "data/text_file.h"

namespace attend::data {
namespace {

const char* const kSpecials[kNumSpecials] = {kPadToken, kBosToken, kEosToken, kUnkToken};

bool is_special(std::string_view t) {
  for (const char* s : kSpecials)
    if (t == s) return true;
  return false;
}

// Why a token cannot be stored in the one-token-per-line format, or nullptr.
const char* bad_token(std::string_view t) {
  if (t.empty()) return "empty token";
  if (t.find('\n') != std::string_view::npos || t.find('\r') != std::string_view::npos)
    return "token contains a line break";
  return nullptr;
}

}  // namespace

void TokenCounter::add(std::string_view token, int64_t count) {
  auto it = counts_.find(std::string(token));
  if (it == counts_.end())
    counts_.emplace(std::string(token), count);
  else
    it->second += count;
}

void TokenCounter::add(std::span<const std::string> tokens) {
  for (const auto& t : tokens) add(t);
}

Vocab::Vocab() : tokens_(kSpecials, kSpecials + kNumSpecials) { index(); }

void Vocab::index() {
  ids_.clear();
  ids_.reserve(tokens_.size());
  for (size_t i = 0; i < tokens_.size(); ++i) ids_.emplace(tokens_[i], static_cast<int64_t>(i));
}

Vocab Vocab::build(const std::unordered_map<std::string, int64_t>& counts, const VocabOptions& opt) {
  ATTEND_CHECK(opt.min_count >= 1, "vocab: min_count must be at least 1, got {}", opt.min_count);
  ATTEND_CHECK(opt.max_size == 0 || opt.max_size >= kNumSpecials,
               "vocab: max_size {} is smaller than the {} special tokens", opt.max_size, kNumSpecials);
  std::vector<std::pair<std::string, int64_t>> kept;
  for (const auto& [tok, n] : counts) {
    if (const char* why = bad_token(tok)) ATTEND_FAIL("vocab: cannot add '{}': {}", tok, why);
    if (n >= opt.min_count && !is_special(tok)) kept.emplace_back(tok, n);
  }
  std::sort(kept.begin(), kept.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  if (opt.max_size > 0 && static_cast<int64_t>(kept.size()) > opt.max_size - kNumSpecials)
    kept.resize(static_cast<size_t>(opt.max_size - kNumSpecials));
  Vocab v;
  for (auto& [tok, n] : kept) v.tokens_.push_back(std::move(tok));
  v.index();
  return v;
}

Vocab Vocab::from_tokens(std::vector<std::string> tokens) {
  ATTEND_CHECK(static_cast<int64_t>(tokens.size()) >= kNumSpecials,
               "vocab: {} tokens given, the first {} must be {} {} {} {}", tokens.size(), kNumSpecials, kPadToken,
               kBosToken, kEosToken, kUnkToken);
  for (int64_t i = 0; i < kNumSpecials; ++i)
    ATTEND_CHECK(tokens[static_cast<size_t>(i)] == kSpecials[i], "vocab: id {} must be {}, got '{}'", i,
                 kSpecials[i], tokens[static_cast<size_t>(i)]);
  Vocab v;
  v.tokens_ = std::move(tokens);
  v.index();
  ATTEND_CHECK(v.ids_.size() == v.tokens_.size(), "vocab: duplicate tokens in the list");
  for (const auto& t : v.tokens_)
    if (const char* why = bad_token(t)) ATTEND_FAIL("vocab: cannot add '{}': {}", t, why);
  return v;
}

bool Vocab::contains(std::string_view token) const { return ids_.count(std::string(token)) > 0; }

int64_t Vocab::id(std::string_view token) const {
  auto it = ids_.find(std::string(token));
  return it == ids_.end() ? kUnk : it->second;
}

const std::string& Vocab::token(int64_t id) const {
  ATTEND_CHECK(id >= 0 && id < size(), "vocab: id {} outside [0, {})", id, size());
  return tokens_[static_cast<size_t>(id)];
}

std::vector<int64_t> Vocab::encode(std::span<const std::string> tokens, int64_t* unknowns) const {
  std::vector<int64_t> ids;
  ids.reserve(tokens.size());
  int64_t unk = 0;
  for (const auto& t : tokens) {
    auto it = ids_.find(t);
    if (it == ids_.end()) {
      ids.push_back(kUnk);
      ++unk;
    } else {
      ids.push_back(it->second);
    }
  }
  if (unknowns) *unknowns += unk;
  return ids;
}

std::vector<std::string> Vocab::decode(std::span<const int64_t> ids) const {
  std::vector<std::string> out;
  for (int64_t id : ids) {
    if (id == kEos) break;
    if (id == kPad || id == kBos) continue;
    out.push_back(token(id));
  }
  return out;
}

void Vocab::save(const std::string& path) const {
  std::string text;
  for (const auto& t : tokens_) {
    text += t;
    text += '\n';
  }
  write_text_atomic(path, text, "vocab");
}

Vocab Vocab::load(const std::string& path) {
  const std::vector<std::string> lines = read_lines(path, "vocab");
  ATTEND_CHECK(static_cast<int64_t>(lines.size()) >= kNumSpecials,
               "vocab: {}: {} lines, expected at least the {} special tokens", path, lines.size(), kNumSpecials);
  Vocab v;
  v.tokens_.clear();
  std::unordered_map<std::string, int64_t> seen;
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string& t = lines[i];
    if (static_cast<int64_t>(i) < kNumSpecials)
      ATTEND_CHECK(t == kSpecials[i], "vocab: {}:{}: expected '{}', got '{}'", path, i + 1, kSpecials[i], t);
    ATTEND_CHECK(!t.empty(), "vocab: {}:{}: empty token", path, i + 1);
    auto [it, fresh] = seen.emplace(t, static_cast<int64_t>(i));
    ATTEND_CHECK(fresh, "vocab: {}:{}: '{}' repeats line {}", path, i + 1, t, it->second + 1);
    v.tokens_.push_back(t);
  }
  v.index();
  return v;
}

}  // namespace attend::data
