// CMUdict (Festival lexicon format) parsing, the hash split and the split files.
#include "data/cmudict.h"

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <unordered_map>
#include <unordered_set>

#include "base/error.h"
#include "data/text_file.h"

namespace attend::data {
namespace {

constexpr std::array<std::string_view, 16> kVowels = {"aa", "ae", "ah", "ao", "aw", "ax", "ay", "eh",
                                                      "er", "ey", "ih", "iy", "ow", "oy", "uh", "uw"};
constexpr std::array<std::string_view, 24> kConsonants = {"b", "ch", "d", "dh", "f",  "g",  "hh", "jh",
                                                          "k", "l",  "m", "n",  "ng", "p",  "r",  "s",
                                                          "sh", "t", "th", "v", "w",  "y",  "z",  "zh"};

bool is_vowel(std::string_view p) { return std::find(kVowels.begin(), kVowels.end(), p) != kVowels.end(); }
bool is_consonant(std::string_view p) {
  return std::find(kConsonants.begin(), kConsonants.end(), p) != kConsonants.end();
}

// S-expression tokens of one line: '(' , ')', a string (quotes removed, backslash escapes resolved) or an atom.
struct Token {
  enum Kind { Open, Close, String, Atom } kind;
  std::string text;
};

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f'; }

bool tokenize(std::string_view line, std::vector<Token>& out, std::string* error) {
  size_t i = 0;
  while (i < line.size()) {
    const char c = line[i];
    if (is_space(c)) {
      ++i;
    } else if (c == ';') {
      break;  // comment to the end of the line
    } else if (c == '(' || c == ')') {
      out.push_back({c == '(' ? Token::Open : Token::Close, {}});
      ++i;
    } else if (c == '"') {
      std::string s;
      ++i;
      bool closed = false;
      while (i < line.size()) {
        if (line[i] == '\\' && i + 1 < line.size()) {
          s += line[i + 1];
          i += 2;
        } else if (line[i] == '"') {
          closed = true;
          ++i;
          break;
        } else {
          s += line[i++];
        }
      }
      if (!closed) {
        *error = "unterminated string";
        return false;
      }
      out.push_back({Token::String, std::move(s)});
    } else {
      size_t j = i;
      while (j < line.size() && !is_space(line[j]) && line[j] != '(' && line[j] != ')' && line[j] != '"' &&
             line[j] != ';')
        ++j;
      out.push_back({Token::Atom, std::string(line.substr(i, j - i))});
      i = j;
    }
  }
  return true;
}

// Length of the UTF-8 sequence starting at s[i], or 0 when it is not valid UTF-8.
size_t utf8_length(std::string_view s, size_t i) {
  const auto b = static_cast<unsigned char>(s[i]);
  size_t n = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k)
    if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2) return 0;
  return n;
}

std::string cut(std::string_view line) {
  return std::string(line.size() > 120 ? line.substr(0, 120) : line);
}

}  // namespace

