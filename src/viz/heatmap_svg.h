// Alignment heatmaps as SVG text: one <rect class="cell"> per weight (output tokens down, source tokens
// across, with a tooltip), source labels rotated on top, output labels on the left, gold sure links as
// solid and possible links as dashed <rect class="sure"/"possible"> outlines, a gradient colour bar and the
// title. Labels keep their full UTF-8 text, XML-escaped. The text has no XML prolog, so it can be written
// to a .svg file or inlined into HTML as it is.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

#include "viz/alignment_view.h"
#include "viz/color.h"

namespace attend::viz {

struct SvgHeatmapOptions {
  ColorScale scale = ColorScale::Blues;
  int max_grid_px = 900;  // the longer side of the cell grid stays within this
  int max_cell_px = 36;
  int min_cell_px = 4;
  int font_px = 12;             // label font size (smaller when cells are smaller)
  size_t max_label_chars = 24;  // longer tokens are cut and end in an ellipsis (full text in the tooltip)
  bool tooltips = true;         // a <title> per cell: "source -> output: weight"
  bool show_title = true;       // draw the view's title above the heatmap
};

struct SvgLayout {
  int width = 0, height = 0;
  int rows = 0, cols = 0;
  int cell = 0;
  int grid_x = 0, grid_y = 0;  // cell (r, c) is the rect at (grid_x + c*cell, grid_y + r*cell)
  int label_px = 0;            // label font size; 0 when cells are too small for labels
  int bar_x = 0, bar_y = 0, bar_w = 0, bar_h = 0;
};

// More cells than this are refused (the text would run to tens of megabytes): use the PNG renderer.
inline constexpr int64_t kMaxSvgCells = int64_t{1} << 18;

// Validates the view (one-line attend::Error) and computes the layout.
SvgLayout svg_layout(const AlignmentView& v, const SvgHeatmapOptions& opt = {});
std::string heatmap_svg(const AlignmentView& v, const SvgHeatmapOptions& opt = {});
// Renders and writes atomically (temporary file + rename).
void write_heatmap_svg(const std::string& path, const AlignmentView& v, const SvgHeatmapOptions& opt = {});

}  // namespace attend::viz
