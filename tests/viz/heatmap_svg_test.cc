// SVG heatmaps (src/viz/heatmap_svg.cc): well-formed XML, one rect per weight with the ramp colour at the
// layout's position, gold outline counts, escaped UTF-8 labels.
#include "viz/heatmap_svg.h"

#include <gtest/gtest.h>

#include "support/expect_error.h"
#include "support/temp_dir.h"
#include "viz/xml_check.h"

namespace attend::viz {
namespace {

using testing_util::check_xml;

AlignmentView view_2x3() {
  AlignmentView v;
  v.source_tokens = {"a<b&\"c'>", "ni\xC3\xB1o", "\xE6\x97\xA5\xE6\x9C\xAC"};  // markup, ñ, 日本
  v.output_tokens = {"x", "y & z"};
  v.weights = {{0.0f, 0.5f, 0.5f}, {1.0f, 0.0f, 0.0f}};
  v.sure = {{0, 1}, {0, 1}};              // duplicate: drawn once
  v.possible = {{0, 1}, {2, 0}, {1, 0}};  // (0,1) is also sure: drawn solid only
  v.title = "T<1> & \"2\"";
  return v;
}

TEST(VizHeatmapSvg, IsWellFormedWithOneCellPerWeight) {
  const AlignmentView v = view_2x3();
  const std::string svg = heatmap_svg(v);
  const auto doc = check_xml(svg);
  ASSERT_TRUE(doc.ok) << doc.error;
  EXPECT_EQ(doc.elements.front().name, "svg");
  const SvgLayout L = svg_layout(v);
  const auto cells = doc.find("rect", "cell");
  ASSERT_EQ(cells.size(), 6u);
  for (int r = 0; r < 2; ++r)
    for (int c = 0; c < 3; ++c) {
      const auto& a = cells[r * 3 + c]->attrs;
      EXPECT_EQ(a.at("x"), std::to_string(L.grid_x + c * L.cell));
      EXPECT_EQ(a.at("y"), std::to_string(L.grid_y + r * L.cell));
      EXPECT_EQ(a.at("width"), std::to_string(L.cell));
      EXPECT_EQ(a.at("fill"), hex(ramp_color(ColorScale::Blues, v.weights[r][c])));
    }
  EXPECT_EQ(cells[0]->attrs.at("fill"), "#f7fbff");  // weight 0
  EXPECT_EQ(cells[3]->attrs.at("fill"), "#08306b");  // weight 1
  EXPECT_EQ(doc.elements.front().attrs.at("width"), std::to_string(L.width));
}

TEST(VizHeatmapSvg, GoldOutlinesAreCountedOncePerLink) {
  const auto doc = check_xml(heatmap_svg(view_2x3()));
  ASSERT_TRUE(doc.ok) << doc.error;
  EXPECT_EQ(doc.count("rect", "sure"), 1);
  EXPECT_EQ(doc.count("rect", "possible"), 2);
  const SvgLayout L = svg_layout(view_2x3());
  // The sure link (source 0, output 1) outlines column 0 of row 1, inside the cell.
  const auto sure = doc.find("rect", "sure")[0];
  const double x = std::stod(sure->attrs.at("x")), y = std::stod(sure->attrs.at("y"));
  EXPECT_GT(x, L.grid_x);
  EXPECT_LT(x, L.grid_x + L.cell / 2);
  EXPECT_GT(y, L.grid_y + L.cell);
  EXPECT_LT(y, L.grid_y + L.cell + L.cell / 2);
  EXPECT_EQ(sure->attrs.count("stroke-dasharray"), 0u);
  for (const auto* p : doc.find("rect", "possible")) EXPECT_EQ(p->attrs.count("stroke-dasharray"), 1u);
  for (const auto* p : doc.find("rect", "possible")) EXPECT_EQ(p->attrs.at("fill"), "none");
}

TEST(VizHeatmapSvg, LabelsKeepUtf8AndAreEscaped) {
  const AlignmentView v = view_2x3();
  const std::string svg = heatmap_svg(v);
  EXPECT_NE(svg.find("a&lt;b&amp;&quot;c&apos;&gt;"), std::string::npos);
  EXPECT_EQ(svg.find("a<b"), std::string::npos);
  EXPECT_NE(svg.find("T&lt;1&gt; &amp; &quot;2&quot;"), std::string::npos);
  const auto doc = check_xml(svg);
  ASSERT_TRUE(doc.ok) << doc.error;
  std::vector<std::string> src, out;
  for (const auto* e : doc.find("text", "src-label")) src.push_back(e->text);
  for (const auto* e : doc.find("text", "out-label")) out.push_back(e->text);
  EXPECT_EQ(src, v.source_tokens);
  EXPECT_EQ(out, v.output_tokens);
  ASSERT_EQ(doc.count("text", "title"), 1);
  EXPECT_EQ(doc.find("text", "title")[0]->text, v.title);
  // Tooltips name the pair and the weight.
  const auto tips = doc.find("title");
  ASSERT_EQ(tips.size(), 1u + 6u);  // the svg's own title plus one per cell
  EXPECT_EQ(tips[2]->text, "ni\xC3\xB1o \xE2\x86\x92 x: 0.500");
}

TEST(VizHeatmapSvg, LongLabelsAreCutButTooltipsKeepThem) {
  AlignmentView v = view_2x3();
  v.source_tokens[0] = std::string(30, 'x');
  const auto doc = check_xml(heatmap_svg(v));
  ASSERT_TRUE(doc.ok) << doc.error;
  EXPECT_EQ(doc.find("text", "src-label")[0]->text, std::string(23, 'x') + "\u2026");  // 24 code points
  EXPECT_EQ(doc.find("title")[1]->text, std::string(30, 'x') + " \u2192 x: 0.000");
}

TEST(VizHeatmapSvg, HostileTextStillGivesValidXml) {
  AlignmentView v = view_2x3();
  v.source_tokens[1] = std::string("bad\x01\xFF]]>--", 10);
  v.output_tokens[0] = "</svg><script>alert(1)</script>";
  const std::string svg = heatmap_svg(v);
  const auto doc = check_xml(svg);
  ASSERT_TRUE(doc.ok) << doc.error;
  EXPECT_EQ(doc.count("script"), 0);
  EXPECT_EQ(doc.find("text", "src-label")[1]->text, "bad\xEF\xBF\xBD\xEF\xBF\xBD]]>--");
}

TEST(VizHeatmapSvg, OptionsChangeScaleTooltipsAndTitle) {
  const AlignmentView v = view_2x3();
  SvgHeatmapOptions opt;
  opt.scale = ColorScale::Viridis;
  opt.tooltips = false;
  opt.show_title = false;
  const auto doc = check_xml(heatmap_svg(v, opt));
  ASSERT_TRUE(doc.ok) << doc.error;
  EXPECT_EQ(doc.find("rect", "cell")[3]->attrs.at("fill"), "#fde725");
  EXPECT_EQ(doc.count("title"), 1);  // only the svg's own
  EXPECT_EQ(doc.count("text", "title"), 0);
  EXPECT_EQ(doc.count("stop"), 9);  // the gradient carries viridis' nine stops
  EXPECT_EQ(doc.find("stop")[8]->attrs.at("stop-color"), "#fde725");
}

TEST(VizHeatmapSvg, LargeMatrixShrinksCells) {
  AlignmentView v;
  for (int k = 0; k < 60; ++k) v.source_tokens.push_back(fmt::format("s{}", k)), v.output_tokens.push_back("o");
  v.weights.assign(60, std::vector<float>(60, 0.01f));
  const SvgLayout L = svg_layout(v);
  EXPECT_EQ(L.cell, 15);  // 900 / 60
  const auto doc = check_xml(heatmap_svg(v));
  ASSERT_TRUE(doc.ok) << doc.error;
  EXPECT_EQ(doc.count("rect", "cell"), 3600);
  EXPECT_EQ(doc.count("text", "src-label"), 60);
}

TEST(VizHeatmapSvg, BadInputAndWriting) {
  testing_util::TempDir tmp;
  AlignmentView v = view_2x3();
  v.weights[0][2] = std::nanf("");
  testing::expect_error_containing([&] { heatmap_svg(v); }, "weight [0][2] is nan");
  v = view_2x3();
  v.source_tokens.clear();
  testing::expect_error_containing([&] { heatmap_svg(v); }, "no source tokens");
  AlignmentView huge;
  huge.source_tokens.assign(600, "s");
  huge.output_tokens.assign(600, "o");
  huge.weights.assign(600, std::vector<float>(600, 0.0f));
  testing::expect_error_containing([&] { heatmap_svg(huge); }, "600 x 600 cells is too many for SVG");
  write_heatmap_svg(tmp.file("h.svg"), view_2x3());
  EXPECT_EQ(testing_util::read_bytes(tmp.file("h.svg")), heatmap_svg(view_2x3()));
}

}  // namespace
}  // namespace attend::viz
