// Deciding the project's commands: who may, what is checked, the events each
// makes; and Tick, which closes the months due and climbs the ladders.
#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "base/status_macros.h"
#include "engine/deadline_rule.h"
#include "workflows/attachments.h"
#include "workflows/principal.h"
#include "workflows/project.h"
#include "workflows/project_code.h"
#include "workflows/project_internal.h"

namespace taizhang::workflows::project_internal {
namespace {

using engine::DayOf;
using engine::FormatDate;

// ---------------------------------------------------------------------------
// Small helpers.

v1::Light Worst(v1::Light a, v1::Light b) { return std::max(a, b); }  // ordered by severity

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

// The last civil day of `month`.
absl::CivilDay LastDayOf(absl::CivilMonth month) { return absl::CivilDay(month + 1) - 1; }

bool IsLeadUnit(const Principal& p, const ProjectState& s) {
  return p.Is(Role::kDepartment) && p.unit == s.info().lead_unit();
}

const v1::ProjectAnnualPlan* PlanFor(const ProjectState& s, int year) {
  for (const auto& p : s.plans()) {
    if (p.year() == year) return &p;
  }
  return nullptr;
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
  // 图片库: a project under construction all month (started before it, not
  // completed by its end) needs a new photo in it.
  if (policy.photo_yellow_from_month() > 0 && StartedBy(s, last) && !CompletedBy(s, last) &&
      absl::CivilMonth(MustDay(s.started_on())) < month) {
    bool photo = false;
    for (const auto& p : s.photos()) {
      photo = photo ||
              (IsImage(p.attachment().media_type()) && absl::CivilMonth(MustDay(p.on())) == month);
    }
    const int32_t before =
        s.months().empty() ? 0 : s.months(s.months_size() - 1).photo_months_missed();
    const int32_t running = photo ? 0 : before + 1;
    r.set_photo_months_missed(running);
    r.set_photo_light(running >= policy.photo_red_from_month()      ? v1::LIGHT_RED
                      : running >= policy.photo_yellow_from_month() ? v1::LIGHT_YELLOW
                                                                    : v1::LIGHT_GREEN);
  }
  v1::Light light = v1::LIGHT_GREEN;
  light = Worst(light, r.investment().light());
  light = Worst(light, r.start_light());
  light = Worst(light, r.finish_light());
  r.set_light(light);
  return r;
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
    Raise(project_.photos(), PhotoSubject(state_, ""));
    for (int i = 0; i < state_.nodes_size(); ++i) {
      const v1::ProjectNode node = state_.nodes(i);
      Raise(project_.nodes(), NodeSubject(state_, node));
    }
    for (int i = 0; i < state_.campaigns_size(); ++i) {
      const v1::ProjectCampaign c = state_.campaigns(i);
      Raise(project_.campaigns(), CampaignSubject(state_, c));
    }
    CloseVisitPeriods();
    for (int i = 0; i < state_.visit_periods_size(); ++i) {
      const v1::ProjectVisitPeriodResult r = state_.visit_periods(i);
      if (r.light() != v1::LIGHT_GREEN) Raise(project_.visits(), VisitSubject(state_, r));
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
      Raise(project_.photos(), PhotoSubject(state_, FormatMonth(month)));
    }
  }

