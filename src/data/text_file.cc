// Line reading, atomic writing and whitespace splitting.
#include "data/text_file.h"

#include <algorithm>
#include <cstdio>
#include <fstream>

#include "base/error.h"

namespace attend::data {

std::vector<std::string> read_lines(const std::string& path, std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  ATTEND_CHECK(in.good(), "{}: cannot open '{}'", what, path);
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(std::move(line));
    line.clear();
  }
  ATTEND_CHECK(in.eof(), "{}: error while reading '{}'", what, path);
  return lines;
}

void write_text_atomic(const std::string& path, std::string_view content, std::string_view what) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    ATTEND_CHECK(out.good(), "{}: cannot write '{}'", what, tmp);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    out.flush();
    ATTEND_CHECK(out.good(), "{}: error while writing '{}'", what, tmp);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    ATTEND_FAIL("{}: cannot rename '{}' to '{}'", what, tmp, path);
  }
}

namespace {
bool space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f'; }
}  // namespace

bool is_blank(std::string_view line) { return std::all_of(line.begin(), line.end(), space); }

std::vector<std::string> split_whitespace(std::string_view line) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && space(line[i])) ++i;
    size_t j = i;
    while (j < line.size() && !space(line[j])) ++j;
    if (j > i) out.emplace_back(line.substr(i, j - i));
    i = j;
  }
  return out;
}

}  // namespace attend::data
