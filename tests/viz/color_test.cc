// Colour ramps (src/viz/color.cc): end stops, interpolation, clamping, monotone lightness.
#include "viz/color.h"

#include <gtest/gtest.h>

#include <cmath>

#include "support/expect_error.h"

namespace attend::viz {
namespace {

double luminance(Rgb c) { return 0.2126 * c.r + 0.7152 * c.g + 0.0722 * c.b; }

TEST(VizColor, EndsAreTheFirstAndLastStops) {
  EXPECT_EQ(ramp_color(ColorScale::Blues, 0.0f), (Rgb{247, 251, 255}));
  EXPECT_EQ(ramp_color(ColorScale::Blues, 1.0f), (Rgb{8, 48, 107}));
  EXPECT_EQ(ramp_color(ColorScale::Viridis, 0.0f), (Rgb{68, 1, 84}));
  EXPECT_EQ(ramp_color(ColorScale::Viridis, 1.0f), (Rgb{253, 231, 37}));
  EXPECT_EQ(ramp_color(ColorScale::Grey, 0.0f), (Rgb{255, 255, 255}));
  EXPECT_EQ(ramp_color(ColorScale::Grey, 1.0f), (Rgb{0, 0, 0}));
}

TEST(VizColor, InterpolatesLinearlyBetweenStops) {
  // Blues has 9 stops: w = 1/16 lies halfway between stop 0 (247,251,255) and stop 1 (222,235,247).
  EXPECT_EQ(ramp_color(ColorScale::Blues, 0.0625f), (Rgb{235, 243, 251}));  // 234.5 rounds up
  EXPECT_EQ(ramp_color(ColorScale::Blues, 0.125f), (Rgb{222, 235, 247}));   // exactly stop 1
  EXPECT_EQ(ramp_color(ColorScale::Grey, 0.25f), (Rgb{191, 191, 191}));     // 255 * 0.75 = 191.25
  EXPECT_EQ(ramp_color(ColorScale::Grey, 0.5f), (Rgb{128, 128, 128}));      // 127.5 rounds up
}

TEST(VizColor, ClampsOutOfRangeAndNaN) {
  EXPECT_EQ(ramp_color(ColorScale::Blues, -3.0f), ramp_stops(ColorScale::Blues).front());
  EXPECT_EQ(ramp_color(ColorScale::Blues, 7.0f), ramp_stops(ColorScale::Blues).back());
  EXPECT_EQ(ramp_color(ColorScale::Viridis, std::nanf("")), ramp_stops(ColorScale::Viridis).front());
}

TEST(VizColor, LightnessIsMonotone) {
  const auto viridis = ramp_stops(ColorScale::Viridis);
  for (size_t k = 1; k < viridis.size(); ++k) EXPECT_GT(luminance(viridis[k]), luminance(viridis[k - 1])) << k;
  for (int i = 1; i <= 1000; ++i) {
    const float a = (i - 1) / 1000.0f, b = i / 1000.0f;
    EXPECT_LE(luminance(ramp_color(ColorScale::Blues, b)), luminance(ramp_color(ColorScale::Blues, a)) + 1e-9) << b;
    // Viridis channels move in opposite directions, so per-channel rounding may dent luminance by < 1 unit.
    EXPECT_GE(luminance(ramp_color(ColorScale::Viridis, b)), luminance(ramp_color(ColorScale::Viridis, a)) - 0.75) << b;
    EXPECT_LE(luminance(ramp_color(ColorScale::Grey, b)), luminance(ramp_color(ColorScale::Grey, a)) + 1e-9) << b;
  }
}

TEST(VizColor, HexAndNames) {
  EXPECT_EQ(hex({8, 48, 107}), "#08306b");
  EXPECT_EQ(parse_color_scale("viridis"), ColorScale::Viridis);
  EXPECT_EQ(parse_color_scale("gray"), ColorScale::Grey);
  EXPECT_EQ(color_scale_name(ColorScale::Blues), "blues");
  testing::expect_error_containing([] { parse_color_scale("jet"); }, "'jet' is not one of blues, viridis, grey");
}

}  // namespace
}  // namespace attend::viz
