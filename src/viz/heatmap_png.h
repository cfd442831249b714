// Alignment heatmaps as PNG images: the cell grid (output tokens down, source tokens across), labels drawn
// with stb_easy_font (rotated source labels on top, output labels on the left; non-ASCII folded, e.g.
// ñ -> n), gold sure links as solid and possible links as dashed outlines, a colour bar and the title.
// Cells shrink for long sentences so that a 60 x 60 matrix stays within about 1600 pixels.
#pragma once
#include <cstddef>
#include <string>

#include "viz/alignment_view.h"
#include "viz/color.h"
#include "viz/raster.h"

namespace attend::viz {

struct PngHeatmapOptions {
  ColorScale scale = ColorScale::Blues;
  int max_grid_px = 1200;  // the longer side of the cell grid stays within this
  int max_cell_px = 40;
  int min_cell_px = 2;
  size_t max_label_chars = 20;  // longer tokens are cut and end in "..."
};

// Where everything goes; every coordinate in pixels, rectangles as [x0, x1) x [y0, y1).
struct PngLayout {
  int width = 0, height = 0;
  int rows = 0, cols = 0;  // output tokens, source tokens
  int cell = 0;            // side of one cell
  int grid_x = 0,
      grid_y = 0;          // top-left of cell (row 0, col 0); cell (r, c) starts at grid_x + c*cell, grid_y + r*cell
  int label_scale = 0;     // font scale of the token labels; 0 when cells are too small for labels
  int left_labels_x0 = 0;  // output labels lie in [left_labels_x0, grid_x) horizontally
  int top_labels_y0 = 0;   // source labels lie in [top_labels_y0, grid_y) vertically
  int title_y = 0;         // top of the title's glyph box (title drawn at scale 2)
  int bar_x = 0, bar_y = 0, bar_w = 0, bar_h = 0;  // colour bar: weight 1 at the top row, 0 at the bottom row
  int outline_px = 0;                              // thickness of gold-link outlines (drawn inside the cell's edge)
  int dash_px = 0;                                 // dash and gap length of possible-link outlines
};

// Validates the view (one-line attend::Error) and computes the layout.
PngLayout png_layout(const AlignmentView& v, const PngHeatmapOptions& opt = {});
RgbImage render_heatmap_image(const AlignmentView& v, const PngHeatmapOptions& opt = {});
// PNG file bytes.
std::string heatmap_png(const AlignmentView& v, const PngHeatmapOptions& opt = {});
// Renders and writes atomically (temporary file + rename).
void write_heatmap_png(const std::string& path, const AlignmentView& v, const PngHeatmapOptions& opt = {});

}  // namespace attend::viz
