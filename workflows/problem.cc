#include "workflows/problem.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/status_macros.h"
#include "engine/deadline_rule.h"
#include "engine/event_type.h"
#include "engine/ladder.h"
#include "workflows/principal.h"
#include "workflows/project_code.h"

namespace taizhang::workflows {
namespace {

using engine::DecideContext;
using engine::EventContext;
using engine::WorkingDayCalendar;

void CheckOk(const absl::Status& status, const char* what) {
  if (status.ok()) return;
  std::fprintf(stderr, "%s: %s\n", what, std::string(status.message()).c_str());
  std::abort();
}

absl::Time FromUs(int64_t us) { return absl::FromUnixMicros(us); }
int64_t Us(absl::Time t) { return absl::ToUnixMicros(t); }
bool Blank(const std::string& s) { return absl::StripAsciiWhitespace(s).empty(); }

const char* StatusName(v1::ProblemStatus status) {
  switch (status) {
    case v1::PROBLEM_STATUS_RAISED:
      return "raised and not yet assigned";
    case v1::PROBLEM_STATUS_ASSIGNED:
      return "assigned";
    case v1::PROBLEM_STATUS_RESOLVED:
      return "resolved and waiting for verification";
    case v1::PROBLEM_STATUS_VERIFIED:
      return "verified (closed)";
    default:
      return "not raised";
  }
}

absl::Status RequireStatus(const v1::ProblemState& s, v1::ProblemStatus want,
                           absl::string_view what) {
  if (s.status() == want) return absl::OkStatus();
  std::string where = StatusName(s.status());
  if (!s.unit().empty() && s.status() != v1::PROBLEM_STATUS_RAISED) {
    absl::StrAppend(&where, ", with ", s.unit());
  }
  return absl::FailedPreconditionError(absl::StrCat("problem '", s.problem_id(), "' is ", where,
                                                    "; it must be ", StatusName(want), " to ",
                                                    what));
}

absl::Status RequireAssignedUnit(const v1::ProblemState& s, const Principal& p,
                                 absl::string_view what) {
  if (p.Is(Role::kDepartment) && p.unit == s.unit()) return absl::OkStatus();
  return absl::PermissionDeniedError(absl::StrCat("only the assigned unit of problem '",
                                                  s.problem_id(), "' (department:", s.unit(),
                                                  ") may ", what, "; you are ", p.ToActor()));
}

absl::Status RequireOffice(const v1::ProblemState& s, const Principal& p, absl::string_view what) {
  if (p.Is(Role::kSupervision) && p.unit == s.supervision_office()) return absl::OkStatus();
  return absl::PermissionDeniedError(absl::StrCat(
      "only the supervision office of problem '", s.problem_id(),
      "' (supervision:", s.supervision_office(), ") may ", what, "; you are ", p.ToActor()));
}

}  // namespace

std::string ProblemStream(absl::string_view problem_id) {
  return absl::StrCat("problem/", problem_id);
}

Problem::Problem(v1::TaskPolicy policy, v1::Ladder problem_ladder,
                 std::shared_ptr<const WorkingDayCalendar> calendar)
    : policy_(std::move(policy)),
      ladder_(std::move(problem_ladder)),
      supervisor_(ladder_, policy_.problem_yellow_working_days()),
      calendar_(std::move(calendar), "Problem") {
  CheckOk(ValidateTaskPolicy(policy_, policy_.name()), "Problem: policy");
  CheckOk(engine::ValidateLadder(supervisor_.ladder(), supervisor_.ladder().name()),
          "Problem: ladder");
}

absl::StatusOr<std::unique_ptr<Problem>> Problem::Load(const std::string& policy_path,
                                                       const std::string& ladders_dir,
                                                       const std::string& calendar_dir) {
  ASSIGN_OR_RETURN(TaskPolicyFiles files, LoadTaskPolicy(policy_path, ladders_dir));
  ASSIGN_OR_RETURN(WorkingDayCalendar cal, WorkingDayCalendar::LoadDirectory(calendar_dir));
  return std::make_unique<Problem>(std::move(files.policy), std::move(files.problem_ladder),
                                   std::make_shared<const WorkingDayCalendar>(std::move(cal)));
}

void Problem::SetCalendar(std::shared_ptr<const WorkingDayCalendar> calendar) {
  calendar_.Set(std::move(calendar));
}

std::shared_ptr<const WorkingDayCalendar> Problem::calendar() const { return calendar_.Get(); }

std::string Problem::EventType(const Event& event) const {
  return engine::EventTypeName("problem", event);
}

SupervisedSubject Problem::SubjectOf(const State& s) const {
  SupervisedSubject subject;
  subject.stream = ProblemStream(s.problem_id());
  subject.matter = s.title();
  subject.project_code = s.project_code();
  subject.due_date = s.computed().due_date();
  if (!subject.due_date.empty()) subject.due_at = FromUs(s.computed().due_at_us());
  subject.start = FromUs(s.assigned_at_us());
  subject.resolved =
      s.status() == v1::PROBLEM_STATUS_RESOLVED || s.status() == v1::PROBLEM_STATUS_VERIFIED;
  if (subject.resolved) subject.resolved_at = FromUs(s.resolved_at_us());
  subject.episode = s.episode();
  subject.light = s.light();
  if (s.light_changed_at_us() != 0) subject.light_changed_at = FromUs(s.light_changed_at_us());
  if (!s.unit().empty()) subject.parties.add_units(s.unit());
  subject.parties.set_office(s.supervision_office());
  subject.parties.set_leader(s.responsible_leader());
  return subject;
}

void Problem::AppendLightChange(const State& s, const DecideContext& ctx,
                                const WorkingDayCalendar& cal, Events* events) const {
  State next = s;
  EventContext ectx;
  ectx.occurred_at = ctx.occurred_at;
  ectx.recorded_at = ctx.now;
  ectx.actor = ctx.actor;
  for (const Event& e : *events) Apply(&next, e, ectx);
  if (std::optional<v1::SupervisionLightChanged> change =
          supervisor_.LightChangeAt(SubjectOf(next), ctx.now, cal)) {
    *events->emplace_back().mutable_light_changed() = std::move(*change);
  }
}

absl::StatusOr<v1::ComputedDeadline> Problem::LimitFrom(bool has_limit,
                                                        const v1::DeadlineRule& limit,
                                                        absl::CivilDay day,
                                                        const std::string& field,
                                                        const WorkingDayCalendar& cal) const {
  const v1::DeadlineRule& rule = has_limit ? limit : policy_.problem_default_limit();
  if (absl::Status v = engine::ValidateRule(rule); !v.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": ", v.message()));
  }
  if (rule.kind() == v1::DeadlineRule::NONE) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": a problem needs a time limit (a date or N working days)"));
  }
  if (rule.kind() == v1::DeadlineRule::FIXED_DATE && *engine::ParseDate(rule.fixed_date()) < day) {
    return absl::InvalidArgumentError(absl::StrCat(field, ".fixed_date: ", rule.fixed_date(),
                                                   " is before today (", engine::FormatDate(day),
                                                   ")"));
  }
  return engine::ComputeDeadline(rule, day, {}, 0, cal);
}

