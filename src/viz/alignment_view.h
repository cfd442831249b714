// AlignmentView: what an attention heatmap shows (source and output tokens, the weight matrix, optional
// gold links) with its validation and its JSON-lines form, the format `attend translate --attention-json`
// writes and `attend viz --attention` reads. One object per line:
//   {"src":["la","casa"],"out":["the","house"],"weights":[[0.9,0.1],[0.2,0.8]],
//    "sure":[[0,0]],"possible":[[1,1]],"title":"Gen 1:1"}
// "sure", "possible" and "title" are optional. A link [i, j] joins source token i and output token j.
#pragma once
#include <cstddef>
#include <limits>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace attend::viz {

struct AlignmentView {
  std::vector<std::string> source_tokens;
  std::vector<std::string> output_tokens;
  std::vector<std::vector<float>> weights;    // [output][source]; each row sums to <= 1
  std::vector<std::pair<int, int>> sure;      // gold links (source i, output j), drawn as solid outlines
  std::vector<std::pair<int, int>> possible;  // drawn dashed (where not also sure: S is a subset of P)
  std::string title;
  friend bool operator==(const AlignmentView&, const AlignmentView&) = default;
};

// Slack for float rounding in the weight checks (weights in [-tol, 1+tol], row sums <= 1+tol).
inline constexpr float kWeightTolerance = 1e-3f;

// Throws a one-line attend::Error naming `where` and the sizes when the view is not drawable: no tokens,
// weight rows != output tokens, a row length != source tokens, a non-finite or out-of-range weight, a
// row summing past 1, or a gold link outside the matrix.
void validate(const AlignmentView& v, std::string_view where = "alignment view");

// The JSON object above (optional fields only when non-empty). Does not validate.
nlohmann::json to_json(const AlignmentView& v);
// Parses and validates; errors name `where` (e.g. "attn.jsonl:3") and the offending field.
AlignmentView from_json(const nlohmann::json& j, std::string_view where = "alignment view");

// One line per view. Written atomically; validates each view first.
void write_alignment_views(const std::string& path, std::span<const AlignmentView> views);
// Reads at most `max_views` views from a JSON-lines file (blank lines skipped). A missing file, a line that
// is not JSON, or an invalid view is an error naming the file and the line number.
std::vector<AlignmentView> read_alignment_views(const std::string& path,
                                                size_t max_views = std::numeric_limits<size_t>::max());

// The 0-based `index`-th view of the file; an error says how many the file holds when there are fewer.
AlignmentView read_alignment_view(const std::string& path, size_t index);

}  // namespace attend::viz
