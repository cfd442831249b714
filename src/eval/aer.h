// Word alignments in Pharaoh format and their scores: alignment error rate (Och & Ney 2003) with sure and
// possible gold links, precision and recall, optionally restricted to gold-tagged words; and the
// intersection and union of two directional alignments for symmetrisation.
//
// Pharaoh format: one sentence per line, links separated by whitespace, "i-j" a sure link and "i?j" a
// possible link, i the 0-based source word and j the 0-based target word. An empty line is a sentence
// without links.
#pragma once
#include <compare>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace attend::eval {

struct Link {
  int32_t src = 0;
  int32_t tgt = 0;
  auto operator<=>(const Link&) const = default;
};

// One sentence's links, each list sorted and without duplicates; a link is never in both (a link given
// both as sure and as possible is sure). For a gold alignment S = sure and P = sure + possible; for a
// hypothesis every link counts (A = sure + possible).
struct Alignment {
  std::vector<Link> sure;
  std::vector<Link> possible;
  std::vector<Link> all() const;  // sure + possible, sorted
};

// Parses one line; `where` names it in errors ("gold.txt line 3").
Alignment parse_pharaoh(std::string_view line, std::string_view where = "alignment");
std::vector<Alignment> read_pharaoh_file(const std::string& path);
// "0-0 1?2 ..." in sorted order (sure and possible links interleaved by position).
std::string format_pharaoh(const Alignment& a);

// The source and target words of a sentence that carry gold annotation; links touching any other word
// are dropped from the hypothesis before scoring.
struct TaggedWords {
  std::vector<int32_t> src;
  std::vector<int32_t> tgt;
};
// One line "0 1 4 ||| 0 2 3": tagged source indices, "|||", tagged target indices.
TaggedWords parse_tagged_words(std::string_view line, std::string_view where = "tagged words");
std::vector<TaggedWords> read_tagged_words_file(const std::string& path);

// Corpus-level counts (sums over sentences) and the scores built from them:
//   AER = 1 - (|A∩S| + |A∩P|) / (|A| + |S|)   (0 when |A| + |S| = 0)
//   precision = |A∩P| / |A|,  recall = |A∩S| / |S|   (0 when the denominator is 0)
struct AerScore {
  double aer = 0;
  double precision = 0;
  double recall = 0;
  int64_t hyp_links = 0;   // |A|
  int64_t sure_links = 0;  // |S|
  int64_t possible_links = 0;  // |P| (sure included)
  int64_t hyp_and_sure = 0;      // |A∩S|
  int64_t hyp_and_possible = 0;  // |A∩P|
  int64_t sentences = 0;
};

// hyps[i] against gold[i]; with `tagged` (one entry per sentence) links of the hypothesis that touch an
// untagged word are removed first.
AerScore score_alignments(std::span<const Alignment> hyps, std::span<const Alignment> gold,
                          std::span<const TaggedWords> tagged = {});

// Symmetrisation of two directional alignments of one sentence given in the same (source-target)
// orientation: the links in both / in either. Inputs need not be sorted; outputs are sorted and unique.
std::vector<Link> intersect_links(std::span<const Link> a, std::span<const Link> b);
std::vector<Link> union_links(std::span<const Link> a, std::span<const Link> b);
// Swaps source and target of every link (a target-to-source alignment into source-target orientation).
std::vector<Link> transpose_links(std::span<const Link> a);

}  // namespace attend::eval