absl::StatusOr<std::vector<v1::ProblemEvent>> Problem::Decide(const State& s, const Command& c,
                                                              const DecideContext& ctx) const {
  const std::shared_ptr<const WorkingDayCalendar> cal_ptr = calendar();
  const WorkingDayCalendar& cal = *cal_ptr;
  absl::StatusOr<Principal> parsed = ParseActor(ctx.actor);
  if (!parsed.ok()) return absl::PermissionDeniedError(parsed.status().message());
  const Principal& p = *parsed;
  if (c.action_case() == Command::ACTION_NOT_SET) {
    return absl::InvalidArgumentError("command: no action set");
  }
  if (c.action_case() == Command::kRaise) return DecideRaise(s, c.raise(), ctx);
  if (s.status() == v1::PROBLEM_STATUS_UNSPECIFIED) {
    return absl::NotFoundError(absl::StrCat("'", ctx.stream, "' does not exist; raise it first"));
  }
  Events events;
  switch (c.action_case()) {
    case Command::kAssign: {
      const v1::AssignProblem& a = c.assign();
      if (!p.Is(Role::kSupervision)) {
        return absl::PermissionDeniedError(absl::StrCat(
            "only the supervision office may assign a problem; you are ", p.ToActor()));
      }
      RETURN_IF_ERROR(RequireStatus(s, v1::PROBLEM_STATUS_RAISED, "be assigned"));
      if (Blank(a.unit())) return absl::InvalidArgumentError("unit: required");
      if (Blank(a.measures())) {
        return absl::InvalidArgumentError("measures: required (what the unit is to do)");
      }
      ASSIGN_OR_RETURN(
          v1::ComputedDeadline computed,
          LimitFrom(a.has_limit(), a.limit(), engine::DayOf(ctx.occurred_at), "limit", cal));
      v1::ProblemAssigned* e = events.emplace_back().mutable_assigned();
      e->set_unit(a.unit());
      e->set_measures(a.measures());
      e->set_supervision_office(p.unit);
      e->set_responsible_leader(a.responsible_leader().empty() ? s.responsible_leader()
                                                               : a.responsible_leader());
      *e->mutable_computed() = std::move(computed);
      e->set_assigned_at_us(Us(ctx.occurred_at));
      e->set_episode(1);
      AppendLightChange(s, ctx, cal, &events);
      return events;
    }
    case Command::kAnswer: {
      RETURN_IF_ERROR(RequireStatus(s, v1::PROBLEM_STATUS_ASSIGNED, "be answered"));
      RETURN_IF_ERROR(RequireAssignedUnit(s, p, "answer it"));
      if (Blank(c.answer().text())) {
        return absl::InvalidArgumentError("text: required (what was done)");
      }
      v1::ProblemAnswered* e = events.emplace_back().mutable_answered();
      e->set_unit(p.unit);
      e->set_text(c.answer().text());
      e->set_answered_at_us(Us(ctx.occurred_at));
      // The answer also answers the latest rung still open in this episode.
      v1::AnswerSupervisionRung answer;
      answer.set_text(c.answer().text());
      absl::StatusOr<v1::SupervisionRungAnswered> rung =
          AnswerRung(answer, s.rungs(), "", s.episode(), p, ctx.occurred_at);
      if (rung.ok()) *events.emplace_back().mutable_rung_answered() = *std::move(rung);
      return events;
    }
    case Command::kRaiseRung:
      // Supervised by hand only while assigned (with its office, not resolved).
      RETURN_IF_ERROR(RequireStatus(s, v1::PROBLEM_STATUS_ASSIGNED, "be supervised by hand"));
      [[fallthrough]];
    case Command::kAnswerRung:
    case Command::kDelistRung:
      return *DecideOwnLimitSupervision<Event>(c, SubjectOf(s), s.rungs(), ladder_, p,
                                               ctx.occurred_at, cal);
    case Command::kResolve: {
      RETURN_IF_ERROR(RequireStatus(s, v1::PROBLEM_STATUS_ASSIGNED, "be resolved"));
      RETURN_IF_ERROR(RequireAssignedUnit(s, p, "resolve it"));
      if (Blank(c.resolve().text())) {
        return absl::InvalidArgumentError("text: required (how it was solved)");
      }
      v1::ProblemResolved* e = events.emplace_back().mutable_resolved();
      e->set_unit(p.unit);
      e->set_text(c.resolve().text());
      e->set_resolved_at_us(Us(ctx.occurred_at));
      e->set_late(ctx.occurred_at >= FromUs(s.computed().due_at_us()));
      return events;
    }
    case Command::kVerify: {
      RETURN_IF_ERROR(RequireOffice(s, p, "verify it"));
      RETURN_IF_ERROR(RequireStatus(s, v1::PROBLEM_STATUS_RESOLVED, "be verified"));
      v1::ProblemVerified* e = events.emplace_back().mutable_verified();
      e->set_by(ctx.actor);
      e->set_text(c.verify().text());
      e->set_verified_at_us(Us(ctx.occurred_at));
      return events;
    }
    case Command::kReopen: {
      const v1::ReopenProblem& a = c.reopen();
      RETURN_IF_ERROR(RequireOffice(s, p, "reopen it"));
      RETURN_IF_ERROR(RequireStatus(s, v1::PROBLEM_STATUS_RESOLVED, "be reopened"));
      if (Blank(a.reasons())) {
        return absl::InvalidArgumentError("reasons: required (why the resolution is not enough)");
      }
      ASSIGN_OR_RETURN(
          v1::ComputedDeadline computed,
          LimitFrom(a.has_limit(), a.limit(), engine::DayOf(ctx.occurred_at), "limit", cal));
      v1::ProblemReopened* e = events.emplace_back().mutable_reopened();
      e->set_by(ctx.actor);
      e->set_reasons(a.reasons());
      e->set_measures(a.measures().empty() ? s.measures() : a.measures());
      *e->mutable_computed() = std::move(computed);
      e->set_reopened_at_us(Us(ctx.occurred_at));
      e->set_episode(s.episode() + 1);
      AppendLightChange(s, ctx, cal, &events);
      return events;
    }
    case Command::kTick: {
      RETURN_IF_ERROR(RequireSystem(p, "ProblemTick"));
      if (s.status() != v1::PROBLEM_STATUS_ASSIGNED) return events;
      AppendDue(supervisor_.Evaluate(SubjectOf(s), s.rungs(), ctx.now, cal), &events);
      return events;
    }
    case Command::kRecomputeDeadlines: {
      RETURN_IF_ERROR(RequireSystemOrAdmin(p, "recompute deadlines"));
      ASSIGN_OR_RETURN(events, DecideRecompute(s, ctx, cal));
      // The rectification limits of the slips still open move with it.
      if (s.status() == v1::PROBLEM_STATUS_ASSIGNED) {
        AppendRecomputed(RecomputeRectifications(s.rungs(), cal), &events);
      }
      return events;
    }
    default:
      return absl::InvalidArgumentError(absl::StrCat("command: unknown action ", c.action_case()));
  }
}

