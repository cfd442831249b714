// PNG alignment heatmaps: layout, cell and outline painting, labels and the colour bar.
#include "viz/heatmap_png.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "base/error.h"
#include "viz/text.h"

namespace attend::viz {

namespace {

constexpr int kMargin = 10;
constexpr int kTitleScale = 2;
constexpr int kTickScale = 2;
constexpr int kLabelGap = 4;  // between a label and the grid
constexpr int kBarGap = 16;   // between the grid and the colour bar
constexpr int kBarWidth = 14;
constexpr int kMinBarHeight = 120;
constexpr float kTicks[] = {1.0f, 0.5f, 0.0f};
constexpr const char* kTickLabels[] = {"1", "0.5", "0"};
constexpr size_t kMaxTitleChars = 80;  // longer titles are cut so that they do not widen the image

std::string title_text(const AlignmentView& v) { return truncate_label(v.title, kMaxTitleChars, "..."); }

std::string label_text(const std::string& token, const PngHeatmapOptions& opt) {
  return truncate_label(token, opt.max_label_chars, "...");
}

int widest_label(const std::vector<std::string>& tokens, const PngHeatmapOptions& opt) {
  int w = 0;
  for (const auto& t : tokens) w = std::max(w, text_width(label_text(t, opt)));
  return w;
}

// The outline of one cell: a band `thick` pixels wide inside its edge, dashed when `dash` > 0.
void outline_cell(RgbImage& img, int x0, int y0, int n, int thick, int dash, Rgb color) {
  for (int dy = 0; dy < n; ++dy) {
    for (int dx = 0; dx < n; ++dx) {
      const bool horizontal_band = dy < thick || dy >= n - thick;
      const bool vertical_band = dx < thick || dx >= n - thick;
      if (!horizontal_band && !vertical_band) continue;
      if (dash > 0) {
        const int along = horizontal_band ? dx : dy;
        if ((along / dash) % 2 != 0) continue;
      }
      img.set(x0 + dx, y0 + dy, color);
    }
  }
}

}  // namespace

PngLayout png_layout(const AlignmentView& v, const PngHeatmapOptions& opt) {
  validate(v, v.title.empty() ? "heatmap" : "heatmap '" + v.title + "'");
  ATTEND_CHECK(opt.min_cell_px >= 1 && opt.min_cell_px <= opt.max_cell_px && opt.max_grid_px >= 1,
               "heatmap png: bad cell sizes (min {}, max {}, grid {})", opt.min_cell_px, opt.max_cell_px,
               opt.max_grid_px);
  PngLayout L;
  L.rows = static_cast<int>(v.output_tokens.size());
  L.cols = static_cast<int>(v.source_tokens.size());
  const int longest = std::max(L.rows, L.cols);
  L.cell = std::clamp(opt.max_grid_px / longest, opt.min_cell_px, opt.max_cell_px);
  // Labels must fit the height of a row: 9 font units per scale step plus a pixel or two of air.
  L.label_scale = L.cell >= 20 ? 2 : L.cell >= 11 ? 1 : 0;
  const int left_w = L.label_scale ? widest_label(v.output_tokens, opt) * L.label_scale + kLabelGap : 0;
  const int top_h = L.label_scale ? widest_label(v.source_tokens, opt) * L.label_scale + kLabelGap : 0;
  const int title_h = v.title.empty() ? 0 : kGlyphHeight * kTitleScale + 8;

  L.title_y = kMargin;
  L.left_labels_x0 = kMargin;
  L.top_labels_y0 = kMargin + title_h;
  L.grid_x = kMargin + left_w + 1;  // +1: the frame line around the grid
  L.grid_y = L.top_labels_y0 + top_h + 1;
  L.bar_x = L.grid_x + L.cols * L.cell + 1 + kBarGap;
  L.bar_y = L.grid_y;
  L.bar_w = kBarWidth;
  L.bar_h = std::max(L.rows * L.cell, kMinBarHeight);
  L.outline_px = std::clamp(L.cell / 8, 1, 3);
  L.dash_px = std::max(2, L.cell / 5);

  int tick_w = 0;
  for (const char* t : kTickLabels) tick_w = std::max(tick_w, text_width(t) * kTickScale);
  const int title_w = v.title.empty() ? 0 : text_width(title_text(v)) * kTitleScale;
  L.width = std::max(L.bar_x + L.bar_w + 8 + tick_w + kMargin, 2 * kMargin + title_w);
  L.height = std::max(L.grid_y + L.rows * L.cell + 1, L.bar_y + L.bar_h + kGlyphHeight * kTickScale / 2) + kMargin;
  return L;
}

RgbImage render_heatmap_image(const AlignmentView& v, const PngHeatmapOptions& opt) {
  const PngLayout L = png_layout(v, opt);
  RgbImage img(L.width, L.height, kBackground);
  if (!v.title.empty()) draw_text(img, kMargin, L.title_y, title_text(v), kTitleScale, kTextColor);

  // Frame, then the cells.
  img.fill_rect(L.grid_x - 1, L.grid_y - 1, L.grid_x + L.cols * L.cell + 1, L.grid_y + L.rows * L.cell + 1,
                kFrameColor);
  for (int r = 0; r < L.rows; ++r)
    for (int c = 0; c < L.cols; ++c) {
      const int x = L.grid_x + c * L.cell, y = L.grid_y + r * L.cell;
      img.fill_rect(x, y, x + L.cell, y + L.cell, ramp_color(opt.scale, v.weights[r][c]));
    }

  // Gold links: sure solid; possible dashed unless the link is also sure (S is a subset of P).
  const std::set<std::pair<int, int>> sure(v.sure.begin(), v.sure.end());
  for (auto [i, j] : sure)
    outline_cell(img, L.grid_x + i * L.cell, L.grid_y + j * L.cell, L.cell, L.outline_px, 0, kGoldColor);
  const std::set<std::pair<int, int>> possible(v.possible.begin(), v.possible.end());
  for (auto [i, j] : possible)
    if (!sure.count({i, j}))
      outline_cell(img, L.grid_x + i * L.cell, L.grid_y + j * L.cell, L.cell, L.outline_px, L.dash_px, kGoldColor);

  // Labels: output tokens right-aligned on the left, source tokens rotated above their columns.
  if (L.label_scale > 0) {
    const int s = L.label_scale, glyph = kGlyphHeight * s;
    for (int r = 0; r < L.rows; ++r) {
      const std::string text = label_text(v.output_tokens[r], opt);
      const int x = L.grid_x - 1 - kLabelGap - text_width(text) * s;
      draw_text(img, x, L.grid_y + r * L.cell + (L.cell - glyph) / 2, text, s, kTextColor);
    }
    for (int c = 0; c < L.cols; ++c) {
      const std::string text = label_text(v.source_tokens[c], opt);
      draw_text(img, L.grid_x + c * L.cell + (L.cell - glyph) / 2, L.grid_y - 1 - kLabelGap, text, s, kTextColor,
                TextDirection::BottomToTop);
    }
  }

  // Colour bar: weight 1 on the top row down to 0 on the bottom row, framed, with ticks at 1, 0.5, 0.
  img.fill_rect(L.bar_x - 1, L.bar_y - 1, L.bar_x + L.bar_w + 1, L.bar_y + L.bar_h + 1, kFrameColor);
  for (int y = 0; y < L.bar_h; ++y) {
    const float w = 1.0f - static_cast<float>(y) / static_cast<float>(L.bar_h - 1);
    img.fill_rect(L.bar_x, L.bar_y + y, L.bar_x + L.bar_w, L.bar_y + y + 1, ramp_color(opt.scale, w));
  }
  for (size_t k = 0; k < std::size(kTicks); ++k) {
    const int y = L.bar_y + static_cast<int>(std::lround((1.0f - kTicks[k]) * static_cast<float>(L.bar_h - 1)));
    img.fill_rect(L.bar_x + L.bar_w + 1, y, L.bar_x + L.bar_w + 4, y + 1, kTextColor);
    draw_text(img, L.bar_x + L.bar_w + 8, y - kGlyphHeight * kTickScale / 2, kTickLabels[k], kTickScale, kTextColor);
  }
  return img;
}

std::string heatmap_png(const AlignmentView& v, const PngHeatmapOptions& opt) {
  return encode_png(render_heatmap_image(v, opt));
}

void write_heatmap_png(const std::string& path, const AlignmentView& v, const PngHeatmapOptions& opt) {
  write_file_atomically(path, heatmap_png(v, opt), "heatmap png");
}

}  // namespace attend::viz
