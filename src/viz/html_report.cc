// HTML report of alignment heatmaps.
#include "viz/html_report.h"

#include <fmt/format.h>

#include "base/error.h"
#include "viz/text.h"

namespace attend::viz {

namespace {

constexpr std::string_view kSpaceMark = "\u2581";  // SentencePiece's word-boundary mark

constexpr const char* kStyle =
    "body{font-family:'DejaVu Sans',Arial,sans-serif;margin:2em;color:#222;background:#fff}"
    "section{margin:0 0 2.5em 0;padding-bottom:1em;border-bottom:1px solid #ddd}"
    "h1{font-size:1.4em}h2{font-size:1.1em}"
    "p.text{margin:.3em 0;max-width:60em}p.text b{display:inline-block;width:5em;color:#555}"
    ".figure{overflow-x:auto}"
    "p.legend{color:#555;font-size:.9em}";

}  // namespace

std::string detokenize(const std::vector<std::string>& tokens) {
  bool pieces = false;
  for (const auto& t : tokens) pieces = pieces || t.find(kSpaceMark) != std::string::npos;
  std::string out;
  for (size_t k = 0; k < tokens.size(); ++k) {
    if (!pieces) {
      if (k) out += ' ';
      out += tokens[k];
      continue;
    }
    for (size_t pos = 0;;) {
      const size_t hit = tokens[k].find(kSpaceMark, pos);
      out += tokens[k].substr(pos, hit == std::string::npos ? std::string::npos : hit - pos);
      if (hit == std::string::npos) break;
      out += ' ';
      pos = hit + kSpaceMark.size();
    }
  }
  if (pieces) {  // the mark that opens the first word is not a space
    const size_t first = out.find_first_not_of(' ');
    out.erase(0, first == std::string::npos ? out.size() : first);
  }
  return out;
}

std::string html_report(std::span<const AlignmentView> views, const HtmlReportOptions& opt) {
  for (size_t k = 0; k < views.size(); ++k) validate(views[k], fmt::format("html report: alignment {}", k));
  std::string s;
  append_format(
      s,
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n<title>{}</title>\n<style>{}</style>\n"
      "</head>\n<body>\n<h1>{}</h1>\n",
      xml_escape(opt.page_title), kStyle, xml_escape(opt.page_title));
  append_format(s,
                "<p class=\"legend\">{} alignment(s). Rows are output tokens, columns source tokens; {} cells carry "
                "more attention. Gold-standard links are outlined in red: solid = sure, dashed = possible. Hover a "
                "cell for its weight.</p>\n",
                views.size(), opt.heatmap.scale == ColorScale::Viridis ? "brighter" : "darker");
  for (size_t k = 0; k < views.size(); ++k) {
    const AlignmentView& v = views[k];
    const std::string title = v.title.empty() ? fmt::format("Alignment {}", k) : v.title;
    append_format(s, "<section id=\"alignment-{}\">\n<h2>{}</h2>\n", k, xml_escape(title));
    append_format(s, "<p class=\"text src\"><b>source</b>{}</p>\n", xml_escape(detokenize(v.source_tokens)));
    append_format(s, "<p class=\"text out\"><b>output</b>{}</p>\n", xml_escape(detokenize(v.output_tokens)));
    // The heading already shows the title: leave it out of the figure.
    SvgHeatmapOptions heatmap = opt.heatmap;
    heatmap.show_title = false;
    append_format(s, "<div class=\"figure\">\n{}</div>\n</section>\n", heatmap_svg(v, heatmap));
  }
  append_format(s, "</body>\n</html>\n");
  return s;
}

void write_html_report(const std::string& path, std::span<const AlignmentView> views, const HtmlReportOptions& opt) {
  write_file_atomically(path, html_report(views, opt), "html report");
}

}  // namespace attend::viz
