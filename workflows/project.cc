#include "workflows/project.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/numeric/int128.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "engine/calendar_working_days.h"
#include "engine/deadline_rule.h"
#include "engine/event_type.h"
#include "engine/ladder.h"
#include "engine/text_proto.h"
#include "google/protobuf/text_format.h"
#include "workflows/principal.h"
#include "workflows/project_code.h"

namespace taizhang::workflows {
namespace {

using engine::DayOf;
using engine::FormatDate;
using v1::ProjectEvent;
using v1::ProjectState;
using Events = std::vector<ProjectEvent>;

constexpr char kMonthlySubject[] = "monthly";
constexpr char kNodeSubjectPrefix[] = "node/";

// ---------------------------------------------------------------------------
// Small helpers.

int Severity(v1::Light light) {
  switch (light) {
    case v1::LIGHT_GREEN:
      return 1;
    case v1::LIGHT_YELLOW:
      return 2;
    case v1::LIGHT_RED:
      return 3;
    default:
      return 0;
  }
}

v1::Light Worst(v1::Light a, v1::Light b) { return Severity(a) >= Severity(b) ? a : b; }

absl::Time FromUs(int64_t us) { return absl::FromUnixMicros(us); }
int64_t ToUs(absl::Time t) { return absl::ToUnixMicros(t); }

bool IsIdChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
}

std::string StageName(v1::ProjectStage stage) { return v1::ProjectStage_Name(stage); }

// "field: <parse error>" for a date field.
absl::StatusOr<absl::CivilDay> DateField(absl::string_view field, const std::string& text) {
  auto day = engine::ParseDate(text);
  if (!day.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": ", day.status().message()));
  }
  return *day;
}

// A date from the state: validated when its event was decided (an empty or
// bad one, which Decide never writes, reads as 1970-01-01).
absl::CivilDay MustDay(const std::string& text) {
  auto day = engine::ParseDate(text);
  return day.ok() ? *day : absl::CivilDay();
}

// The last civil day of `month`.
absl::CivilDay LastDayOf(absl::CivilMonth month) { return absl::CivilDay(month + 1) - 1; }

absl::Status Denied(absl::string_view what, absl::string_view who, const Principal& p) {
  return absl::PermissionDeniedError(
      absl::StrCat(what, " may be done only by ", who, "; '", p.ToActor(), "' may not"));
}

absl::Status NotRegistered(const engine::DecideContext& ctx) {
  return absl::NotFoundError(
      absl::StrCat("'", ctx.stream, "' is not registered; register the project first"));
}

bool IsLeadUnit(const Principal& p, const ProjectState& s) {
  return p.Is(Role::kDepartment) && p.unit == s.info().lead_unit();
}

absl::int128 RoundDiv(absl::int128 num, absl::int128 den) {
  // den > 0; half away from zero.
  if (num >= 0) return (2 * num + den) / (2 * den);
  return -((-2 * num + den) / (2 * den));
}

int32_t ClampBp(absl::int128 v) {
  constexpr int64_t kMax = 2'000'000'000;
  if (v > kMax) return static_cast<int32_t>(kMax);
  if (v < -kMax) return static_cast<int32_t>(-kMax);
  return static_cast<int32_t>(static_cast<int64_t>(v));
}

const v1::ProjectAnnualPlan* PlanFor(const ProjectState& s, int year) {
  for (const auto& p : s.plans()) {
    if (p.year() == year) return &p;
  }
  return nullptr;
}

absl::CivilMonth FirstMonth(const ProjectState& s) {
  return absl::CivilMonth(MustDay(s.registered_on()));
}

// The month the next Tick would close.
absl::CivilMonth NextMonthToClose(const ProjectState& s) {
  if (s.months().empty()) return FirstMonth(s);
  auto last = ParseMonth(s.months(s.months_size() - 1).month());
  return (last.ok() ? *last : FirstMonth(s)) + 1;
}

bool CompletedBy(const ProjectState& s, absl::CivilDay day) {
  return !s.completed_on().empty() && MustDay(s.completed_on()) <= day;
}

bool StartedBy(const ProjectState& s, absl::CivilDay day) {
  return !s.started_on().empty() && MustDay(s.started_on()) <= day;
}

// 应开工未开工 / 应竣工未竣工 for the month ending on `last_day`.
v1::Light PlanDateLight(const std::string& planned_on, bool done, absl::CivilMonth month,
                        int red_from_month, int32_t* months_missed) {
  *months_missed = 0;
  if (planned_on.empty()) return v1::LIGHT_UNSPECIFIED;
  const absl::CivilDay planned = MustDay(planned_on);
  if (done || planned > LastDayOf(month)) return v1::LIGHT_GREEN;
  *months_missed = static_cast<int32_t>(month - absl::CivilMonth(planned)) + 1;
  return *months_missed >= red_from_month ? v1::LIGHT_RED : v1::LIGHT_YELLOW;
}

v1::ProjectMonthResult JudgeMonth(const ProjectState& s, absl::CivilMonth month,
                                  const v1::ProjectPolicy& policy) {
  v1::ProjectMonthResult r;
  r.set_month(FormatMonth(month));
  r.set_closed_at_us(ToUs(MonthClose(month)));
  const int year = static_cast<int>(month.year());
  const v1::ProjectAnnualPlan* plan = PlanFor(s, year);
  int64_t cumulative = 0;
  bool reported = false;
  const std::string key = FormatMonth(month);
  for (const auto& e : s.reports()) {
    auto m = ParseMonth(e.month());
    if (!m.ok() || m->year() != year || *m > month) continue;
    cumulative = e.cumulative_yuan();  // ascending: the latest month <= this one wins
    if (e.month() == key) reported = true;
  }
  *r.mutable_investment() = JudgeInvestment(plan == nullptr ? 0 : plan->amount_yuan(), cumulative,
                                            month.month(), policy.investment());
  r.mutable_investment()->set_year(year);
  r.mutable_investment()->set_reported(reported);
  const absl::CivilDay last = LastDayOf(month);
  int32_t missed = 0;
  r.set_start_light(PlanDateLight(s.info().planned_start_on(), StartedBy(s, last), month,
                                  policy.plan_date_red_from_month(), &missed));
  r.set_start_months_missed(missed);
  r.set_finish_light(PlanDateLight(s.info().planned_finish_on(), CompletedBy(s, last), month,
                                   policy.plan_date_red_from_month(), &missed));
  r.set_finish_months_missed(missed);
  v1::Light light = v1::LIGHT_GREEN;
  light = Worst(light, r.investment().light());
  light = Worst(light, r.start_light());
  light = Worst(light, r.finish_light());
  r.set_light(light);
  return r;
}

