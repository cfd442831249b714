// AlignmentView validation and its JSON-lines reading and writing.
#include "viz/alignment_view.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include "base/error.h"
#include "viz/text.h"
#include "base/json_excerpt.h"

namespace attend::viz {

namespace {

using nlohmann::json;

void validate_links(const std::vector<std::pair<int, int>>& links, const char* name, size_t n_src, size_t n_out,
                    std::string_view where) {
  for (size_t k = 0; k < links.size(); ++k) {
    const auto [i, j] = links[k];
    ATTEND_CHECK(i >= 0 && static_cast<size_t>(i) < n_src && j >= 0 && static_cast<size_t>(j) < n_out,
                 "{}: {} link {} is [{}, {}] but the matrix has {} source x {} output tokens", where, name, k, i, j,
                 n_src, n_out);
  }
}

std::vector<std::string> parse_tokens(const json& j, const char* key, std::string_view where) {
  auto it = j.find(key);
  ATTEND_CHECK(it != j.end(), "{}: missing key '{}'", where, key);
  ATTEND_CHECK(it->is_array(), "{}: '{}' must be an array of strings, got {}", where, key, it->type_name());
  std::vector<std::string> out;
  out.reserve(it->size());
  for (size_t k = 0; k < it->size(); ++k) {
    const json& t = (*it)[k];
    ATTEND_CHECK(t.is_string(), "{}: '{}'[{}] must be a string, got {}", where, key, k, t.type_name());
    out.push_back(t.get<std::string>());
  }
  return out;
}

std::vector<std::pair<int, int>> parse_links(const json& j, const char* key, std::string_view where) {
  std::vector<std::pair<int, int>> out;
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return out;
  ATTEND_CHECK(it->is_array(), "{}: '{}' must be an array of [source, output] pairs, got {}", where, key,
               it->type_name());
  for (size_t k = 0; k < it->size(); ++k) {
    const json& p = (*it)[k];
    ATTEND_CHECK(p.is_array() && p.size() == 2 && p[0].is_number_integer() && p[1].is_number_integer(),
                 "{}: '{}'[{}] must be a pair of integers [source, output], got {}", where, key, k, json_excerpt(p));
    const auto i = p[0].get<int64_t>(), o = p[1].get<int64_t>();
    ATTEND_CHECK(i >= 0 && o >= 0 && i < (int64_t{1} << 30) && o < (int64_t{1} << 30),
                 "{}: '{}'[{}] = {} is out of range", where, key, k, json_excerpt(p));
    out.emplace_back(static_cast<int>(i), static_cast<int>(o));
  }
  return out;
}

json links_json(const std::vector<std::pair<int, int>>& links) {
  json a = json::array();
  for (auto [i, j] : links) a.push_back({i, j});
  return a;
}

}  // namespace

void validate(const AlignmentView& v, std::string_view where) {
  const size_t n_src = v.source_tokens.size(), n_out = v.output_tokens.size();
  ATTEND_CHECK(n_src > 0, "{}: no source tokens", where);
  ATTEND_CHECK(n_out > 0, "{}: no output tokens", where);
  ATTEND_CHECK(v.weights.size() == n_out, "{}: {} weight rows but {} output tokens (weights are [output][source])",
               where, v.weights.size(), n_out);
  for (size_t r = 0; r < n_out; ++r) {
    const auto& row = v.weights[r];
    ATTEND_CHECK(row.size() == n_src, "{}: weight row {} has {} values but there are {} source tokens", where, r,
                 row.size(), n_src);
    double sum = 0;
    for (size_t c = 0; c < n_src; ++c) {
      const float w = row[c];
      ATTEND_CHECK(std::isfinite(w), "{}: weight [{}][{}] is {}", where, r, c, w);
      ATTEND_CHECK(w >= -kWeightTolerance && w <= 1 + kWeightTolerance, "{}: weight [{}][{}] = {} is outside [0, 1]",
                   where, r, c, w);
      sum += w;
    }
    ATTEND_CHECK(sum <= 1.0 + kWeightTolerance, "{}: weight row {} sums to {} (more than 1)", where, r, sum);
  }
  validate_links(v.sure, "sure", n_src, n_out, where);
  validate_links(v.possible, "possible", n_src, n_out, where);
}

json to_json(const AlignmentView& v) {
  json j = {{"src", v.source_tokens}, {"out", v.output_tokens}};
  // Each weight as the shortest decimal that reads back as the same float ("0.7", not 0.699999988...).
  json w = json::array();
  for (const auto& row : v.weights) {
    json r = json::array();
    for (float x : row) {
      if (std::isfinite(x))
        r.push_back(std::strtod(fmt::format("{}", x).c_str(), nullptr));
      else
        r.push_back(nullptr);  // JSON has no NaN or infinity
    }
    w.push_back(std::move(r));
  }
  j["weights"] = std::move(w);
  if (!v.sure.empty()) j["sure"] = links_json(v.sure);
  if (!v.possible.empty()) j["possible"] = links_json(v.possible);
  if (!v.title.empty()) j["title"] = v.title;
  return j;
}

AlignmentView from_json(const json& j, std::string_view where) {
  ATTEND_CHECK(j.is_object(), "{}: expected a JSON object, got {}", where, j.type_name());
  AlignmentView v;
  v.source_tokens = parse_tokens(j, "src", where);
  v.output_tokens = parse_tokens(j, "out", where);
  auto it = j.find("weights");
  ATTEND_CHECK(it != j.end(), "{}: missing key 'weights'", where);
  ATTEND_CHECK(it->is_array(), "{}: 'weights' must be an array of rows, got {}", where, it->type_name());
  for (size_t r = 0; r < it->size(); ++r) {
    const json& row = (*it)[r];
    ATTEND_CHECK(row.is_array(), "{}: weight row {} must be an array, got {}", where, r, row.type_name());
    std::vector<float> values;
    values.reserve(row.size());
    for (size_t c = 0; c < row.size(); ++c) {
      // JSON has no NaN or infinity: writers such as nlohmann put null there.
      ATTEND_CHECK(row[c].is_number(), "{}: weight [{}][{}] is {} {}, not a number", where, r, c, row[c].type_name(),
                   json_excerpt(row[c]));
      values.push_back(row[c].get<float>());
    }
    v.weights.push_back(std::move(values));
  }
  v.sure = parse_links(j, "sure", where);
  v.possible = parse_links(j, "possible", where);
  if (auto t = j.find("title"); t != j.end() && !t->is_null()) {
    ATTEND_CHECK(t->is_string(), "{}: 'title' must be a string, got {}", where, t->type_name());
    v.title = t->get<std::string>();
  }
  validate(v, where);
  return v;
}

void write_alignment_views(const std::string& path, std::span<const AlignmentView> views) {
  std::string text;
  for (size_t k = 0; k < views.size(); ++k) {
    validate(views[k], fmt::format("alignment view {} for '{}'", k, path));
    text += to_json(views[k]).dump(-1, ' ', false, json::error_handler_t::replace);
    text += '\n';
  }
  write_file_atomically(path, text, "alignment views");
}

std::vector<AlignmentView> read_alignment_views(const std::string& path, size_t max_views) {
  std::ifstream in(path, std::ios::binary);
  ATTEND_CHECK(in.is_open(), "alignment file '{}': cannot open: {}", path, std::strerror(errno));
  std::vector<AlignmentView> views;
  std::string line;
  for (size_t lineno = 1; views.size() < max_views && std::getline(in, line); ++lineno) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    const std::string where = fmt::format("{}:{}", path, lineno);
    json j;
    try {
      j = json::parse(line);
    } catch (const json::parse_error& e) {
      ATTEND_FAIL("{}: not valid JSON (at byte {})", where, e.byte);
    }
    views.push_back(from_json(j, where));
  }
  ATTEND_CHECK(!in.bad(), "alignment file '{}': read error", path);
  return views;
}

AlignmentView read_alignment_view(const std::string& path, size_t index) {
  ATTEND_CHECK(index < std::numeric_limits<size_t>::max(), "alignment file '{}': index {} is too large", path, index);
  std::vector<AlignmentView> views = read_alignment_views(path, index + 1);
  ATTEND_CHECK(index < views.size(), "alignment file '{}': index {} asked for but it holds {} alignment(s)", path,
               index, views.size());
  return std::move(views[index]);
}

}  // namespace attend::viz
