// The raster helpers (src/viz/raster.cc): rectangles, text drawn from stb_easy_font quads, PNG encoding.
#include "viz/raster.h"

#include <gtest/gtest.h>

#include "support/expect_error.h"

namespace attend::viz {
namespace {

uint32_t big_endian(const std::string& s, size_t at) {
  uint32_t v = 0;
  for (size_t k = 0; k < 4; ++k) v = (v << 8) | static_cast<unsigned char>(s[at + k]);
  return v;
}

TEST(VizRaster, FillRectClipsToTheImage) {
  RgbImage img(5, 4, kBackground);
  img.fill_rect(-3, 2, 2, 9, kGoldColor);  // covers x 0..1, y 2..3
  int gold = 0;
  for (int y = 0; y < 4; ++y)
    for (int x = 0; x < 5; ++x) {
      const bool inside = x < 2 && y >= 2;
      EXPECT_EQ(img.at(x, y), inside ? kGoldColor : kBackground) << x << "," << y;
      gold += img.at(x, y) == kGoldColor;
    }
  EXPECT_EQ(gold, 4);
  img.set(7, 7, kGoldColor);  // outside: ignored
  testing::expect_error_containing([&] { img.at(5, 0); }, "image: pixel (5, 0) outside 5 x 4");
  testing::expect_error_containing([] { RgbImage(0, 3, kBackground); }, "image: size 0 x 3");
}

TEST(VizRaster, RotatedTextIsTheHorizontalTextTurned) {
  RgbImage h(60, 12, kBackground), r(12, 60, kBackground);
  draw_text(h, 0, 0, "Ab1", 1, kTextColor);
  draw_text(r, 0, 60, "Ab1", 1, kTextColor, TextDirection::BottomToTop);
  int ink = 0;
  for (int y = 0; y < 12; ++y)
    for (int x = 0; x < 60; ++x) {
      ASSERT_EQ(h.at(x, y), r.at(y, 60 - 1 - x)) << x << "," << y;
      ink += h.at(x, y) == kTextColor;
    }
  EXPECT_GT(ink, 15);
  EXPECT_EQ(text_width("\xC3\xB1"), text_width("n"));
  // Scale 2 doubles every stroke: four times the ink.
  RgbImage h2(120, 24, kBackground);
  draw_text(h2, 0, 0, "Ab1", 2, kTextColor);
  int ink2 = 0;
  for (int y = 0; y < 24; ++y)
    for (int x = 0; x < 120; ++x) ink2 += h2.at(x, y) == kTextColor;
  EXPECT_EQ(ink2, 4 * ink);
}

TEST(VizRaster, PngHeaderCarriesTheSize) {
  const std::string png = encode_png(RgbImage(37, 11, kBackground));
  ASSERT_GT(png.size(), 33u);
  EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  EXPECT_EQ(png.substr(12, 4), "IHDR");
  EXPECT_EQ(big_endian(png, 16), 37u);
  EXPECT_EQ(big_endian(png, 20), 11u);
  EXPECT_EQ(png[24], 8);  // bit depth
  EXPECT_EQ(png[25], 2);  // colour type: RGB
}

}  // namespace
}  // namespace attend::viz