// ---------------------------------------------------------------------------
// Supervised subjects: the monthly judgement ("monthly", a run of non-green
// months is an episode) and each node ("node/<node_id>", one episode).

v1::SupervisionParties PartiesFor(const ProjectState& s, const std::string& unit) {
  v1::SupervisionParties p;
  p.add_units(unit);
  const bool lead = unit == s.info().lead_unit();
  p.add_unit_heads(lead ? s.info().lead_unit_head() : "");
  if (lead) p.set_unit_person(s.info().lead_person());
  p.set_leader(s.info().responsible_leader());
  p.set_office(s.info().supervision_office());
  return p;
}

SupervisedSubject MonthlySubject(const ProjectState& s, const std::string& month) {
  SupervisedSubject subject;
  subject.stream = ProjectStream(s.info().code());
  subject.id = kMonthlySubject;
  subject.matter = absl::StrCat(s.info().name(), " (", s.info().code(), ") 月度亮灯");
  subject.project_code = s.info().code();
  subject.episode = s.episode();
  subject.start = FromUs(s.registered_at_us());
  subject.resolved = !s.completed_on().empty();
  subject.resolved_at = FromUs(s.completed_at_us());
  for (const auto& m : s.months()) {
    subject.lights.push_back(engine::PeriodLight{FromUs(m.closed_at_us()), m.light()});
  }
  subject.month =
      month.empty() && !s.months().empty() ? s.months(s.months_size() - 1).month() : month;
  subject.light = s.light();
  subject.records_light = false;  // the month's close records it
  subject.parties = PartiesFor(s, s.info().lead_unit());
  return subject;
}

SupervisedSubject NodeSubject(const ProjectState& s, const v1::ProjectNode& node) {
  SupervisedSubject subject;
  subject.stream = ProjectStream(s.info().code());
  subject.id = absl::StrCat(kNodeSubjectPrefix, node.node_id());
  subject.matter = absl::StrCat(node.name(), " — ", s.info().name(), " (", s.info().code(), ")");
  subject.project_code = s.info().code();
  subject.episode = 1;
  subject.due_date = node.due_on();
  subject.due_at = FromUs(node.due_at_us());
  subject.start = FromUs(node.planned_at_us());
  if (node.done()) {
    subject.resolved = true;
    subject.resolved_at = FromUs(node.done_at_us());
  } else if (!s.completed_on().empty()) {
    subject.resolved = true;
    subject.resolved_at = FromUs(s.completed_at_us());
  }
  subject.records_light = false;  // a node's light is judged in the view
  subject.parties = PartiesFor(s, node.responsible_unit());
  return subject;
}

const v1::ProjectNode* FindNode(const ProjectState& s, absl::string_view node_id) {
  for (const auto& n : s.nodes()) {
    if (n.node_id() == node_id) return &n;
  }
  return nullptr;
}

// ---------------------------------------------------------------------------
// Tick: works on a copy of the state, applying each event as it is emitted,
// so that each step sees the ones before.

class Ticker {
 public:
  Ticker(const Project& project, const ProjectState& state, const engine::DecideContext& ctx,
         const engine::WorkingDayCalendar& calendar)
      : project_(project), state_(state), ctx_(ctx), calendar_(calendar) {
    ectx_.occurred_at = ctx.occurred_at;
    ectx_.recorded_at = ctx.now;
    ectx_.actor = ctx.actor;
  }

  Events Run() {
    CloseMonths();
    Raise(project_.monthly(), MonthlySubject(state_, ""));
    for (int i = 0; i < state_.nodes_size(); ++i) {
      const v1::ProjectNode node = state_.nodes(i);
      Raise(project_.nodes(), NodeSubject(state_, node));
    }
    return std::move(out_);
  }

 private:
  void Emit(ProjectEvent e) {
    project_.Apply(&state_, e, ectx_);
    out_.push_back(std::move(e));
  }

  void CloseMonths() {
    for (absl::CivilMonth month = NextMonthToClose(state_); MonthClose(month) <= ctx_.now;
         ++month) {
      if (CompletedBy(state_, LastDayOf(month))) return;
      ProjectEvent closed;
      *closed.mutable_month_closed()->mutable_result() =
          JudgeMonth(state_, month, project_.policy());
      const v1::Light light = closed.month_closed().result().light();
      const v1::Light before = state_.light();
      Emit(std::move(closed));
      if (light != before) {
        ProjectEvent changed;
        auto* c = changed.mutable_light_changed();
        c->set_subject(kMonthlySubject);
        c->set_from(before);
        c->set_to(light);
        c->set_changed_at_us(ToUs(MonthClose(month)));
        c->set_month(FormatMonth(month));
        Emit(std::move(changed));
      }
      // The ladder sees the history through this month only (later months
      // are not closed yet in the copy), so a late Tick climbs month by month
      // as timely ones would; each slip names the month that raised it.
      Raise(project_.monthly(), MonthlySubject(state_, FormatMonth(month)));
    }
  }

  void Raise(const Supervisor& supervisor, const SupervisedSubject& subject) {
    SupervisionDue due = supervisor.Evaluate(subject, state_.rungs(), ctx_.now, calendar_);
    for (v1::SupervisionRungRaised& r : due.rungs) {
      ProjectEvent e;
      *e.mutable_rung_raised() = std::move(r);
      Emit(std::move(e));
    }
  }

  const Project& project_;
  ProjectState state_;
  const engine::DecideContext& ctx_;
  const engine::WorkingDayCalendar& calendar_;
  engine::EventContext ectx_;
  Events out_;
};

// ---------------------------------------------------------------------------
// Deciders.

