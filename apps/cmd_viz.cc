// `attend viz`: renders attention heatmaps (.png or .svg, and an HTML report of several) from the JSON-lines
// alignments `attend translate --attention-json` writes, and training curves (.svg) from metrics.jsonl.
//   attend viz --attention attn.jsonl --out a.png [--index N] [--html report.html] [--max N] [--colors viridis]
//   attend viz --metrics run/metrics.jsonl --out curve.svg [--keys loss,dev_bleu]
//   attend viz --model DIR --split dev --html dev.html [--max 20]   (teacher-forced, word level, gold outlined)
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "base/error.h"
#include "command.h"
#include "data/parallel_corpus.h"
#include "data/text_file.h"
#include "eval/aer.h"
#include "gold_alignment.h"
#include "translator.h"
#include "viz/alignment_view.h"
#include "viz/curve_svg.h"
#include "viz/heatmap_png.h"
#include "viz/heatmap_svg.h"
#include "viz/html_report.h"

namespace attend::app {
namespace {

struct VizCli {
  std::string attention;  // alignments, JSON lines
  std::string metrics;    // training metrics, JSON lines
  std::string out;
  std::string html;
  int64_t index = 0;
  size_t max = 20;
  std::string colors = "blues";
  std::vector<std::string> keys{"loss"};
  std::string title;
  std::string model;         // --model DIR: teacher-forced attention of the model on a split
  std::string split = "dev";
  bool latest = false;
};

void add_viz_options(CLI::App& cmd, VizCli& c) {
  CLI::Option* attention = cmd.add_option("--attention", c.attention, "alignments file (JSON lines, one per sentence)");
  CLI::Option* metrics = cmd.add_option("--metrics", c.metrics, "training metrics file (JSON lines) to plot");
  attention->excludes(metrics);
  CLI::Option* model = cmd.add_option("--model", c.model,
                                      "draw a trained model's attention on a split's reference pairs (teacher forced, "
                                      "word level, gold links outlined when the split has them)");
  model->excludes(attention)->excludes(metrics);
  cmd.add_option("--split", c.split, "with --model: dev | test | train | another split name")
      ->check(split_name_check())
      ->needs(model);
  cmd.add_flag("--latest", c.latest, "with --model: the latest checkpoint (its weight average, if any) instead of the best")->needs(model);
  cmd.add_option("--out", c.out, "output image: .png or .svg (curves: .svg)");
  cmd.add_option("--index", c.index, "which alignment of the file to draw (0-based)")
      ->check(CLI::Range(int64_t{0}, int64_t{1} << 40));
  cmd.add_option("--html", c.html, "also write an HTML report of the first --max alignments");
  cmd.add_option("--max", c.max, "alignments in the HTML report")
      ->check(CLI::Range(size_t{1}, size_t{100000}));
  cmd.add_option("--colors", c.colors, "heatmap colour scale: blues | viridis | grey")
      ->check(CLI::IsMember({"blues", "viridis", "grey", "gray"}));
  cmd.add_option("--keys", c.keys, "metrics to plot against step, comma-separated (default loss)")
      ->delimiter(',')
      ->needs(metrics);
  cmd.add_option("--title", c.title, "title of the curve plot")->needs(metrics);
}

// The lower-cased extension of `path` (".png"), checked against `allowed`.
std::string output_format(const std::string& path, std::initializer_list<const char*> allowed) {
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char ch) { return std::tolower(ch); });
  std::string names;
  for (const char* a : allowed) {
    if (ext == a) return ext;
    names += names.empty() ? "" : " or ";
    names += a;
  }
  ATTEND_CHECK(!ext.empty(), "viz: --out '{}' has no extension (use {})", path, names);
  ATTEND_FAIL("viz: --out '{}': unknown extension '{}' (use {})", path, ext, names);
}

// One heatmap as .png or .svg (format from output_format).
void write_heatmap(const std::string& path, const std::string& format, const viz::AlignmentView& v,
                   viz::ColorScale scale) {
  if (format == ".png") {
    viz::PngHeatmapOptions opt;
    opt.scale = scale;
    viz::write_heatmap_png(path, v, opt);
  } else {
    viz::SvgHeatmapOptions opt;
    opt.scale = scale;
    viz::write_heatmap_svg(path, v, opt);
  }
}

int run_attention(const VizCli& c) {
  ATTEND_CHECK(!c.out.empty() || !c.html.empty(), "viz: --attention needs --out PATH or --html PATH");
  const viz::ColorScale scale = viz::parse_color_scale(c.colors);
  if (!c.out.empty()) {
    const std::string format = output_format(c.out, {".png", ".svg"});
    const viz::AlignmentView v = viz::read_alignment_view(c.attention, static_cast<size_t>(c.index));
    write_heatmap(c.out, format, v, scale);
    std::printf("viz: alignment %lld (%zu output x %zu source tokens) -> %s\n", static_cast<long long>(c.index),
                v.output_tokens.size(), v.source_tokens.size(), c.out.c_str());
  }
  if (!c.html.empty()) {
    const std::vector<viz::AlignmentView> views = viz::read_alignment_views(c.attention, c.max);
    ATTEND_CHECK(!views.empty(), "viz: alignment file '{}' holds no alignments", c.attention);
    viz::HtmlReportOptions opt;
    opt.page_title = "attend: attention alignments from " + std::filesystem::path(c.attention).filename().string();
    opt.heatmap.scale = scale;
    viz::write_html_report(c.html, views, opt);
    std::printf("viz: %zu alignment(s) -> %s\n", views.size(), c.html.c_str());
  }
  return 0;
}

