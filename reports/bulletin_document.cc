#include "reports/bulletin_document.h"

#include <cstdlib>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "proof/checkpoint.h"
#include "reports/labels.h"
#include "reports/svg_chart.h"
#include "reports/template.h"
#include "workflows/assessment.h"
#include "workflows/bulletin.h"

namespace taizhang::reports {
namespace {

using Data = TemplateData;

Data Bool(bool b) { return Data(b ? Data::type::bool_true : Data::type::bool_false); }

// "快于时间进度 10.78 个百分点", "慢于时间进度 22.53 个百分点", "与时间进度持平".
std::string AgainstTime(const v1::BulletinInvestment& inv) {
  if (!inv.has_completion_bp()) return "无年度计划";
  const int32_t diff = inv.completion_bp() - inv.time_progress_bp();
  if (diff == 0) return "与时间进度持平";
  const std::string points = workflows::FormatBp(std::abs(diff));
  return absl::StrCat(diff > 0 ? "快于" : "慢于", "时间进度", points.substr(0, points.size() - 1),
                      "个百分点");
}

// "1—8月", or "1月" for January.
std::string MonthsSoFar(const v1::Bulletin& b) {
  return b.month_index() == 1 ? "1月" : absl::StrCat("1—", b.month_index(), "月");
}

Data InvestmentData(const v1::BulletinInvestment& inv) {
  Data d;
  d.set("plan", FormatYi(inv.annual_plan_yuan()));
  d.set("completed", FormatYi(inv.completed_yuan()));
  d.set("completion", FormatRate(inv.has_completion_bp(), inv.completion_bp()));
  d.set("time_progress", workflows::FormatBp(inv.time_progress_bp()));
  d.set("against_time", AgainstTime(inv));
  d.set("light", LightLabel(inv.light()));
  d.set("light_class", ShortName(inv.light()));
  d.set("has_light", Bool(inv.light() != v1::LIGHT_UNSPECIFIED));
  d.set("projects_reported", absl::StrCat(inv.projects_reported()));
  d.set("projects_with_plan", absl::StrCat(inv.projects_with_plan()));
  return d;
}

Data PlanRateData(const v1::BulletinPlanRate& r) {
  Data d;
  d.set("planned_in_year", absl::StrCat(r.planned_in_year()));
  d.set("done_of_planned_in_year", absl::StrCat(r.done_of_planned_in_year()));
  d.set("annual_rate", FormatRate(r.has_annual_rate_bp(), r.annual_rate_bp()));
  d.set("planned_to_date", absl::StrCat(r.planned_to_date()));
  d.set("done_of_planned_to_date", absl::StrCat(r.done_of_planned_to_date()));
  d.set("rate", FormatRate(r.has_rate_bp(), r.rate_bp()));
  d.set("done_in_year", absl::StrCat(r.done_in_year()));
  d.set("has_plan", Bool(r.planned_in_year() > 0));
  return d;
}

Data Overview(const v1::Bulletin& b) {
  Data d;
  d.set("project_count", absl::StrCat(b.project_count()));
  d.set("total", FormatYi(b.total_investment_yuan()));
  d.set("investment", InvestmentData(b.investment()));
  d.set("starts", PlanRateData(b.starts()));
  d.set("completions", PlanRateData(b.completions()));
  TemplateList stages;
  for (const auto& s : b.stages()) {
    Data row;
    row.set("stage", Label(s.stage()));
    row.set("count", absl::StrCat(s.count()));
    stages.push_back(row);
  }
  d.set("stages", stages);
  return d;
}

TemplateList Levels(const v1::Bulletin& b) {
  TemplateList out;
  for (const auto& l : b.by_level()) {
    Data row = InvestmentData(l.investment());
    row.set("level", Label(l.level()));
    row.set("project_count", absl::StrCat(l.project_count()));
    row.set("start_rate", FormatRate(l.starts().has_annual_rate_bp(), l.starts().annual_rate_bp()));
    row.set("starts_done", absl::StrCat(l.starts().done_of_planned_in_year()));
    row.set("starts_planned", absl::StrCat(l.starts().planned_in_year()));
    row.set("completion_rate",
            FormatRate(l.completions().has_annual_rate_bp(), l.completions().annual_rate_bp()));
    row.set("completions_done", absl::StrCat(l.completions().done_of_planned_in_year()));
    row.set("completions_planned", absl::StrCat(l.completions().planned_in_year()));
    out.push_back(row);
  }
  return out;
}

// The ranking table, and the names of the 先进 and 后进 units.
void Ranking(const v1::Bulletin& b, Data* out) {
  int ranked = 0;
  for (const auto& u : b.unit_ranking()) ranked += u.investment().has_completion_bp();
  const int group = RankingGroupSize(ranked);
  std::vector<std::string> advanced, lagging;
  TemplateList rows;
  int i = 0;
  for (const auto& u : b.unit_ranking()) {
    Data row = InvestmentData(u.investment());
    row.set("rank", absl::StrCat(u.rank()));
    row.set("unit", u.unit());
    row.set("project_count", absl::StrCat(u.project_count()));
    std::string mark;
    if (u.investment().has_completion_bp()) {
      if (i < group) {
        mark = "先进";
        advanced.push_back(u.unit());
      } else if (i >= ranked - group) {
        mark = "后进";
        lagging.push_back(u.unit());
      }
      ++i;
    }
    row.set("mark", mark);
    row.set("advanced", Bool(mark == "先进"));
    row.set("lagging", Bool(mark == "后进"));
    rows.push_back(row);
  }
  out->set("ranking", rows);
  out->set("has_ranking", Bool(!rows.empty()));
  out->set("has_marks", Bool(group > 0));
  out->set("advanced_units", absl::StrJoin(advanced, "、"));
  out->set("lagging_units", absl::StrJoin(lagging, "、"));
}

TemplateList Listed(const v1::Bulletin& b) {
  TemplateList out;
  int n = 0;
  for (const auto& l : b.listed()) {
    Data row;
    row.set("n", absl::StrCat(++n));
    row.set("code", l.code());
    row.set("name", l.name());
    row.set("unit", l.lead_unit());
    row.set("leader", l.responsible_leader());
    std::vector<std::string> reasons;
    for (int r : l.reasons()) reasons.push_back(Label(static_cast<v1::BulletinListReason>(r)));
    row.set("reasons", absl::StrJoin(reasons, "、"));
    row.set("light", LightLabel(l.light()));
    row.set("light_class", ShortName(l.light()));
    out.push_back(row);
  }
  return out;
}

void Supervision(const v1::Bulletin& b, Data* out) {
  TemplateList rows;
  int rungs = 0, listings = 0, open = 0, late = 0;
  for (const auto& u : b.unit_supervision()) {
    Data row;
    row.set("unit", u.unit());
    row.set("overdue_case_items", absl::StrCat(u.overdue_case_items()));
    row.set("overdue_tasks", absl::StrCat(u.overdue_tasks()));
    row.set("overdue_problems", absl::StrCat(u.overdue_problems()));
    row.set("rungs_in_month", absl::StrCat(u.rungs_in_month()));
    row.set("listings_in_month", absl::StrCat(u.listings_in_month()));
    row.set("open_rungs", absl::StrCat(u.open_rungs()));
    row.set("late_entries", absl::StrCat(u.late_entries_in_month()));
    rows.push_back(row);
    rungs += u.rungs_in_month();
    listings += u.listings_in_month();
    open += u.open_rungs();
    late += u.late_entries_in_month();
  }
  out->set("supervision", rows);
  out->set("has_supervision", Bool(!rows.empty()));
  out->set("rungs_total", absl::StrCat(rungs));
  out->set("listings_total", absl::StrCat(listings));
  out->set("open_total", absl::StrCat(open));
  out->set("late_total", absl::StrCat(late));
  out->set("has_late", Bool(late > 0));
}

// 六、走访服务情况: visits per person and per unit, the persons below quota.
void Visits(const v1::Bulletin& b, Data* out) {
  TemplateList persons, units, below;
  for (const auto& p : b.visits_by_person()) {
    Data row;
    row.set("person", p.person());
    std::vector<std::string> caps;
    for (int c : p.capacities()) caps.push_back(Label(static_cast<v1::VisitCapacity>(c)));
    row.set("capacities", absl::StrJoin(caps, "、"));
    row.set("visits", absl::StrCat(p.visits()));
    row.set("projects", absl::StrCat(p.projects()));
    persons.push_back(row);
  }
  for (const auto& u : b.visits_by_unit()) {
    Data row;
    row.set("unit", u.unit());
    row.set("visits", absl::StrCat(u.visits()));
    row.set("persons", absl::StrCat(u.persons()));
    units.push_back(row);
  }
  for (const auto& f : b.visits_below_quota()) {
    Data row;
    row.set("person", f.person());
    row.set("capacity", Label(f.capacity()));
    row.set("name", f.name());
    row.set("code", f.code());
    row.set("period", f.period());
    row.set("visits", absl::StrCat(f.visits()));
    row.set("required", absl::StrCat(f.required()));
    row.set("light", LightLabel(f.light()));
    row.set("light_class", ShortName(f.light()));
    below.push_back(row);
  }
  out->set("visits_total", absl::StrCat(b.visits_in_month()));
  out->set("visit_persons_count", absl::StrCat(persons.size()));
  out->set("has_visits", Bool(!persons.empty()));
  out->set("visit_persons", persons);
  out->set("has_visit_units", Bool(!units.empty()));
  out->set("visit_units", units);
  out->set("below_quota_count", absl::StrCat(below.size()));
  out->set("has_below_quota", Bool(!below.empty()));
  out->set("below_quota", below);
}

// 集中开工情况: each campaign of the month (or carried with projects not
// started), its rates, and its late starters; left out when there are none.
void Campaigns(const v1::Bulletin& b, Data* out) {
  TemplateList rows;
  TemplateList late;
  for (const auto& c : b.campaigns()) {
    Data row;
    row.set("name", c.name());
    row.set("kind", Label(c.kind()));
    row.set("day", c.day());
    row.set("projects", absl::StrCat(c.projects()));
    row.set("on_time", absl::StrCat(c.started_on_time()));
    row.set("late", absl::StrCat(c.started_late()));
    row.set("not_started", absl::StrCat(c.not_started()));
    row.set("pending", absl::StrCat(c.pending()));
    row.set("has_pending", Bool(c.pending() > 0));
    row.set("rate_on_day", workflows::FormatBp(c.start_rate_on_day_bp()));
    row.set("rate_now", workflows::FormatBp(c.start_rate_now_bp()));
    rows.push_back(row);
    for (const auto& p : c.late_starters()) {
      Data l;
      l.set("campaign", c.name());
      l.set("code", p.project_code());
      l.set("name", p.project_name());
      l.set("unit", p.lead_unit());
      l.set("status", Label(p.status()));
      l.set("started_on", p.started_on());
      late.push_back(l);
    }
  }
  const v1::BulletinCampaignYear& y = b.campaign_year();
  std::vector<std::string> kinds;
  for (const auto& k : y.by_kind())
    kinds.push_back(absl::StrCat(Label(k.kind()), k.campaigns(), "次"));
  out->set("campaigns_year", absl::StrCat(y.campaigns()));
  out->set("campaign_kinds", absl::StrJoin(kinds, "、"));
  out->set("campaign_projects_year", absl::StrCat(y.projects()));
  out->set("campaign_started_year", absl::StrCat(y.started()));
  out->set("has_campaigns", Bool(!rows.empty()));
  out->set("campaign_rows", rows);
  out->set("late_starters", late);
  out->set("has_late_starters", Bool(!late.empty()));
}

// 会议商定事项落实情况: the month's meetings and the units' decided matters;
// the section is left out when there are neither.
void Meetings(const v1::Bulletin& b, Data* out) {
  TemplateList meetings;
  int matters = 0;
  for (const auto& m : b.meetings()) {
    Data row;
    row.set("title", m.title().empty() ? m.meeting_id() : m.title());
    row.set("kind", Label(m.kind()));
    row.set("held_on", m.held_on());
    row.set("matters", absl::StrCat(m.matters()));
    row.set("done", absl::StrCat(m.done()));
    row.set("late", absl::StrCat(m.late()));
    row.set("open", absl::StrCat(m.open()));
    meetings.push_back(row);
    matters += m.matters();
  }
  TemplateList units;
  for (const auto& u : b.unit_matters()) {
    Data row;
    row.set("unit", u.unit());
    row.set("open", absl::StrCat(u.open()));
    row.set("overdue", absl::StrCat(u.overdue()));
    row.set("done", absl::StrCat(u.done_in_month()));
    row.set("done_late", absl::StrCat(u.done_late_in_month()));
    units.push_back(row);
  }
  // Counted per unit (项次): a matter of two units counts for each.
  int open = 0, overdue = 0;
  for (const auto& u : b.unit_matters()) {
    open += u.open();
    overdue += u.overdue();
  }
  out->set("has_meetings", Bool(!meetings.empty() || !units.empty()));
  out->set("meetings_total", absl::StrCat(b.meetings_size()));
  out->set("matters_total", absl::StrCat(matters));
  out->set("open_total_matters", absl::StrCat(open));
  out->set("overdue_total_matters", absl::StrCat(overdue));
  out->set("meeting_rows", meetings);
  out->set("has_meeting_rows", Bool(!meetings.empty()));
  out->set("unit_matters", units);
  out->set("has_unit_matters", Bool(!units.empty()));
}

// 重点项目建设工作考核排名 (numbered on with the sections before it): the assessment of the year to
// the month's end (Bulletin.assessment), left out when there is no assessment rule.
void Assessment(const v1::Bulletin& b, Data* out) {
  const v1::BulletinAssessment& a = b.assessment();
  out->set("has_assessment", Bool(b.has_assessment()));
  if (!b.has_assessment()) return;
  auto day = [](const std::string& text) {
    absl::CivilDay d;
    return absl::ParseCivilTime(text, &d) ? ChineseDate(d) : text;
  };
  TemplateList rows;
  std::vector<std::string> advanced, last;
  for (const auto& u : a.units()) {
    Data row;
    row.set("group", u.group());
    row.set("unit", u.unit());
    row.set("rank", u.unscored() ? "—" : absl::StrCat(u.rank()));
    row.set("score", u.unscored() ? "无可考核数据" : workflows::CentiText(u.score_centi()));
    row.set("standing", Label(u.standing()));
    row.set("advanced", Bool(u.standing() == v1::ASSESSMENT_STANDING_ADVANCED));
    row.set("last", Bool(u.standing() == v1::ASSESSMENT_STANDING_LAST));
    std::vector<std::string> deductions;
    for (const auto& d : u.top_deductions()) {
      deductions.push_back(absl::StrCat(d.name(), d.count(), "次，扣",
                                        workflows::CentiText(d.points_centi()), "分"));
    }
    row.set("deductions", deductions.empty() ? "—" : absl::StrJoin(deductions, "；"));
    rows.push_back(row);
    if (u.standing() == v1::ASSESSMENT_STANDING_ADVANCED) advanced.push_back(u.unit());
    if (u.standing() == v1::ASSESSMENT_STANDING_LAST) last.push_back(u.unit());
  }
  out->set("assessment_policy", a.policy_name());
  out->set("assessment_from", day(a.from()));
  out->set("assessment_to", day(a.to()));
  out->set("assessment_rows", rows);
  out->set("has_assessment_advanced", Bool(!advanced.empty()));
  out->set("assessment_advanced", absl::StrJoin(advanced, "、"));
  out->set("has_assessment_last", Bool(!last.empty()));
  out->set("assessment_last", absl::StrJoin(last, "、"));
}

}  // namespace

std::string FormatYi(int64_t yuan) {
  // To hundredths of 亿 (10^6 元), half away from zero.
  const bool negative = yuan < 0;
  const uint64_t a = negative ? 0 - static_cast<uint64_t>(yuan) : static_cast<uint64_t>(yuan);
  const uint64_t hundredths = (a + 500'000) / 1'000'000;
  return absl::StrFormat("%s%d.%02d", negative && hundredths > 0 ? "-" : "", hundredths / 100,
                         hundredths % 100);
}

std::string FormatRate(bool has, int32_t bp) { return has ? workflows::FormatBp(bp) : "—"; }

std::string ChineseDate(absl::CivilDay day) {
  return absl::StrCat(day.year(), "年", day.month(), "月", day.day(), "日");
}

std::string BulletinFilename(const v1::Bulletin& b, const std::string& extension) {
  return absl::StrCat("重点项目推进情况通报-", b.month(), ".", extension);
}

absl::StatusOr<std::string> BulletinHtml(const v1::Bulletin& b, const BulletinDocumentInfo& info) {
  Data d;
  d.set("title", absl::StrCat("重点项目推进情况通报（", b.year(), "年", b.month_index(), "月）"));
  d.set("year", absl::StrCat(b.year()));
  d.set("month_index", absl::StrCat(b.month_index()));
  d.set("months_so_far", MonthsSoFar(b));
  d.set("office",
        info.issuing_office.empty() ? std::string(kDefaultIssuingOffice) : info.issuing_office);
  d.set("issued_on", ChineseDate(info.issued_on));
  d.set("document_number", info.document_number);
  d.set("has_number", Bool(!info.document_number.empty()));
  d.set("through_position", absl::StrCat(b.through_position()));
  d.set("published", Bool(info.published));
  d.set("figures_sha256", info.figures_sha256);
  d.set("published_by", info.published_by);
  d.set("has_publisher", Bool(!info.published_by.empty()));
  d.set("has_checkpoint", Bool(info.checkpoint.has_value()));
  if (info.checkpoint.has_value()) {
    const v1::SignedCheckpoint& c = *info.checkpoint;
    d.set("checkpoint_partition", absl::StrCat(c.partition()));
    d.set("checkpoint_size", absl::StrCat(c.size()));
    d.set("checkpoint_root", absl::BytesToHexString(c.root()));
    // As signed (proof::TimeText), so that the text can be made again
    // from the document alone, and as people read it.
    d.set("checkpoint_time", proof::TimeText(c.time_us()));
    d.set("checkpoint_time_china",
          absl::FormatTime("%Y年%m月%d日 %H:%M:%S", absl::FromUnixMicros(c.time_us()),
                           absl::FixedTimeZone(8 * 3600)));
    d.set("checkpoint_key_id", c.key_id());
    d.set("checkpoint_public_key", absl::BytesToHexString(info.checkpoint_public_key));
    d.set("checkpoint_signature", absl::BytesToHexString(c.signature()));
  }
  d.set("overview", Overview(b));
  d.set("investment_chart", InvestmentChart(b));
  d.set("lights_chart", LightsChart(b));
  d.set("ranking_chart", RankingChart(b));
  d.set("levels", Levels(b));
  d.set("has_levels", Bool(b.by_level_size() > 0));
  Ranking(b, &d);
  TemplateList listed = Listed(b);
  d.set("listed_count", absl::StrCat(listed.size()));
  d.set("has_listed", Bool(!listed.empty()));
  d.set("listed", listed);
  Supervision(b, &d);
  Visits(b, &d);
  Meetings(b, &d);
  Campaigns(b, &d);
  Assessment(b, &d);
  // Sections 一 to 六 are always there; the later ones only with their
  // figures, numbered on from 七 in the order they appear.
  static constexpr const char* kNumerals[] = {"七", "八", "九", "十"};
  int next = 0;
  for (const auto& [present, key] :
       {std::pair<bool, const char*>{!b.meetings().empty() || !b.unit_matters().empty(),
                                     "meetings_no"},
        {!b.campaigns().empty(), "campaigns_no"},
        {b.has_assessment(), "assessment_no"}}) {
    if (present) d.set(key, kNumerals[next++]);
  }
  return RenderTemplate(kBulletinTemplate, d);
}

}  // namespace taizhang::reports
