// HTML report (src/viz/html_report.cc): well-formed, self-contained, one section and one heatmap per view,
// escaped titles and text.
#include "viz/html_report.h"

#include <gtest/gtest.h>

#include "support/expect_error.h"
#include "support/temp_dir.h"
#include "viz/xml_check.h"

namespace attend::viz {
namespace {

std::vector<AlignmentView> views() {
  AlignmentView a;
  a.source_tokens = {
      "\xE2\x96\x81"
      "la",
      "\xE2\x96\x81"
      "cas",
      "a"};  // SentencePiece pieces: ▁la ▁cas a
  a.output_tokens = {"the", "house"};
  a.weights = {{0.8f, 0.1f, 0.1f}, {0.0f, 0.5f, 0.5f}};
  a.sure = {{1, 1}};
  a.title = "A & <B>";
  AlignmentView b;
  b.source_tokens = {"x"};
  b.output_tokens = {"y", "z", "w"};
  b.weights = {{1.0f}, {1.0f}, {0.5f}};
  AlignmentView c = a;
  c.title = "third \"one\"";
  c.possible = {{0, 0}, {2, 1}};
  return {a, b, c};
}

TEST(VizHtmlReport, DetokenizeJoinsWordsAndPieces) {
  EXPECT_EQ(detokenize({"the", "house"}), "the house");
  EXPECT_EQ(detokenize({"\xE2\x96\x81"
                        "la",
                        "\xE2\x96\x81"
                        "cas",
                        "a"}),
            "la casa");
  EXPECT_EQ(detokenize({}), "");
}

TEST(VizHtmlReport, OneSectionAndHeatmapPerView) {
  const auto vs = views();
  const std::string html = html_report(vs);
  const auto doc = testing_util::check_xml(html);
  ASSERT_TRUE(doc.ok) << doc.error;
  EXPECT_EQ(doc.elements.front().name, "html");
  EXPECT_EQ(doc.count("section"), 3);
  EXPECT_EQ(doc.count("svg"), 3);
  EXPECT_EQ(doc.count("rect", "cell"), 6 + 3 + 6);
  EXPECT_EQ(doc.count("rect", "sure"), 2);
  EXPECT_EQ(doc.count("rect", "possible"), 2);
  const auto h2 = doc.find("h2");
  ASSERT_EQ(h2.size(), 3u);
  EXPECT_EQ(h2[0]->text, "A & <B>");
  EXPECT_EQ(h2[1]->text, "Alignment 1");  // untitled views are numbered
  EXPECT_EQ(h2[2]->text, "third \"one\"");
  const auto src = doc.find("p", "text src");
  ASSERT_EQ(src.size(), 3u);
  EXPECT_EQ(src[0]->text, "la casa");
  EXPECT_EQ(doc.find("p", "text out")[1]->text, "y z w");
  // The heatmap titles are not repeated inside the figures.
  EXPECT_EQ(doc.count("text", "title"), 0);
  EXPECT_NE(html.find("A &amp; &lt;B&gt;"), std::string::npos);
}

TEST(VizHtmlReport, IsSelfContained) {
  const std::string html = html_report(views());
  const auto doc = testing_util::check_xml(html);
  ASSERT_TRUE(doc.ok) << doc.error;
  EXPECT_EQ(doc.count("script"), 0);
  EXPECT_EQ(doc.count("link"), 0);
  EXPECT_EQ(doc.count("img"), 0);
  for (const auto& e : doc.elements) {
    EXPECT_EQ(e.attrs.count("src"), 0u) << e.name;
    EXPECT_EQ(e.attrs.count("href"), 0u) << e.name;
    for (const auto& [k, val] : e.attrs)
      if (k != "xmlns") {
        EXPECT_EQ(val.find("http"), std::string::npos) << e.name << " " << k;
      }
  }
  EXPECT_EQ(doc.count("style"), 1);
}

TEST(VizHtmlReport, BadViewIsNamedByPosition) {
  auto vs = views();
  vs[1].weights[2] = {1.5f};
  testing::expect_error_containing([&] { html_report(vs); }, "html report: alignment 1: weight [2][0] = 1.5");
  testing_util::TempDir tmp;
  const auto good = views();
  write_html_report(tmp.file("r.html"), good);
  EXPECT_EQ(testing_util::read_bytes(tmp.file("r.html")), html_report(good));
}

}  // namespace
}  // namespace attend::viz