absl::Status ValidateInfo(v1::ProjectInfo& info, const engine::DecideContext& ctx,
                          const Principal& p) {
  RETURN_IF_ERROR(CheckProjectCode("info.code", info.code()));
  if (ctx.stream != ProjectStream(info.code())) {
    return absl::InvalidArgumentError(
        absl::StrCat("info.code: '", info.code(), "' belongs to stream '",
                     ProjectStream(info.code()), "', not '", ctx.stream, "'"));
  }
  if (info.name().empty()) return absl::InvalidArgumentError("info.name: required");
  if (info.level() == v1::PROJECT_LEVEL_UNSPECIFIED || !v1::ProjectLevel_IsValid(info.level())) {
    return absl::InvalidArgumentError(
        "info.level: required (PROJECT_LEVEL_PROVINCIAL, _MUNICIPAL or _DISTRICT)");
  }
  if (info.owner().empty()) return absl::InvalidArgumentError("info.owner: required (业主单位)");
  if (info.total_investment_yuan() <= 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "info.total_investment_yuan: ", info.total_investment_yuan(), " must be > 0 (元)"));
  }
  if (info.plan_year() < 2000 || info.plan_year() > 2200) {
    return absl::InvalidArgumentError(
        absl::StrCat("info.plan_year: ", info.plan_year(), " is not a year in 2000..2200"));
  }
  if (info.annual_plan_yuan() < 0 || info.annual_plan_yuan() > info.total_investment_yuan()) {
    return absl::InvalidArgumentError(
        absl::StrCat("info.annual_plan_yuan: ", info.annual_plan_yuan(), " must be in 0..",
                     info.total_investment_yuan(), " (the total investment)"));
  }
  if (info.responsible_leader().empty()) {
    return absl::InvalidArgumentError("info.responsible_leader: required (分包领导)");
  }
  if (info.lead_unit().empty() || absl::StrContains(info.lead_unit(), ':')) {
    return absl::InvalidArgumentError(
        "info.lead_unit: required (牵头责任单位), without ':' (it names a principal's unit)");
  }
  std::optional<absl::CivilDay> start, finish;
  if (!info.planned_start_on().empty()) {
    ASSIGN_OR_RETURN(start, DateField("info.planned_start_on", info.planned_start_on()));
  }
  if (!info.planned_finish_on().empty()) {
    ASSIGN_OR_RETURN(finish, DateField("info.planned_finish_on", info.planned_finish_on()));
  }
  if (start && finish && *finish < *start) {
    return absl::InvalidArgumentError(
        absl::StrCat("info.planned_finish_on: ", info.planned_finish_on(),
                     " is before the planned start ", info.planned_start_on()));
  }
  if (info.supervision_office().empty()) {
    if (!p.Is(Role::kSupervision)) {
      return absl::InvalidArgumentError(
          "info.supervision_office: required when an admin registers (who receives the "
          "supervision office's slips)");
    }
    info.set_supervision_office(p.unit);
  }
  if (info.initial_stage() == v1::PROJECT_STAGE_UNSPECIFIED) {
    info.set_initial_stage(v1::PROJECT_STAGE_RESERVE_AGREEMENT);
  }
  if (!v1::ProjectStage_IsValid(info.initial_stage()) ||
      info.initial_stage() == v1::PROJECT_STAGE_COMPLETED) {
    return absl::InvalidArgumentError(
        "info.initial_stage: a project enters the ledger before completion");
  }
  const bool started = info.initial_stage() >= v1::PROJECT_STAGE_NEW_START;
  if (started) {
    ASSIGN_OR_RETURN(absl::CivilDay on, DateField("info.started_on", info.started_on()));
    if (on > DayOf(ctx.occurred_at)) {
      return absl::InvalidArgumentError(absl::StrCat("info.started_on: ", info.started_on(),
                                                     " is after the registration day ",
                                                     FormatDate(DayOf(ctx.occurred_at))));
    }
  } else if (!info.started_on().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("info.started_on: set only for a project registered as started, not in ",
                     StageName(info.initial_stage())));
  }
  return absl::OkStatus();
}

absl::StatusOr<Events> Register(const ProjectState& s, const v1::RegisterProject& c,
                                const engine::DecideContext& ctx, const Principal& p) {
  if (!p.Is(Role::kSupervision) && !p.Is(Role::kAdmin)) {
    return Denied("registering a project", "the supervision office or an admin", p);
  }
  if (ctx.version > 0) {
    return absl::AlreadyExistsError(
        absl::StrCat("project '", s.info().code(), "' is already registered"));
  }
  v1::ProjectInfo info = c.info();
  RETURN_IF_ERROR(ValidateInfo(info, ctx, p));
  ProjectEvent e;
  auto* r = e.mutable_registered();
  r->set_region_code(info.code().substr(5, 6));
  *r->mutable_info() = std::move(info);
  r->set_registered_on(FormatDate(DayOf(ctx.occurred_at)));
  r->set_registered_at_us(ToUs(ctx.occurred_at));
  return Events{std::move(e)};
}

absl::StatusOr<Events> SetPlan(const ProjectState& s, const v1::SetProjectAnnualPlan& c,
                               const Principal& p) {
  if (!p.Is(Role::kSupervision) && !p.Is(Role::kAdmin)) {
    return Denied("setting the annual plan", "the supervision office or an admin", p);
  }
  if (c.year() < s.info().plan_year() || c.year() > 2200) {
    return absl::InvalidArgumentError(
        absl::StrCat("year: ", c.year(), " must be in ", s.info().plan_year(), "..2200"));
  }
  if (c.amount_yuan() < 0 || c.amount_yuan() > s.info().total_investment_yuan()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "amount_yuan: ", c.amount_yuan(), " must be in 0..", s.info().total_investment_yuan()));
  }
  const v1::ProjectAnnualPlan* old = PlanFor(s, c.year());
  if (old != nullptr && old->amount_yuan() == c.amount_yuan()) return Events{};
  ProjectEvent e;
  auto* a = e.mutable_annual_plan_set();
  a->set_year(c.year());
  a->set_amount_yuan(c.amount_yuan());
  if (old != nullptr) {
    a->set_had_previous(true);
    a->set_previous_yuan(old->amount_yuan());
  }
  return Events{std::move(e)};
}

