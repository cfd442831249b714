// CMUdict as Festival ships it (package festlex-cmu, cmudict-0.4.out): parse the lexicon lines, keep stress,
// and split the words 90/5/5 into train/dev/test files for grapheme-to-phoneme training.
//
// Line format: ("aardvark" nil (((aa r d) 1) ((v aa r k) 1)))  word, part of speech, then syllables, each a
// phone list and a stress digit. Blank lines, ';' comments and the "MNCL" header line are skipped; anything
// else that does not parse is counted as malformed (the first few reported with their line numbers) and
// skipped. Words are lowercased (the file has 126 capitalised entries such as "AWOL", none clashing with a
// lowercase word).
//
// Stress: Festival gives one stress digit per syllable (0 or 1 in cmudict-0.4; 2 is accepted too). The digit
// goes on the syllable's vowel, written ARPAbet-style as the phone with the digit appended ("aa1", "ax0");
// consonants carry no digit. A syllable without a vowel (115 entries, e.g. the "s" of "sbarro", all stress 0)
// adds no mark. The stress-free variant is the plain phones. Phones are Festival's CMU set, lowercase: 16
// vowels (aa ae ah ao aw ax ay eh er ey ih iy ow oy uh uw) and 24 consonants; any other phone is malformed.
//
// Several entries per word (different part of speech, e.g. "record" n/v) are separate pronunciations; an
// entry repeating an earlier pronunciation of the same word (same stressed phones) is dropped and counted.
//
// Split: FNV-1a 64 of the lowercased word's bytes, modulo 100: below 90 train, below 95 dev, else test. All
// pronunciations of a word share its split. (This is our split of cmudict-0.4, not Chen's 106,837/12,000
// split of another release that published G2P results use.)
#pragma once
#include <cstdint>
#include <istream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace attend::data {

inline constexpr const char* kFestlexCmuPath = "/usr/share/festival/dicts/cmu/cmudict-0.4.out";

struct CmuEntry {
  std::string word;                          // lowercased
  std::string pos;                           // Festival's part-of-speech field ("nil", "n", "v", ...)
  std::vector<std::string> phones;           // with stress on vowels: aa1 r d v aa1 r k
  std::vector<std::string> phones_nostress;  // aa r d v aa r k
  int64_t line = 0;                          // 1-based line in the file
};

struct CmuProblem {
  int64_t line = 0;
  std::string reason;
  std::string text;  // the line, cut to 120 bytes
};

struct CmuParseStats {
  static constexpr size_t kMaxExamples = 5;
  int64_t lines = 0;       // lines read
  int64_t entries = 0;     // lines that should hold an entry (not blank, comment or header)
  int64_t parsed = 0;      // entries that parsed (duplicates included)
  int64_t malformed = 0;   // entries - parsed
  int64_t duplicates = 0;  // parsed entries dropped as a repeated pronunciation of their word
  std::vector<CmuProblem> malformed_examples;  // the first kMaxExamples malformed lines
};

struct CmuDict {
  std::vector<CmuEntry> entries;  // file order, duplicates removed
  CmuParseStats stats;
  int64_t words() const;          // distinct words
};

// One line -> an entry, or nullopt with *error set to the reason. Blank/comment/header lines are errors
// here (parse_cmudict skips them before calling this).
std::optional<CmuEntry> parse_cmudict_line(std::string_view line, std::string* error);

CmuDict parse_cmudict(std::istream& in);
// A missing file -> attend::Error naming it, with the package hint.
CmuDict read_cmudict(const std::string& path = kFestlexCmuPath);

enum class Split { Train = 0, Dev = 1, Test = 2 };
const char* split_name(Split s);
uint64_t fnv1a64(std::string_view bytes);
Split cmudict_split_of(std::string_view word);

// The word as space-separated characters (UTF-8 code points): "aardvark" -> "a a r d v a r k".
std::string cmudict_source_line(std::string_view word);

struct CmuSplitCounts {
  int64_t words = 0;
  int64_t pronunciations = 0;
};
struct CmuSplitStats {
  CmuSplitCounts splits[3];  // by Split
  int64_t words = 0;
  int64_t pronunciations = 0;
};

// The split counts of a parsed dictionary (what write_cmudict_splits writes).
CmuSplitStats cmudict_split_stats(const CmuDict& dict);

// Writes {train,dev,test}.src (characters), .tgt (stressed phones), .nostress.tgt (plain phones), one line
// per pronunciation in file order, and stats.json (parse stats, counts per split, the split rule; `source`
// names the input). Creates out_dir; every file is written atomically.
CmuSplitStats write_cmudict_splits(const CmuDict& dict, const std::string& out_dir, const std::string& source);

}  // namespace attend::data
