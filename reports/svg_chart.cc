#include "reports/svg_chart.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "reports/labels.h"
#include "workflows/bulletin.h"

namespace taizhang::reports {
namespace {

constexpr int kWidth = 640;  // the viewBox's width: an A4 text block at 96 dpi
constexpr char kFont[] = "Noto Sans CJK SC, Noto Serif CJK SC, sans-serif";
constexpr char kAxis[] = "#555555";
constexpr char kGrid[] = "#dddddd";
constexpr char kTimeLine[] = "#1565c0";
constexpr char kAdvanced[] = "#c62828";  // 先进: red, as the documents mark honour
constexpr char kLagging[] = "#455a64";   // 后进

const char* LightColour(v1::Light light) {
  switch (light) {
    case v1::LIGHT_GREEN:
      return "#2e7d32";
    case v1::LIGHT_YELLOW:
      return "#f9a825";
    case v1::LIGHT_RED:
      return "#c62828";
    default:
      return "#90a4ae";
  }
}

struct TextStyle {
  const char* anchor = "start";  // start, middle, end
  double size = 11;
  const char* fill = "#222222";
  bool bold = false;
  double rotate = 0;  // degrees, about (x, y)
};

// One <svg> element, written in order. Every text is escaped.
class Svg {
 public:
  Svg(int width, int height, std::string_view label) {
    absl::StrAppendFormat(&out_,
                          "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
                          "width=\"100%%\" role=\"img\" aria-label=\"%s\" class=\"chart\" "
                          "font-family=\"%s\">\n",
                          width, height, XmlEscape(label), kFont);
  }
  void Rect(double x, double y, double w, double h, std::string_view fill,
            std::string_view cls = "bar") {
    absl::StrAppendFormat(
        &out_,
        "<rect class=\"%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"/>\n",
        cls, x, y, std::max(0.0, w), std::max(0.0, h), fill);
  }
  void Line(double x1, double y1, double x2, double y2, std::string_view stroke, double width = 1,
            bool dashed = false) {
    absl::StrAppendFormat(&out_,
                          "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                          "stroke-width=\"%.1f\"%s/>\n",
                          x1, y1, x2, y2, stroke, width, dashed ? " stroke-dasharray=\"6 4\"" : "");
  }
  void Text(double x, double y, std::string_view text, const TextStyle& s = {}) {
    std::string transform;
    if (s.rotate != 0)
      transform = absl::StrFormat(" transform=\"rotate(%.0f %.1f %.1f)\"", s.rotate, x, y);
    absl::StrAppendFormat(&out_,
                          "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" font-size=\"%.0f\" "
                          "fill=\"%s\"%s%s>%s</text>\n",
                          x, y, s.anchor, s.size, s.fill, s.bold ? " font-weight=\"bold\"" : "",
                          transform, XmlEscape(text));
  }
  std::string Finish() && {
    out_ += "</svg>";
    return std::move(out_);
  }