std::optional<CmuEntry> parse_cmudict_line(std::string_view line, std::string* error) {
  std::string local_error;
  std::string& err = error ? *error : local_error;
  std::vector<Token> t;
  if (!tokenize(line, t, &err)) return std::nullopt;
  size_t k = 0;
  auto at = [&](Token::Kind kind) { return k < t.size() && t[k].kind == kind; };
  auto fail = [&](std::string why) {
    err = std::move(why);
    return std::nullopt;
  };
  if (!at(Token::Open)) return fail("expected '(' opening the entry");
  ++k;
  if (!at(Token::String)) return fail("expected the quoted word");
  CmuEntry e;
  e.word = t[k++].text;
  if (e.word.empty()) return fail("empty word");
  for (size_t i = 0; i < e.word.size();) {
    const size_t n = utf8_length(e.word, i);
    if (n == 0) return fail("word is not valid UTF-8");
    if (n == 1 && (is_space(e.word[i]) || static_cast<unsigned char>(e.word[i]) < 0x20))
      return fail("word contains whitespace or a control character");
    if (n == 1 && e.word[i] >= 'A' && e.word[i] <= 'Z') e.word[i] = static_cast<char>(e.word[i] - 'A' + 'a');
    i += n;
  }
  if (!at(Token::Atom)) return fail("expected the part-of-speech field after the word");
  e.pos = t[k++].text;
  if (!at(Token::Open)) return fail("expected '(' opening the syllables");
  ++k;
  int64_t syllables = 0;
  while (at(Token::Open)) {
    ++k;
    if (!at(Token::Open)) return fail("expected '(' opening a syllable's phones");
    ++k;
    std::vector<std::string> phones;
    while (at(Token::Atom)) phones.push_back(t[k++].text);
    if (!at(Token::Close)) return fail("expected ')' closing a syllable's phones");
    ++k;
    if (phones.empty()) return fail("syllable without phones");
    if (!at(Token::Atom)) return fail("expected a stress digit after a syllable's phones");
    const std::string& stress = t[k++].text;
    if (stress != "0" && stress != "1" && stress != "2") return fail("stress '" + stress + "' is not 0, 1 or 2");
    if (!at(Token::Close)) return fail("expected ')' closing a syllable");
    ++k;
    for (const auto& p : phones) {
      if (is_vowel(p)) {
        e.phones.push_back(p + stress);
      } else if (is_consonant(p)) {
        e.phones.push_back(p);
      } else {
        return fail("unknown phone '" + p + "'");
      }
      e.phones_nostress.push_back(p);
    }
    ++syllables;
  }
  if (syllables == 0) return fail("no syllables");
  if (!at(Token::Close)) return fail("expected ')' closing the syllables");
  ++k;
  if (!at(Token::Close)) return fail("expected ')' closing the entry");
  ++k;
  if (k != t.size()) return fail("text after the entry");
  return e;
}

int64_t CmuDict::words() const {
  std::unordered_set<std::string_view> w;
  for (const auto& e : entries) w.insert(e.word);
  return static_cast<int64_t>(w.size());
}

CmuDict parse_cmudict(std::istream& in) {
  CmuDict d;
  auto& st = d.stats;
  std::unordered_map<std::string, std::vector<size_t>> by_word;  // word -> its kept entries
  std::string line;
  bool seen_content = false;
  while (std::getline(in, line)) {
    ++st.lines;
    size_t first = 0;
    while (first < line.size() && is_space(line[first])) ++first;
    if (first == line.size() || line[first] == ';') continue;
    std::string_view body(line);
    while (!body.empty() && is_space(body.back())) body.remove_suffix(1);
    if (!seen_content && body.substr(first) == "MNCL") {  // Festival's compiled-lexicon header
      seen_content = true;
      continue;
    }
    seen_content = true;
    ++st.entries;
    std::string why;
    auto e = parse_cmudict_line(line, &why);
    if (!e) {
      ++st.malformed;
      if (st.malformed_examples.size() < CmuParseStats::kMaxExamples)
        st.malformed_examples.push_back({st.lines, why, cut(line)});
      continue;
    }
    ++st.parsed;
    e->line = st.lines;
    auto& kept = by_word[e->word];
    const bool repeat = std::any_of(kept.begin(), kept.end(), [&](size_t i) { return d.entries[i].phones == e->phones; });
    if (repeat) {
      ++st.duplicates;
      continue;
    }
    kept.push_back(d.entries.size());
    d.entries.push_back(std::move(*e));
  }
  return d;
}

CmuDict read_cmudict(const std::string& path) {
  ATTEND_CHECK(!std::filesystem::is_directory(path), "cmudict: '{}' is a directory, not a dictionary file", path);
  ATTEND_CHECK(std::filesystem::is_regular_file(path),
               "cmudict: '{}' not found (apt-get install festlex-cmu, or give the file's path)", path);
  std::ifstream in(path, std::ios::binary);
  ATTEND_CHECK(in.good(), "cmudict: cannot open '{}'", path);
  CmuDict d = parse_cmudict(in);
  ATTEND_CHECK(!d.entries.empty(), "cmudict: '{}' holds no dictionary entries ({} lines, {} malformed{})", path,
               d.stats.lines, d.stats.malformed,
               d.stats.malformed_examples.empty()
                   ? std::string()
                   : "; line " + std::to_string(d.stats.malformed_examples.front().line) + ": " +
                         d.stats.malformed_examples.front().reason);
  return d;
}