  // Each quota's periods that have closed by now, in order: the result, and
  // for a period below quota its light (from unjudged) and its rungs.
  void CloseVisitPeriods() {
    for (const v1::VisitQuota& quota : project_.visit_policy().quotas()) {
      for (std::optional<VisitPeriod> period = NextVisitPeriodToClose(state_, quota);
           period.has_value() && VisitPeriodClose(*period) <= ctx_.now;
           period = NextVisitPeriod(*period)) {
        if (CompletedOnOrBefore(state_, period->last)) break;
        ProjectEvent closed;
        *closed.mutable_visit_period_closed()->mutable_result() =
            JudgeVisitPeriod(state_, quota, *period);
        const v1::ProjectVisitPeriodResult result = closed.visit_period_closed().result();
        Emit(std::move(closed));
        if (result.light() == v1::LIGHT_GREEN) continue;
        const SupervisedSubject subject = VisitSubject(state_, result);
        ProjectEvent changed;
        auto* c = changed.mutable_light_changed();
        c->set_subject(subject.id);
        c->set_from(v1::LIGHT_UNSPECIFIED);
        c->set_to(result.light());
        c->set_changed_at_us(result.closed_at_us());
        c->set_month(subject.month);
        Emit(std::move(changed));
        Raise(project_.visits(), subject);
      }
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

}  // namespace

Events Tick(const Project& project, const ProjectState& s, const engine::DecideContext& ctx,
            const engine::WorkingDayCalendar& calendar) {
  return Ticker(project, s, ctx, calendar).Run();
}

// ---------------------------------------------------------------------------
// Deciders.

namespace {

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

}  // namespace

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

absl::StatusOr<Events> JoinCampaign(const ProjectState& s, const v1::JoinStartCampaign& c,
                                    const engine::DecideContext& ctx, const Principal& p) {
  if (!p.Is(Role::kSystem)) return Denied("joining a start campaign", kSystemActor, p);
  if (c.campaign_id().empty()) return absl::InvalidArgumentError("campaign_id: required");
  if (FindCampaign(s, c.campaign_id()) != nullptr) {
    return absl::AlreadyExistsError(absl::StrCat("project '", s.info().code(), "' is in campaign '",
                                                 c.campaign_id(), "' already"));
  }
  ASSIGN_OR_RETURN(absl::CivilDay day, DateField("day", c.day()));
  ProjectEvent e;
  auto* j = e.mutable_campaign_joined();
  j->set_campaign_id(c.campaign_id());
  j->set_name(c.name());
  j->set_kind(c.kind());
  j->set_day(FormatDate(day));
  j->set_due_at_us(ToUs(engine::DueInstant(day)));
  j->set_office(c.office());
  j->set_joined_at_us(ToUs(ctx.now));
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
  RETURN_IF_ERROR(CheckAttachmentRefs(c.attachments(), "attachments"));
  const absl::CivilDay on = DayOf(ctx.occurred_at);
  ProjectEvent e;
  auto* d = e.mutable_node_done();
  *d->mutable_attachments() = c.attachments();
  d->set_node_id(node->node_id());
  d->set_on(FormatDate(on));
  d->set_occurred_at_us(ToUs(ctx.occurred_at));
  d->set_late(ctx.occurred_at >= FromUs(node->due_at_us()));
  d->set_note(c.note());
  return Events{std::move(e)};
}

absl::StatusOr<Events> RecordImage(const ProjectState& s, const v1::RecordProjectImageProgress& c,
                                   const engine::DecideContext& ctx, const Principal& p) {
  if (!IsLeadUnit(p, s) && !p.Is(Role::kSupervision)) {
    return Denied("recording image progress (形象进度)",
                  absl::StrCat("the lead unit (department:", s.info().lead_unit(),
                               ") or the supervision office"),
                  p);
  }
  if (c.attachments().empty()) {
    return absl::InvalidArgumentError("files: 至少附一张形象进度照片（JPEG 或 PNG）");
  }
  RETURN_IF_ERROR(CheckAttachmentRefs(c.attachments(), "attachments"));
  for (int i = 0; i < c.attachments_size(); ++i) {
    if (!IsImage(c.attachments(i).media_type())) {
      return absl::InvalidArgumentError(absl::StrCat("files[", i, "] '", c.attachments(i).name(),
                                                     "': 图片库只收 JPEG 或 PNG 图片"));
    }
  }
  ProjectEvent e;
  auto* r = e.mutable_image_progress_recorded();
  r->set_note(c.note());
  *r->mutable_attachments() = c.attachments();
  r->set_on(FormatDate(DayOf(ctx.occurred_at)));
  r->set_occurred_at_us(ToUs(ctx.occurred_at));
  r->set_recorded_at_us(ToUs(ctx.now));
  r->set_by(ctx.actor);
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
  } else if (id == kPhotoSubject && project.policy().photo_yellow_from_month() > 0) {
    subject = PhotoSubject(s, "");
    ladder = &project.policy().photo_ladder();
  } else if (absl::ConsumePrefix(&id, kNodeSubjectPrefix)) {
    if (const v1::ProjectNode* node = FindNode(s, id); node != nullptr) {
      subject = NodeSubject(s, *node);
      ladder = &project.policy().node_ladder();
    }
  } else if (absl::ConsumePrefix(&id, kCampaignSubjectPrefix)) {
    if (const v1::ProjectCampaign* c = FindCampaign(s, id); c != nullptr) {
      subject = CampaignSubject(s, *c);
      ladder = &project.policy().campaign_ladder();
    }
  }
  if (!subject.has_value()) {
    std::vector<std::string> ids = {kMonthlySubject};
    for (const auto& n : s.nodes()) ids.push_back(absl::StrCat(kNodeSubjectPrefix, n.node_id()));
    for (const auto& c : s.campaigns()) {
      ids.push_back(absl::StrCat(kCampaignSubjectPrefix, c.joined().campaign_id()));
    }
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
  AppendRecomputed(RecomputeRectifications(s.rungs(), calendar), &out);
  return out;
}

}  // namespace taizhang::workflows::project_internal
