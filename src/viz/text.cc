// UTF-8 decoding, XML escaping, ASCII folding for the bitmap font, label truncation and atomic writes.
#include "viz/text.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "base/error.h"

namespace attend::viz {

namespace {

constexpr char32_t kReplacement = 0xFFFD;

// Decodes the sequence starting at s[i]; sets `len` to the bytes consumed (1 for an ill-formed byte).
char32_t decode_one(std::string_view s, size_t i, size_t& len) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  len = 1;
  if (b0 < 0x80) return b0;
  int need = 0;
  char32_t cp = 0, min = 0;
  if ((b0 & 0xE0) == 0xC0)
    need = 1, cp = b0 & 0x1F, min = 0x80;
  else if ((b0 & 0xF0) == 0xE0)
    need = 2, cp = b0 & 0x0F, min = 0x800;
  else if ((b0 & 0xF8) == 0xF0)
    need = 3, cp = b0 & 0x07, min = 0x10000;
  else
    return kReplacement;
  if (i + static_cast<size_t>(need) >= s.size()) return kReplacement;  // truncated sequence
  for (int k = 1; k <= need; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) return kReplacement;
    cp = (cp << 6) | (b & 0x3F);
  }
  // Overlong forms, UTF-16 surrogates and values past U+10FFFF are ill-formed.
  if (cp < min || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) return kReplacement;
  len = static_cast<size_t>(need) + 1;
  return cp;
}

// Latin-1 letters U+00C0..U+00FF folded to one ASCII letter ('\0' marks the two-letter folds below).
constexpr char kLatin1[] =
    "AAAAAA\0CEEEEIIII"
    "DNOOOOOxOUUUUY\0\0"
    "aaaaaa\0ceeeeiiii"
    "dnooooo/ouuuuy\0y";
// Latin Extended-A U+0100..U+017F ('\0' for the ligatures IJ, ij, OE, oe).
constexpr char kLatinA[] =
    "AaAaAaCcCcCcCcDd"
    "DdEeEeEeEeEeGgGg"
    "GgGgHhHhIiIiIiIi"
    "Ii\0\0JjKkkLlLlLlL"
    "lLlNnNnNnnNnOoOo"
    "Oo\0\0RrRrRrSsSsSs"
    "SsTtTtTtUuUuUuUu"
    "UuUuWwYyYZzZzZzs";

std::string fold_code_point(char32_t c) {
  if (c == '\t' || c == '\n' || c == '\r') return " ";
  if (c >= 32 && c < 127) return std::string(1, static_cast<char>(c));
  if (c >= 0xC0 && c <= 0xFF) {
    if (char f = kLatin1[c - 0xC0]) return std::string(1, f);
    switch (c) {
      case 0xC6:
        return "AE";
      case 0xDE:
        return "Th";
      case 0xDF:
        return "ss";
      case 0xE6:
        return "ae";
      case 0xFE:
        return "th";
    }
  }
  if (c >= 0x100 && c <= 0x17F) {
    if (char f = kLatinA[c - 0x100]) return std::string(1, f);
    switch (c) {
      case 0x132:
        return "IJ";
      case 0x133:
        return "ij";
      case 0x152:
        return "OE";
      case 0x153:
        return "oe";
    }
  }
  switch (c) {
    case 0xA0:
    case 0x2002:
    case 0x2003:
    case 0x2009:
    case 0x200A:
    case 0x202F:
      return " ";
    case 0xA1:
      return "!";
    case 0xBF:
      return "?";
    case 0xAB:
    case 0xBB:
    case 0x201C:
    case 0x201D:
    case 0x201E:
      return "\"";
    case 0xB4:
    case 0x2018:
    case 0x2019:
    case 0x201A:
      return "'";
    case 0xAD:
    case 0x2010:
    case 0x2011:
    case 0x2013:
    case 0x2014:
    case 0x2212:
      return "-";
    case 0xB7:
    case 0x2022:
      return "*";
    case 0x2026:
      return "...";
    case 0x2581:
      return "_";  // SentencePiece's word-boundary mark
  }
  return "?";
}

}  // namespace

std::vector<char32_t> decode_utf8(std::string_view s) {
  std::vector<char32_t> out;
  out.reserve(s.size());
  for (size_t i = 0, len = 0; i < s.size(); i += len) out.push_back(decode_one(s, i, len));
  return out;
}

std::string encode_utf8(char32_t cp) {
  std::string out;
  if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = kReplacement;
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
  return out;
}

size_t utf8_length(std::string_view s) {
  size_t n = 0;
  for (size_t i = 0, len = 0; i < s.size(); i += len, ++n) decode_one(s, i, len);
  return n;
}

std::string xml_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + s.size() / 8);
  for (char32_t c : decode_utf8(s)) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default: {
        const bool allowed =
            c == '\t' || c == '\n' || c == '\r' || (c >= 0x20 && c != 0x7F && c != 0xFFFE && c != 0xFFFF);
        out += encode_utf8(allowed ? c : kReplacement);
      }
    }
  }
  return out;
}

std::string ascii_fold(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char32_t c : decode_utf8(s)) out += fold_code_point(c);
  return out;
}

std::string truncate_label(std::string_view s, size_t max_chars, std::string_view ellipsis) {
  const std::vector<char32_t> cps = decode_utf8(s);
  if (cps.size() <= max_chars) {
    std::string out;
    for (char32_t c : cps) out += encode_utf8(c);
    return out;
  }
  // Keep what fits beside the ellipsis; an ellipsis longer than the limit is itself cut.
  const std::vector<char32_t> dots = decode_utf8(ellipsis);
  const size_t keep = max_chars > dots.size() ? max_chars - dots.size() : 0;
  std::string out;
  for (size_t i = 0; i < keep; ++i) out += encode_utf8(cps[i]);
  for (size_t i = 0; i < dots.size() && keep + i < max_chars; ++i) out += encode_utf8(dots[i]);
  return out;
}

void write_file_atomically(const std::string& path, std::string_view bytes, std::string_view what) {
  ATTEND_CHECK(!path.empty(), "{}: empty output path", what);
  const std::string tmp = path + ".tmp-" + std::to_string(::getpid());
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  ATTEND_CHECK(f != nullptr, "{}: cannot create '{}': {}", what, path, std::strerror(errno));
  const bool wrote = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
  const int write_errno = errno;
  const bool closed = std::fclose(f) == 0;
  if (!wrote || !closed) {
    std::remove(tmp.c_str());
    ATTEND_FAIL("{}: cannot write '{}': {}", what, path, std::strerror(wrote ? errno : write_errno));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int e = errno;
    std::remove(tmp.c_str());
    ATTEND_FAIL("{}: cannot replace '{}': {}", what, path, std::strerror(e));
  }
}

}  // namespace attend::viz
