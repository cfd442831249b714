// Pharaoh alignment I/O, AER/precision/recall, and link set operations (see aer.h).
#include "eval/aer.h"

#include <algorithm>
#include <charconv>

#include "base/error.h"
#include "eval/text.h"

namespace attend::eval {
namespace {

void sort_unique(std::vector<Link>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

std::vector<Link> sorted_unique(std::span<const Link> a) {
  std::vector<Link> v(a.begin(), a.end());
  sort_unique(v);
  return v;
}

int32_t parse_index(std::string_view s, std::string_view token, std::string_view where) {
  int32_t v = -1;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  ATTEND_CHECK(!s.empty() && ec == std::errc() && ptr == s.data() + s.size() && v >= 0,
               "{}: bad alignment link '{}' (want i-j or i?j with 0-based word indices)", where, token);
  return v;
}

int64_t count_common(const std::vector<Link>& a, const std::vector<Link>& b) {
  int64_t n = 0;
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (a[i] < b[j]) {
      ++i;
    } else if (b[j] < a[i]) {
      ++j;
    } else {
      ++n, ++i, ++j;
    }
  }
  return n;
}

std::vector<std::string> read_all_lines(const std::string& path, std::string_view what) {
  std::vector<std::string> lines = read_lines(path, what);
  for (auto& l : lines) {
    if (!l.empty() && l.back() == '\r') l.pop_back();
  }
  return lines;
}

}  // namespace

std::vector<Link> Alignment::all() const {
  std::vector<Link> v = sure;
  v.insert(v.end(), possible.begin(), possible.end());
  sort_unique(v);
  return v;
}

Alignment parse_pharaoh(std::string_view line, std::string_view where) {
  Alignment a;
  for (std::string_view token : split_whitespace(line)) {
    const size_t at = token.find_first_of("-?");
    ATTEND_CHECK(at != std::string_view::npos,
                 "{}: bad alignment link '{}' (want i-j or i?j with 0-based word indices)", where, token);
    const Link l{parse_index(token.substr(0, at), token, where), parse_index(token.substr(at + 1), token, where)};
    (token[at] == '-' ? a.sure : a.possible).push_back(l);
  }
  sort_unique(a.sure);
  sort_unique(a.possible);
  // A link marked both sure and possible is sure.
  std::vector<Link> only_possible;
  std::set_difference(a.possible.begin(), a.possible.end(), a.sure.begin(), a.sure.end(),
                      std::back_inserter(only_possible));
  a.possible.swap(only_possible);
  return a;
}

std::vector<Alignment> read_pharaoh_file(const std::string& path) {
  const std::vector<std::string> lines = read_all_lines(path, "alignment file");
  std::vector<Alignment> out;
  out.reserve(lines.size());
  for (size_t i = 0; i < lines.size(); ++i) out.push_back(parse_pharaoh(lines[i], fmt::format("{} line {}", path, i + 1)));
  return out;
}

std::string format_pharaoh(const Alignment& a) {
  std::vector<std::pair<Link, char>> links;
  for (const Link& l : a.sure) links.emplace_back(l, '-');
  for (const Link& l : a.possible) links.emplace_back(l, '?');
  std::sort(links.begin(), links.end());
  std::string out;
  for (const auto& [l, sep] : links) {
    if (!out.empty()) out.push_back(' ');
    out += fmt::format("{}{}{}", l.src, sep, l.tgt);
  }
  return out;
}

TaggedWords parse_tagged_words(std::string_view line, std::string_view where) {
  const size_t bar = line.find("|||");
  ATTEND_CHECK(bar != std::string_view::npos, "{}: want 'source indices ||| target indices', got '{}'", where, line);
  TaggedWords t;
  auto parse_side = [&](std::string_view side, std::vector<int32_t>& out) {
    for (std::string_view tok : split_whitespace(side)) {
      int32_t v = -1;
      auto [ptr, ec] = std::from_chars(tok.data(), tok.data() + tok.size(), v);
      ATTEND_CHECK(ec == std::errc() && ptr == tok.data() + tok.size() && v >= 0,
                   "{}: bad word index '{}' (want 0-based integers)", where, tok);
      out.push_back(v);
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
  };
  parse_side(line.substr(0, bar), t.src);
  parse_side(line.substr(bar + 3), t.tgt);
  return t;
}

std::vector<TaggedWords> read_tagged_words_file(const std::string& path) {
  const std::vector<std::string> lines = read_all_lines(path, "tagged-words file");
  std::vector<TaggedWords> out;
  out.reserve(lines.size());
  for (size_t i = 0; i < lines.size(); ++i) {
    out.push_back(parse_tagged_words(lines[i], fmt::format("{} line {}", path, i + 1)));
  }
  return out;
}

AerScore score_alignments(std::span<const Alignment> hyps, std::span<const Alignment> gold,
                          std::span<const TaggedWords> tagged) {
  ATTEND_CHECK(hyps.size() == gold.size(), "aer: {} hypothesis alignments but {} gold alignments", hyps.size(),
               gold.size());
  ATTEND_CHECK(tagged.empty() || tagged.size() == gold.size(), "aer: {} gold alignments but {} tagged-word lines",
               gold.size(), tagged.size());
  AerScore s;
  for (size_t i = 0; i < hyps.size(); ++i) {
    std::vector<Link> a = hyps[i].all();
    if (!tagged.empty()) {
      const TaggedWords& t = tagged[i];
      std::erase_if(a, [&](const Link& l) {
        return !std::binary_search(t.src.begin(), t.src.end(), l.src) ||
               !std::binary_search(t.tgt.begin(), t.tgt.end(), l.tgt);
      });
    }
    const std::vector<Link> p = gold[i].all();
    s.hyp_links += static_cast<int64_t>(a.size());
    s.sure_links += static_cast<int64_t>(gold[i].sure.size());
    s.possible_links += static_cast<int64_t>(p.size());
    s.hyp_and_sure += count_common(a, gold[i].sure);
    s.hyp_and_possible += count_common(a, p);
    s.sentences += 1;
  }
  const auto d = [](int64_t x) { return static_cast<double>(x); };
  s.aer = s.hyp_links + s.sure_links > 0
              ? 1.0 - d(s.hyp_and_sure + s.hyp_and_possible) / d(s.hyp_links + s.sure_links)
              : 0.0;
  s.precision = s.hyp_links ? d(s.hyp_and_possible) / d(s.hyp_links) : 0.0;
  s.recall = s.sure_links ? d(s.hyp_and_sure) / d(s.sure_links) : 0.0;
  return s;
}

std::vector<Link> intersect_links(std::span<const Link> a, std::span<const Link> b) {
  const std::vector<Link> x = sorted_unique(a), y = sorted_unique(b);
  std::vector<Link> out;
  std::set_intersection(x.begin(), x.end(), y.begin(), y.end(), std::back_inserter(out));
  return out;
}

std::vector<Link> union_links(std::span<const Link> a, std::span<const Link> b) {
  const std::vector<Link> x = sorted_unique(a), y = sorted_unique(b);
  std::vector<Link> out;
  std::set_union(x.begin(), x.end(), y.begin(), y.end(), std::back_inserter(out));
  return out;
}

std::vector<Link> transpose_links(std::span<const Link> a) {
  std::vector<Link> out;
  out.reserve(a.size());
  for (const Link& l : a) out.push_back({l.tgt, l.src});
  sort_unique(out);
  return out;
}

}  // namespace attend::eval
