// Text helpers shared by the metrics: UTF-8 decoding into code points, Python's notion of whitespace
// (str.split() / str.strip() with no argument, which sacreBLEU relies on), and reading a file as lines.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace attend::eval {

// A code point, or for a byte that is not part of valid UTF-8, kInvalidByteBase + the byte (so such bytes
// count as characters of their own and never collide with a real code point).
inline constexpr char32_t kInvalidByteBase = 0x110000;

// Decodes the code point that starts at s[i] and advances i past it (by 1 for an invalid byte).
char32_t decode_multibyte(std::string_view s, size_t& i);  // s[i] >= 0x80
inline char32_t next_code_point(std::string_view s, size_t& i) {
  const auto b = static_cast<unsigned char>(s[i]);
  if (b < 0x80) {
    ++i;
    return b;
  }
  return decode_multibyte(s, i);
}
std::vector<char32_t> to_code_points(std::string_view s);

// True for the code points Python's str.isspace() accepts: ASCII \t\n\v\f\r and space, \x1c-\x1f, U+0085,
// U+00A0, U+1680, U+2000-U+200A, U+2028, U+2029, U+202F, U+205F, U+3000.
inline bool is_python_space(char32_t c) {
  if (c < 0x80) return c == ' ' || (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x1F);
  return c == 0x85 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 ||
         c == 0x202F || c == 0x205F || c == 0x3000;
}

// Python's s.split(): the maximal runs of non-whitespace, in order (views into s).
std::vector<std::string_view> split_whitespace(std::string_view s);
// Python's s.rstrip() / s.strip() with no argument.
std::string_view rstrip_whitespace(std::string_view s);
std::string_view strip_whitespace(std::string_view s);

// The lines of a text file without their '\n' (a final line without '\n' still counts; an empty file has
// none; a '\r' before the '\n' is kept, as Python's open(newline="\n") keeps it). `what` names the file's
// role in the error ("hypothesis file") when it cannot be read.
std::vector<std::string> read_lines(const std::string& path, std::string_view what = "file");

}  // namespace attend::eval
