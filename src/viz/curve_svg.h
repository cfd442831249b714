// Training curves as SVG: chosen metrics from a JSON-lines metrics file (one object per line, such as
// {"step":100,"loss":2.3} and {"step":500,"dev_loss":2.1,"dev_bleu":11.2}) plotted against "step", one
// stacked panel per metric with its own y axis, tick labels and a legend entry.
#pragma once
#include <string>
#include <utility>
#include <vector>

namespace attend::viz {

struct MetricSeries {
  std::string key;
  std::vector<std::pair<double, double>> points;  // (x, value), sorted by x (stable)
};

// One series per key from the lines holding finite numbers under both `x_key` and the key; other lines
// are skipped. A missing file, a line that is not a JSON object, or a key without any usable point is an
// error naming the file (and the line or the key). A last line without its newline that does not parse
// is taken as still being written and skipped.
std::vector<MetricSeries> read_metric_series(const std::string& path, const std::vector<std::string>& keys,
                                             const std::string& x_key = "step");

// A "nice" axis: [lo, hi] covers the data and both are multiples of `step`, itself 1, 2 or 5 times a power
// of ten, giving about `target_ticks` ticks. Equal ends widen to a unit (or 10%) interval around them.
struct NiceAxis {
  double lo = 0, hi = 1, step = 1;
  std::vector<double> ticks() const;
};
NiceAxis nice_axis(double lo, double hi, int target_ticks = 5);

struct CurveOptions {
  std::string x_key = "step";
  int width = 720;         // whole image
  int panel_height = 220;  // per metric
  std::string title;
};

struct CurvePanel {
  std::string key;
  NiceAxis x, y;
  int left = 0, top = 0, width = 0, height = 0;   // the plot area in pixels
  std::vector<std::pair<double, double>> pixels;  // the series' points mapped into the plot area
};

struct CurveLayout {
  int width = 0, height = 0;
  std::vector<CurvePanel> panels;
};

// All panels share the x axis (the range over every series). A point (x, y) maps to
// (left + (x - x.lo) / (x.hi - x.lo) * width, top + height - (y - y.lo) / (y.hi - y.lo) * height).
CurveLayout curve_layout(const std::vector<MetricSeries>& series, const CurveOptions& opt = {});
std::string curve_svg(const std::vector<MetricSeries>& series, const CurveOptions& opt = {});
// Reads `metrics_path` for `keys`, renders, and writes `out_path` atomically.
void write_metrics_curve_svg(const std::string& metrics_path, const std::vector<std::string>& keys,
                             const std::string& out_path, const CurveOptions& opt = {});

}  // namespace attend::viz