absl::StatusOr<Events> Advance(const ProjectState& s, const v1::AdvanceProjectStage& c,
                               const engine::DecideContext& ctx, const Principal& p) {
  if (!IsLeadUnit(p, s) && !p.Is(Role::kSupervision)) {
    return Denied("moving a project's stage",
                  absl::StrCat("the lead unit (department:", s.info().lead_unit(),
                               ") or the supervision office"),
                  p);
  }
  if (c.to() == v1::PROJECT_STAGE_UNSPECIFIED || !v1::ProjectStage_IsValid(c.to())) {
    return absl::InvalidArgumentError("to: name the stage the project moves to");
  }
  if (s.stage() == v1::PROJECT_STAGE_COMPLETED) {
    return absl::FailedPreconditionError(
        absl::StrCat("project '", s.info().code(), "' is completed; it has no later stage"));
  }
  const auto next = static_cast<v1::ProjectStage>(s.stage() + 1);
  if (c.to() != next) {
    return absl::FailedPreconditionError(
        absl::StrCat("project '", s.info().code(), "' is in ", StageName(s.stage()),
                     "; stages move one step forward, so the next is ", StageName(next), ", not ",
                     StageName(c.to())));
  }
  const absl::CivilDay on = DayOf(ctx.occurred_at);
  const std::string& previous_on = s.stages(s.stages_size() - 1).on();
  if (on < MustDay(previous_on)) {
    return absl::InvalidArgumentError(absl::StrCat("occurred_at: ", FormatDate(on), " is before ",
                                                   previous_on, ", when the project entered ",
                                                   StageName(s.stage())));
  }
  ProjectEvent e;
  auto* a = e.mutable_stage_advanced();
  a->set_from(s.stage());
  a->set_to(c.to());
  a->set_on(FormatDate(on));
  a->set_occurred_at_us(ToUs(ctx.occurred_at));
  a->set_recorded_at_us(ToUs(ctx.now));
  a->set_note(c.note());
  return Events{std::move(e)};
}

absl::StatusOr<Events> PlanNode(const ProjectState& s, const v1::PlanProjectNode& c,
                                const engine::DecideContext& ctx, const Principal& p) {
  if (!IsLeadUnit(p, s) && !p.Is(Role::kSupervision)) {
    return Denied("planning a node",
                  absl::StrCat("the lead unit (department:", s.info().lead_unit(),
                               ") or the supervision office"),
                  p);
  }
  if (c.node_id().empty() || c.node_id().size() > 64 ||
      !std::all_of(c.node_id().begin(), c.node_id().end(), IsIdChar)) {
    return absl::InvalidArgumentError(
        "node_id: 1 to 64 letters, digits, '_', '-' or '.' (it is part of slip numbers)");
  }
  if (c.name().empty()) return absl::InvalidArgumentError("name: required (what is to be done)");
  ASSIGN_OR_RETURN(absl::CivilDay due, DateField("due_on", c.due_on()));
  const std::string unit =
      c.responsible_unit().empty() ? s.info().lead_unit() : c.responsible_unit();
  if (absl::StrContains(unit, ':')) {
    return absl::InvalidArgumentError("responsible_unit: must not contain ':'");
  }
  for (const auto& n : s.nodes()) {
    if (n.node_id() == c.node_id()) {
      return absl::AlreadyExistsError(
          absl::StrCat("node '", c.node_id(), "' is already planned (due ", n.due_on(), ")"));
    }
  }
  if (s.stage() == v1::PROJECT_STAGE_COMPLETED) {
    return absl::FailedPreconditionError(
        absl::StrCat("project '", s.info().code(), "' is completed; its node plan is closed"));
  }
  ProjectEvent e;
  auto* n = e.mutable_node_planned();
  n->set_node_id(c.node_id());
  n->set_name(c.name());
  n->set_due_on(FormatDate(due));
  n->set_due_at_us(ToUs(engine::DueInstant(due)));
  n->set_responsible_unit(unit);
  n->set_planned_at_us(ToUs(ctx.occurred_at));
  return Events{std::move(e)};
}

absl::StatusOr<Events> NodeDone(const ProjectState& s, const v1::ReportProjectNodeDone& c,
                                const engine::DecideContext& ctx, const Principal& p) {
  const v1::ProjectNode* node = nullptr;
  for (const auto& n : s.nodes()) {
    if (n.node_id() == c.node_id()) node = &n;
  }
  if (node == nullptr) {
    if (c.node_id().empty()) return absl::InvalidArgumentError("node_id: required");
    return absl::NotFoundError(absl::StrCat("node '", c.node_id(), "' is not in the node plan of '",
                                            s.info().code(), "'"));
  }
  const bool own = p.Is(Role::kDepartment) && p.unit == node->responsible_unit();
  if (!own && !IsLeadUnit(p, s) && !p.Is(Role::kSupervision)) {
    return Denied("reporting a node done",
                  absl::StrCat("its responsible unit (department:", node->responsible_unit(),
                               "), the lead unit or the supervision office"),
                  p);
  }
  if (node->done()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "node '", node->node_id(), "' was already reported done on ", node->done_on()));
  }
  const absl::CivilDay on = DayOf(ctx.occurred_at);
  ProjectEvent e;
  auto* d = e.mutable_node_done();
  d->set_node_id(node->node_id());
  d->set_on(FormatDate(on));
  d->set_occurred_at_us(ToUs(ctx.occurred_at));
  d->set_late(ctx.occurred_at >= FromUs(node->due_at_us()));
  d->set_note(c.note());
  return Events{std::move(e)};
}

absl::StatusOr<Events> Report(const ProjectState& s, const v1::ReportProjectInvestment& c,
                              const engine::DecideContext& ctx, const Principal& p) {
  if (!IsLeadUnit(p, s)) {
    return Denied("reporting investment",
                  absl::StrCat("the lead unit (department:", s.info().lead_unit(), ")"), p);
  }
  auto month = ParseMonth(c.month());
  if (!month.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("month: ", month.status().message()));
  }
  const absl::CivilMonth now_month(DayOf(ctx.now));
  if (*month > now_month) {
    return absl::InvalidArgumentError(absl::StrCat(
        "month: ", c.month(), " has not begun (it is now ", FormatMonth(now_month), ")"));
  }
  if (month->year() < s.info().plan_year()) {
    return absl::InvalidArgumentError(
        absl::StrCat("month: ", c.month(), " is before the plan year ", s.info().plan_year()));
  }
  if (c.cumulative_yuan() < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("cumulative_yuan: ", c.cumulative_yuan(), " must be >= 0 (元)"));
  }
  const v1::ProjectInvestmentEntry* same = nullptr;
  for (const auto& e : s.reports()) {
    auto m = ParseMonth(e.month());
    if (!m.ok() || m->year() != month->year()) continue;
    if (*m == *month) {
      same = &e;
    } else if (*m < *month && e.cumulative_yuan() > c.cumulative_yuan()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "cumulative_yuan: ", c.cumulative_yuan(), " is less than the ", e.cumulative_yuan(),
          " reported for ", e.month(), "; reports are cumulative for the year (年度累计)"));
    } else if (*m > *month && e.cumulative_yuan() < c.cumulative_yuan()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "cumulative_yuan: ", c.cumulative_yuan(), " is more than the ", e.cumulative_yuan(),
          " reported for the later month ", e.month(), "; correct that month first"));
    }
  }
  if (same != nullptr && same->cumulative_yuan() == c.cumulative_yuan()) return Events{};
  ProjectEvent e;
  auto* r = e.mutable_investment_reported();
  r->set_month(FormatMonth(*month));
  r->set_cumulative_yuan(c.cumulative_yuan());
  if (same != nullptr) {
    r->set_corrects(true);
    r->set_previous_yuan(same->cumulative_yuan());
  }
  r->set_after_close(!s.months().empty() && *month < NextMonthToClose(s));
  r->set_recorded_at_us(ToUs(ctx.now));
  r->set_note(c.note());
  return Events{std::move(e)};
}

