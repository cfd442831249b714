// Small text-file helpers shared by the corpus readers: whole-file line reading (CRLF tolerated) and
// atomic writes (a temporary file renamed over the target, so a crash never leaves half a file).
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace attend::data {

// Every line of `path` without its line ending ("\n" or "\r\n"); a final line without a newline counts,
// a trailing newline does not start another line. `what` names the caller in errors ("vocab").
std::vector<std::string> read_lines(const std::string& path, std::string_view what);

// Writes `content` to `path` through `path`.tmp and a rename.
void write_text_atomic(const std::string& path, std::string_view content, std::string_view what);

// Splits on runs of ASCII whitespace (space, tab, CR, LF, VT, FF); no empty tokens.
std::vector<std::string> split_whitespace(std::string_view line);
// Whether the line holds nothing but that whitespace (split_whitespace would give no tokens).
bool is_blank(std::string_view line);

}  // namespace attend::data