absl::StatusOr<std::vector<v1::ProblemEvent>> Problem::DecideRaise(const State& s,
                                                                   const v1::RaiseProblem& c,
                                                                   const DecideContext& ctx) const {
  const Principal p = *ParseActor(ctx.actor);
  v1::ProblemSource source = c.source();
  switch (p.role) {
    case Role::kSupervision:
    case Role::kAdmin:
    case Role::kSystem:  // a problem found on a visit (Ledger's reactions)
      if (source.kind() == v1::PROBLEM_SOURCE_KIND_UNSPECIFIED) {
        return absl::InvalidArgumentError("source.kind: required (INSPECTION, ENTERPRISE or UNIT)");
      }
      break;
    case Role::kEnterprise:
    case Role::kDepartment: {
      const v1::ProblemSourceKind own = p.Is(Role::kEnterprise) ? v1::PROBLEM_SOURCE_KIND_ENTERPRISE
                                                                : v1::PROBLEM_SOURCE_KIND_UNIT;
      if (source.kind() == v1::PROBLEM_SOURCE_KIND_UNSPECIFIED) source.set_kind(own);
      if (source.kind() != own || (!source.name().empty() && source.name() != p.unit)) {
        return absl::PermissionDeniedError(
            absl::StrCat(p.ToActor(), " may raise problems only in its own name (source ",
                         v1::ProblemSourceKind_Name(own), ", '", p.unit,
                         "'); the supervision office records those of others"));
      }
      break;
    }
    default:
      return absl::PermissionDeniedError(
          absl::StrCat("only the supervision office, an admin, an enterprise or a unit may raise "
                       "a problem; you are ",
                       p.ToActor()));
  }
  if (!v1::ProblemSourceKind_IsValid(source.kind())) {
    return absl::InvalidArgumentError(absl::StrCat("source.kind: unknown value ", source.kind()));
  }
  if (source.name().empty()) source.set_name(p.unit);
  if (s.status() != v1::PROBLEM_STATUS_UNSPECIFIED) {
    return absl::AlreadyExistsError(absl::StrCat("problem '", s.problem_id(), "' already exists"));
  }
  if (c.problem_id().empty()) return absl::InvalidArgumentError("problem_id: required");
  if (ctx.stream != ProblemStream(c.problem_id())) {
    return absl::InvalidArgumentError(
        absl::StrCat("problem_id: '", c.problem_id(), "' does not match the stream '", ctx.stream,
                     "' (expected '", ProblemStream(c.problem_id()), "')"));
  }
  RETURN_IF_ERROR(CheckProjectCode("project_code", c.project_code()));
  if (Blank(c.title())) return absl::InvalidArgumentError("title: required");
  Events events;
  v1::ProblemRaised* e = events.emplace_back().mutable_raised();
  e->set_problem_id(c.problem_id());
  e->set_project_code(c.project_code());
  e->set_title(c.title());
  e->set_description(c.description());
  *e->mutable_source() = source;
  e->set_raised_by(ctx.actor);
  e->set_responsible_leader(c.responsible_leader());
  e->set_task_id(c.task_id());
  e->set_raised_at_us(Us(ctx.occurred_at));
  return events;
}

