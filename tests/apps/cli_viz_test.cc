// `attend viz` end to end: the built binary renders PNG/SVG/HTML from alignment JSON lines and SVG curves
// from metrics files; bad input gives one line on stderr, a non-zero exit, and no output file.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "support/temp_dir.h"
#include "viz/alignment_view.h"
#include "viz/heatmap_png.h"
#include "viz/xml_check.h"
#include "support/run_cli.h"

namespace {

using attend::testing_util::RunResult;
using attend::testing_util::run;
using attend::testing_util::lines;

namespace fs = std::filesystem;
using attend::testing_util::read_bytes;
using attend::testing_util::TempDir;
using attend::testing_util::write_bytes;

std::vector<attend::viz::AlignmentView> sample_views() {
  attend::viz::AlignmentView a;
  a.source_tokens = {"el", "ni\xC3\xB1o"};
  a.output_tokens = {"the", "boy", "."};
  a.weights = {{0.9f, 0.1f}, {0.2f, 0.8f}, {0.5f, 0.5f}};
  a.sure = {{1, 1}};
  a.title = "first";
  attend::viz::AlignmentView b = a;
  b.title = "second <b>";
  b.possible = {{0, 0}};
  return {a, b};
}

// Writes the sample views to attn.jsonl in `dir`.
std::string sample_file(const TempDir& dir) {
  const std::string path = dir.file("attn.jsonl");
  attend::viz::write_alignment_views(path, sample_views());
  return path;
}

TEST(CliViz, RendersPngOfTheChosenAlignment) {
  TempDir tmp;
  const std::string attn = sample_file(tmp);
  RunResult r = run("viz --attention " + attn + " --out " + tmp.file("a.png"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const std::string png = read_bytes(tmp.file("a.png"));
  EXPECT_EQ(png, attend::viz::heatmap_png(sample_views()[0]));  // the library's rendering of view 0
  r = run("viz --attention " + attn + " --index 1 --out " + tmp.file("b.PNG") + " --colors viridis");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(read_bytes(tmp.file("b.PNG")),
            attend::viz::heatmap_png(sample_views()[1], {.scale = attend::viz::ColorScale::Viridis}));
}

TEST(CliViz, RendersSvgAndHtml) {
  TempDir tmp;
  const std::string attn = sample_file(tmp);
  RunResult r = run("viz --attention " + attn + " --index 1 --out " + tmp.file("b.svg") + " --html " +
                    tmp.file("r.html") + " --max 1");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const auto svg = attend::testing_util::check_xml(read_bytes(tmp.file("b.svg")));
  ASSERT_TRUE(svg.ok) << svg.error;
  EXPECT_EQ(svg.count("rect", "cell"), 6);
  EXPECT_EQ(svg.find("text", "title")[0]->text, "second <b>");
  const auto html = attend::testing_util::check_xml(read_bytes(tmp.file("r.html")));
  ASSERT_TRUE(html.ok) << html.error;
  EXPECT_EQ(html.count("section"), 1);  // --max 1
  EXPECT_EQ(html.find("h2")[0]->text, "first");
  r = run("viz --attention " + attn + " --html " + tmp.file("all.html"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(attend::testing_util::check_xml(read_bytes(tmp.file("all.html"))).count("section"), 2);
}

TEST(CliViz, RendersMetricsCurve) {
  TempDir tmp;
  write_bytes(
      tmp.file("metrics.jsonl"),
      "{\"step\":1,\"loss\":3}\n{\"step\":2,\"loss\":2}\n{\"step\":2,\"dev_bleu\":7}\n{\"step\":3,\"loss\":1.5}\n");
  RunResult r =
      run("viz --metrics " + tmp.file("metrics.jsonl") + " --out " + tmp.file("c.svg") + " --keys loss,dev_bleu");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const auto doc = attend::testing_util::check_xml(read_bytes(tmp.file("c.svg")));
  ASSERT_TRUE(doc.ok) << doc.error;
  EXPECT_EQ(doc.count("polyline", "series"), 2);
  EXPECT_EQ(doc.count("circle", "marker"), 4);
}

TEST(CliViz, BadInputGivesOneLineAndNoFile) {
  TempDir tmp;
  const std::string attn = sample_file(tmp);
  write_bytes(tmp.file("broken.jsonl"), read_bytes(attn) + "{\"src\":[\"a\"],\n");
  write_bytes(tmp.file("nan.jsonl"), "{\"src\":[\"a\"],\"out\":[\"b\"],\"weights\":[[null]]}\n");
  write_bytes(tmp.file("ragged.jsonl"), "{\"src\":[\"a\",\"b\"],\"out\":[\"b\",\"c\"],\"weights\":[[0.5,0.5],[1]]}\n");
  write_bytes(tmp.file("empty.jsonl"), "{\"src\":[],\"out\":[\"b\"],\"weights\":[[]]}\n");
  write_bytes(tmp.file("m.jsonl"), "{\"step\":1,\"loss\":3}\n");
  const std::string out = tmp.file("x.png");
  const std::pair<std::string, std::string> cases[] = {
      {"viz --attention " + attn + " --out " + tmp.file("x.jpg"), "unknown extension '.jpg' (use .png or .svg)"},
      {"viz --attention " + attn + " --out " + tmp.file("x"), "has no extension"},
      {"viz --attention " + attn + " --index 2 --out " + out, "index 2 asked for but it holds 2"},
      {"viz --attention " + attn + " --index -1 --out " + out, "--index: Value -1 not in range"},
      {"viz --attention " + tmp.file("missing.jsonl") + " --out " + out, tmp.file("missing.jsonl") + "': cannot open"},
      {"viz --attention " + tmp.file("broken.jsonl") + " --html " + tmp.file("x.html"),
       tmp.file("broken.jsonl") + ":3: not valid JSON"},
      {"viz --attention " + tmp.file("nan.jsonl") + " --out " + out, "nan.jsonl:1: weight [0][0] is null"},
      {"viz --attention " + tmp.file("ragged.jsonl") + " --out " + out,
       "ragged.jsonl:1: weight row 1 has 1 values but there are 2 source tokens"},
      {"viz --attention " + tmp.file("empty.jsonl") + " --out " + out, "empty.jsonl:1: no source tokens"},
      {"viz --attention " + attn, "needs --out PATH or --html PATH"},
      {"viz", "nothing to draw"},
      {"viz --metrics " + tmp.file("m.jsonl") + " --out " + out, "unknown extension '.png' (use .svg)"},
      {"viz --metrics " + tmp.file("m.jsonl") + " --out " + tmp.file("c.svg") + " --keys dev_bleu",
       "no line has numbers for both 'step' and 'dev_bleu'"},
      {"viz --attention " + attn + " --metrics " + tmp.file("m.jsonl") + " --out " + out, "excludes"},
      {"viz --metrics " + tmp.file("m.jsonl") + " --index 1 --out " + tmp.file("c.svg"), "go with --attention or --model"},
  };
  for (const auto& [args, text] : cases) {
    RunResult r = run(args);
    EXPECT_NE(r.exit_code, 0) << args;
    EXPECT_LT(r.exit_code, 128) << "crashed: " << args;
    EXPECT_EQ(lines(r.out), 1) << args << ": " << r.out;
    EXPECT_NE(r.out.find(text), std::string::npos) << args << ": " << r.out;
  }
  // Nothing was written (no partial files, no temporaries) besides the inputs.
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(tmp.path())) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"attn.jsonl", "broken.jsonl", "empty.jsonl", "m.jsonl", "nan.jsonl",
                                             "ragged.jsonl"}));
}

TEST(CliViz, IsRegisteredInsteadOfThePlannedStub) {
  RunResult help = run("--help");
  ASSERT_EQ(help.exit_code, 0);
  const size_t at = help.out.find("\n  viz ") + 1;  // the subcommand list, not the binary's path
  ASSERT_NE(at, 0u);
  ASSERT_NE(at, std::string::npos);
  const std::string line = help.out.substr(at, help.out.find('\n', at) - at);
  EXPECT_NE(line.find("heatmaps"), std::string::npos) << line;
  EXPECT_EQ(line.find("not built yet"), std::string::npos) << line;
  RunResult sub = run("viz --help");
  EXPECT_EQ(sub.exit_code, 0);
  for (const char* opt : {"--attention", "--metrics", "--out", "--index", "--html", "--max", "--keys"})
    EXPECT_NE(sub.out.find(opt), std::string::npos) << opt;
}

}  // namespace