absl::StatusOr<Events> Answer(const ProjectState& s, const v1::AnswerSupervisionRung& c,
                              const engine::DecideContext& ctx, const Principal& p) {
  if (c.slip_number().empty()) return absl::InvalidArgumentError("slip_number: required");
  ProjectEvent e;
  ASSIGN_OR_RETURN(*e.mutable_rung_answered(),
                   AnswerRung(c, s.rungs(), kMonthlySubject, s.episode(), p, ctx.occurred_at));
  return Events{std::move(e)};
}

absl::StatusOr<Events> RaiseRung(const Project& project, const ProjectState& s,
                                 const v1::RaiseSupervisionRung& c,
                                 const engine::DecideContext& ctx, const Principal& p,
                                 const engine::WorkingDayCalendar& calendar) {
  if (!p.Is(Role::kSupervision)) {
    return Denied(
        "raising a rung by hand",
        absl::StrCat("the supervision office (supervision:", s.info().supervision_office(), ")"),
        p);
  }
  std::optional<SupervisedSubject> subject;
  const v1::Ladder* ladder = nullptr;
  absl::string_view id = c.subject();
  if (id == kMonthlySubject) {
    subject = MonthlySubject(s, "");
    ladder = &project.monthly_ladder();
  } else if (absl::ConsumePrefix(&id, kNodeSubjectPrefix)) {
    if (const v1::ProjectNode* node = FindNode(s, id); node != nullptr) {
      subject = NodeSubject(s, *node);
      ladder = &project.policy().node_ladder();
    }
  }
  if (!subject.has_value()) {
    std::vector<std::string> ids = {kMonthlySubject};
    for (const auto& n : s.nodes()) ids.push_back(absl::StrCat(kNodeSubjectPrefix, n.node_id()));
    return absl::InvalidArgumentError(absl::StrCat(
        "subject: '", c.subject(),
        "' is not supervised in this project (subjects: ", absl::StrJoin(ids, ", "), ")"));
  }
  ProjectEvent e;
  ASSIGN_OR_RETURN(*e.mutable_rung_raised(),
                   RaiseByHand(c, *subject, s.rungs(), ladder, p, ctx.occurred_at, calendar));
  return Events{std::move(e)};
}

absl::StatusOr<Events> Delist(const ProjectState& s, const v1::DelistSupervisionRung& c,
                              const engine::DecideContext& ctx, const Principal& p) {
  ProjectEvent e;
  ASSIGN_OR_RETURN(*e.mutable_rung_delisted(), DelistRung(c, s.rungs(), p, ctx.occurred_at));
  return Events{std::move(e)};
}

absl::StatusOr<Events> Recompute(const ProjectState& s, const engine::WorkingDayCalendar& calendar,
                                 const Principal& p) {
  if (!p.Is(Role::kSystem) && !p.Is(Role::kAdmin)) {
    return Denied("recomputing deadlines", "the system or an admin", p);
  }
  Events out;
  for (const auto& rung : s.rungs()) {
    const auto& r = rung.raised();
    if (rung.answered() || r.rectification_working_days() <= 0) continue;
    const absl::CivilDay raised_on = DayOf(FromUs(r.raised_at_us()));
    const engine::DayResult day =
        calendar.AddWorkingDays(raised_on, r.rectification_working_days());
    const std::string due_on = FormatDate(day.day);
    if (due_on == r.rectification_due_on() && day.provisional == r.provisional()) continue;
    ProjectEvent e;
    auto* d = e.mutable_deadline_recomputed();
    d->set_subject(r.subject());
    d->set_slip_number(r.slip_number());
    d->mutable_old_deadline()->set_due_date(r.rectification_due_on());
    d->mutable_old_deadline()->set_due_at_us(r.rectification_due_at_us());
    d->mutable_old_deadline()->set_provisional(r.provisional());
    d->mutable_new_deadline()->set_due_date(due_on);
    d->mutable_new_deadline()->set_due_at_us(ToUs(engine::DueInstant(day.day)));
    d->mutable_new_deadline()->set_provisional(day.provisional);
    absl::CivilDay last = day.day;
    if (auto old_day = engine::ParseDate(r.rectification_due_on()); old_day.ok()) {
      last = std::max(last, *old_day);
    }
    d->set_calendar_version(calendar.VersionOf(raised_on, last));
    d->set_reason(day.provisional ? "recomputed; the calendar still lacks a year it spans"
                                  : "recomputed with the calendar as now loaded");
    out.push_back(std::move(e));
  }
  return out;
}

// ---------------------------------------------------------------------------
// Policy validation with line numbers.

int FieldLine(const google::protobuf::TextFormat::ParseInfoTree* tree,
              std::initializer_list<const char*> path) {
  if (tree == nullptr) return 0;
  const google::protobuf::Descriptor* d = v1::ProjectPolicy::descriptor();
  int line = -1;
  for (const char* name : path) {
    if (tree == nullptr || d == nullptr) break;
    const google::protobuf::FieldDescriptor* f = d->FindFieldByName(name);
    if (f == nullptr) break;
    const int l = tree->GetLocation(f, -1).line;
    if (l < 0) break;
    line = l;
    tree = f->message_type() != nullptr ? tree->GetTreeForNested(f, -1) : nullptr;
    d = f->message_type();
  }
  return line + 1;
}