// The first n sentence pairs of the split, each as the model's word-level teacher-forced attention with the
// split's gold links (Pharaoh, source word first) when <split>.gold exists.
std::vector<viz::AlignmentView> model_views(const VizCli& c, size_t n) {
  LoadedModel m = load_model_dir(c.model, c.latest);
  ATTEND_CHECK(m.config.model.decoder != models::DecoderKind::None,
               "viz: {} has no attention (decoder \"none\"): nothing to draw", c.model);
  const data::ParallelLines lines =
      data::read_parallel_lines(m.config.split_path(c.split, true), m.config.split_path(c.split, false));
  n = std::min(n, lines.src.size());
  const std::vector<std::string> src(lines.src.begin(), lines.src.begin() + static_cast<long>(n));
  const std::vector<std::string> tgt(lines.tgt.begin(), lines.tgt.begin() + static_cast<long>(n));
  const auto forced = forced_attention(m, src, tgt);
  const std::filesystem::path dir = m.config.data.dir;
  std::vector<eval::Alignment> gold;
  if (std::filesystem::exists(dir / (c.split + ".gold"))) gold = read_model_gold(m.config, (dir / (c.split + ".gold")).string());
  std::vector<std::string> refs;
  if (std::filesystem::exists(dir / (c.split + ".ref"))) refs = data::read_lines((dir / (c.split + ".ref")).string(), "verse references");
  std::vector<viz::AlignmentView> views;
  for (size_t i = 0; i < n; ++i) {
    if (forced[i].empty()) continue;  // an empty pair
    const WordAttention a = word_attention(forced[i], m.src.word_of_line_tokens(src[i]), m.tgt.word_of_line_tokens(tgt[i]),
                                           data::split_whitespace(src[i]), data::split_whitespace(tgt[i]));
    viz::AlignmentView v;
    v.source_tokens = a.src_words;
    v.output_tokens = a.tgt_words;
    v.weights = a.weights;
    if (i < gold.size()) {
      for (const eval::Link& l : gold[i].sure) v.sure.emplace_back(l.src, l.tgt);
      for (const eval::Link& l : gold[i].possible) v.possible.emplace_back(l.src, l.tgt);
    }
    v.title = (i < refs.size() ? refs[i] : c.split + " line " + std::to_string(i + 1));
    views.push_back(std::move(v));
  }
  ATTEND_CHECK(!views.empty(), "viz: no sentence pairs to draw in the {} split of {}", c.split, c.model);
  return views;
}

int run_model(const VizCli& c) {
  ATTEND_CHECK(!c.out.empty() || !c.html.empty(), "viz: --model needs --out PATH or --html PATH");
  const size_t n = std::max(c.html.empty() ? size_t{0} : c.max, static_cast<size_t>(c.index) + 1);
  const std::vector<viz::AlignmentView> views = model_views(c, n);
  const viz::ColorScale scale = viz::parse_color_scale(c.colors);
  if (!c.out.empty()) {
    const std::string format = output_format(c.out, {".png", ".svg"});
    ATTEND_CHECK(static_cast<size_t>(c.index) < views.size(), "viz: --index {} but only {} pairs were drawn", c.index,
                 views.size());
    const viz::AlignmentView& v = views[static_cast<size_t>(c.index)];
    write_heatmap(c.out, format, v, scale);
    std::printf("viz: %s (%zu x %zu words) -> %s\n", v.title.c_str(), v.output_tokens.size(), v.source_tokens.size(),
                c.out.c_str());
  }
  if (!c.html.empty()) {
    viz::HtmlReportOptions opt;
    opt.page_title = "attend: attention of " + c.model + " on " + c.split + " (teacher forced; gold links outlined)";
    opt.heatmap.scale = scale;
    const size_t k = std::min(views.size(), c.max);
    viz::write_html_report(c.html, std::span(views.data(), k), opt);
    std::printf("viz: %zu sentence pair(s) -> %s\n", k, c.html.c_str());
  }
  return 0;
}

int run_metrics(const VizCli& c) {
  ATTEND_CHECK(c.index == 0 && c.html.empty(), "viz: --index and --html go with --attention or --model, not --metrics");
  // An argument that splits into no names (",,,") makes CLI11 take the next flag as a key: say that first.
  for (const auto& k : c.keys)
    ATTEND_CHECK(!k.starts_with("--"), "viz: --keys took '{}' as a metric name: give names, comma-separated", k);
  ATTEND_CHECK(!c.out.empty(), "viz: --metrics needs --out PATH.svg");
  output_format(c.out, {".svg"});
  std::vector<std::string> keys;
  for (const auto& k : c.keys)
    if (!k.empty()) keys.push_back(k);
  ATTEND_CHECK(!keys.empty(), "viz: --keys names no metric");
  viz::CurveOptions opt;
  opt.title = c.title;
  viz::write_metrics_curve_svg(c.metrics, keys, c.out, opt);
  std::printf("viz: %zu metric(s) from %s -> %s\n", keys.size(), c.metrics.c_str(), c.out.c_str());
  return 0;
}

int run_viz(const VizCli& c) {
  if (!c.model.empty()) return run_model(c);
  if (!c.attention.empty()) return run_attention(c);
  if (!c.metrics.empty()) return run_metrics(c);
  ATTEND_FAIL("viz: nothing to draw: give --attention FILE.jsonl, --model DIR or --metrics FILE.jsonl");
}

ATTEND_COMMAND("viz", "render attention heatmaps (.png/.svg, HTML report) and training curves", [](CLI::App& cmd) {
  auto c = std::make_shared<VizCli>();
  add_viz_options(cmd, *c);
  return std::function<int()>([c] { return run_viz(*c); });
});

}  // namespace
}  // namespace attend::app
