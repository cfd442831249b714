// One Bible verse as the SWORD modules store it (OSIS markup with Strong's numbers on <w> elements):
// parsing it into plain text, words and per-word Strong's numbers, and the gold word alignment of two
// translations of a verse from the numbers they share.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace attend::data {

// A Strong's number packed in 32 bits: bit 30 = Greek (G) else Hebrew (H), bits 20-24 = an optional
// lowercase letter suffix (0 = none, 1 = 'a' ... 26 = 'z'), bits 0-19 = the number. "H0776" and "H776"
// pack alike; Hebrew and Greek never compare equal. Sorting packed numbers puts Hebrew first.
using Strongs = uint32_t;

// Parses "H0776", "h776", "G11537", "H1254a" (no "strong:" prefix). Throws attend::Error otherwise.
Strongs parse_strongs(std::string_view number);
// "H776", "G2316", "H1254a": the normalised spelling (no leading zeros).
std::string strongs_to_string(Strongs s);
// The Strong's numbers of an OSIS lemma (or savlm) attribute value, sorted and unique. Tokens are
// space-separated "prefix:value"; only the strong: prefix counts, and a bare token after a strong: one
// ("strong:G2424 G5547") continues it. Other schemes (lemma.TR:..., morph) are ignored.
std::vector<Strongs> strongs_from_lemma(std::string_view value);

// One <w> element that carries Strong's numbers, by the words its text touches.
struct StrongsSpan {
  int32_t first_word = 0;        // the span touches words [first_word, end_word)
  int32_t end_word = 0;
  std::vector<Strongs> numbers;  // sorted, unique
  int32_t words() const { return end_word - first_word; }
};

struct BibleVerse {
  std::string text;                           // plain text: single spaces, none at either end
  std::vector<std::string> words;             // the whitespace tokens of text; punctuation stays attached
  std::vector<std::vector<Strongs>> strongs;  // per word: numbers of every span it lies in (sorted, unique)
  std::vector<StrongsSpan> spans;             // tagged spans that touch at least one word, in text order
  bool tagged(size_t word) const { return !strongs[word].empty(); }
};

struct OsisOptions {
  // <title canonical="true"> (psalm superscriptions, part of the Hebrew verse text) is verse text.
  bool keep_canonical_titles = true;
  // A non-canonical title after the verse's own text (the KJV's subscriptions closing the Pauline
  // epistles) is kept; one before any text is a heading and dropped.
  bool keep_trailing_titles = true;
};

// Plain text, words and Strong's numbers of one verse's raw OSIS entry. Dropped with their content:
// <note> (footnotes, cross references), heading <title>s. Kept as text without their tags: <transChange>
// (translators' additions: untagged), <divineName>, <q>, <seg>, <foreign>. Block milestones (<div>, <l>,
// <lg>, <lb>, <chapter>) separate words. Entities are decoded; pilcrows (U+00B6) and stray USFM character
// markers ("\nd ", "\+nd*") are removed. A <transChange> written flush against a word is its own word
// unless it is a run of Spanish enclitic pronouns ("sáca" + "lo" = "sácalo"). Malformed markup (an
// unterminated tag or element, a bad Strong's number) throws attend::Error naming `where`.
BibleVerse parse_osis_verse(std::string_view raw, std::string_view where = "", const OsisOptions& opt = {});

// A gold link between word `src` of one translation and word `tgt` of the other.
struct AlignmentLink {
  int32_t src = 0;
  int32_t tgt = 0;
  bool sure = false;  // sure links are also possible (S is a subset of P)
  bool operator==(const AlignmentLink&) const = default;
};

struct GoldOptions {
  // A number that tags several spans on either side cannot say which occurrence matches which, so
  // its links are only possible. False: sure whenever the two spans are single words.
  bool repeated_numbers_are_possible = true;
};

// Words i (src) and j (tgt) are linked when spans containing them share a Strong's number. The link is
// sure when, for some shared number, both spans are a single word (and, by default, the number tags
// just one span on each side); possible otherwise. Untagged words get no link. Sorted by (src, tgt).
std::vector<AlignmentLink> strongs_alignment(const BibleVerse& src, const BibleVerse& tgt,
                                             const GoldOptions& opt = {});

// Pharaoh format: "0-0 1?2 ..." (sure "i-j", possible-only "i?j"), src index first.
std::string format_pharaoh(const std::vector<AlignmentLink>& links);

}  // namespace attend::data
