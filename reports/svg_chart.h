// The bulletin's charts as inline SVG, made here rather than by a charting
// library so that the document carries them as text (no script, no images):
// the browser that prints the PDF draws them, and the text inside (unit
// names, percentages) is Chinese and extractable from the PDF.
//
// Every chart is one <svg> element with a viewBox sized for the width of an
// A4 page's text block (170 mm; the document scales it to 100%). Text from
// the figures (unit names) is XML-escaped; the result may be embedded in HTML
// unescaped ({{{...}}} in a template).
//
// Thread-safety: the functions are pure.
#ifndef TAIZHANG_REPORTS_SVG_CHART_H_
#define TAIZHANG_REPORTS_SVG_CHART_H_

#include <string>
#include <string_view>

#include "taizhang/v1/bulletin.pb.h"

namespace taizhang::reports {

// `text` with &, <, >, " and ' replaced by entities.
std::string XmlEscape(std::string_view text);

// Investment completion (完成率) per unit, one vertical bar per unit of
// `bulletin.unit_ranking()` in ranking order (a unit without a plan has an
// empty bar marked 无计划), coloured by the unit's light, against a dashed
// horizontal line at the month's time progress (时间进度).
std::string InvestmentChart(const v1::Bulletin& bulletin);

// The units' projects by the month's light (绿灯/黄灯/红灯), one horizontal
// stacked bar per unit, in ranking order, with a legend.
std::string LightsChart(const v1::Bulletin& bulletin);

// The ranking (比学赶超): one horizontal bar per unit with a plan, by rank,
// its completion rate at its end; the first units marked 先进 and the last
// 后进 (RankingGroupSize).
std::string RankingChart(const v1::Bulletin& bulletin);

// How many units at each end of the ranking are named 先进 and 后进 among
// `ranked` units with a plan: 3 when there are at least 6, else 1 when
// there are at least 2, else 0.
int RankingGroupSize(int ranked);

}  // namespace taizhang::reports

#endif  // TAIZHANG_REPORTS_SVG_CHART_H_
