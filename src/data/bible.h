// The Bible as a Spanish-English parallel corpus with a gold word alignment: Reina-Valera 1909
// (SWORD module spaRV1909eb) and the King James Version (engKJV2006eb), read verse by verse through
// libsword, both tagged with Strong's numbers (see bible_verse.h for the markup and the gold links).
//
// Split by whole books (never by verse), fixed:
//   test: Ruth, Lamentations, Joel, Mark, Ephesians, James                     (1,253 verses in KJV)
//   dev:  Esther, Ecclesiastes, Micah, Zephaniah, Haggai, Philippians, Colossians,
//         1 Thessalonians, Titus, 1 Peter, 2 Peter, Jude                        (1,110 verses in KJV)
//   train: every other book.
// The Spanish module numbers some passages the Hebrew way inside the KJV versification (Jonah 1:17 is
// its Jonah 2:1, Job 38-41, Numbers 13 and 30, Hosea 12, ...), so under one key the two modules hold
// different verses there; such verses are found from their Strong's numbers and skipped.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "data/bible_verse.h"

namespace attend::data {

enum class BibleSplit { Train, Dev, Test };
const char* bible_split_name(BibleSplit s);  // "train", "dev", "test"
// OSIS book names ("Ruth", "Mark", "1Thess") of the held-out splits, in canonical order.
const std::vector<std::string>& bible_dev_books();
const std::vector<std::string>& bible_test_books();
BibleSplit bible_split_of(std::string_view osis_book);

// When do the two modules hold different text under the same verse key?
struct MisalignmentOptions {
  int window = 6;                 // compare with verses up to this far away in the same book
  double margin = 0.3;            // ... whose Strong's-number Jaccard beats the verse's own by this much
  double max_length_ratio = 4.0;  // or one side has this many times the words of the other ...
  int min_length_for_ratio = 12;  // ... and the longer side at least this many words
  // A verse next to a flagged or one-sided one whose length ratio is this far (as a factor) from the
  // corpus median holds part of its neighbour's text: flagged too.
  double neighbour_length_factor = 1.5;
};

// What misalignment detection looks at per verse key, in canonical order.
struct VerseSignature {
  int32_t book = 0;               // verses are compared only within a book
  std::vector<Strongs> src, tgt;  // Strong's numbers of each side (sorted, unique)
  int32_t src_words = 0, tgt_words = 0;
};

// Flags verse keys whose two sides are not translations of each other. With both sides tagged, key k
// is flagged when the source of k shares clearly more numbers (Jaccard, by `margin`) with the target
// of a nearby key x than with its own target, or the target of k with the source of x; then x is
// flagged too (it holds k's text). Keys whose word counts differ by more than the ratio are flagged
// as merged verses, and so are the neighbours of flagged or one-sided keys (words on one side only)
// whose length ratio is off the median by neighbour_length_factor. Untagged sides are never judged by
// numbers.
std::vector<bool> find_misaligned_verses(const std::vector<VerseSignature>& verses,
                                         const MisalignmentOptions& opt = {});

struct BibleOptions {
  std::string src_module = "spaRV1909eb";   // Spanish, Reina-Valera 1909
  std::string tgt_module = "engKJV2006eb";  // English, King James Version
  std::string sword_path;                   // a SWORD library folder (holding mods.d); empty: the system's
  bool skip_misaligned = true;
  MisalignmentOptions misalignment;
  OsisOptions markup;
  GoldOptions gold;
};

struct BiblePair {
  std::string book;  // OSIS name, "Gen"
  int32_t chapter = 0, verse = 0;
  std::string ref() const;  // "Gen 1:1"
  BibleSplit split = BibleSplit::Train;
  BibleVerse src, tgt;
  std::vector<AlignmentLink> gold;  // strongs_alignment(src, tgt)
};

struct BibleSkip {
  std::string ref;
  std::string reason;  // "missing_src", "missing_tgt", "empty_src", "empty_tgt", "misaligned"
};

struct BibleCorpus {
  int64_t keys = 0;                   // verse keys of the versification
  int64_t present_in_both = 0;        // keys where both modules have an entry
  std::vector<BiblePair> verses;      // kept, in canonical order
  std::vector<BibleSkip> skipped;     // in canonical order
};

// Reads both modules through libsword, one verse key at a time. Throws attend::Error (with an install
// hint) when a module is missing, or when their versifications differ.
BibleCorpus read_bible(const BibleOptions& opt = {});

// Writes under out_dir (created): {train,dev,test}.{es,en} (one verse per line, aligned), .ref ("Gen 1:1"),
// .gold (Pharaoh links "i-j" sure / "i?j" possible, Spanish first), .tagged (tagged Spanish word indices,
// "|||", tagged English indices) and stats.json. The same modules give byte-identical files. Returns
// the stats written to stats.json.
nlohmann::json write_bible_corpus(const std::string& out_dir, const BibleOptions& opt = {});
// The stats.json content for a corpus.
nlohmann::json bible_stats(const BibleCorpus& corpus, const BibleOptions& opt);

}  // namespace attend::data