absl::StatusOr<std::vector<v1::ProblemEvent>> Problem::DecideRecompute(
    const State& s, const DecideContext& ctx, const WorkingDayCalendar& cal) const {
  Events events;
  const v1::ComputedDeadline& old = s.computed();
  if (s.status() != v1::PROBLEM_STATUS_ASSIGNED || old.due_date().empty()) {
    return events;
  }
  ASSIGN_OR_RETURN(absl::CivilDay start, engine::ParseDate(old.start_date()));
  ASSIGN_OR_RETURN(v1::ComputedDeadline now_computed,
                   engine::ComputeDeadline(old.rule(), start, {}, 0, cal));
  if (now_computed.due_date() == old.due_date() &&
      now_computed.provisional() == old.provisional()) {
    return events;
  }
  ASSIGN_OR_RETURN(absl::CivilDay old_due, engine::ParseDate(old.due_date()));
  ASSIGN_OR_RETURN(absl::CivilDay new_due, engine::ParseDate(now_computed.due_date()));
  v1::SupervisionDeadlineRecomputed* e = events.emplace_back().mutable_deadline_recomputed();
  *e->mutable_old_deadline() = old;
  *e->mutable_new_deadline() = now_computed;
  e->set_calendar_version(cal.VersionOf(start, std::max(old_due, new_due)));
  e->set_reason("limit recomputed with the calendar as now loaded");
  AppendLightChange(s, ctx, cal, &events);
  return events;
}