absl::Status Validate(const v1::ProjectPolicy& policy, const std::string& name,
                      const google::protobuf::TextFormat::ParseInfoTree* tree) {
  std::vector<std::string> problems;
  auto add = [&](std::initializer_list<const char*> path, absl::string_view reason) {
    const int line = FieldLine(tree, path);
    problems.push_back(line > 0 ? absl::StrCat(name, ":", line, ": ", reason)
                                : absl::StrCat(name, ": ", reason));
  };
  if (policy.name().empty()) add({"name"}, "name is empty");
  if (!policy.has_investment()) {
    add({"investment"}, "investment is missing: give the investment light rule");
  } else {
    const auto& inv = policy.investment();
    if (inv.measure() == v1::INVESTMENT_GAP_MEASURE_UNSPECIFIED ||
        !v1::InvestmentGapMeasure_IsValid(inv.measure())) {
      add({"investment", "measure"},
          "investment.measure is missing: INVESTMENT_GAP_MEASURE_POINTS or "
          "INVESTMENT_GAP_MEASURE_SHARE_OF_TIME_PROGRESS");
    }
    if (inv.yellow_from_bp() < 1) {
      add({"investment", "yellow_from_bp"},
          absl::StrCat("investment.yellow_from_bp is ", inv.yellow_from_bp(), ", must be >= 1"));
    }
    if (inv.red_above_bp() < inv.yellow_from_bp()) {
      add({"investment", "red_above_bp"},
          absl::StrCat("investment.red_above_bp is ", inv.red_above_bp(),
                       ", must be >= yellow_from_bp (", inv.yellow_from_bp(), ")"));
    }
  }
  if (policy.plan_date_red_from_month() < 1) {
    add({"plan_date_red_from_month"},
        absl::StrCat("plan_date_red_from_month is ", policy.plan_date_red_from_month(),
                     ", must be >= 1"));
  }
  if (policy.node_yellow_working_days() < 0) {
    add({"node_yellow_working_days"}, "node_yellow_working_days must be >= 0");
  }
  if (!policy.has_node_ladder()) {
    add({"node_ladder"}, "node_ladder is missing: give the ladder for late nodes");
  } else if (absl::Status s = engine::ValidateLadder(policy.node_ladder(), "node_ladder");
             !s.ok()) {
    add({"node_ladder"}, s.message());
  }
  if (problems.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrJoin(problems, "; "));
}

}  // namespace

// ---------------------------------------------------------------------------
// Free functions.

std::string ProjectStream(absl::string_view code) { return absl::StrCat("project/", code); }

absl::StatusOr<absl::CivilMonth> ParseMonth(absl::string_view text) {
  bool ok = text.size() == 7 && text[4] == '-';
  for (size_t i = 0; ok && i < text.size(); ++i) {
    if (i != 4 && !absl::ascii_isdigit(static_cast<unsigned char>(text[i]))) ok = false;
  }
  int year = 0, month = 0;
  if (ok) {
    year = (text[0] - '0') * 1000 + (text[1] - '0') * 100 + (text[2] - '0') * 10 + (text[3] - '0');
    month = (text[5] - '0') * 10 + (text[6] - '0');
    ok = year >= 1 && month >= 1 && month <= 12;
  }
  if (!ok) return absl::InvalidArgumentError(absl::StrCat("'", text, "' is not a month YYYY-MM"));
  return absl::CivilMonth(year, month);
}

std::string FormatMonth(absl::CivilMonth month) {
  return absl::StrFormat("%04d-%02d", month.year(), month.month());
}

absl::Time MonthClose(absl::CivilMonth month) {
  return engine::StartOfDay(absl::CivilDay(month + 1));
}

int32_t RatioBp(int64_t num, int64_t den) {
  return ClampBp(RoundDiv(absl::int128(num) * 10000, absl::int128(den)));
}

v1::ProjectInvestmentJudgement JudgeInvestment(int64_t plan_yuan, int64_t cumulative_yuan,
                                               int month_index,
                                               const v1::InvestmentLightRule& rule) {
  v1::ProjectInvestmentJudgement j;
  j.set_month_index(month_index);
  j.set_plan_yuan(std::max<int64_t>(plan_yuan, 0));
  j.set_cumulative_yuan(cumulative_yuan);
  j.set_time_progress_bp(RatioBp(month_index, 12));
  if (plan_yuan <= 0 || month_index < 1) return j;
  j.set_completion_bp(RatioBp(cumulative_yuan, plan_yuan));
  const absl::int128 p = plan_yuan;
  const absl::int128 behind = absl::int128(month_index) * p - absl::int128(12) * cumulative_yuan;
  const absl::int128 den = rule.measure() == v1::INVESTMENT_GAP_MEASURE_SHARE_OF_TIME_PROGRESS
                               ? absl::int128(month_index) * p
                               : absl::int128(12) * p;
  j.set_gap_bp(ClampBp(RoundDiv(behind * 10000, den)));
  if (rule.measure() == v1::INVESTMENT_GAP_MEASURE_UNSPECIFIED) return j;
  // Exact: gap >= yellow ⇔ behind·10000 >= yellow·den; likewise for red.
  if (behind * 10000 > absl::int128(rule.red_above_bp()) * den) {
    j.set_light(v1::LIGHT_RED);
  } else if (behind * 10000 >= absl::int128(rule.yellow_from_bp()) * den) {
    j.set_light(v1::LIGHT_YELLOW);
  } else {
    j.set_light(v1::LIGHT_GREEN);
  }
  return j;
}

absl::Status ValidateProjectPolicy(const v1::ProjectPolicy& policy, const std::string& name) {
  return Validate(policy, name, nullptr);
}

absl::StatusOr<v1::ProjectPolicy> ParseProjectPolicy(const std::string& name,
                                                     const std::string& text) {
  v1::ProjectPolicy policy;
  RETURN_IF_ERROR(engine::ParseTextProto(name, text, &policy));
  google::protobuf::TextFormat::ParseInfoTree tree;
  google::protobuf::TextFormat::Parser parser;
  parser.WriteLocationsTo(&tree);
  v1::ProjectPolicy located;
  const bool located_ok = parser.ParseFromString(text, &located);
  RETURN_IF_ERROR(Validate(policy, name, located_ok ? &tree : nullptr));
  return policy;
}

absl::StatusOr<v1::ProjectPolicy> LoadProjectPolicy(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open"));
  std::stringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) return absl::NotFoundError(absl::StrCat(path, ": cannot read"));
  return ParseProjectPolicy(path, buffer.str());
}

