// RgbImage drawing, stb_easy_font text rasterisation, and PNG encoding with stb_image_write (this is the
// one file of the library that compiles stb_image_write's implementation, with static linkage).
#include "viz/raster.h"

#include <algorithm>
#include <cmath>

#include "base/error.h"
#include "viz/text.h"

#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STB_IMAGE_WRITE_STATIC
#define STBI_WRITE_NO_STDIO
#include <stb/stb_easy_font.h>
#include <stb/stb_image_write.h>

namespace attend::viz {

RgbImage::RgbImage(int w, int h, Rgb fill) : width(w), height(h) {
  ATTEND_CHECK(w > 0 && h > 0 && static_cast<int64_t>(w) * h <= (int64_t{1} << 28),
               "image: size {} x {} is empty or too large", w, h);
  pixels.resize(static_cast<size_t>(w) * h * 3);
  for (size_t i = 0; i < pixels.size(); i += 3) pixels[i] = fill.r, pixels[i + 1] = fill.g, pixels[i + 2] = fill.b;
}

Rgb RgbImage::at(int x, int y) const {
  ATTEND_CHECK(x >= 0 && y >= 0 && x < width && y < height, "image: pixel ({}, {}) outside {} x {}", x, y, width,
               height);
  const size_t i = (static_cast<size_t>(y) * width + x) * 3;
  return {pixels[i], pixels[i + 1], pixels[i + 2]};
}

void RgbImage::set(int x, int y, Rgb c) {
  if (x < 0 || y < 0 || x >= width || y >= height) return;
  const size_t i = (static_cast<size_t>(y) * width + x) * 3;
  pixels[i] = c.r, pixels[i + 1] = c.g, pixels[i + 2] = c.b;
}

void RgbImage::fill_rect(int x0, int y0, int x1, int y1, Rgb c) {
  x0 = std::max(x0, 0), y0 = std::max(y0, 0), x1 = std::min(x1, width), y1 = std::min(y1, height);
  for (int y = y0; y < y1; ++y)
    for (int x = x0; x < x1; ++x) set(x, y, c);
}

int text_width(std::string_view utf8) {
  std::string ascii = ascii_fold(utf8);
  return stb_easy_font_width(ascii.data());
}

void draw_text(RgbImage& img, int x, int y, std::string_view utf8, int scale, Rgb color, TextDirection dir) {
  std::string ascii = ascii_fold(utf8);  // printable ASCII only: stb_easy_font indexes its tables by c - 32
  if (ascii.empty() || scale <= 0) return;
  // stb_easy_font averages ~270 bytes of vertices per character; 64 bytes per quad.
  std::vector<char> vbuf(ascii.size() * 640 + 64);
  const int quads = stb_easy_font_print(0, 0, ascii.data(), nullptr, vbuf.data(), static_cast<int>(vbuf.size()));
  for (int q = 0; q < quads; ++q) {
    // Each quad is axis-aligned: its first vertex is the top-left, its third the bottom-right.
    const float* v0 = reinterpret_cast<const float*>(vbuf.data() + q * 64);
    const float* v2 = reinterpret_cast<const float*>(vbuf.data() + q * 64 + 32);
    const int u0 = static_cast<int>(std::lround(v0[0])), w0 = static_cast<int>(std::lround(v0[1]));
    const int u1 = static_cast<int>(std::lround(v2[0])), w1 = static_cast<int>(std::lround(v2[1]));
    if (dir == TextDirection::Horizontal)
      img.fill_rect(x + u0 * scale, y + w0 * scale, x + u1 * scale, y + w1 * scale, color);
    else  // rotate: text u runs up from y, glyph rows w run right from x
      img.fill_rect(x + w0 * scale, y - u1 * scale, x + w1 * scale, y - u0 * scale, color);
  }
}

std::string encode_png(const RgbImage& img) {
  ATTEND_CHECK(img.width > 0 && img.height > 0, "png: empty image");
  std::string out;
  auto sink = [](void* ctx, void* data, int size) {
    static_cast<std::string*>(ctx)->append(static_cast<const char*>(data), static_cast<size_t>(size));
  };
  const int ok = stbi_write_png_to_func(sink, &out, img.width, img.height, 3, img.pixels.data(), img.width * 3);
  ATTEND_CHECK(ok != 0 && !out.empty(), "png: encoding a {} x {} image failed", img.width, img.height);
  return out;
}

}  // namespace attend::viz