void Problem::Apply(State* s, const Event& event, const EventContext& ctx) const {
  if (ApplyRungEvent(event, s->mutable_rungs())) return;  // supervision: one fold
  switch (event.event_case()) {
    case Event::kRaised: {
      const v1::ProblemRaised& e = event.raised();
      s->set_problem_id(e.problem_id());
      s->set_project_code(e.project_code());
      s->set_title(e.title());
      s->set_description(e.description());
      *s->mutable_source() = e.source();
      s->set_raised_by(e.raised_by());
      s->set_raised_at_us(e.raised_at_us());
      s->set_responsible_leader(e.responsible_leader());
      s->set_task_id(e.task_id());
      s->set_status(v1::PROBLEM_STATUS_RAISED);
      break;
    }
    case Event::kAssigned: {
      const v1::ProblemAssigned& e = event.assigned();
      s->set_status(v1::PROBLEM_STATUS_ASSIGNED);
      s->set_unit(e.unit());
      s->set_measures(e.measures());
      s->set_supervision_office(e.supervision_office());
      s->set_responsible_leader(e.responsible_leader());
      *s->mutable_computed() = e.computed();
      s->set_assigned_at_us(e.assigned_at_us());
      s->set_episode(e.episode());
      break;
    }
    case Event::kAnswered:
      *s->add_answers() = event.answered();
      break;
    case Event::kResolved: {
      const v1::ProblemResolved& e = event.resolved();
      s->set_status(v1::PROBLEM_STATUS_RESOLVED);
      s->set_resolution(e.text());
      s->set_resolved_at_us(e.resolved_at_us());
      s->set_resolved_late(e.late());
      break;
    }
    case Event::kVerified:
      s->set_status(v1::PROBLEM_STATUS_VERIFIED);
      s->set_verification(event.verified().text());
      s->set_verified_at_us(event.verified().verified_at_us());
      break;
    case Event::kReopened: {
      const v1::ProblemReopened& e = event.reopened();
      s->set_status(v1::PROBLEM_STATUS_ASSIGNED);
      s->set_measures(e.measures());
      *s->mutable_computed() = e.computed();
      s->set_assigned_at_us(e.reopened_at_us());
      s->set_episode(e.episode());
      s->set_reopen_count(s->reopen_count() + 1);
      s->clear_resolution();
      s->clear_resolved_at_us();
      s->clear_resolved_late();
      break;
    }
    case Event::kLightChanged:
      s->set_light(event.light_changed().to());
      s->set_light_changed_at_us(event.light_changed().changed_at_us());
      break;
    case Event::kDeadlineRecomputed:
      *s->mutable_computed() = event.deadline_recomputed().new_deadline();
      break;
    default:
      break;  // an event kind from a newer build
  }
}