// ---------------------------------------------------------------------------
// Project.

Project::Project(v1::ProjectPolicy policy, v1::Ladder monthly_ladder,
                 std::shared_ptr<const engine::WorkingDayCalendar> calendar)
    : policy_(std::move(policy)),
      monthly_ladder_(std::move(monthly_ladder)),
      monthly_(monthly_ladder_, 0),
      nodes_(policy_.node_ladder(), 0),
      calendar_(std::move(calendar)) {
  // Broken invariants of the caller: policies are validated when loaded.
  absl::Status valid = ValidateProjectPolicy(policy_, "project policy");
  if (valid.ok()) valid = engine::ValidateLadder(monthly_ladder_, "monthly ladder");
  if (!valid.ok() || calendar_ == nullptr) {
    std::fprintf(stderr, "Project: %s\n",
                 valid.ok() ? "calendar is null" : std::string(valid.message()).c_str());
    std::abort();
  }
}

absl::StatusOr<std::unique_ptr<Project>> Project::Load(const std::string& policy_path,
                                                       const std::string& monthly_ladder_path,
                                                       const std::string& calendar_dir) {
  ASSIGN_OR_RETURN(v1::ProjectPolicy policy, LoadProjectPolicy(policy_path));
  ASSIGN_OR_RETURN(v1::Ladder ladder, engine::LoadLadder(monthly_ladder_path));
  ASSIGN_OR_RETURN(engine::WorkingDayCalendar calendar,
                   engine::WorkingDayCalendar::LoadDirectory(calendar_dir));
  return std::make_unique<Project>(
      std::move(policy), std::move(ladder),
      std::make_shared<const engine::WorkingDayCalendar>(std::move(calendar)));
}

void Project::SetCalendar(std::shared_ptr<const engine::WorkingDayCalendar> calendar) {
  if (calendar == nullptr) return;
  absl::MutexLock lock(&mu_);
  calendar_ = std::move(calendar);
}

std::shared_ptr<const engine::WorkingDayCalendar> Project::calendar() const {
  absl::MutexLock lock(&mu_);
  return calendar_;
}

std::string Project::EventType(const Event& event) const {
  return engine::EventTypeName("project", event);
}

absl::StatusOr<std::vector<Project::Event>> Project::Decide(
    const State& state, const Command& command, const engine::DecideContext& ctx) const {
  auto principal = ParseActor(ctx.actor);
  if (!principal.ok()) {
    return absl::PermissionDeniedError(
        absl::StrCat("no acting principal: ", principal.status().message()));
  }
  const Principal& p = *principal;
  if (command.action_case() == Command::kRegister) {
    return Register(state, command.register_(), ctx, p);
  }
  if (command.action_case() == Command::ACTION_NOT_SET) {
    return absl::InvalidArgumentError("action: no action given");
  }
  if (command.action_case() == Command::kTick && !p.Is(Role::kSystem)) {
    return Denied("Tick", kSystemActor, p);
  }
  if (ctx.version == 0) return NotRegistered(ctx);
  switch (command.action_case()) {
    case Command::kSetAnnualPlan:
      return SetPlan(state, command.set_annual_plan(), p);
    case Command::kAdvanceStage:
      return Advance(state, command.advance_stage(), ctx, p);
    case Command::kPlanNode:
      return PlanNode(state, command.plan_node(), ctx, p);
    case Command::kReportNodeDone:
      return NodeDone(state, command.report_node_done(), ctx, p);
    case Command::kReportInvestment:
      return Report(state, command.report_investment(), ctx, p);
    case Command::kAnswerRung:
      return Answer(state, command.answer_rung(), ctx, p);
    case Command::kRaiseRung:
      return RaiseRung(*this, state, command.raise_rung(), ctx, p, *calendar());
    case Command::kDelistRung:
      return Delist(state, command.delist_rung(), ctx, p);
    case Command::kTick:
      return Ticker(*this, state, ctx, *calendar()).Run();
    case Command::kRecomputeDeadlines:
      return Recompute(state, *calendar(), p);
    default:
      return absl::InvalidArgumentError("action: unknown action");
  }
}