 private:
  std::string out_;
};

// The scale's top in basis points: at least 100%, in steps of 20 points.
int32_t ScaleTop(int32_t largest_bp) {
  const int32_t top = std::max<int32_t>(10000, largest_bp);
  return (top + 1999) / 2000 * 2000;
}

}  // namespace

std::string XmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

int RankingGroupSize(int ranked) { return ranked >= 6 ? 3 : ranked >= 2 ? 1 : 0; }

std::string InvestmentChart(const v1::Bulletin& b) {
  const int n = b.unit_ranking_size();
  constexpr double kLeft = 48, kRight = 16, kTop = 28, kPlotH = 200, kBottom = 96;
  const int height = static_cast<int>(kTop + kPlotH + kBottom);
  Svg svg(kWidth, height, "各单位投资完成率与时间进度");
  svg.Text(kLeft, 16, "各单位投资完成率（柱）与时间进度（虚线）", {.size = 12, .bold = true});
  int32_t largest = b.investment().time_progress_bp();
  for (const auto& u : b.unit_ranking()) {
    if (u.investment().has_completion_bp()) {
      largest = std::max(largest, u.investment().completion_bp());
    }
  }
  const int32_t top = ScaleTop(largest);
  const double plot_w = kWidth - kLeft - kRight;
  auto y_of = [&](int32_t bp) { return kTop + kPlotH - kPlotH * std::max(0, bp) / top; };
  for (int32_t tick = 0; tick <= top; tick += 2000) {
    const double y = y_of(tick);
    svg.Line(kLeft, y, kLeft + plot_w, y, kGrid);
    svg.Text(kLeft - 6, y + 4, absl::StrCat(tick / 100, "%"),
             {.anchor = "end", .size = 10, .fill = kAxis});
  }
  svg.Line(kLeft, kTop, kLeft, kTop + kPlotH, kAxis);
  svg.Line(kLeft, kTop + kPlotH, kLeft + plot_w, kTop + kPlotH, kAxis);
  if (n == 0) {
    svg.Text(kLeft + plot_w / 2, kTop + kPlotH / 2, "本月无单位数据", {.anchor = "middle"});
  }
  const double slot = n > 0 ? plot_w / n : plot_w;
  const double bar = std::min(40.0, slot * 0.6);
  for (int i = 0; i < n; ++i) {
    const auto& u = b.unit_ranking(i);
    const double cx = kLeft + slot * (i + 0.5);
    if (u.investment().has_completion_bp()) {
      const int32_t bp = u.investment().completion_bp();
      svg.Rect(cx - bar / 2, y_of(bp), bar, kTop + kPlotH - y_of(bp),
               LightColour(u.investment().light()));
      svg.Text(cx, y_of(bp) - 4, workflows::FormatBp(bp), {.anchor = "middle", .size = 9});
    } else {
      svg.Rect(cx - bar / 2, kTop + kPlotH, bar, 0, LightColour(v1::LIGHT_UNSPECIFIED));
      svg.Text(cx, kTop + kPlotH - 4, "无计划", {.anchor = "middle", .size = 9, .fill = kAxis});
    }
    svg.Text(cx + 4, kTop + kPlotH + 12, u.unit(), {.anchor = "end", .size = 10, .rotate = -45});
  }
  const int32_t time_bp = b.investment().time_progress_bp();
  svg.Line(kLeft, y_of(time_bp), kLeft + plot_w, y_of(time_bp), kTimeLine, 1.5, true);
  svg.Text(kLeft + plot_w, y_of(time_bp) - 5,
           absl::StrCat("时间进度 ", workflows::FormatBp(time_bp)),
           {.anchor = "end", .size = 10, .fill = kTimeLine, .bold = true});
  return std::move(svg).Finish();
}

std::string LightsChart(const v1::Bulletin& b) {
  const int n = b.unit_ranking_size();
  constexpr double kLeft = 132, kRight = 56, kTop = 40, kRow = 22;
  const int height = static_cast<int>(kTop + kRow * std::max(n, 1) + 12);
  Svg svg(kWidth, height, "各单位项目亮灯情况");
  svg.Text(8, 16, "各单位项目亮灯情况（个）", {.size = 12, .bold = true});
  const std::vector<std::pair<v1::Light, const char*>> legend = {
      {v1::LIGHT_GREEN, "绿灯"}, {v1::LIGHT_YELLOW, "黄灯"}, {v1::LIGHT_RED, "红灯"}};
  double lx = kLeft;
  for (const auto& [light, name] : legend) {
    svg.Rect(lx, 24, 12, 10, LightColour(light), "legend");
    svg.Text(lx + 16, 33, name, {.size = 10});
    lx += 64;
  }
  int largest = 1;
  for (const auto& u : b.unit_ranking()) largest = std::max(largest, u.project_count());
  const double plot_w = kWidth - kLeft - kRight;
  if (n == 0) svg.Text(kLeft, kTop + 14, "本月无单位数据");
  for (int i = 0; i < n; ++i) {
    const auto& u = b.unit_ranking(i);
    const double y = kTop + kRow * i;
    svg.Text(kLeft - 8, y + 15, u.unit(), {.anchor = "end", .size = 10});
    double x = kLeft;
    for (const auto& [light, count] :
         std::vector<std::pair<v1::Light, int>>{{v1::LIGHT_GREEN, u.green()},
                                                {v1::LIGHT_YELLOW, u.yellow()},
                                                {v1::LIGHT_RED, u.red()}}) {
      const double w = plot_w * count / largest;
      if (count > 0) {
        svg.Rect(x, y + 3, w, kRow - 6, LightColour(light));
        if (w >= 18) {
          svg.Text(x + w / 2, y + 15, absl::StrCat(count),
                   {.anchor = "middle", .size = 9, .fill = "#ffffff"});
        }
      }
      x += w;
    }
    const int unjudged = u.project_count() - u.green() - u.yellow() - u.red();
    svg.Text(x + 6, y + 15,
             unjudged > 0 ? absl::StrCat(u.project_count(), "个（", unjudged, "个未评）")
                          : absl::StrCat(u.project_count(), "个"),
             {.size = 9, .fill = kAxis});
  }
  return std::move(svg).Finish();
}

std::string RankingChart(const v1::Bulletin& b) {
  std::vector<const v1::BulletinUnitRank*> ranked;
  for (const auto& u : b.unit_ranking()) {
    if (u.investment().has_completion_bp()) ranked.push_back(&u);
  }
  const int n = static_cast<int>(ranked.size());
  const int group = RankingGroupSize(n);
  constexpr double kLeft = 150, kRight = 110, kTop = 28, kRow = 22;
  const int height = static_cast<int>(kTop + kRow * std::max(n, 1) + 12);
  Svg svg(kWidth, height, "单位排名（先进、后进）");
  svg.Text(8, 16, "单位排名（按投资完成率）", {.size = 12, .bold = true});
  int32_t largest = 1;
  for (const auto* u : ranked) largest = std::max(largest, u->investment().completion_bp());
  const int32_t top = ScaleTop(largest);
  const double plot_w = kWidth - kLeft - kRight;
  if (n == 0) svg.Text(kLeft, kTop + 14, "本月无可排名的单位");
  for (int i = 0; i < n; ++i) {
    const auto& u = *ranked[i];
    const double y = kTop + kRow * i;
    const bool advanced = i < group;
    const bool lagging = i >= n - group;
    const char* colour = advanced ? kAdvanced : lagging ? kLagging : "#78909c";
    svg.Text(kLeft - 8, y + 15, absl::StrCat("第", u.rank(), "名 ", u.unit()),
             {.anchor = "end", .size = 10});
    const double w = plot_w * std::max(0, u.investment().completion_bp()) / top;
    svg.Rect(kLeft, y + 3, w, kRow - 6, colour);
    svg.Text(kLeft + w + 6, y + 15, workflows::FormatBp(u.investment().completion_bp()),
             {.size = 9});
    if (advanced || lagging) {
      svg.Text(kWidth - 8, y + 15, advanced ? "先进" : "后进",
               {.anchor = "end", .size = 10, .fill = colour, .bold = true});
    }
  }
  return std::move(svg).Finish();
}

}  // namespace taizhang::reports