const char* split_name(Split s) {
  switch (s) {
    case Split::Train: return "train";
    case Split::Dev: return "dev";
    case Split::Test: return "test";
  }
  return "?";
}

uint64_t fnv1a64(std::string_view bytes) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (char c : bytes) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ull;
  }
  return h;
}

Split cmudict_split_of(std::string_view word) {
  const uint64_t bucket = fnv1a64(word) % 100;
  return bucket < 90 ? Split::Train : bucket < 95 ? Split::Dev : Split::Test;
}

std::string cmudict_source_line(std::string_view word) {
  std::string out;
  for (size_t i = 0; i < word.size();) {
    size_t n = utf8_length(word, i);
    if (n == 0) n = 1;  // not UTF-8: one byte per symbol
    if (!out.empty()) out += ' ';
    out.append(word.substr(i, n));
    i += n;
  }
  return out;
}

CmuSplitStats cmudict_split_stats(const CmuDict& dict) {
  CmuSplitStats s;
  std::unordered_set<std::string_view> seen;
  for (const auto& e : dict.entries) {
    auto& c = s.splits[static_cast<int>(cmudict_split_of(e.word))];
    ++c.pronunciations;
    ++s.pronunciations;
    if (seen.insert(e.word).second) {
      ++c.words;
      ++s.words;
    }
  }
  return s;
}

CmuSplitStats write_cmudict_splits(const CmuDict& dict, const std::string& out_dir, const std::string& source) {
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  ATTEND_CHECK(std::filesystem::is_directory(out_dir), "cmudict: cannot create the output directory '{}'", out_dir);
  std::string src[3], tgt[3], plain[3];
  auto join = [](const std::vector<std::string>& v) {
    std::string s;
    for (const auto& p : v) {
      if (!s.empty()) s += ' ';
      s += p;
    }
    return s;
  };
  for (const auto& e : dict.entries) {
    const int k = static_cast<int>(cmudict_split_of(e.word));
    src[k] += cmudict_source_line(e.word) + '\n';
    tgt[k] += join(e.phones) + '\n';
    plain[k] += join(e.phones_nostress) + '\n';
  }
  const std::filesystem::path dir(out_dir);
  for (int k = 0; k < 3; ++k) {
    const std::string name = split_name(static_cast<Split>(k));
    write_text_atomic((dir / (name + ".src")).string(), src[k], "cmudict");
    write_text_atomic((dir / (name + ".tgt")).string(), tgt[k], "cmudict");
    write_text_atomic((dir / (name + ".nostress.tgt")).string(), plain[k], "cmudict");
  }
  const CmuSplitStats s = cmudict_split_stats(dict);
  const auto& st = dict.stats;
  nlohmann::json j;
  j["source"] = source;
  j["lines"] = st.lines;
  j["entries"] = st.entries;
  j["parsed"] = st.parsed;
  j["malformed"] = st.malformed;
  j["duplicates_dropped"] = st.duplicates;
  j["malformed_examples"] = nlohmann::json::array();
  for (const auto& p : st.malformed_examples)
    j["malformed_examples"].push_back({{"line", p.line}, {"reason", p.reason}, {"text", p.text}});
  j["words"] = s.words;
  j["pronunciations"] = s.pronunciations;
  j["split_rule"] = "fnv1a64(lowercased word) % 100: < 90 train, < 95 dev, else test";
  for (int k = 0; k < 3; ++k)
    j["splits"][split_name(static_cast<Split>(k))] = {{"words", s.splits[k].words},
                                                      {"pronunciations", s.splits[k].pronunciations}};
  write_text_atomic((dir / "stats.json").string(), j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n", "cmudict");
  return s;
}

}  // namespace attend::data
