// UTF-8 decoding, Python-compatible whitespace, and line reading for the metrics.
#include "eval/text.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "base/error.h"

namespace attend::eval {

char32_t decode_multibyte(std::string_view s, size_t& i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  int len = 0;
  char32_t cp = 0, min = 0;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2, cp = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3, cp = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4, cp = b0 & 0x07, min = 0x10000;
  }
  if (len == 0 || i + len > s.size()) {
    ++i;
    return kInvalidByteBase + b0;
  }
  for (int k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) {
      ++i;
      return kInvalidByteBase + b0;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  // Overlong forms, surrogates and values past U+10FFFF are not valid UTF-8.
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    ++i;
    return kInvalidByteBase + b0;
  }
  i += len;
  return cp;
}

std::vector<char32_t> to_code_points(std::string_view s) {
  std::vector<char32_t> out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) out.push_back(next_code_point(s, i));
  return out;
}

std::vector<std::string_view> split_whitespace(std::string_view s) {
  std::vector<std::string_view> out;
  size_t start = std::string_view::npos;
  for (size_t i = 0; i < s.size();) {
    const size_t at = i;
    const bool space = is_python_space(next_code_point(s, i));
    if (space && start != std::string_view::npos) {
      out.push_back(s.substr(start, at - start));
      start = std::string_view::npos;
    } else if (!space && start == std::string_view::npos) {
      start = at;
    }
  }
  if (start != std::string_view::npos) out.push_back(s.substr(start));
  return out;
}

std::string_view rstrip_whitespace(std::string_view s) {
  size_t end = 0;  // one past the last non-space code point
  for (size_t i = 0; i < s.size();) {
    if (!is_python_space(next_code_point(s, i))) end = i;
  }
  return s.substr(0, end);
}

std::string_view strip_whitespace(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    size_t j = i;
    if (!is_python_space(next_code_point(s, j))) break;
    i = j;
  }
  return rstrip_whitespace(s.substr(i));
}

std::vector<std::string> read_lines(const std::string& path, std::string_view what) {
  std::error_code ec;
  ATTEND_CHECK(!std::filesystem::is_directory(path, ec), "cannot read {} '{}': it is a directory", what, path);
  std::ifstream in(path, std::ios::binary);
  ATTEND_CHECK(in.good(), "cannot open {} '{}': {}", what, path, std::strerror(errno));
  const std::string bytes(std::istreambuf_iterator<char>(in), {});
  ATTEND_CHECK(!in.bad(), "cannot read {} '{}'", what, path);
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < bytes.size()) {
    size_t nl = bytes.find('\n', start);
    if (nl == std::string::npos) nl = bytes.size();
    lines.emplace_back(bytes, start, nl - start);
    start = nl + 1;
  }
  return lines;
}

}  // namespace attend::eval
