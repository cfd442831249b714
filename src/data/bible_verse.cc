// OSIS verse parsing (a small tag scanner, not a full XML parser: the SWORD entries are fragments with
// milestones and the odd unbalanced end tag) and the Strong's-number gold alignment.
#include "data/bible_verse.h"

#include <algorithm>
#include <map>
#include <optional>

#include "base/error.h"

namespace attend::data {

namespace {

constexpr uint32_t kGreekBit = 1u << 30;
constexpr int kSuffixShift = 20;
constexpr uint32_t kNumberMask = (1u << kSuffixShift) - 1;

bool ascii_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

// The code point starting at s[i] (i at a lead byte); invalid bytes decode as themselves.
char32_t decode_at(std::string_view s, size_t i, size_t* len = nullptr) {
  const auto b = static_cast<unsigned char>(s[i]);
  size_t n = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : (b >> 3) == 30 ? 4 : 1;
  if (i + n > s.size()) n = 1;
  char32_t cp = n == 1 ? b : n == 2 ? (b & 0x1F) : n == 3 ? (b & 0x0F) : (b & 0x07);
  for (size_t k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  if (len) *len = n;
  return cp;
}

// The last code point of s (0 when empty).
char32_t last_code_point(std::string_view s) {
  if (s.empty()) return 0;
  size_t i = s.size() - 1;
  while (i > 0 && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80 && s.size() - i < 4) --i;
  return decode_at(s, i);
}

// Letters and digits of the scripts these texts use (Latin with accents, Greek, Cyrillic, Hebrew).
bool word_char(char32_t c) {
  if (c < 0x80) return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  return (c >= 0xC0 && c <= 0x24F && c != 0xD7 && c != 0xF7) || (c >= 0x370 && c <= 0x52F) ||
         (c >= 0x5D0 && c <= 0x5EA) || (c >= 0x1E00 && c <= 0x1EFF);
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Text of a markup text node: USFM character markers ("\nd", "\+nd*") and pilcrows removed, entities
// decoded (an unknown entity stays as written).
std::string clean_text(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    const char c = s[i];
    if (c == '\\' && i + 1 < s.size() && (s[i + 1] == '+' || (s[i + 1] >= 'a' && s[i + 1] <= 'z'))) {
      size_t j = i + 1 + (s[i + 1] == '+');
      const size_t letters = j;
      while (j < s.size() && s[j] >= 'a' && s[j] <= 'z') ++j;
      if (j > letters) {
        while (j < s.size() && s[j] >= '0' && s[j] <= '9') ++j;
        if (j < s.size() && s[j] == '*') ++j;
        i = j;
        continue;
      }
    }
    if (c == '\xC2' && i + 1 < s.size() && s[i + 1] == '\xB6') {  // U+00B6 pilcrow
      i += 2;
      continue;
    }
    if (c == '&') {
      const size_t semi = s.find(';', i);
      if (semi != std::string_view::npos && semi - i <= 10) {
        const std::string_view name = s.substr(i + 1, semi - i - 1);
        std::optional<char32_t> cp;
        if (name == "amp") cp = U'&';
        else if (name == "lt") cp = U'<';
        else if (name == "gt") cp = U'>';
        else if (name == "quot") cp = U'"';
        else if (name == "apos") cp = U'\'';
        else if (name == "nbsp") cp = U' ';
        else if (name.size() > 1 && name[0] == '#') {
          const bool hex = name[1] == 'x' || name[1] == 'X';
          const std::string_view digits = name.substr(hex ? 2 : 1);
          char32_t v = 0;
          bool ok = !digits.empty();
          for (char d : digits) {
            int dv = d >= '0' && d <= '9' ? d - '0' : hex && d >= 'a' && d <= 'f' ? d - 'a' + 10
                   : hex && d >= 'A' && d <= 'F' ? d - 'A' + 10 : -1;
            if (dv < 0 || v > 0x10FFFF) ok = false;
            else v = v * (hex ? 16 : 10) + static_cast<char32_t>(dv);
          }
          if (ok && v > 0 && v <= 0x10FFFF) cp = v;
        }
        if (cp) {
          append_utf8(out, *cp);
          i = semi + 1;
          continue;
        }
      }
    }
    out.push_back(c);
    ++i;
  }
  return out;
}

struct Tag {
  std::string_view name;
  std::string_view attrs;
  bool end = false;
  bool self_closing = false;
  bool comment = false;
  size_t after = 0;  // one past '>'
};

Tag read_tag(std::string_view raw, size_t p, std::string_view where) {
  Tag t;
  if (raw.substr(p, 4) == "<!--") {
    const size_t e = raw.find("-->", p + 4);
    ATTEND_CHECK(e != std::string_view::npos, "bible: {}: unterminated comment in the markup", where);
    t.comment = true;
    t.after = e + 3;
    return t;
  }
  size_t e = p + 1;
  char quote = 0;
  for (; e < raw.size(); ++e) {
    if (quote) {
      if (raw[e] == quote) quote = 0;
    } else if (raw[e] == '"' || raw[e] == '\'') {
      quote = raw[e];
    } else if (raw[e] == '>') {
      break;
    }
  }
  ATTEND_CHECK(e < raw.size(), "bible: {}: unterminated tag at byte {}: {}", where, p, raw.substr(p, 40));
  t.after = e + 1;
  std::string_view body = raw.substr(p + 1, e - p - 1);
  if (!body.empty() && body.front() == '/') {
    t.end = true;
    body.remove_prefix(1);
  }
  if (!body.empty() && body.back() == '/') {
    t.self_closing = true;
    body.remove_suffix(1);
  }
  size_t n = 0;
  while (n < body.size() && !ascii_space(body[n])) ++n;
  t.name = body.substr(0, n);
  t.attrs = body.substr(n);
  ATTEND_CHECK(!t.name.empty() || t.comment, "bible: {}: tag without a name at byte {}", where, p);
  return t;
}

// The value of attribute `key` in a tag's attribute text.
std::optional<std::string_view> attribute(std::string_view attrs, std::string_view key) {
  size_t i = 0;
  while (i < attrs.size()) {
    while (i < attrs.size() && ascii_space(attrs[i])) ++i;
    const size_t name_begin = i;
    while (i < attrs.size() && attrs[i] != '=' && !ascii_space(attrs[i])) ++i;
    const std::string_view name = attrs.substr(name_begin, i - name_begin);
    while (i < attrs.size() && ascii_space(attrs[i])) ++i;
    if (i >= attrs.size() || attrs[i] != '=') continue;
    ++i;
    while (i < attrs.size() && ascii_space(attrs[i])) ++i;
    if (i >= attrs.size()) break;
    const char q = attrs[i];
    size_t vb = i, ve;
    if (q == '"' || q == '\'') {
      vb = i + 1;
      ve = attrs.find(q, vb);
      if (ve == std::string_view::npos) ve = attrs.size();
      i = ve + 1;
    } else {
      while (i < attrs.size() && !ascii_space(attrs[i])) ++i;
      ve = i;
    }
    if (name == key) return attrs.substr(vb, ve - vb);
  }
  return std::nullopt;
}

// Position one past the end tag that closes the element opened by `open` (nested ones of the same name
// counted).
size_t skip_element(std::string_view raw, const Tag& open, std::string_view where) {
  int depth = 1;
  size_t p = open.after;
  while (true) {
    p = raw.find('<', p);
    ATTEND_CHECK(p != std::string_view::npos, "bible: {}: <{}> is never closed", where, open.name);
    const Tag t = read_tag(raw, p, where);
    p = t.after;
    if (t.comment || t.name != open.name) continue;
    if (t.end) {
      if (--depth == 0) return p;
    } else if (!t.self_closing) {
      ++depth;
    }
  }
}

// The text (tags removed) of the element opened by `open`.
std::string element_text(std::string_view raw, const Tag& open, std::string_view where) {
  const size_t end = skip_element(raw, open, where);
  std::string out;
  for (size_t p = open.after; p < end;) {
    if (raw[p] == '<') {
      p = read_tag(raw, p, where).after;
    } else {
      out.push_back(raw[p++]);
    }
  }
  return out;
}

// The first code point of text after position p, skipping tags (0 at the end).
char32_t next_text_char(std::string_view raw, size_t p, std::string_view where) {
  while (p < raw.size() && raw[p] == '<') p = read_tag(raw, p, where).after;
  return p < raw.size() ? decode_at(raw, p) : 0;
}

// "lo", "les", "selo", "noslo": one or more Spanish enclitic pronouns.
bool enclitic_run(std::string_view s) {
  static constexpr std::string_view kClitics[] = {"me", "te", "se", "nos", "os", "lo", "la", "los", "las", "le", "les"};
  if (s.empty()) return true;
  for (std::string_view c : kClitics)
    if (s.substr(0, c.size()) == c && enclitic_run(s.substr(c.size()))) return true;
  return false;
}

bool block_tag(std::string_view name) {
  static constexpr std::string_view kBlocks[] = {"div", "l", "lg", "lb", "chapter", "p", "milestone", "verse",
                                                 "list", "item", "head", "br", "table", "row", "cell"};
  return std::find(std::begin(kBlocks), std::end(kBlocks), name) != std::end(kBlocks);
}

}  // namespace

Strongs parse_strongs(std::string_view number) {
  ATTEND_CHECK(number.size() >= 2 && number.size() <= 12, "Strong's number '{}' is not H or G and digits", number);
  const char p = number[0];
  ATTEND_CHECK(p == 'H' || p == 'G' || p == 'h' || p == 'g', "Strong's number '{}' is not H or G and digits",
               number);
  size_t i = 1;
  uint32_t v = 0;
  for (; i < number.size() && number[i] >= '0' && number[i] <= '9'; ++i) {
    v = v * 10 + static_cast<uint32_t>(number[i] - '0');
    ATTEND_CHECK(v <= kNumberMask, "Strong's number '{}' is too large", number);
  }
  ATTEND_CHECK(i > 1, "Strong's number '{}' is not H or G and digits", number);
  uint32_t suffix = 0;
  if (i < number.size()) {
    ATTEND_CHECK(i + 1 == number.size() && number[i] >= 'a' && number[i] <= 'z',
                 "Strong's number '{}' is not H or G and digits (with at most one letter after)", number);
    suffix = static_cast<uint32_t>(number[i] - 'a' + 1);
  }
  return (p == 'G' || p == 'g' ? kGreekBit : 0u) | (suffix << kSuffixShift) | v;
}

std::string strongs_to_string(Strongs s) {
  std::string out(1, (s & kGreekBit) ? 'G' : 'H');
  out += std::to_string(s & kNumberMask);
  const uint32_t suffix = (s >> kSuffixShift) & 31u;
  if (suffix) out.push_back(static_cast<char>('a' + suffix - 1));
  return out;
}

std::vector<Strongs> strongs_from_lemma(std::string_view value) {
  std::vector<Strongs> out;
  bool in_strong = false;  // the previous token was a strong: one, so bare tokens continue it
  size_t i = 0;
  while (i < value.size()) {
    while (i < value.size() && ascii_space(value[i])) ++i;
    const size_t b = i;
    while (i < value.size() && !ascii_space(value[i])) ++i;
    const std::string_view tok = value.substr(b, i - b);
    if (tok.empty()) break;
    const size_t colon = tok.find(':');
    if (colon == std::string_view::npos) {
      if (in_strong) out.push_back(parse_strongs(tok));
      continue;
    }
    in_strong = tok.substr(0, colon) == "strong";
    if (in_strong) out.push_back(parse_strongs(tok.substr(colon + 1)));
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

BibleVerse parse_osis_verse(std::string_view raw, std::string_view where, const OsisOptions& opt) {
  std::string text;                // before whitespace normalisation
  std::vector<int32_t> owner;      // per byte of text: the tagged span it lies in, or -1
  std::vector<std::vector<Strongs>> span_numbers;
  int32_t current = -1;
  bool has_text = false;
  auto emit = [&](std::string_view s) {
    for (char c : s) {
      text.push_back(c);
      owner.push_back(current);
      has_text = has_text || !ascii_space(c);
    }
  };
  auto space = [&] {
    text.push_back(' ');
    owner.push_back(-1);
  };

  size_t p = 0;
  while (p < raw.size()) {
    if (raw[p] != '<') {
      size_t e = raw.find('<', p);
      if (e == std::string_view::npos) e = raw.size();
      emit(clean_text(raw.substr(p, e - p)));
      p = e;
      continue;
    }
    const Tag t = read_tag(raw, p, where);
    p = t.after;
    if (t.comment) continue;
    if (t.name == "w") {
      if (t.self_closing) continue;
      if (t.end) {
        current = -1;
        continue;
      }
      std::vector<Strongs> nums;
      try {
        for (std::string_view key : {"lemma", "savlm"}) {
          if (auto v = attribute(t.attrs, key)) {
            auto more = strongs_from_lemma(*v);
            nums.insert(nums.end(), more.begin(), more.end());
          }
        }
      } catch (const Error& e) {
        ATTEND_FAIL("bible: {}: {}", where, e.message());
      }
      std::sort(nums.begin(), nums.end());
      nums.erase(std::unique(nums.begin(), nums.end()), nums.end());
      if (nums.empty()) {
        current = -1;
      } else {
        current = static_cast<int32_t>(span_numbers.size());
        span_numbers.push_back(std::move(nums));
      }
    } else if (t.name == "note") {
      if (!t.end && !t.self_closing) p = skip_element(raw, t, where);
    } else if (t.name == "title") {
      if (t.end || t.self_closing) {
        space();
        continue;
      }
      const bool canonical = attribute(t.attrs, "canonical").value_or("") == "true";
      const bool keep = canonical ? opt.keep_canonical_titles : (opt.keep_trailing_titles && has_text);
      if (keep) space();
      else p = skip_element(raw, t, where);
    } else if (t.name == "transChange") {
      if (t.self_closing) continue;
      const bool flush_before = word_char(last_code_point(text));
      if (!t.end) {
        if (flush_before && word_char(next_text_char(raw, p, where)) &&
            !enclitic_run(element_text(raw, t, where)))
          space();
      } else if (flush_before && word_char(next_text_char(raw, p, where))) {
        space();
      }
    } else if (block_tag(t.name)) {
      space();
    }
  }

  // Whitespace tokens (ASCII spaces and U+00A0), with the spans each touches.
  BibleVerse v;
  std::vector<int32_t> first(span_numbers.size(), -1), last(span_numbers.size(), -1);
  std::string word;
  std::vector<int32_t> owners;
  auto finish_word = [&] {
    if (word.empty()) return;
    const auto w = static_cast<int32_t>(v.words.size());
    std::sort(owners.begin(), owners.end());
    owners.erase(std::unique(owners.begin(), owners.end()), owners.end());
    std::vector<Strongs> nums;
    for (int32_t o : owners) {
      if (first[o] < 0) first[o] = w;
      last[o] = w;
      nums.insert(nums.end(), span_numbers[o].begin(), span_numbers[o].end());
    }
    std::sort(nums.begin(), nums.end());
    nums.erase(std::unique(nums.begin(), nums.end()), nums.end());
    if (!v.text.empty()) v.text.push_back(' ');
    v.text += word;
    v.words.push_back(std::move(word));
    v.strongs.push_back(std::move(nums));
    word.clear();
    owners.clear();
  };
  for (size_t i = 0; i < text.size(); ++i) {
    if (ascii_space(text[i])) {
      finish_word();
    } else if (text[i] == '\xC2' && i + 1 < text.size() && text[i + 1] == '\xA0') {
      finish_word();
      ++i;
    } else {
      word.push_back(text[i]);
      if (owner[i] >= 0) owners.push_back(owner[i]);
    }
  }
  finish_word();
  for (size_t s = 0; s < span_numbers.size(); ++s) {
    if (first[s] < 0) continue;
    v.spans.push_back({first[s], last[s] + 1, std::move(span_numbers[s])});
  }
  return v;
}

std::vector<AlignmentLink> strongs_alignment(const BibleVerse& src, const BibleVerse& tgt, const GoldOptions& opt) {
  std::map<Strongs, std::vector<size_t>> src_spans, tgt_spans;
  for (size_t s = 0; s < src.spans.size(); ++s)
    for (Strongs n : src.spans[s].numbers) src_spans[n].push_back(s);
  for (size_t t = 0; t < tgt.spans.size(); ++t)
    for (Strongs n : tgt.spans[t].numbers) tgt_spans[n].push_back(t);
  std::map<std::pair<int32_t, int32_t>, bool> links;  // (src, tgt) -> sure
  for (const auto& [n, ss] : src_spans) {
    const auto it = tgt_spans.find(n);
    if (it == tgt_spans.end()) continue;
    const auto& ts = it->second;
    const bool unique = ss.size() == 1 && ts.size() == 1;
    for (size_t s : ss) {
      for (size_t t : ts) {
        const StrongsSpan& a = src.spans[s];
        const StrongsSpan& b = tgt.spans[t];
        const bool sure = a.words() == 1 && b.words() == 1 && (unique || !opt.repeated_numbers_are_possible);
        for (int32_t i = a.first_word; i < a.end_word; ++i)
          for (int32_t j = b.first_word; j < b.end_word; ++j) {
            bool& l = links[{i, j}];
            l = l || sure;
          }
      }
    }
  }
  std::vector<AlignmentLink> out;
  out.reserve(links.size());
  for (const auto& [ij, sure] : links) out.push_back({ij.first, ij.second, sure});
  return out;
}

std::string format_pharaoh(const std::vector<AlignmentLink>& links) {
  std::string out;
  for (const auto& l : links) {
    if (!out.empty()) out.push_back(' ');
    out += std::to_string(l.src);
    out.push_back(l.sure ? '-' : '?');
    out += std::to_string(l.tgt);
  }
  return out;
}

}  // namespace attend::data
