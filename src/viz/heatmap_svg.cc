// SVG alignment heatmaps: layout from estimated text widths, then the elements as text.
#include "viz/heatmap_svg.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "base/error.h"
#include "viz/text.h"

namespace attend::viz {

namespace {

constexpr int kMargin = 10;
constexpr int kTitlePx = 15;
constexpr int kLabelGap = 4;
constexpr int kBarGap = 16;
constexpr int kBarWidth = 14;
constexpr int kMinBarHeight = 120;
constexpr int kTickPx = 11;
constexpr size_t kMaxTitleChars = 100;  // the drawn title; the svg's <title> keeps it whole

// Sans-serif glyphs average a little over half the font size; 0.62 leaves room for wide ones.
int estimated_width(std::string_view text, int font_px) {
  return static_cast<int>(static_cast<double>(utf8_length(text)) * font_px * 0.62 + 0.5);
}

int widest(const std::vector<std::string>& tokens, const SvgHeatmapOptions& opt, int font_px) {
  int w = 0;
  for (const auto& t : tokens) w = std::max(w, estimated_width(truncate_label(t, opt.max_label_chars), font_px));
  return w;
}

std::string weight_text(float w) { return fmt::format("{:.3f}", w); }

}  // namespace

SvgLayout svg_layout(const AlignmentView& v, const SvgHeatmapOptions& opt) {
  validate(v, v.title.empty() ? "heatmap" : "heatmap '" + v.title + "'");
  ATTEND_CHECK(opt.min_cell_px >= 1 && opt.min_cell_px <= opt.max_cell_px && opt.max_grid_px >= 1 && opt.font_px >= 1,
               "heatmap svg: bad sizes (cell min {}, max {}, grid {}, font {})", opt.min_cell_px, opt.max_cell_px,
               opt.max_grid_px, opt.font_px);
  SvgLayout L;
  L.rows = static_cast<int>(v.output_tokens.size());
  L.cols = static_cast<int>(v.source_tokens.size());
  ATTEND_CHECK(int64_t{L.rows} * L.cols <= kMaxSvgCells,
               "heatmap svg: {} x {} cells is too many for SVG (at most {}); write a .png instead", L.rows, L.cols,
               kMaxSvgCells);
  L.cell = std::clamp(opt.max_grid_px / std::max(L.rows, L.cols), opt.min_cell_px, opt.max_cell_px);
  L.label_px = std::min(opt.font_px, L.cell - 2);
  if (L.label_px < 6) L.label_px = 0;  // unreadable: leave the labels to the tooltips
  const int left_w = L.label_px ? widest(v.output_tokens, opt, L.label_px) + kLabelGap : 0;
  const int top_h = L.label_px ? widest(v.source_tokens, opt, L.label_px) + kLabelGap : 0;
  const bool titled = opt.show_title && !v.title.empty();
  const int title_h = titled ? kTitlePx + 8 : 0;
  L.grid_x = kMargin + left_w;
  L.grid_y = kMargin + title_h + top_h;
  L.bar_x = L.grid_x + L.cols * L.cell + kBarGap;
  L.bar_y = L.grid_y;
  L.bar_w = kBarWidth;
  L.bar_h = std::max(L.rows * L.cell, kMinBarHeight);
  const int tick_w = estimated_width("0.5", kTickPx);
  L.width = std::max(L.bar_x + L.bar_w + 6 + tick_w + kMargin,
                     titled ? 2 * kMargin + estimated_width(truncate_label(v.title, kMaxTitleChars), kTitlePx) : 0);
  L.height = std::max(L.grid_y + L.rows * L.cell, L.bar_y + L.bar_h + kTickPx / 2) + kMargin;
  return L;
}

std::string heatmap_svg(const AlignmentView& v, const SvgHeatmapOptions& opt) {
  const SvgLayout L = svg_layout(v, opt);
  const std::string gradient_id = fmt::format("attend-ramp-{}", color_scale_name(opt.scale));
  std::string s;
  s.reserve(static_cast<size_t>(L.rows) * L.cols * 120 + 4096);

  append_format(s,
                R"(<svg xmlns="http://www.w3.org/2000/svg" width="{0}" height="{1}" viewBox="0 0 {0} {1}" )"
                R"(font-family="DejaVu Sans, Arial, sans-serif" class="attend-heatmap">)"
                "\n",
                L.width, L.height);
  if (!v.title.empty()) append_format(s, "<title>{}</title>\n", xml_escape(v.title));
  // The colour bar's gradient: the ramp's stops, weight 0 at the bottom (SVG interpolates linearly in sRGB,
  // exactly as ramp_color does between stops).
  append_format(s, R"(<defs><linearGradient id="{}" x1="0" y1="1" x2="0" y2="0">)", gradient_id);
  const auto stops = ramp_stops(opt.scale);
  for (size_t k = 0; k < stops.size(); ++k)
    append_format(s, R"(<stop offset="{:.4f}" stop-color="{}"/>)", static_cast<double>(k) / (stops.size() - 1),
                  hex(stops[k]));
  append_format(s, "</linearGradient></defs>\n");
  append_format(s,
                R"(<rect x="0" y="0" width="{}" height="{}" fill="{}"/>)"
                "\n",
                L.width, L.height, hex(kBackground));
  if (opt.show_title && !v.title.empty())
    append_format(s,
                  R"(<text class="title" x="{}" y="{}" font-size="{}" font-weight="bold" fill="{}">{}</text>)"
                  "\n",
                  kMargin, kMargin + kTitlePx, kTitlePx, hex(kTextColor),
                  xml_escape(truncate_label(v.title, kMaxTitleChars)));

  // Cells, framed.
  append_format(s,
                R"(<rect class="frame" x="{}" y="{}" width="{}" height="{}" fill="none" stroke="{}" stroke-width="1"/>)"
                "\n",
                L.grid_x - 0.5, L.grid_y - 0.5, L.cols * L.cell + 1, L.rows * L.cell + 1, hex(kFrameColor));
  append_format(s, "<g class=\"cells\" shape-rendering=\"crispEdges\">\n");
  for (int r = 0; r < L.rows; ++r) {
    for (int c = 0; c < L.cols; ++c) {
      const float w = v.weights[r][c];
      append_format(s, R"(<rect class="cell" x="{}" y="{}" width="{}" height="{}" fill="{}")", L.grid_x + c * L.cell,
                    L.grid_y + r * L.cell, L.cell, L.cell, hex(ramp_color(opt.scale, w)));
      if (opt.tooltips)
        append_format(s, "><title>{} \u2192 {}: {}</title></rect>\n", xml_escape(v.source_tokens[c]),
                      xml_escape(v.output_tokens[r]), weight_text(w));
      else
        append_format(s, "/>\n");
    }
  }
  append_format(s, "</g>\n");

  // Gold links: sure solid; possible dashed unless also sure (S is a subset of P). The stroke lies inside
  // the cell so that neighbouring outlines do not overlap.
  const double stroke = std::clamp(L.cell / 8.0, 1.0, 3.0);
  const std::set<std::pair<int, int>> sure(v.sure.begin(), v.sure.end());
  const std::set<std::pair<int, int>> possible(v.possible.begin(), v.possible.end());
  auto outline = [&](const char* cls, int i, int j, const char* dash) {
    append_format(
        s,
        R"(<rect class="{}" x="{}" y="{}" width="{}" height="{}" fill="none" stroke="{}" stroke-width="{}"{}/>)"
        "\n",
        cls, L.grid_x + i * L.cell + stroke / 2, L.grid_y + j * L.cell + stroke / 2, L.cell - stroke, L.cell - stroke,
        hex(kGoldColor), stroke, dash);
  };
  const std::string dash =
      fmt::format(R"( stroke-dasharray="{} {}")", std::max(2, L.cell / 5), std::max(2, L.cell / 5));
  for (auto [i, j] : sure) outline("sure", i, j, "");
  for (auto [i, j] : possible)
    if (!sure.count({i, j})) outline("possible", i, j, dash.c_str());

  // Labels.
  if (L.label_px > 0) {
    append_format(s,
                  R"(<g class="labels" font-size="{}" fill="{}">)"
                  "\n",
                  L.label_px, hex(kTextColor));
    for (int r = 0; r < L.rows; ++r)
      append_format(s,
                    R"(<text class="out-label" x="{}" y="{}" text-anchor="end" dominant-baseline="central">{}</text>)"
                    "\n",
                    L.grid_x - kLabelGap, L.grid_y + r * L.cell + L.cell / 2.0,
                    xml_escape(truncate_label(v.output_tokens[r], opt.max_label_chars)));
    for (int c = 0; c < L.cols; ++c)
      append_format(
          s,
          R"svg(<text class="src-label" transform="translate({},{}) rotate(-90)" dominant-baseline="central">{}</text>)svg"
          "\n",
          L.grid_x + c * L.cell + L.cell / 2.0, L.grid_y - kLabelGap,
          xml_escape(truncate_label(v.source_tokens[c], opt.max_label_chars)));
    append_format(s, "</g>\n");
  }

  // Colour bar with ticks at 1, 0.5 and 0.
  append_format(
      s,
      R"svg(<rect class="colorbar" x="{}" y="{}" width="{}" height="{}" fill="url(#{})" stroke="{}" stroke-width="1"/>)svg"
      "\n",
      L.bar_x, L.bar_y, L.bar_w, L.bar_h, gradient_id, hex(kFrameColor));
  append_format(s, R"(<g class="ticks" font-size="{}" fill="{}">)", kTickPx, hex(kTextColor));
  for (double t : {1.0, 0.5, 0.0}) {
    const double y = L.bar_y + (1.0 - t) * L.bar_h;
    append_format(s, R"(<text x="{}" y="{}" dominant-baseline="central">{}</text>)", L.bar_x + L.bar_w + 6, y, t);
  }
  append_format(s, "</g>\n</svg>\n");
  return s;
}

void write_heatmap_svg(const std::string& path, const AlignmentView& v, const SvgHeatmapOptions& opt) {
  write_file_atomically(path, heatmap_svg(v, opt), "heatmap svg");
}

}  // namespace attend::viz
