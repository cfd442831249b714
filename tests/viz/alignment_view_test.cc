// AlignmentView validation and JSON lines (src/viz/alignment_view.cc).
#include "viz/alignment_view.h"

#include <gtest/gtest.h>

#include <cmath>

#include "support/expect_error.h"
#include "support/temp_dir.h"

namespace attend::viz {
namespace {

using testing::expect_error_containing;

AlignmentView small_view() {
  AlignmentView v;
  v.source_tokens = {"la", "casa",
                     "\xC3\xB1"
                     "and\xC3\xBA"};  // ñandú
  v.output_tokens = {"the", "house"};
  v.weights = {{0.7f, 0.2f, 0.1f}, {0.05f, 0.9f, 0.05f}};
  v.sure = {{1, 1}};
  v.possible = {{0, 0}, {1, 1}};
  v.title = "Gen 1:1 \"quoted\"";
  return v;
}

// The message of the Error `f` throws, which must be a single line.
template <class F>
std::string one_line_error(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "no error";
  return "";
}

TEST(VizAlignmentView, ValidViewPasses) {
  EXPECT_NO_THROW(validate(small_view()));
  AlignmentView v = small_view();
  v.weights[0] = {0.5f, 0.3f, 0.2005f};  // sums to 1.0005: float slack
  EXPECT_NO_THROW(validate(v));
  v.weights[0] = {0.0f, 0.0f, 0.0f};  // rows may sum to less than 1 (e.g. hard attention elsewhere)
  EXPECT_NO_THROW(validate(v));
}

TEST(VizAlignmentView, BadShapesNameTheSizes) {
  AlignmentView v = small_view();
  v.weights[1].pop_back();
  EXPECT_NE(
      one_line_error([&] { validate(v, "x"); }).find("x: weight row 1 has 2 values but there are 3 source tokens"),
      std::string::npos);
  v = small_view();
  v.weights.pop_back();
  EXPECT_NE(one_line_error([&] { validate(v); }).find("1 weight rows but 2 output tokens"), std::string::npos);
  v = small_view();
  v.source_tokens.clear();
  EXPECT_NE(one_line_error([&] { validate(v); }).find("no source tokens"), std::string::npos);
  v = small_view();
  v.output_tokens.clear();
  v.weights.clear();
  EXPECT_NE(one_line_error([&] { validate(v); }).find("no output tokens"), std::string::npos);
}

TEST(VizAlignmentView, BadWeightsAreRejected) {
  const std::pair<float, const char*> cases[] = {{std::nanf(""), "weight [0][1] is nan"},
                                                 {INFINITY, "weight [0][1] is inf"},
                                                 {-0.5f, "weight [0][1] = -0.5 is outside [0, 1]"},
                                                 {1.5f, "weight [0][1] = 1.5 is outside [0, 1]"},
                                                 {0.6f, "weight row 0 sums to"}};
  for (auto [w, text] : cases) {
    AlignmentView v = small_view();
    v.weights[0][1] = w;
    EXPECT_NE(one_line_error([&] { validate(v); }).find(text), std::string::npos) << text;
  }
}

TEST(VizAlignmentView, LinksMustLieInTheMatrix) {
  AlignmentView v = small_view();
  v.sure.push_back({3, 0});  // source index 3 of 3
  EXPECT_NE(one_line_error([&] { validate(v); }).find("sure link 1 is [3, 0] but the matrix has 3 source x 2 output"),
            std::string::npos);
  v = small_view();
  v.possible.push_back({0, -1});
  EXPECT_NE(one_line_error([&] { validate(v); }).find("possible link 2 is [0, -1]"), std::string::npos);
}

TEST(VizAlignmentView, JsonHasTheDocumentedFields) {
  const nlohmann::json j = to_json(small_view());
  EXPECT_EQ(j.dump(),
            "{\"out\":[\"the\",\"house\"],\"possible\":[[0,0],[1,1]],"
            "\"src\":[\"la\",\"casa\",\"\xC3\xB1"
            "and\xC3\xBA\"],\"sure\":[[1,1]],"
            "\"title\":\"Gen 1:1 \\\"quoted\\\"\",\"weights\":[[0.7,0.2,0.1],[0.05,0.9,0.05]]}");
  AlignmentView bare = small_view();
  bare.sure.clear(), bare.possible.clear(), bare.title.clear();
  EXPECT_FALSE(to_json(bare).contains("sure"));
  EXPECT_FALSE(to_json(bare).contains("title"));
  // The example from the header, as a writer would produce it.
  const AlignmentView parsed = from_json(nlohmann::json::parse(
      R"({"src":["la","casa"],"out":["the","house"],"weights":[[0.9,0.1],[0.2,0.8]],"sure":[[0,0]],"possible":[[1,1]],"title":"Gen 1:1"})"));
  EXPECT_EQ(parsed.source_tokens, (std::vector<std::string>{"la", "casa"}));
  EXPECT_EQ(parsed.output_tokens, (std::vector<std::string>{"the", "house"}));
  EXPECT_EQ(parsed.weights, (std::vector<std::vector<float>>{{0.9f, 0.1f}, {0.2f, 0.8f}}));
  EXPECT_EQ(parsed.sure, (std::vector<std::pair<int, int>>{{0, 0}}));
  EXPECT_EQ(parsed.possible, (std::vector<std::pair<int, int>>{{1, 1}}));
  EXPECT_EQ(parsed.title, "Gen 1:1");
}

TEST(VizAlignmentView, JsonRoundTripIsExact) {
  AlignmentView v = small_view();
  v.weights[1] = {1.0f / 3, 1.0f / 3, 1.0f / 3};
  EXPECT_EQ(from_json(nlohmann::json::parse(to_json(v).dump())), v);
}

TEST(VizAlignmentView, BadJsonFieldsNameWhereAndWhat) {
  auto parse = [](const char* text) { return from_json(nlohmann::json::parse(text), "f.jsonl:4"); };
  EXPECT_NE(one_line_error([&] { parse(R"({"src":["a"],"out":["b"]})"); }).find("f.jsonl:4: missing key 'weights'"),
            std::string::npos);
  EXPECT_NE(one_line_error([&] {
              parse(R"({"src":["a"],"out":["b"],"weights":[[null]]})");
            }).find("f.jsonl:4: weight [0][0] is null null, not a number"),
            std::string::npos);
  EXPECT_NE(one_line_error([&] {
              parse(R"({"src":"a b","out":["b"],"weights":[[1]]})");
            }).find("'src' must be an array of strings"),
            std::string::npos);
  EXPECT_NE(one_line_error([&] {
              parse(R"({"src":["a",3],"out":["b"],"weights":[[1, 0]]})");
            }).find("'src'[1] must be a string"),
            std::string::npos);
  EXPECT_NE(one_line_error([&] {
              parse(R"({"src":["a"],"out":["b"],"weights":[[1]],"sure":[[0]]})");
            }).find("'sure'[0] must be a pair of integers"),
            std::string::npos);
  EXPECT_NE(one_line_error([&] {
              parse(R"({"src":["a","b"],"out":["b"],"weights":[[1]]})");
            }).find("weight row 0 has 1 values but there are 2 source tokens"),
            std::string::npos);
  EXPECT_NE(one_line_error([&] { parse(R"([1,2])"); }).find("expected a JSON object, got array"), std::string::npos);
}

TEST(VizAlignmentView, FileRoundTripAndLimits) {
  testing_util::TempDir tmp;
  const std::string path = tmp.file("attn.jsonl");
  AlignmentView a = small_view(), b = small_view(), c = small_view();
  b.title = "second";
  c.title = "third";
  c.sure.clear();
  const std::vector<AlignmentView> views{a, b, c};
  write_alignment_views(path, views);
  EXPECT_EQ(read_alignment_views(path), views);
  EXPECT_EQ(read_alignment_views(path, 2), (std::vector<AlignmentView>{a, b}));
  EXPECT_EQ(read_alignment_view(path, 2), c);
  EXPECT_NE(one_line_error([&] { read_alignment_view(path, 3); }).find("index 3 asked for but it holds 3"),
            std::string::npos);
  // Blank lines and CRLF endings are fine.
  testing_util::write_bytes(path, "\n" + to_json(a).dump() + "\r\n\n" + to_json(b).dump() + "\n");
  EXPECT_EQ(read_alignment_views(path), (std::vector<AlignmentView>{a, b}));
}

TEST(VizAlignmentView, FileErrorsNameFileAndLine) {
  testing_util::TempDir tmp;
  const std::string path = tmp.file("attn.jsonl");
  testing_util::write_bytes(path, to_json(small_view()).dump() + "\n\n{\"src\": [\"a\"], oops}\n");
  EXPECT_NE(one_line_error([&] { read_alignment_views(path); }).find(path + ":3: not valid JSON"), std::string::npos);
  // Reading only the first view does not look at line 3.
  EXPECT_EQ(read_alignment_views(path, 1).size(), 1u);
  testing_util::write_bytes(
      path, to_json(small_view()).dump() + "\n" + R"({"src":["a"],"out":["b"],"weights":[[1.5]]})" + "\n");
  EXPECT_NE(one_line_error([&] { read_alignment_views(path); }).find(path + ":2: weight [0][0] = 1.5"),
            std::string::npos);
  EXPECT_NE(one_line_error([&] {
              read_alignment_views(tmp.file("missing.jsonl"));
            }).find("alignment file '" + tmp.file("missing.jsonl") + "': cannot open"),
            std::string::npos);
  AlignmentView bad = small_view();
  bad.weights[0][0] = std::nanf("");
  expect_error_containing([&] { write_alignment_views(tmp.file("w.jsonl"), std::vector<AlignmentView>{bad}); },
                          "weight [0][0] is nan");
}

}  // namespace
}  // namespace attend::viz