void Project::Apply(State* s, const Event& event, const engine::EventContext& ctx) const {
  switch (event.kind_case()) {
    case Event::kRegistered: {
      const auto& r = event.registered();
      *s->mutable_info() = r.info();
      s->set_region_code(r.region_code());
      s->set_registered_on(r.registered_on());
      s->set_registered_at_us(r.registered_at_us());
      s->set_stage(r.info().initial_stage());
      auto* entry = s->add_stages();
      entry->set_stage(r.info().initial_stage());
      entry->set_on(r.info().initial_stage() >= v1::PROJECT_STAGE_NEW_START ? r.info().started_on()
                                                                            : r.registered_on());
      entry->set_recorded_at_us(r.registered_at_us());
      if (r.info().initial_stage() >= v1::PROJECT_STAGE_NEW_START) {
        s->set_started_on(r.info().started_on());
      }
      auto* plan = s->add_plans();
      plan->set_year(r.info().plan_year());
      plan->set_amount_yuan(r.info().annual_plan_yuan());
      s->set_light(v1::LIGHT_GREEN);
      break;
    }
    case Event::kAnnualPlanSet: {
      const auto& a = event.annual_plan_set();
      auto* plans = s->mutable_plans();
      auto it = std::find_if(plans->begin(), plans->end(),
                             [&](const v1::ProjectAnnualPlan& p) { return p.year() >= a.year(); });
      if (it != plans->end() && it->year() == a.year()) {
        it->set_amount_yuan(a.amount_yuan());
      } else {
        v1::ProjectAnnualPlan plan;
        plan.set_year(a.year());
        plan.set_amount_yuan(a.amount_yuan());
        const int at = static_cast<int>(it - plans->begin());
        plans->Add(std::move(plan));
        for (int i = plans->size() - 1; i > at; --i) plans->SwapElements(i, i - 1);
      }
      break;
    }
    case Event::kStageAdvanced: {
      const auto& a = event.stage_advanced();
      s->set_stage(a.to());
      auto* entry = s->add_stages();
      entry->set_stage(a.to());
      entry->set_on(a.on());
      entry->set_recorded_at_us(a.recorded_at_us());
      if (a.to() == v1::PROJECT_STAGE_NEW_START) s->set_started_on(a.on());
      if (a.to() == v1::PROJECT_STAGE_COMPLETED) {
        s->set_completed_on(a.on());
        s->set_completed_at_us(a.occurred_at_us());
      }
      break;
    }
    case Event::kNodePlanned: {
      const auto& n = event.node_planned();
      auto* node = s->add_nodes();
      node->set_node_id(n.node_id());
      node->set_name(n.name());
      node->set_due_on(n.due_on());
      node->set_due_at_us(n.due_at_us());
      node->set_responsible_unit(n.responsible_unit());
      node->set_planned_at_us(n.planned_at_us());
      break;
    }
    case Event::kNodeDone: {
      const auto& d = event.node_done();
      for (auto& node : *s->mutable_nodes()) {
        if (node.node_id() != d.node_id()) continue;
        node.set_done(true);
        node.set_done_on(d.on());
        node.set_done_at_us(d.occurred_at_us());
        node.set_late(d.late());
      }
      break;
    }
    case Event::kInvestmentReported: {
      const auto& r = event.investment_reported();
      auto* reports = s->mutable_reports();
      // "YYYY-MM" strings sort as months do.
      auto it =
          std::find_if(reports->begin(), reports->end(),
                       [&](const v1::ProjectInvestmentEntry& e) { return e.month() >= r.month(); });
      if (it != reports->end() && it->month() == r.month()) {
        it->set_cumulative_yuan(r.cumulative_yuan());
        it->set_recorded_at_us(r.recorded_at_us());
      } else {
        v1::ProjectInvestmentEntry entry;
        entry.set_month(r.month());
        entry.set_cumulative_yuan(r.cumulative_yuan());
        entry.set_recorded_at_us(r.recorded_at_us());
        const int at = static_cast<int>(it - reports->begin());
        reports->Add(std::move(entry));
        for (int i = reports->size() - 1; i > at; --i) reports->SwapElements(i, i - 1);
      }
      break;
    }
    case Event::kMonthClosed: {
      const auto& r = event.month_closed().result();
      const v1::Light previous =
          s->months().empty() ? v1::LIGHT_GREEN : s->months(s->months_size() - 1).light();
      if (Severity(r.light()) >= Severity(v1::LIGHT_YELLOW) &&
          Severity(previous) < Severity(v1::LIGHT_YELLOW)) {
        s->set_episode(s->episode() + 1);  // a new run of non-green months
      }
      *s->add_months() = r;
      break;
    }
    case Event::kLightChanged:
      s->set_light(event.light_changed().to());
      break;
    case Event::kRungRaised:
      ApplyRaised(s->mutable_rungs(), event.rung_raised());
      break;
    case Event::kRungAnswered:
      ApplyAnswered(s->mutable_rungs(), event.rung_answered());
      break;
    case Event::kRungDelisted:
      ApplyDelisted(s->mutable_rungs(), event.rung_delisted());
      break;
    case Event::kDeadlineRecomputed:
      ApplyRectificationRecomputed(s->mutable_rungs(), event.deadline_recomputed());
      break;
    case Event::KIND_NOT_SET:
      break;
  }
}

std::optional<absl::Time> Project::NextWakeup(const State& s) const {
  if (s.info().code().empty()) return std::nullopt;
  std::optional<absl::Time> next;
  auto consider = [&](std::optional<absl::Time> t) {
    if (t.has_value() && (!next.has_value() || *t < *next)) next = t;
  };
  if (s.completed_on().empty()) consider(MonthClose(NextMonthToClose(s)));
  auto cal = calendar();
  consider(monthly_.NextWakeup(MonthlySubject(s, ""), s.rungs(), *cal));
  for (const auto& node : s.nodes()) {
    if (node.done()) continue;
    consider(nodes_.NextWakeup(NodeSubject(s, node), s.rungs(), *cal));
  }
  return next;
}

std::vector<SupervisedSubject> Project::Subjects(const State& s) const {
  std::vector<SupervisedSubject> out;
  if (s.info().code().empty()) return out;
  out.push_back(MonthlySubject(s, ""));
  for (const auto& node : s.nodes()) out.push_back(NodeSubject(s, node));
  return out;
}

v1::ProjectView Project::View(const State& s, absl::Time now) const {
  v1::ProjectView view;
  view.set_code(s.info().code());
  view.set_name(s.info().name());
  view.set_stage(s.stage());
  view.set_light(s.light());
  view.set_as_of_us(ToUs(now));
  if (!s.months().empty()) *view.mutable_latest_month() = s.months(s.months_size() - 1);
  const absl::CivilDay today = DayOf(now);
  auto passed = [&](const std::string& planned) {
    return !planned.empty() && now >= engine::DueInstant(MustDay(planned));
  };
  view.set_start_overdue(s.started_on().empty() && passed(s.info().planned_start_on()));
  view.set_finish_overdue(s.completed_on().empty() && passed(s.info().planned_finish_on()));
  auto cal = calendar();
  for (const auto& node : s.nodes()) {
    auto* v = view.add_nodes();
    v->set_node_id(node.node_id());
    v->set_name(node.name());
    v->set_due_on(node.due_on());
    v->set_responsible_unit(node.responsible_unit());
    v->set_done(node.done());
    const int64_t left = cal->CountWorkingDays(today, MustDay(node.due_on())).count;
    v->set_working_days_left(left);
    const bool overdue = !node.done() && now >= FromUs(node.due_at_us());
    v->set_late(node.late() || overdue);
    if (node.done()) {
      v->set_light(v1::LIGHT_GREEN);
    } else if (overdue) {
      v->set_light(v1::LIGHT_RED);
    } else if (policy_.node_yellow_working_days() > 0 &&
               left <= policy_.node_yellow_working_days()) {
      v->set_light(v1::LIGHT_YELLOW);
    } else {
      v->set_light(v1::LIGHT_GREEN);
    }
  }
  for (const auto& rung : s.rungs()) {
    const auto& r = rung.raised();
    if (rung.answered() || r.rectification_due_at_us() == 0) continue;
    auto* v = view.add_open_slips();
    v->set_slip_number(r.slip_number());
    v->set_rung_name(r.rung_name());
    v->set_issues(r.issues());
    v->set_rectification_due_on(r.rectification_due_on());
    v->set_working_days_left(cal->CountWorkingDays(today, MustDay(r.rectification_due_on())).count);
    v->set_overdue(now >= FromUs(r.rectification_due_at_us()));
    v->set_provisional(r.provisional());
  }
  return view;
}

}  // namespace taizhang::workflows
