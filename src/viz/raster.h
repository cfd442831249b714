// A small RGB raster for the PNG renderers: filled rectangles, text drawn with stb_easy_font's quads
// (ASCII-folded, scaled by an integer, horizontal or rotated to read bottom-to-top), and PNG encoding
// with stb_image_write.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "viz/color.h"

namespace attend::viz {

// stb_easy_font's glyph box at scale 1: glyphs (descenders included) lie in y in [0, 9).
inline constexpr int kGlyphHeight = 9;

struct RgbImage {
  int width = 0, height = 0;
  std::vector<uint8_t> pixels;  // [height][width][3]

  RgbImage() = default;
  RgbImage(int w, int h, Rgb fill);
  Rgb at(int x, int y) const;
  void set(int x, int y, Rgb c);  // ignores pixels outside the image
  // Fills [x0, x1) x [y0, y1), clipped to the image.
  void fill_rect(int x0, int y0, int x1, int y1, Rgb c);
};

// Width of `utf8` in font units (after ascii_fold); multiply by the scale for pixels.
int text_width(std::string_view utf8);

enum class TextDirection { Horizontal, BottomToTop };

// Draws `utf8` (ascii_fold'ed) at integer `scale`. Horizontal: (x, y) is the top-left of the glyph box.
// BottomToTop (rotated 90 degrees counter-clockwise): (x, y) is the bottom-left corner, the text runs
// upwards from y and the glyph box spans [x, x + kGlyphHeight*scale).
void draw_text(RgbImage& img, int x, int y, std::string_view utf8, int scale, Rgb color,
               TextDirection dir = TextDirection::Horizontal);

// PNG bytes of the image (8-bit RGB).
std::string encode_png(const RgbImage& img);

}  // namespace attend::viz
