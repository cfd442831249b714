// Training-curve SVG: metrics file reading, nice axes, stacked panels.
#include "viz/curve_svg.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "base/error.h"
#include "viz/color.h"
#include "viz/text.h"

namespace attend::viz {

namespace {

constexpr int kMargin = 10;
constexpr int kTitlePx = 15;
constexpr int kLeft = 70;  // room for the y tick labels
constexpr int kRight = 24;
constexpr int kPanelHeader = 24;  // legend row above each plot
constexpr int kPanelFooter = 30;  // x tick labels below each plot
constexpr int kAxisTitle = 18;    // the x axis name under the last panel
constexpr int kTickPx = 11;
constexpr size_t kMaxMarkers = 60;  // series with few points (dev metrics) also get a dot per point
constexpr const char* kSeriesColors[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"};

// 1, 2, 5 or 10 times a power of ten near x: rounded to the nearest, or the smallest not below x.
double nice_number(double x, bool round) {
  const double e = std::floor(std::log10(x));
  const double p = std::pow(10.0, e), f = x / p;
  double nf;
  if (round)
    nf = f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10;
  else
    nf = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
  return nf * p;
}

std::string tick_text(double v, double step) {
  if (std::abs(v) < step * 1e-9) v = 0;  // no "-0" or 1e-17 from accumulated rounding
  return fmt::format("{:.6g}", v);
}

}  // namespace

std::vector<MetricSeries> read_metric_series(const std::string& path, const std::vector<std::string>& keys,
                                             const std::string& x_key) {
  ATTEND_CHECK(!keys.empty(), "metrics file '{}': no keys to plot", path);
  std::ifstream in(path, std::ios::binary);
  ATTEND_CHECK(in.is_open(), "metrics file '{}': cannot open: {}", path, std::strerror(errno));
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ATTEND_CHECK(!in.bad(), "metrics file '{}': read error", path);

  std::vector<MetricSeries> series(keys.size());
  for (size_t k = 0; k < keys.size(); ++k) series[k].key = keys[k];
  size_t lineno = 0;
  for (size_t pos = 0; pos < text.size();) {
    const size_t nl = text.find('\n', pos);
    const bool terminated = nl != std::string::npos;
    std::string line = text.substr(pos, terminated ? nl - pos : std::string::npos);
    pos = terminated ? nl + 1 : text.size();
    ++lineno;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded()) {
      if (!terminated) break;  // the writer is still appending this line
      ATTEND_FAIL("metrics file '{}' line {}: not valid JSON", path, lineno);
    }
    ATTEND_CHECK(j.is_object(), "metrics file '{}' line {}: expected a JSON object, got {}", path, lineno,
                 j.type_name());
    auto xi = j.find(x_key);
    if (xi == j.end() || !xi->is_number()) continue;
    const double x = xi->get<double>();
    if (!std::isfinite(x)) continue;
    for (auto& s : series) {
      auto yi = j.find(s.key);
      if (yi == j.end() || !yi->is_number()) continue;
      const double y = yi->get<double>();
      if (std::isfinite(y)) s.points.emplace_back(x, y);
    }
  }
  for (auto& s : series) {
    ATTEND_CHECK(!s.points.empty(), "metrics file '{}': no line has numbers for both '{}' and '{}'", path, x_key,
                 s.key);
    std::stable_sort(s.points.begin(), s.points.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  }
  return series;
}

std::vector<double> NiceAxis::ticks() const {
  std::vector<double> t;
  const int n = static_cast<int>(std::lround((hi - lo) / step));
  for (int i = 0; i <= n; ++i) t.push_back(lo + i * step);
  return t;
}

NiceAxis nice_axis(double lo, double hi, int target_ticks) {
  // hi - lo must be finite too: [-1e308, 1e308] would give NaN ticks and pixel coordinates.
  ATTEND_CHECK(std::isfinite(lo) && std::isfinite(hi) && lo <= hi && std::isfinite(hi - lo) && target_ticks >= 2,
               "nice_axis: bad range [{}, {}] or tick count {}", lo, hi, target_ticks);
  if (hi == lo) {
    const double pad = lo == 0 ? 1.0 : std::abs(lo) * 0.1;
    lo -= pad, hi += pad;
  }
  const double range = nice_number(hi - lo, false);
  const double step = nice_number(range / (target_ticks - 1), true);
  NiceAxis a;
  a.step = step;
  // Snap to multiples of the step, forgiving float noise just past a multiple.
  a.lo = std::floor(lo / step + 1e-9) * step;
  a.hi = std::ceil(hi / step - 1e-9) * step;
  // Padding and rounding out to whole steps can still overflow near the largest doubles.
  ATTEND_CHECK(std::isfinite(a.lo) && std::isfinite(a.hi) && std::isfinite(a.hi - a.lo) && a.step > 0,
               "nice_axis: range [{}, {}] is too wide a range to plot", lo, hi);
  return a;
}

CurveLayout curve_layout(const std::vector<MetricSeries>& series, const CurveOptions& opt) {
  ATTEND_CHECK(!series.empty(), "curve: no series to plot");
  ATTEND_CHECK(opt.width >= kLeft + kRight + 50 && opt.panel_height >= kPanelHeader + kPanelFooter + 40,
               "curve: image {} px wide with {} px panels is too small", opt.width, opt.panel_height);
  double x_lo = INFINITY, x_hi = -INFINITY;
  for (const auto& s : series) {
    ATTEND_CHECK(!s.points.empty(), "curve: series '{}' has no points", s.key);
    for (auto [x, y] : s.points) {
      ATTEND_CHECK(std::isfinite(x) && std::isfinite(y), "curve: series '{}' has a non-finite point ({}, {})", s.key, x,
                   y);
      x_lo = std::min(x_lo, x), x_hi = std::max(x_hi, x);
    }
  }
  ATTEND_CHECK(std::isfinite(x_hi - x_lo), "curve: x values span [{}, {}], too wide a range to plot", x_lo, x_hi);
  const NiceAxis x_axis = nice_axis(x_lo, x_hi);
  CurveLayout L;
  L.width = opt.width;
  const int top0 = kMargin + (opt.title.empty() ? 0 : kTitlePx + 8);
  for (size_t k = 0; k < series.size(); ++k) {
    const MetricSeries& s = series[k];
    double y_lo = INFINITY, y_hi = -INFINITY;
    for (auto [x, y] : s.points) y_lo = std::min(y_lo, y), y_hi = std::max(y_hi, y);
    ATTEND_CHECK(std::isfinite(y_hi - y_lo), "curve: series '{}' spans [{}, {}], too wide a range to plot", s.key, y_lo,
                 y_hi);
    CurvePanel p;
    p.key = s.key;
    p.x = x_axis;
    p.y = nice_axis(y_lo, y_hi);
    p.left = kLeft;
    p.width = opt.width - kLeft - kRight;
    p.top = top0 + static_cast<int>(k) * opt.panel_height + kPanelHeader;
    p.height = opt.panel_height - kPanelHeader - kPanelFooter;
    for (auto [x, y] : s.points)
      p.pixels.emplace_back(p.left + (x - p.x.lo) / (p.x.hi - p.x.lo) * p.width,
                            p.top + p.height - (y - p.y.lo) / (p.y.hi - p.y.lo) * p.height);
    L.panels.push_back(std::move(p));
  }
  L.height = top0 + static_cast<int>(series.size()) * opt.panel_height + kAxisTitle + kMargin;
  return L;
}

std::string curve_svg(const std::vector<MetricSeries>& series, const CurveOptions& opt) {
  const CurveLayout L = curve_layout(series, opt);
  std::string s;
  append_format(s,
                R"(<svg xmlns="http://www.w3.org/2000/svg" width="{0}" height="{1}" viewBox="0 0 {0} {1}" )"
                R"(font-family="DejaVu Sans, Arial, sans-serif" class="attend-curve">)"
                "\n",
                L.width, L.height);
  append_format(s,
                R"(<rect x="0" y="0" width="{}" height="{}" fill="{}"/>)"
                "\n",
                L.width, L.height, hex(kBackground));
  if (!opt.title.empty())
    append_format(s,
                  R"(<text class="title" x="{}" y="{}" font-size="{}" font-weight="bold" fill="{}">{}</text>)"
                  "\n",
                  kMargin, kMargin + kTitlePx, kTitlePx, hex(kTextColor), xml_escape(opt.title));
  const std::string text_color = hex(kTextColor), grid_color = "#e5e5e5", frame_color = hex(kFrameColor);
  for (size_t k = 0; k < L.panels.size(); ++k) {
    const CurvePanel& p = L.panels[k];
    const char* color = kSeriesColors[k % std::size(kSeriesColors)];
    const int bottom = p.top + p.height, right = p.left + p.width;
    append_format(s, "<g class=\"panel\" data-key=\"{}\">\n", xml_escape(p.key));
    // Grid lines and tick labels.
    append_format(s,
                  R"(<g class="ticks" font-size="{}" fill="{}">)"
                  "\n",
                  kTickPx, text_color);
    for (double t : p.y.ticks()) {
      const double y = bottom - (t - p.y.lo) / (p.y.hi - p.y.lo) * p.height;
      append_format(s, R"(<line x1="{}" y1="{:.2f}" x2="{}" y2="{:.2f}" stroke="{}"/>)", p.left, y, right, y,
                    grid_color);
      append_format(s,
                    R"(<text x="{}" y="{:.2f}" text-anchor="end" dominant-baseline="central">{}</text>)"
                    "\n",
                    p.left - 6, y, tick_text(t, p.y.step));
    }
    for (double t : p.x.ticks()) {
      const double x = p.left + (t - p.x.lo) / (p.x.hi - p.x.lo) * p.width;
      append_format(s, R"(<line x1="{:.2f}" y1="{}" x2="{:.2f}" y2="{}" stroke="{}"/>)", x, p.top, x, bottom,
                    grid_color);
      append_format(s,
                    R"(<text x="{:.2f}" y="{}" text-anchor="middle">{}</text>)"
                    "\n",
                    x, bottom + 16, tick_text(t, p.x.step));
    }
    append_format(s, "</g>\n");
    append_format(s,
                  R"(<rect class="plot-frame" x="{}" y="{}" width="{}" height="{}" fill="none" stroke="{}"/>)"
                  "\n",
                  p.left, p.top, p.width, p.height, frame_color);
    // Legend entry: a line sample and the key.
    append_format(s,
                  R"(<g class="legend"><line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="2"/>)"
                  R"(<text x="{}" y="{}" font-size="12" fill="{}" dominant-baseline="central">{}</text></g>)"
                  "\n",
                  p.left, p.top - 12, p.left + 24, p.top - 12, color, p.left + 30, p.top - 12, text_color,
                  xml_escape(p.key));
    append_format(
        s, R"(<polyline class="series" fill="none" stroke="{}" stroke-width="1.5" stroke-linejoin="round" points=")",
        color);
    for (size_t i = 0; i < p.pixels.size(); ++i)
      append_format(s, "{}{:.2f},{:.2f}", i ? " " : "", p.pixels[i].first, p.pixels[i].second);
    append_format(s, "\"/>\n");
    if (p.pixels.size() <= kMaxMarkers)
      for (auto [x, y] : p.pixels)
        append_format(s,
                      R"(<circle class="marker" cx="{:.2f}" cy="{:.2f}" r="2.5" fill="{}"/>)"
                      "\n",
                      x, y, color);
    append_format(s, "</g>\n");
  }
  if (!L.panels.empty()) {
    const CurvePanel& last = L.panels.back();
    append_format(s,
                  R"(<text class="x-title" x="{}" y="{}" font-size="12" text-anchor="middle" fill="{}">{}</text>)"
                  "\n",
                  last.left + last.width / 2, last.top + last.height + kPanelFooter + 8, text_color,
                  xml_escape(opt.x_key));
  }
  append_format(s, "</svg>\n");
  return s;
}

void write_metrics_curve_svg(const std::string& metrics_path, const std::vector<std::string>& keys,
                             const std::string& out_path, const CurveOptions& opt) {
  write_file_atomically(out_path, curve_svg(read_metric_series(metrics_path, keys, opt.x_key), opt), "curve svg");
}

}  // namespace attend::viz
