// The 13a tokenizer, written as plain left-to-right scans (each rewrite rule is a one- or two-character
// pattern, so a scan that consumes what it matched reproduces a regex substitution exactly). Working on
// UTF-8 bytes is equivalent to working on code points here: every pattern character is ASCII, and a
// multi-byte character is "not a digit" and "not . or ," in each of its bytes, as it is as a whole.
#include "eval/tokenize_13a.h"

#include "eval/text.h"

namespace attend::eval {
namespace {

// Python's str.replace(from, to): every non-overlapping occurrence, scanning left to right.
std::string replace_all(std::string_view s, std::string_view from, std::string_view to) {
  std::string out;
  out.reserve(s.size());
  size_t start = 0;
  while (true) {
    const size_t at = s.find(from, start);
    if (at == std::string_view::npos) break;
    out.append(s, start, at - start);
    out.append(to);
    start = at + from.size();
  }
  out.append(s, start);
  return out;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_period_or_comma(char c) { return c == '.' || c == ','; }

// The characters of [\{-\~\[-\` -\&\(-\+\:-\@\/]: 0x7B-0x7E, 0x5B-0x60, 0x20-0x26, 0x28-0x2B, 0x3A-0x40, '/'.
bool is_spaced_punct(char ch) {
  const auto c = static_cast<unsigned char>(ch);
  return (c >= 0x7B && c <= 0x7E) || (c >= 0x5B && c <= 0x60) || (c >= 0x20 && c <= 0x26) ||
         (c >= 0x28 && c <= 0x2B) || (c >= 0x3A && c <= 0x40) || c == '/';
}

// A two-character rule: where first(s[i]) and second(s[i+1]) hold, write `emit(s[i], s[i+1])` and resume at
// i + 2, else copy s[i] and resume at i + 1. Writes into `out`.
template <class First, class Second, class Emit>
void rewrite_pairs(const std::string& s, std::string& out, First first, Second second, Emit emit) {
  out.clear();
  out.reserve(s.size() + s.size() / 2);
  size_t i = 0;
  while (i < s.size()) {
    if (i + 1 < s.size() && first(s[i]) && second(s[i + 1])) {
      emit(out, s[i], s[i + 1]);
      i += 2;
    } else {
      out.push_back(s[i]);
      i += 1;
    }
  }
}

}  // namespace

std::string tokenize_13a(std::string_view line) {
  std::string s(line);
  if (s.find("<skipped>") != std::string::npos) s = replace_all(s, "<skipped>", "");
  if (s.find('\n') != std::string::npos) {
    s = replace_all(s, "-\n", "");
    s = replace_all(s, "\n", " ");
  }
  if (s.find('&') != std::string::npos) {
    s = replace_all(s, "&quot;", "\"");
    s = replace_all(s, "&amp;", "&");
    s = replace_all(s, "&lt;", "<");
    s = replace_all(s, "&gt;", ">");
  }

  // Scratch buffers reused from line to line (one set per thread).
  thread_local std::string a, b, c, d;
  // a. punctuation spaced out (on the line padded with a space at both ends).
  a.clear();
  a.reserve(s.size() * 3 + 2);
  a.push_back(' ');
  for (char ch : s) {
    if (is_spaced_punct(ch)) {
      a.push_back(' ');
      a.push_back(ch);
      a.push_back(' ');
    } else {
      a.push_back(ch);
    }
  }
  a.push_back(' ');

  auto not_digit = [](char ch) { return !is_digit(ch); };
  // b. ([^0-9])([.,]) -> "\1 \2 "
  rewrite_pairs(a, b, not_digit, is_period_or_comma, [](std::string& o, char x, char y) {
    o.push_back(x), o.push_back(' '), o.push_back(y), o.push_back(' ');
  });
  // c. ([.,])([^0-9]) -> " \1 \2"
  rewrite_pairs(b, c, is_period_or_comma, not_digit, [](std::string& o, char x, char y) {
    o.push_back(' '), o.push_back(x), o.push_back(' '), o.push_back(y);
  });
  // d. ([0-9])(-) -> "\1 \2 "
  rewrite_pairs(c, d, is_digit, [](char ch) { return ch == '-'; }, [](std::string& o, char x, char y) {
    o.push_back(x), o.push_back(' '), o.push_back(y), o.push_back(' ');
  });

  std::string out;
  out.reserve(d.size());
  for (std::string_view tok : split_whitespace(d)) {
    if (!out.empty()) out.push_back(' ');
    out.append(tok);
  }
  return out;
}

}  // namespace attend::eval