std::optional<absl::Time> Problem::NextWakeup(const State& s) const {
  if (s.status() != v1::PROBLEM_STATUS_ASSIGNED) return std::nullopt;
  return supervisor_.NextWakeup(SubjectOf(s), s.rungs(), *calendar());
}

v1::ProblemView Problem::View(const State& s, absl::Time now) const {
  const std::shared_ptr<const WorkingDayCalendar> cal = calendar();
  v1::ProblemView v;
  v.set_problem_id(s.problem_id());
  v.set_project_code(s.project_code());
  v.set_title(s.title());
  v.set_status(s.status());
  v.set_unit(s.unit());
  v.set_due_date(s.computed().due_date());
  v.set_provisional(s.computed().provisional());
  v.set_open_rungs(OpenRungs(s.rungs(), "", s.episode()));
  v.set_reopen_count(s.reopen_count());
  if (s.computed().due_date().empty()) return v;
  const bool resolved =
      s.status() == v1::PROBLEM_STATUS_RESOLVED || s.status() == v1::PROBLEM_STATUS_VERIFIED;
  const absl::Time at = resolved ? std::min(now, FromUs(s.resolved_at_us())) : now;
  v.set_light(supervisor_.LightAt(SubjectOf(s), at, *cal));
  v.set_working_days_used(std::max<int64_t>(
      0,
      cal->CountWorkingDays(engine::DayOf(FromUs(s.assigned_at_us())), engine::DayOf(at)).count));
  v.set_working_days_left(
      cal->CountWorkingDays(engine::DayOf(at), *engine::ParseDate(s.computed().due_date())).count);
  v.set_overdue(at >= FromUs(s.computed().due_at_us()));
  return v;
}

std::vector<SupervisedSubject> Problem::Subjects(const State& s) const {
  if (s.status() == v1::PROBLEM_STATUS_UNSPECIFIED) return {};
  return {SubjectOf(s)};
}

}  // namespace taizhang::workflows
