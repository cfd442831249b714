// Colour ramps for heatmaps: piecewise-linear interpolation between a few stops of a sequential scale
// (ColorBrewer-style Blues from near-white to dark blue, a viridis-like perceptual ramp, and grey). The
// same stops feed the PNG pixels, the SVG cell fills and the SVG colour-bar gradient.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace attend::viz {

struct Rgb {
  uint8_t r = 0, g = 0, b = 0;
  friend bool operator==(const Rgb&, const Rgb&) = default;
};

enum class ColorScale { Blues, Viridis, Grey };

// "blues", "viridis" or "grey" (also "gray"); anything else is an error listing the choices.
ColorScale parse_color_scale(std::string_view name);
std::string_view color_scale_name(ColorScale s);

// The ramp's stops, evenly spaced from weight 0 (first) to weight 1 (last).
std::span<const Rgb> ramp_stops(ColorScale s);
// The colour of weight `w` (clamped to [0, 1]; NaN counts as 0): linear between the two nearest stops,
// each channel rounded to the nearest integer.
Rgb ramp_color(ColorScale s, float w);

// "#rrggbb"
std::string hex(Rgb c);

// Fixed colours shared by the renderers.
inline constexpr Rgb kBackground{255, 255, 255};
inline constexpr Rgb kTextColor{34, 34, 34};
inline constexpr Rgb kFrameColor{153, 153, 153};
inline constexpr Rgb kGoldColor{228, 26, 28};  // gold-link outlines: red, distinct from every ramp

}  // namespace attend::viz
