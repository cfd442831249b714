// Text helpers for the renderers: UTF-8 decoding (invalid bytes become U+FFFD), XML escaping that always
// yields well-formed XML text, folding to printable ASCII for the bitmap font, label truncation, and the
// atomic file write (temporary file + rename) every writer of src/viz uses.
#pragma once
#include <fmt/format.h>

#include <iterator>
#include <string>
#include <string_view>
#include <vector>

namespace attend::viz {

// The code points of `s`; each byte of an ill-formed sequence decodes to U+FFFD.
std::vector<char32_t> decode_utf8(std::string_view s);
std::string encode_utf8(char32_t cp);
// Number of code points (as decode_utf8 counts them).
size_t utf8_length(std::string_view s);

// Escapes &, <, >, " and ' for XML text and attribute values. Ill-formed UTF-8 and characters XML 1.0
// forbids (control characters other than tab/newline/CR) become U+FFFD, so the output is always valid.
std::string xml_escape(std::string_view s);

// Printable ASCII (32..126) for stb_easy_font: Latin-1 letters fold to their base letter (á->a, Ñ->N,
// ß->ss, Æ->AE), common typographic punctuation to its ASCII look-alike (’->', “->", –->-, …->...,
// ¿->?, SentencePiece's ▁ -> _), whitespace to a space, and anything else to '?'.
std::string ascii_fold(std::string_view s);

// At most `max_chars` code points: longer text keeps its beginning and ends in `ellipsis`, the whole being
// max_chars long. Ill-formed UTF-8 comes back as U+FFFD.
std::string truncate_label(std::string_view s, size_t max_chars, std::string_view ellipsis = "\u2026");

// fmt::format appended to `out` (the format string is checked at compile time).
template <class... Args>
void append_format(std::string& out, fmt::format_string<Args...> f, Args&&... args) {
  fmt::format_to(std::back_inserter(out), f, std::forward<Args>(args)...);
}

// Writes `bytes` to `path` through a temporary file in the same directory and a rename, so readers
// never see a half-written file. `what` names the writer in errors ("heatmap png").
void write_file_atomically(const std::string& path, std::string_view bytes, std::string_view what);

}  // namespace attend::viz
