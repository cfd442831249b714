// Training curves (src/viz/curve_svg.cc): metrics reading, nice axes, and points at hand-computed pixels.
#include "viz/curve_svg.h"

#include <gtest/gtest.h>

#include <sstream>

#include "support/expect_error.h"
#include "support/temp_dir.h"
#include "viz/xml_check.h"

namespace attend::viz {
namespace {

using testing::expect_error_containing;

const char* kMetrics =
    "{\"step\":100,\"loss\":3.0,\"tokens_per_s\":5000}\n"
    "{\"step\":200,\"loss\":2.5}\n"
    "\n"
    "{\"step\":300,\"loss\":2.0}\n"
    "{\"step\":250,\"dev_loss\":2.2,\"dev_bleu\":10}\n"
    "{\"step\":400,\"loss\":1.0}\n"
    "{\"step\":500,\"dev_bleu\":20}\n"
    "{\"loss\":9}\n"                   // no step: skipped
    "{\"step\":600,\"loss\":null}\n";  // no number: skipped

std::vector<std::pair<double, double>> polyline_points(const std::string& points) {
  std::vector<std::pair<double, double>> out;
  std::istringstream in(points);
  std::string pair;
  while (in >> pair) {
    const size_t comma = pair.find(',');
    out.emplace_back(std::stod(pair.substr(0, comma)), std::stod(pair.substr(comma + 1)));
  }
  return out;
}

TEST(VizCurve, NiceAxes) {
  auto check = [](NiceAxis a, double lo, double hi, double step) {
    EXPECT_NEAR(a.lo, lo, 1e-12);
    EXPECT_NEAR(a.hi, hi, 1e-12);
    EXPECT_NEAR(a.step, step, 1e-12);
  };
  check(nice_axis(100, 500), 100, 500, 100);
  check(nice_axis(1, 3), 1, 3, 0.5);
  check(nice_axis(0.13, 0.87), 0, 1, 0.2);
  check(nice_axis(10, 20), 10, 20, 2);
  check(nice_axis(0, 0), -1, 1, 0.5);
  check(nice_axis(1234, 98765), 0, 100000, 20000);
  EXPECT_EQ(nice_axis(0.13, 0.87).ticks().size(), 6u);
  expect_error_containing([] { nice_axis(2, 1); }, "nice_axis: bad range [2, 1]");
}

TEST(VizCurve, ReadsOnlyUsableLines) {
  testing_util::TempDir tmp;
  testing_util::write_bytes(tmp.file("m.jsonl"), kMetrics);
  const auto s = read_metric_series(tmp.file("m.jsonl"), {"loss", "dev_bleu"});
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].key, "loss");
  EXPECT_EQ(s[0].points, (std::vector<std::pair<double, double>>{{100, 3}, {200, 2.5}, {300, 2}, {400, 1}}));
  EXPECT_EQ(s[1].points, (std::vector<std::pair<double, double>>{{250, 10}, {500, 20}}));
}

TEST(VizCurve, PointsMapToHandComputedPixels) {
  testing_util::TempDir tmp;
  testing_util::write_bytes(tmp.file("m.jsonl"), kMetrics);
  const auto series = read_metric_series(tmp.file("m.jsonl"), {"loss", "dev_bleu"});
  // Defaults: 720 wide, 220 per panel, no title. Plot areas start 70 px from the left and end 24 px from the
  // right (626 wide); panel k's plot starts at 10 + 220k + 24 and is 220 - 24 - 30 = 166 high.
  // x axis (shared): steps 100..500 -> [100, 500]. loss 1..3 -> [1, 3]; dev_bleu 10..20 -> [10, 20].
  const std::vector<std::pair<double, double>> loss = {
      {70, 34}, {70 + 0.25 * 626, 34 + 166 * 0.25}, {70 + 0.5 * 626, 34 + 166 * 0.5}, {70 + 0.75 * 626, 200}};
  const std::vector<std::pair<double, double>> bleu = {{70 + 0.375 * 626, 254 + 166}, {696, 254}};
  const auto doc = testing_util::check_xml(curve_svg(series));
  ASSERT_TRUE(doc.ok) << doc.error;
  const auto lines = doc.find("polyline", "series");
  ASSERT_EQ(lines.size(), 2u);
  for (int k = 0; k < 2; ++k) {
    const auto got = polyline_points(lines[k]->attrs.at("points"));
    const auto& want = k == 0 ? loss : bleu;
    ASSERT_EQ(got.size(), want.size());
    for (size_t i = 0; i < got.size(); ++i) {
      EXPECT_NEAR(got[i].first, want[i].first, 0.006) << k << " " << i;
      EXPECT_NEAR(got[i].second, want[i].second, 0.006) << k << " " << i;
    }
  }
  EXPECT_EQ(doc.count("circle", "marker"), 6);
  // Legend entries and tick labels.
  std::vector<std::string> texts;
  for (const auto& e : doc.elements)
    if (e.name == "text") texts.push_back(e.text);
  for (const char* t : {"loss", "dev_bleu", "step", "100", "500", "1", "1.5", "3", "10", "20"})
    EXPECT_NE(std::find(texts.begin(), texts.end(), t), texts.end()) << t;
  EXPECT_EQ(curve_layout(series).height, 10 + 2 * 220 + 18 + 10);
}

TEST(VizCurve, ErrorsNameFileLineAndKey) {
  testing_util::TempDir tmp;
  const std::string path = tmp.file("m.jsonl");
  testing_util::write_bytes(path, kMetrics);
  expect_error_containing(
      [&] {
        read_metric_series(path, {"loss", "bleu"});
      },
      "metrics file '" + path + "': no line has numbers for both 'step' and 'bleu'");
  expect_error_containing([&] { read_metric_series(tmp.file("none.jsonl"), {"loss"}); }, "cannot open");
  testing_util::write_bytes(path, "{\"step\":1,\"loss\":2}\n{\"step\":2,\"lo\n{\"step\":3,\"loss\":1}\n");
  expect_error_containing([&] { read_metric_series(path, {"loss"}); },
                          "metrics file '" + path + "' line 2: not valid JSON");
  testing_util::write_bytes(path, "[1,2]\n");
  expect_error_containing([&] { read_metric_series(path, {"loss"}); }, "line 1: expected a JSON object");
  // A last line still being written (no newline yet) is skipped, not an error.
  testing_util::write_bytes(path, "{\"step\":1,\"loss\":2}\n{\"step\":2,\"loss\":1}\n{\"step\":3,\"lo");
  EXPECT_EQ(read_metric_series(path, {"loss"})[0].points.size(), 2u);
  expect_error_containing([&] { write_metrics_curve_svg(path, {"loss"}, tmp.file("no/dir/c.svg")); },
                          "curve svg: cannot create");
}

TEST(VizCurve, WritesTheFile) {
  testing_util::TempDir tmp;
  testing_util::write_bytes(tmp.file("m.jsonl"), kMetrics);
  CurveOptions opt;
  opt.title = "run <1>";
  write_metrics_curve_svg(tmp.file("m.jsonl"), {"loss"}, tmp.file("c.svg"), opt);
  const auto doc = testing_util::check_xml(testing_util::read_bytes(tmp.file("c.svg")));
  ASSERT_TRUE(doc.ok) << doc.error;
  EXPECT_EQ(doc.count("g", "panel"), 1);
  EXPECT_EQ(doc.find("text", "title")[0]->text, "run <1>");
}

}  // namespace
}  // namespace attend::viz
