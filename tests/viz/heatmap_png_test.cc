// PNG heatmaps (src/viz/heatmap_png.cc) and the raster helpers (src/viz/raster.cc): the written file is
// decoded with stb_image and its pixels checked: cell colours, gold outlines, labels, colour bar, sizes.
#include "viz/heatmap_png.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "support/expect_error.h"
#include "support/temp_dir.h"
#include "viz/text.h"

#define STB_IMAGE_IMPLEMENTATION
#define STB_IMAGE_STATIC
#include <stb/stb_image.h>

namespace attend::viz {
namespace {

struct Decoded {
  int width = 0, height = 0;
  std::vector<uint8_t> rgb;
  Rgb at(int x, int y) const {
    const size_t i = (static_cast<size_t>(y) * width + x) * 3;
    return {rgb[i], rgb[i + 1], rgb[i + 2]};
  }
};

Decoded decode(const std::string& png) {
  Decoded d;
  int comp = 0;
  unsigned char* data = stbi_load_from_memory(reinterpret_cast<const unsigned char*>(png.data()),
                                              static_cast<int>(png.size()), &d.width, &d.height, &comp, 3);
  EXPECT_NE(data, nullptr) << stbi_failure_reason();
  EXPECT_EQ(comp, 3);
  if (data) d.rgb.assign(data, data + static_cast<size_t>(d.width) * d.height * 3);
  stbi_image_free(data);
  return d;
}

// 3 output x 4 source tokens. Links: sure (2,1); possible (3,2); (0,0) both sure and possible.
AlignmentView view_3x4() {
  AlignmentView v;
  v.source_tokens = {"ni\xC3\xB1o", "come", "pan", "hoy"};
  v.output_tokens = {"the", "boy", "eats bread"};
  v.weights = {{1.0f, 0.0f, 0.0f, 0.0f}, {0.25f, 0.25f, 0.5f, 0.0f}, {0.0f, 0.0f, 0.0f, 1.0f}};
  v.sure = {{0, 0}, {2, 1}};
  v.possible = {{0, 0}, {3, 2}, {3, 2}};
  v.title = "Example";
  return v;
}

int count_color(const Decoded& d, int x0, int y0, int x1, int y1, Rgb c) {
  int n = 0;
  for (int y = y0; y < y1; ++y)
    for (int x = x0; x < x1; ++x) n += d.at(x, y) == c;
  return n;
}

TEST(VizHeatmapPng, LayoutForASmallMatrix) {
  const PngLayout L = png_layout(view_3x4());
  EXPECT_EQ(L.rows, 3);
  EXPECT_EQ(L.cols, 4);
  EXPECT_EQ(L.cell, 40);  // 1200 / 4 = 300, capped at max_cell_px
  EXPECT_EQ(L.label_scale, 2);
  EXPECT_EQ(L.outline_px, 3);  // 40 / 8 = 5, capped at 3
  EXPECT_EQ(L.dash_px, 8);
  // "eats bread" is the widest output label: 10 chars of stb_easy_font at scale 2, plus the gap and frame.
  EXPECT_EQ(L.grid_x, 10 + text_width("eats bread") * 2 + 4 + 1);
  int widest_source = 0;
  for (const char* t : {"nino", "come", "pan", "hoy"}) widest_source = std::max(widest_source, text_width(t));
  EXPECT_EQ(L.grid_y, 10 + (9 * 2 + 8) + widest_source * 2 + 4 + 1);
}

TEST(VizHeatmapPng, CellsHaveTheRampColourOfTheirWeight) {
  testing_util::TempDir tmp;
  const AlignmentView v = view_3x4();
  const std::string path = tmp.file("a.png");
  write_heatmap_png(path, v);
  const Decoded d = decode(testing_util::read_bytes(path));
  const PngLayout L = png_layout(v);
  ASSERT_EQ(d.width, L.width);
  ASSERT_EQ(d.height, L.height);
  const Rgb top{8, 48, 107}, bottom{247, 251, 255};  // ColorBrewer Blues ends
  auto centre = [&](int r, int c) {
    return d.at(L.grid_x + c * L.cell + L.cell / 2, L.grid_y + r * L.cell + L.cell / 2);
  };
  EXPECT_EQ(centre(0, 0), top);     // weight 1
  EXPECT_EQ(centre(2, 3), top);     // weight 1
  EXPECT_EQ(centre(0, 1), bottom);  // weight 0
  EXPECT_EQ(centre(1, 2), ramp_color(ColorScale::Blues, 0.5f));
  // Cells without links are painted edge to edge in their colour and nothing else.
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 4; ++c) {
      if ((r == 0 && c == 0) || (r == 1 && c == 2) || (r == 2 && c == 3)) continue;
      const int x0 = L.grid_x + c * L.cell, y0 = L.grid_y + r * L.cell;
      EXPECT_EQ(count_color(d, x0, y0, x0 + L.cell, y0 + L.cell, ramp_color(ColorScale::Blues, v.weights[r][c])),
                L.cell * L.cell)
          << r << "," << c;
    }
  // With viridis the same cells take viridis' ends.
  const Decoded dv = decode(heatmap_png(v, {.scale = ColorScale::Viridis}));
  EXPECT_EQ(dv.at(L.grid_x + L.cell / 2, L.grid_y + L.cell / 2), (Rgb{253, 231, 37}));
  EXPECT_EQ(dv.at(L.grid_x + L.cell + L.cell / 2, L.grid_y + L.cell / 2), (Rgb{68, 1, 84}));
}

TEST(VizHeatmapPng, GoldOutlinesSolidForSureDashedForPossible) {
  const AlignmentView v = view_3x4();
  const PngLayout L = png_layout(v);
  const Decoded d = decode(heatmap_png(v));
  const int t = L.outline_px, n = L.cell;
  auto in_band = [&](int dx, int dy) { return dx < t || dy < t || dx >= n - t || dy >= n - t; };
  // Sure link (source 2, output 1): column 2, row 1. Every band pixel gold, the rest the cell colour.
  for (auto [i, j] : {std::pair{2, 1}, std::pair{0, 0}}) {
    const int x0 = L.grid_x + i * n, y0 = L.grid_y + j * n;
    for (int dy = 0; dy < n; ++dy)
      for (int dx = 0; dx < n; ++dx) {
        const Rgb want = in_band(dx, dy) ? kGoldColor : ramp_color(ColorScale::Blues, v.weights[j][i]);
        ASSERT_EQ(d.at(x0 + dx, y0 + dy), want) << i << "," << j << " at " << dx << "," << dy;
      }
  }
  // Possible link (3, 2): dashes, so part of the band is gold and the rest keeps the cell colour.
  const int x0 = L.grid_x + 3 * n, y0 = L.grid_y + 2 * n;
  int band = 0, gold = 0;
  for (int dy = 0; dy < n; ++dy)
    for (int dx = 0; dx < n; ++dx) {
      const Rgb c = d.at(x0 + dx, y0 + dy);
      if (!in_band(dx, dy)) {
        ASSERT_EQ(c, ramp_color(ColorScale::Blues, 1.0f));
        continue;
      }
      ++band;
      gold += c == kGoldColor;
      if (c != kGoldColor) {
        ASSERT_EQ(c, ramp_color(ColorScale::Blues, 1.0f));
      }
    }
  EXPECT_GT(gold, band * 35 / 100);
  EXPECT_LT(gold, band * 65 / 100);
  // The top edge alternates: the first dash is gold, the gap after it is not.
  EXPECT_EQ(d.at(x0 + 1, y0), kGoldColor);
  EXPECT_NE(d.at(x0 + L.dash_px + 1, y0), kGoldColor);
  // No gold anywhere else: exactly the three outlined cells hold it.
  int total = count_color(d, 0, 0, d.width, d.height, kGoldColor);
  int in_cells = 0;
  for (auto [i, j] : {std::pair{0, 0}, std::pair{2, 1}, std::pair{3, 2}})
    in_cells +=
        count_color(d, L.grid_x + i * n, L.grid_y + j * n, L.grid_x + (i + 1) * n, L.grid_y + (j + 1) * n, kGoldColor);
  EXPECT_EQ(total, in_cells);
  EXPECT_EQ(in_cells, 2 * (n * n - (n - 2 * t) * (n - 2 * t)) + gold);
}

TEST(VizHeatmapPng, LabelsLandInTheirAreas) {
  const AlignmentView v = view_3x4();
  const PngLayout L = png_layout(v);
  const Decoded d = decode(heatmap_png(v));
  // Each output label sits left of its row, right-aligned against the grid.
  for (int r = 0; r < L.rows; ++r) {
    const int y0 = L.grid_y + r * L.cell, y1 = y0 + L.cell;
    EXPECT_GT(count_color(d, L.left_labels_x0, y0, L.grid_x - 1, y1, kTextColor), 20) << r;
    int rightmost = -1;
    for (int y = y0; y < y1; ++y)
      for (int x = L.left_labels_x0; x < L.grid_x - 1; ++x)
        if (d.at(x, y) == kTextColor) rightmost = std::max(rightmost, x);
    // The text box ends kLabelGap (4) px left of the frame at grid_x - 1; glyphs leave up to 2 font units
    // (4 px at scale 2) blank on their right.
    EXPECT_LT(rightmost, L.grid_x - 1 - 4) << r;
    EXPECT_GE(rightmost, L.grid_x - 1 - 4 - 5) << r;
  }
  // Each source label sits above its column, between the title band and the grid.
  for (int c = 0; c < L.cols; ++c) {
    const int x0 = L.grid_x + c * L.cell;
    EXPECT_GT(count_color(d, x0, L.top_labels_y0, x0 + L.cell, L.grid_y - 1, kTextColor), 20) << c;
  }
  // The title is drawn in its band; no text colour inside the grid.
  EXPECT_GT(count_color(d, 0, L.title_y, d.width, L.title_y + 18, kTextColor), 40);
  EXPECT_EQ(count_color(d, L.grid_x, L.grid_y, L.grid_x + L.cols * L.cell, L.grid_y + L.rows * L.cell, kTextColor), 0);
  // Folding: "niño" is drawn exactly as "nino".
  AlignmentView ascii = v;
  ascii.source_tokens[0] = "nino";
  EXPECT_EQ(heatmap_png(ascii), heatmap_png(v));
  ascii.source_tokens[0] = "nina";
  EXPECT_NE(heatmap_png(ascii), heatmap_png(v));
}

TEST(VizHeatmapPng, ColourBarRunsFromOneAtTheTopToZeroAtTheBottom) {
  const PngLayout L = png_layout(view_3x4());
  const Decoded d = decode(heatmap_png(view_3x4()));
  const int x = L.bar_x + L.bar_w / 2;
  EXPECT_EQ(d.at(x, L.bar_y), (Rgb{8, 48, 107}));
  EXPECT_EQ(d.at(x, L.bar_y + L.bar_h - 1), (Rgb{247, 251, 255}));
  EXPECT_EQ(d.at(x, L.bar_y + (L.bar_h - 1) / 2),
            ramp_color(ColorScale::Blues, 1.0f - ((L.bar_h - 1) / 2) / float(L.bar_h - 1)));
}

TEST(VizHeatmapPng, SixtyBySixtyFitsAndHugeMatricesDropLabels) {
  AlignmentView v;
  for (int k = 0; k < 60; ++k) {
    v.source_tokens.push_back("source_word" + std::to_string(k));
    v.output_tokens.push_back("output_w" + std::to_string(k));
  }
  v.weights.assign(60, std::vector<float>(60, 1.0f / 60));
  v.title = "sixty";
  const PngLayout L = png_layout(v);
  EXPECT_EQ(L.cell, 20);
  EXPECT_EQ(L.label_scale, 2);
  EXPECT_LE(L.width, 1650);
  EXPECT_LE(L.height, 1650);
  const Decoded d = decode(heatmap_png(v));
  EXPECT_EQ(d.width, L.width);
  EXPECT_EQ(d.at(L.grid_x + 59 * 20 + 10, L.grid_y + 59 * 20 + 10), ramp_color(ColorScale::Blues, 1.0f / 60));

  AlignmentView tall;
  tall.source_tokens.assign(5, "s");
  tall.output_tokens.assign(400, "o");
  tall.weights.assign(400, std::vector<float>(5, 0.2f));
  const PngLayout T = png_layout(tall);
  EXPECT_EQ(T.cell, 3);
  EXPECT_EQ(T.label_scale, 0);
  EXPECT_EQ(T.grid_x, 10 + 1);
  EXPECT_EQ(decode(heatmap_png(tall)).height, T.height);
}

TEST(VizHeatmapPng, LongTitlesAreCut) {
  AlignmentView v = view_3x4();
  const int narrow = png_layout(v).width;
  v.title = std::string(300, 'W');
  const PngLayout L = png_layout(v);
  EXPECT_EQ(L.width, 2 * 10 + text_width(std::string(77, 'W') + "...") * 2);  // 80 chars with the dots
  EXPECT_GT(L.width, narrow);
}

TEST(VizHeatmapPng, BadInputGivesOneLineErrors) {
  testing_util::TempDir tmp;
  AlignmentView v = view_3x4();
  v.weights[2].push_back(0.0f);
  testing::expect_error_containing([&] { write_heatmap_png(tmp.file("x.png"), v); },
                                   "heatmap 'Example': weight row 2 has 5 values but there are 4 source tokens");
  EXPECT_FALSE(std::filesystem::exists(tmp.file("x.png")));
  testing::expect_error_containing([&] { write_heatmap_png(tmp.file("missing/x.png"), view_3x4()); },
                                   "heatmap png: cannot create");
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(tmp.path()), std::filesystem::directory_iterator()), 0);
}

}  // namespace
}  // namespace attend::viz
