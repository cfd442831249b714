// A self-contained HTML page (inline CSS, inline SVG, no scripts or external resources) showing, for each
// alignment, its title, the source and output text, and the heatmap.
#pragma once
#include <span>
#include <string>

#include "viz/alignment_view.h"
#include "viz/heatmap_svg.h"

namespace attend::viz {

struct HtmlReportOptions {
  std::string page_title = "attend: attention alignments";
  SvgHeatmapOptions heatmap;
};

// Joins tokens for display: SentencePiece pieces (any token holding U+2581) are concatenated with
// U+2581 read as a space; other tokens are joined with single spaces.
std::string detokenize(const std::vector<std::string>& tokens);

// Validates every view (errors name its position in the list) and returns the page.
std::string html_report(std::span<const AlignmentView> views, const HtmlReportOptions& opt = {});
// Writes the page atomically (temporary file + rename).
void write_html_report(const std::string& path, std::span<const AlignmentView> views,
                       const HtmlReportOptions& opt = {});

}  // namespace attend::viz
