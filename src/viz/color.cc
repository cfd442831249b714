// Colour ramp stops and interpolation.
#include "viz/color.h"

#include <fmt/format.h>

#include <array>
#include <cmath>

#include "base/error.h"

namespace attend::viz {

namespace {

// ColorBrewer's 9-class sequential Blues.
constexpr std::array<Rgb, 9> kBlues = {{{247, 251, 255},
                                        {222, 235, 247},
                                        {198, 219, 239},
                                        {158, 202, 225},
                                        {107, 174, 214},
                                        {66, 146, 198},
                                        {33, 113, 181},
                                        {8, 81, 156},
                                        {8, 48, 107}}};
// Nine samples of matplotlib's viridis at 0, 1/8, ..., 1.
constexpr std::array<Rgb, 9> kViridis = {{{68, 1, 84},
                                          {71, 45, 123},
                                          {59, 82, 139},
                                          {44, 114, 142},
                                          {33, 145, 140},
                                          {40, 174, 128},
                                          {94, 201, 98},
                                          {173, 220, 48},
                                          {253, 231, 37}}};
// White (no attention) to black (all of it).
constexpr std::array<Rgb, 2> kGrey = {{{255, 255, 255}, {0, 0, 0}}};

}  // namespace

ColorScale parse_color_scale(std::string_view name) {
  if (name == "blues") return ColorScale::Blues;
  if (name == "viridis") return ColorScale::Viridis;
  if (name == "grey" || name == "gray") return ColorScale::Grey;
  ATTEND_FAIL("colour scale '{}' is not one of blues, viridis, grey", name);
}

std::string_view color_scale_name(ColorScale s) {
  switch (s) {
    case ColorScale::Blues:
      return "blues";
    case ColorScale::Viridis:
      return "viridis";
    case ColorScale::Grey:
      return "grey";
  }
  return "?";
}

std::span<const Rgb> ramp_stops(ColorScale s) {
  switch (s) {
    case ColorScale::Blues:
      return kBlues;
    case ColorScale::Viridis:
      return kViridis;
    case ColorScale::Grey:
      return kGrey;
  }
  return kGrey;
}

Rgb ramp_color(ColorScale s, float w) {
  const std::span<const Rgb> stops = ramp_stops(s);
  if (!(w > 0)) return stops.front();  // also NaN
  if (w >= 1) return stops.back();
  const float pos = w * static_cast<float>(stops.size() - 1);
  const size_t k = static_cast<size_t>(pos);
  const float t = pos - static_cast<float>(k);
  const Rgb a = stops[k], b = stops[k + 1];
  auto mix = [t](uint8_t x, uint8_t y) {
    return static_cast<uint8_t>(std::lround(static_cast<float>(x) + t * (static_cast<float>(y) - x)));
  };
  return {mix(a.r, b.r), mix(a.g, b.g), mix(a.b, b.b)};
}

std::string hex(Rgb c) { return fmt::format("#{:02x}{:02x}{:02x}", c.r, c.g, c.b); }

}  // namespace attend::viz
