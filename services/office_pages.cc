#include "services/office_pages.h"

#include <algorithm>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "reports/labels.h"
#include "reports/template.h"
#include "services/china_time.h"
#include "services/http_helpers.h"
#include "services/ledger_service.h"
#include "services/photos_service.h"
#include "taizhang/v1/project.pb.h"
#include "workflows/bulletin.h"
#include "workflows/bulletin_visits.h"
#include "workflows/meeting.h"

namespace taizhang::services {

using reports::DaysLeft;
using reports::Label;
using reports::LightLabel;
using reports::TemplateData;
using reports::TemplateList;

namespace {

// Red first, then yellow, then green, then unjudged.
int Severity(v1::Light light) {
  switch (light) {
    case v1::LIGHT_RED:
      return 0;
    case v1::LIGHT_YELLOW:
      return 1;
    case v1::LIGHT_GREEN:
      return 2;
    default:
      return 3;
  }
}

void SetLight(TemplateData& d, v1::Light light) {
  d.set("light", LightLabel(light));
  d.set("light_class", LightClass(light));
}

std::string Date(int64_t us) {
  if (us == 0) return "";
  return FormatChina(absl::FromUnixMicros(us), false);
}

// "1234.56万元".
std::string Yuan(int64_t yuan) {
  return absl::StrFormat("%.2f万元", static_cast<double>(yuan) / 1e4);
}

// The lists' rows of workflow A, as ListOf (ledger_service.h) selects them.
template <class A, class Row>
void Select(const workflows::Ledger& ledger, const ReadScope& scope, const v1::ListRequest& request,
            absl::Time now, Row row) {
  const workflows::WorkflowOf<A>& workflow = ledger.workflow<A>();
  for (const auto& state : workflow.List()) {
    const std::string& code = workflows::WorkflowTraits<A>::ProjectCode(state);
    if (!scope.Reads(state) || !ledger_service_internal::ProjectFilters(request, code, ledger)) {
      continue;
    }
    if (!request.project_code().empty() && code != request.project_code()) continue;
    auto view = workflow.aggregate().View(state, now);
    if (!ApiTraits<A>::Matches(request, state, view)) continue;
    row(state, view);
  }
}

// Rows sorted red first (stable: the ledger's order within a light).
TemplateList BySeverity(std::vector<std::pair<int, TemplateData>> rows) {
  std::stable_sort(rows.begin(), rows.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  TemplateList out;
  for (auto& [severity, row] : rows) out.push_back(std::move(row));
  return out;
}

TemplateData ProjectRow(const v1::ProjectState& s, const v1::ProjectView& v) {
  TemplateData d;
  d.set("code", v.code());
  d.set("name", v.name());
  d.set("stage", Label(v.stage()));
  d.set("lead_unit", s.info().lead_unit());
  d.set("leader", s.info().responsible_leader());
  SetLight(d, v.light());
  d.set("start_overdue", v.start_overdue() ? "是" : "");
  d.set("finish_overdue", v.finish_overdue() ? "是" : "");
  d.set("open_slips", std::to_string(v.open_slips_size()));
  return d;
}

TemplateData CaseRow(const v1::ApprovalCaseState& s, const v1::ApprovalCaseView& v) {
  TemplateData d;
  d.set("case_id", v.case_id());
  d.set("project_code", v.project_code());
  d.set("project_name", v.project_name());
  d.set("status", Label(v.status()));
  d.set("due_date", v.clock().due_date());
  d.set("days_left", v.has_clock() ? DaysLeft(v.clock().calendar_days_left()) : "");
  SetLight(d, v.clock().light());
  std::vector<std::string> late;
  TemplateList items;
  for (const auto& item : v.items()) {
    if (item.has_clock() && item.clock().overdue()) {
      late.push_back(absl::StrCat(item.name(), "（", item.department(), "）"));
    }
    TemplateData i;
    i.set("name", item.name());
    i.set("department", item.department());
    i.set("status", Label(item.status()));
    i.set("due_date", item.has_clock() ? item.clock().due_date() : "");
    i.set("days_left", item.has_clock() ? DaysLeft(item.clock().working_days_left()) : "");
    SetLight(i, item.has_clock() ? item.clock().light() : v1::LIGHT_UNSPECIFIED);
    items.push_back(std::move(i));
  }
  d.set("late_items", absl::StrJoin(late, "、"));
  d.set("items", items);
  (void)s;
  return d;
}

TemplateData TaskRow(const v1::TaskState& s, const v1::TaskView& v) {
  TemplateData d;
  d.set("task_id", v.task_id());
  d.set("project_code", v.project_code());
  d.set("title", v.title());
  d.set("units", absl::StrJoin(v.responsible_units(), "、"));
  d.set("status", Label(v.status()));
  d.set("due_date", v.due_date());
  d.set("days_left", v.has_deadline() && !v.due_pending() && s.status() == v1::TASK_STATUS_OPEN
                         ? DaysLeft(v.working_days_left())
                         : "");
  d.set("percent", absl::StrCat(v.percent(), "%"));
  SetLight(d, v.light());
  d.set("open_rungs", std::to_string(v.open_rungs()));
  return d;
}

TemplateData ProblemRow(const v1::ProblemState& s, const v1::ProblemView& v) {
  TemplateData d;
  d.set("problem_id", v.problem_id());
  d.set("project_code", v.project_code());
  d.set("title", v.title());
  d.set("unit", v.unit());
  d.set("status", Label(v.status()));
  d.set("due_date", v.due_date());
  d.set("days_left",
        s.status() == v1::PROBLEM_STATUS_ASSIGNED ? DaysLeft(v.working_days_left()) : "");
  SetLight(d, v.light());
  return d;
}

TemplateData Common(const Caller& caller, absl::Time now) {
  TemplateData d;
  d.set("now", FormatChina(now, false));
  d.set("actor", caller.actor);
  d.set("role", reports::RoleLabel(caller.actor));
  return d;
}

// The options of a <select> over an enum's labelled values, `selected` marked.
template <class Enum>
TemplateList EnumOptions(int selected) {
  TemplateList out;
  const auto* type = google::protobuf::GetEnumDescriptor<Enum>();
  for (int i = 0; i < type->value_count(); ++i) {
    const auto* v = type->value(i);
    if (v->number() == 0) continue;
    TemplateData o;
    o.set("value", reports::ShortName(v));
    o.set("label", Label(v));
    o.set("selected", v->number() == selected);
    out.push_back(std::move(o));
  }
  return out;
}

void AddSlips(const google::protobuf::RepeatedPtrField<v1::SupervisionRung>& rungs,
              const std::string& kind, const std::string& id, TemplateList& out) {
  for (const auto& r : rungs) {
    TemplateData d;
    d.set("slip_number", r.raised().slip_number());
    d.set("kind", kind);
    d.set("id", id);
    d.set("rung", r.raised().rung_name());
    d.set("matter", r.raised().matter());
    d.set("raised", Date(r.raised().raised_at_us()));
    d.set("rectification_due_on", r.raised().rectification_due_on());
    d.set("state", r.delisted() ? "已销号" : r.answered() ? "已回复" : "待回复");
    d.set("open", !r.answered() && !r.delisted());
    out.push_back(std::move(d));
  }
}

// What one project event says, beyond its type.
std::string ProjectEventDetail(const v1::ProjectEvent& e) {
  switch (e.kind_case()) {
    case v1::ProjectEvent::kRegistered:
      return absl::StrCat(e.registered().info().name(), "，牵头单位 ",
                          e.registered().info().lead_unit());
    case v1::ProjectEvent::kStageAdvanced:
      return absl::StrCat("进入", Label(e.stage_advanced().to()), "（", e.stage_advanced().on(),
                          "）");
    case v1::ProjectEvent::kNodePlanned:
      return absl::StrCat(e.node_planned().name(), "，期限 ", e.node_planned().due_on());
    case v1::ProjectEvent::kNodeDone:
      return absl::StrCat(e.node_done().node_id(), "，", e.node_done().on());
    case v1::ProjectEvent::kInvestmentReported:
      return absl::StrCat(e.investment_reported().month(), " 累计 ",
                          Yuan(e.investment_reported().cumulative_yuan()));
    case v1::ProjectEvent::kMonthClosed:
      return absl::StrCat(e.month_closed().result().month(), " ",
                          LightLabel(e.month_closed().result().light()));
    case v1::ProjectEvent::kLightChanged:
      return LightLabel(e.light_changed().to());
    case v1::ProjectEvent::kRungRaised:
      return absl::StrCat(e.rung_raised().rung_name(), " ", e.rung_raised().slip_number());
    case v1::ProjectEvent::kRungAnswered:
      return e.rung_answered().slip_number();
    case v1::ProjectEvent::kRungDelisted:
      return e.rung_delisted().slip_number();
    case v1::ProjectEvent::kImageProgressRecorded:
      return absl::StrCat(e.image_progress_recorded().attachments_size(), " 张照片，",
                          e.image_progress_recorded().note());
    case v1::ProjectEvent::kVisitRecorded:
      return absl::StrCat(e.visit_recorded().visitor(), " ", e.visit_recorded().on(), "：",
                          e.visit_recorded().findings());
    case v1::ProjectEvent::kServiceRated:
      return absl::StrCat(e.service_rated().contact(), " ", e.service_rated().period(), " ",
                          e.service_rated().score(), "分（", e.service_rated().grade(), "）");
    case v1::ProjectEvent::kVisitPeriodClosed: {
      const auto& r = e.visit_period_closed().result();
      return absl::StrCat(r.person(), " ", r.period(), " 走访", r.visits(), "/", r.required(), " ",
                          LightLabel(r.light()));
    }
    default:
      return "";
  }
}

// 商定事项 by responsible unit: the open decided matters the caller reads
// (their tasks), how many are past their limit, and each of them.
TemplateList MatterUnits(const workflows::Ledger& ledger, const ReadScope& scope, absl::Time now,
                         int* open_total, int* overdue_total) {
  struct Unit {
    int open = 0, overdue = 0;
    std::vector<std::string> matters;
  };
  std::map<std::string, Unit> units;
  std::map<std::string, v1::TaskState> tasks;
  for (const auto& t : ledger.workflow<workflows::Task>().List()) {
    if (t.has_origin() && scope.Reads(t)) tasks.emplace(t.task_id(), t);
  }
  std::vector<v1::MeetingState> meetings = ledger.workflow<workflows::Meeting>().List();
  std::sort(meetings.begin(), meetings.end(), [](const auto& a, const auto& b) {
    return std::make_pair(a.meeting().held_on(), a.meeting().meeting_id()) <
           std::make_pair(b.meeting().held_on(), b.meeting().meeting_id());
  });
  const absl::CivilDay today = absl::ToCivilDay(now, ChinaTime());
  for (const auto& m : meetings) {
    const v1::MeetingRecorded& r = m.meeting();
    for (int n = 1; n <= r.matters_size(); ++n) {
      auto task = tasks.find(workflows::MatterTaskIdOf(r, n));
      if (task == tasks.end()) continue;  // not the caller's, or not made yet
      const v1::MatterView mv = workflows::MatterAsOf(r, n, &task->second, today);
      const bool overdue = mv.status() == v1::MATTER_STATUS_OVERDUE;
      if (mv.status() != v1::MATTER_STATUS_OPEN && !overdue) continue;
      ++*open_total;
      *overdue_total += overdue;
      for (const std::string& unit : mv.responsible_units()) {
        Unit& u = units[unit];
        ++u.open;
        u.overdue += overdue;
        u.matters.push_back(absl::StrCat(
            mv.text(), "（", r.title().empty() ? r.meeting_id() : r.title(), " ", r.held_on(),
            mv.due_date().empty() ? "" : absl::StrCat("，限", mv.due_date()),
            overdue ? "，已逾期" : "", "）"));
      }
    }
  }
  std::vector<std::pair<std::string, Unit>> sorted(units.begin(), units.end());
  std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
    return std::make_pair(-a.second.overdue, -a.second.open) <
           std::make_pair(-b.second.overdue, -b.second.open);
  });
  TemplateList out;
  for (auto& [name, u] : sorted) {
    TemplateData d;
    d.set("unit", name);
    d.set("open", std::to_string(u.open));
    d.set("overdue", std::to_string(u.overdue));
    d.set("overdue_class", u.overdue > 0 ? "red" : "");
    d.set("matters", absl::StrJoin(u.matters, "；"));
    out.push_back(std::move(d));
  }
  return out;
}

// The meeting series the caller reads: each one's latest meeting with its
// matters' counts, its missed periods (未按期召开), and the current period.
TemplateList SeriesRows(const workflows::Ledger& ledger, const ReadScope& scope, absl::Time now) {
  TemplateList out;
  const auto& series = ledger.workflow<workflows::MeetingSeries>();
  for (const auto& s : series.List()) {
    if (!scope.Reads(s)) continue;
    const v1::MeetingSeriesView v = series.aggregate().View(s, now);
    TemplateData d;
    d.set("series_id", s.series_id());
    d.set("name", s.name());
    d.set("rhythm", v.rhythm_text());
    d.set("meetings", std::to_string(v.meetings()));
    std::string latest, held_on, matters;
    if (!s.meetings().empty()) {
      const auto& last = *std::max_element(s.meetings().begin(), s.meetings().end(),
                                           [](const auto& a, const auto& b) {
                                             return std::make_pair(a.held_on(), a.meeting_id()) <
                                                    std::make_pair(b.held_on(), b.meeting_id());
                                           });
      latest = last.meeting_id();
      held_on = last.held_on();
      auto meeting = ledger.workflow<workflows::Meeting>().Get(last.meeting_id());
      if (meeting.has_value()) {
        if (!meeting->meeting().title().empty()) latest = meeting->meeting().title();
        const v1::MeetingView record = ledger.MeetingRecordOf(*meeting, now);
        matters = absl::StrCat("共", record.matters_total(), "项，办结", record.matters_done(),
                               "项，未办结", record.matters_open(), "项");
        if (record.carried_over_size() > 0) {
          absl::StrAppend(&matters, "；以往会议未完成", record.carried_over_size(), "项");
        }
      }
    }
    d.set("latest", latest.empty() ? "尚未召开" : latest);
    d.set("held_on", held_on);
    d.set("matters", matters);
    std::vector<std::string> missed;
    for (const auto& p : s.periods()) {
      if (p.light() == v1::LIGHT_RED) missed.push_back(absl::StrCat(p.start(), "至", p.end()));
    }
    d.set("missed_count", std::to_string(missed.size()));
    d.set("missed", missed.empty() ? "无" : absl::StrJoin(missed, "、"));
    d.set("missed_class", missed.empty() ? "" : "red");
    d.set("current", absl::StrCat(v.current_period_start(), "至", v.current_period_end(),
                                  v.current_period_held() ? "（已召开）" : "（尚未召开）"));
    out.push_back(std::move(d));
  }
  return out;
}

// The visits of the current month (China time) per person, over the
// projects the caller reads (the bulletin's counting, bulletin_visits.h).
TemplateList VisitPersons(const workflows::Ledger& ledger, const ReadScope& scope, absl::Time now,
                          int* total) {
  std::vector<v1::ProjectState> projects;
  for (const auto& p : ledger.workflow<workflows::Project>().List()) {
    if (!p.info().code().empty() && scope.Reads(p)) projects.push_back(p);
  }
  v1::Bulletin figures;
  workflows::AddVisitFigures(projects, absl::CivilMonth(absl::ToCivilDay(now, ChinaTime())),
                             &figures);
  TemplateList out;
  for (const auto& person : figures.visits_by_person()) {
    std::vector<std::string> capacities;
    for (int c : person.capacities()) {
      capacities.push_back(Label(static_cast<v1::VisitCapacity>(c)));
    }
    TemplateData d;
    d.set("person", person.person());
    d.set("capacities", absl::StrJoin(capacities, "、"));
    d.set("visits", std::to_string(person.visits()));
    d.set("projects", std::to_string(person.projects()));
    *total += person.visits();
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace

absl::StatusOr<v1::ListRequest> OfficeFilters(const std::map<std::string, std::string>& query) {
  v1::ListRequest r;
  auto get = [&](const char* name) -> std::string {
    auto it = query.find(name);
    return it == query.end() ? "" : std::string(absl::StripAsciiWhitespace(it->second));
  };
  r.set_unit(get("unit"));
  r.set_project_code(get("project"));
  const std::string region = get("region");
  if (!region.empty()) {
    if (region.size() != 6 || !std::all_of(region.begin(), region.end(), absl::ascii_isdigit)) {
      return absl::InvalidArgumentError(
          absl::StrCat("region（行政区划）'", region, "'：应为6位数字，如 530115"));
    }
    r.set_region(region);
  }
  if (const std::string stage = get("stage"); !stage.empty()) {
    const auto* v = reports::ParseEnumValue(v1::ProjectStage_descriptor(), stage);
    if (v == nullptr || v->number() == 0) {
      return absl::InvalidArgumentError(absl::StrCat("stage（阶段）'", stage, "'：无此阶段"));
    }
    r.set_stage(static_cast<v1::ProjectStage>(v->number()));
  }
  if (const std::string light = get("light"); !light.empty()) {
    const auto* v = reports::ParseEnumValue(v1::Light_descriptor(), light);
    if (v == nullptr || v->number() == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("light（亮灯）'", light, "'：应为 红灯、黄灯 或 绿灯"));
    }
    r.set_light(static_cast<v1::Light>(v->number()));
  }
  if (const std::string overdue = get("overdue"); !overdue.empty()) {
    if (overdue != "1" && overdue != "0") {
      return absl::InvalidArgumentError(
          absl::StrCat("overdue（逾期）'", overdue, "'：应为 1 或 0"));
    }
    r.set_overdue_only(overdue == "1");
  }
  return r;
}

HttpResponse OfficeListsPage(const Caller& caller, const workflows::Ledger& ledger, absl::Time now,
                             const std::map<std::string, std::string>& query) {
  auto filters = OfficeFilters(query);
  if (!filters.ok()) return ErrorPage(400, std::string(filters.status().message()));
  const v1::ListRequest& request = *filters;
  const ReadScope scope(caller, ledger);
  TemplateData d = Common(caller, now);
  d.set("unit", request.unit());
  d.set("region", request.region());
  d.set("project", request.project_code());
  d.set("overdue", request.overdue_only());
  d.set("stages", EnumOptions<v1::ProjectStage>(request.stage()));
  d.set("lights", EnumOptions<v1::Light>(request.light()));

  std::vector<std::pair<int, TemplateData>> projects, cases, tasks, problems;
  Select<workflows::Project>(ledger, scope, request, now, [&](const auto& s, const auto& v) {
    projects.emplace_back(Severity(v.light()), ProjectRow(s, v));
  });
  Select<workflows::ApprovalCase>(ledger, scope, request, now, [&](const auto& s, const auto& v) {
    cases.emplace_back(Severity(v.clock().light()), CaseRow(s, v));
  });
  Select<workflows::Task>(ledger, scope, request, now, [&](const auto& s, const auto& v) {
    tasks.emplace_back(Severity(v.light()), TaskRow(s, v));
  });
  Select<workflows::Problem>(ledger, scope, request, now, [&](const auto& s, const auto& v) {
    problems.emplace_back(Severity(v.light()), ProblemRow(s, v));
  });
  d.set("project_count", std::to_string(projects.size()));
  d.set("case_count", std::to_string(cases.size()));
  d.set("task_count", std::to_string(tasks.size()));
  d.set("problem_count", std::to_string(problems.size()));
  d.set("projects", BySeverity(std::move(projects)));
  d.set("cases", BySeverity(std::move(cases)));
  d.set("tasks", BySeverity(std::move(tasks)));
  d.set("problems", BySeverity(std::move(problems)));
  // The office's working rhythm: decided matters, meetings, visits.
  int matters_open = 0, matters_overdue = 0, visits = 0;
  d.set("matter_units", MatterUnits(ledger, scope, now, &matters_open, &matters_overdue));
  d.set("matters_open", std::to_string(matters_open));
  d.set("matters_overdue", std::to_string(matters_overdue));
  d.set("series", SeriesRows(ledger, scope, now));
  d.set("visit_persons", VisitPersons(ledger, scope, now, &visits));
  d.set("visits_month",
        absl::FormatCivilTime(absl::CivilMonth(absl::ToCivilDay(now, ChinaTime()))));
  d.set("visits_total", std::to_string(visits));
  return HtmlPage(200, reports::RenderTemplate("office/lists.html", d));
}

HttpResponse ProjectPage(const Caller& caller, const workflows::Ledger& ledger,
                         store::EventLog& log, absl::Time now, const std::string& code) {
  auto state = ledger.GetProject(code);
  if (!state.has_value() || state->info().code().empty()) {
    return ErrorPage(404, absl::StrCat("没有项目代码为 ", code, " 的项目"));
  }
  const ReadScope scope(caller, ledger);
  if (!scope.Reads(*state)) {
    return ErrorPage(403, absl::StrCat(caller.actor, " 只能查看本人负责（或本单位）的项目"));
  }
  const v1::ProjectInfo& info = state->info();
  const v1::ProjectView view = ledger.project().View(*state, now);
  TemplateData d = Common(caller, now);
  TemplateData p = ProjectRow(*state, view);
  p.set("region", info.region_name());
  p.set("level", Label(info.level()));
  p.set("owner", info.owner());
  p.set("lead_person", info.lead_person());
  p.set("planned_start_on", info.planned_start_on());
  p.set("planned_finish_on", info.planned_finish_on());
  p.set("started_on", state->started_on());
  p.set("completed_on", state->completed_on());
  p.set("total_investment", Yuan(info.total_investment_yuan()));
  d.set("project", p);

  TemplateList nodes;
  for (const auto& n : view.nodes()) {
    TemplateData nd;
    nd.set("name", n.name());
    nd.set("unit", n.responsible_unit());
    nd.set("due_on", n.due_on());
    nd.set("state", n.done()   ? (n.late() ? "逾期完成" : "按时完成")
                    : n.late() ? "逾期未完成"
                               : "推进中");
    nd.set("days_left", n.done() ? "" : DaysLeft(n.working_days_left()));
    SetLight(nd, n.light());
    nodes.push_back(std::move(nd));
  }
  d.set("nodes", nodes);

  TemplateList slips;
  AddSlips(state->rungs(), "项目", code, slips);
  v1::ListRequest of_project;
  of_project.set_project_code(code);
  TemplateList cases, tasks, problems;
  Select<workflows::ApprovalCase>(ledger, scope, of_project, now,
                                  [&](const auto& s, const auto& v) {
                                    cases.push_back(CaseRow(s, v));
                                    AddSlips(s.rungs(), "联审联批", s.case_id(), slips);
                                  });
  Select<workflows::Task>(ledger, scope, of_project, now, [&](const auto& s, const auto& v) {
    tasks.push_back(TaskRow(s, v));
    AddSlips(s.rungs(), "任务", s.task_id(), slips);
  });
  Select<workflows::Problem>(ledger, scope, of_project, now, [&](const auto& s, const auto& v) {
    problems.push_back(ProblemRow(s, v));
    AddSlips(s.rungs(), "问题", s.problem_id(), slips);
  });
  d.set("cases", cases);
  d.set("tasks", tasks);
  d.set("problems", problems);
  d.set("slips", slips);
  d.set("has_cases", !cases.empty());
  d.set("has_tasks", !tasks.empty());
  d.set("has_problems", !problems.empty());
  d.set("has_slips", !slips.empty());
  d.set("has_nodes", !nodes.empty());

  // 图片库: thumbnails of the latest photos, each linking to the photo.
  TemplateList photos;
  for (const v1::ProjectPhoto& photo : view.latest_photos()) {
    TemplateData ph;
    ph.set("src", AttachmentPath("/photo/", code, photo.attachment().sha256()));
    ph.set("name", photo.attachment().name());
    ph.set("on", photo.on());
    ph.set("note", photo.note());
    ph.set("source", photo.source() == "image"                    ? "形象进度"
                     : absl::StartsWith(photo.source(), "visit/") ? "走访"
                                                                  : "节点完成");
    photos.push_back(std::move(ph));
  }
  d.set("photos", photos);
  d.set("has_photos", !photos.empty());
  d.set("last_photo_on", view.last_photo_on());
  d.set("photo_light",
        view.photo_light() == v1::LIGHT_UNSPECIFIED ? "" : LightLabel(view.photo_light()));

  TemplateList history;
  auto events = log.ReadStream(absl::StrCat("project/", code), 1, 10000);
  if (events.ok()) {
    for (const auto& e : *events) {
      TemplateData h;
      h.set("version", std::to_string(e.record.version()));
      h.set("occurred", Date(e.record.occurred_at_us()));
      h.set("recorded", Date(e.record.recorded_at_us()));
      h.set("what", EventTypeLabel(e.record.type()));
      h.set("by", reports::RoleLabel(e.record.actor()));
      v1::ProjectEvent event;
      if (event.ParseFromString(e.record.payload())) h.set("detail", ProjectEventDetail(event));
      history.push_back(std::move(h));
    }
  }
  d.set("history", history);
  return HtmlPage(200, reports::RenderTemplate("office/project.html", d));
}

std::string EventTypeLabel(const std::string& type) {
  static const auto* labels = new std::map<std::string, std::string>{
      // Every aggregate's supervision events.
      {"LightChanged", "亮灯变化"},
      {"RungRaised", "发出督办"},
      {"RungAnswered", "督办回复"},
      {"RungDelisted", "督办销号"},
      {"DeadlineRecomputed", "重算期限"},
      // Projects.
      {"Registered", "项目登记"},
      {"AnnualPlanSet", "设定年度计划"},
      {"StageAdvanced", "阶段推进"},
      {"NodePlanned", "计划节点"},
      {"NodeDone", "节点完成"},
      {"InvestmentReported", "报送投资完成"},
      {"MonthClosed", "月度评定"},
      {"ImageProgressRecorded", "上传形象进度照片"},
      {"VisitRecorded", "走访"},
      {"ServiceRated", "服务评价"},
      {"VisitPeriodClosed", "走访考核"},
      // Joint-approval cases.
      {"Opened", "开始联审联批"},
      {"ItemSubmitted", "事项申报"},
      {"ItemAccepted", "事项受理"},
      {"DocumentsSupplied", "补齐材料"},
      {"ItemSuspended", "暂停计时"},
      {"ItemResumed", "恢复计时"},
      {"ItemReportedUp", "报上级审批"},
      {"ItemApproved", "事项批准"},
      {"ItemRejected", "不予批准"},
      {"ItemReturned", "退回"},
      {"ItemDeemedApproved", "超时默认批准"},
      {"ExtensionGranted", "同意延期"},
      {"CommitmentMissed", "容缺承诺逾期"},
      {"ClockStopped", "停止计时"},
      {"ClockResumed", "恢复计时"},
      {"Completed", "办结"},
      {"Ended", "终止"},
      {"Withdrawn", "撤回"},
      // Tasks.
      {"Created", "任务创建"},
      {"ProgressReported", "报送进展"},
      {"PrerequisiteRecorded", "前置任务完成"},
      {"DueDateFixed", "确定期限"},
      {"ExtensionRequested", "申请延期"},
      {"ExtensionRefused", "不同意延期"},
      // Problems.
      {"Raised", "提出问题"},
      {"Assigned", "交办"},
      {"Answered", "回复"},
      {"Resolved", "已解决"},
      {"Verified", "核实销号"},
      {"Reopened", "重新交办"},
  };
  const size_t dot = type.find('.');
  auto it = labels->find(dot == std::string::npos ? type : type.substr(dot + 1));
  return it == labels->end() ? type : it->second;
}

}  // namespace taizhang::services
