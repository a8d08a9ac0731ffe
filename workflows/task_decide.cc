// Deciding the task's commands: who may, what is checked, the events each
// makes, and the light change a limit set or moved entails.
#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/status_macros.h"
#include "engine/deadline_rule.h"
#include "workflows/attachments.h"
#include "workflows/principal.h"
#include "workflows/project_code.h"
#include "workflows/task.h"
#include "workflows/task_internal.h"

namespace taizhang::workflows {

using namespace task_internal;  // NOLINT(build/namespaces): this module's own helpers

namespace {

using engine::DecideContext;
using engine::EventContext;
using engine::WorkingDayCalendar;

absl::StatusOr<Principal> ActorOf(const DecideContext& ctx) {
  absl::StatusOr<Principal> p = ParseActor(ctx.actor);
  if (!p.ok()) return absl::PermissionDeniedError(p.status().message());
  return p;
}

// ---------------------------------------------------------------------------
// Task-specific helpers.

absl::Status RequireResponsibleUnit(const v1::TaskState& s, const Principal& p,
                                    absl::string_view what) {
  if (p.Is(Role::kDepartment) &&
      std::find(s.responsible_units().begin(), s.responsible_units().end(), p.unit) !=
          s.responsible_units().end()) {
    return absl::OkStatus();
  }
  std::vector<std::string> who;
  for (const std::string& u : s.responsible_units()) who.push_back(absl::StrCat("department:", u));
  return absl::PermissionDeniedError(absl::StrCat("only a responsible unit of task '", s.task_id(),
                                                  "' (", absl::StrJoin(who, ", "), ") may ", what,
                                                  "; you are ", p.ToActor()));
}

absl::Status RequireOffice(const v1::TaskState& s, const Principal& p, absl::string_view what) {
  if (p.Is(Role::kSupervision) && p.unit == s.supervision_office()) return absl::OkStatus();
  return absl::PermissionDeniedError(absl::StrCat(
      "only the supervision office of task '", s.task_id(),
      "' (supervision:", s.supervision_office(), ") may ", what, "; you are ", p.ToActor()));
}

absl::Status RequireOpen(const v1::TaskState& s) {
  if (s.status() == v1::TASK_STATUS_OPEN) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat("task '", s.task_id(), "' was completed on ",
                                                    s.completed_on(), "; nothing more to do"));
}

std::string NoDueDateReason(const v1::TaskState& s) {
  std::vector<std::string> waiting = Task::PendingPrerequisites(s);
  if (!waiting.empty()) {
    return absl::StrCat("task '", s.task_id(), "' has no due date yet: it waits for ",
                        absl::StrJoin(waiting, ", "), " to complete");
  }
  return absl::StrCat("task '", s.task_id(), "' has no deadline");
}

}  // namespace

void Task::AppendLightChange(const State& s, const DecideContext& ctx,
                             const WorkingDayCalendar& cal, Events* events) const {
  // Fold the events decided so far into a copy, then judge the light there.
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

absl::StatusOr<std::vector<v1::TaskEvent>> Task::Decide(const State& s, const Command& c,
                                                        const DecideContext& ctx) const {
  const std::shared_ptr<const WorkingDayCalendar> cal_ptr = calendar();
  const WorkingDayCalendar& cal = *cal_ptr;
  ASSIGN_OR_RETURN(const Principal p, ActorOf(ctx));
  if (c.action_case() == Command::ACTION_NOT_SET) {
    return absl::InvalidArgumentError("command: no action set");
  }
  if (c.action_case() == Command::kCreate) return DecideCreate(s, c.create(), ctx, cal);
  if (s.status() == v1::TASK_STATUS_UNSPECIFIED) {
    return absl::NotFoundError(
        absl::StrCat("'", ctx.stream, "' does not exist; the supervision office creates it"));
  }
  Events events;
  switch (c.action_case()) {
    case Command::kReportProgress: {
      const v1::ReportTaskProgress& a = c.report_progress();
      RETURN_IF_ERROR(RequireResponsibleUnit(s, p, "report its progress"));
      RETURN_IF_ERROR(RequireOpen(s));
      if (a.percent() < 0 || a.percent() > 100) {
        return absl::InvalidArgumentError(
            absl::StrCat("percent: ", a.percent(), " is not in 0..100"));
      }
      if (Blank(a.text())) return absl::InvalidArgumentError("text: required (what was done)");
      RETURN_IF_ERROR(CheckAttachmentRefs(a.attachments(), "attachments"));
      v1::TaskProgressReported* e = events.emplace_back().mutable_progress_reported();
      *e->mutable_attachments() = a.attachments();
      e->set_unit(p.unit);
      e->set_percent(a.percent());
      e->set_text(a.text());
      e->set_reported_at_us(Us(ctx.occurred_at));
      return events;
    }
    case Command::kComplete: {
      RETURN_IF_ERROR(RequireResponsibleUnit(s, p, "complete it"));
      RETURN_IF_ERROR(RequireOpen(s));
      v1::TaskCompleted* e = events.emplace_back().mutable_completed();
      e->set_task_id(s.task_id());
      e->set_unit(p.unit);
      e->set_completed_on(engine::FormatDate(engine::DayOf(ctx.occurred_at)));
      e->set_completed_at_us(Us(ctx.occurred_at));
      e->set_text(c.complete().text());
      e->set_late(!s.due_date().empty() && ctx.occurred_at >= FromUs(s.due_at_us()));
      return events;
    }
    case Command::kRequestExtension:
    case Command::kGrantExtension:
    case Command::kRefuseExtension:
      return DecideExtension(s, c, ctx, cal);
    case Command::kPrerequisiteCompleted:
      RETURN_IF_ERROR(RequireSystem(p, "PrerequisiteCompleted"));
      return DecidePrerequisite(s, c.prerequisite_completed(), ctx, cal);
    case Command::kAnswerRung:
    case Command::kRaiseRung:
    case Command::kDelistRung:  // a completed task is resolved: no rung by hand
      return *DecideOwnLimitSupervision<Event>(c, SubjectOf(s), s.rungs(), ladder_, p,
                                               ctx.occurred_at, cal);
    case Command::kTick: {
      RETURN_IF_ERROR(RequireSystem(p, "TaskTick"));
      if (s.status() != v1::TASK_STATUS_OPEN) return events;
      AppendDue(supervisor_.Evaluate(SubjectOf(s), s.rungs(), ctx.now, cal), &events);
      return events;
    }
    case Command::kRecomputeDeadlines: {
      RETURN_IF_ERROR(RequireSystemOrAdmin(p, "recompute deadlines"));
      ASSIGN_OR_RETURN(events, DecideRecompute(s, ctx, cal));
      // The rectification limits of the slips still open move with it.
      if (s.status() == v1::TASK_STATUS_OPEN) {
        AppendRecomputed(RecomputeRectifications(s.rungs(), cal), &events);
      }
      return events;
    }
    default:
      return absl::InvalidArgumentError(absl::StrCat("command: unknown action ", c.action_case()));
  }
}

absl::StatusOr<std::vector<v1::TaskEvent>> Task::DecideCreate(const State& s,
                                                              const v1::CreateTask& c,
                                                              const DecideContext& ctx,
                                                              const WorkingDayCalendar& cal) const {
  ASSIGN_OR_RETURN(const Principal p, ActorOf(ctx));
  // A meeting's decided matter is made by the engine from the meeting's
  // record (workflows/meeting.h), and only so.
  const bool matter = c.has_origin();
  if (matter != p.Is(Role::kSystem)) {
    return absl::PermissionDeniedError(
        matter ? absl::StrCat("only the engine creates the task of a decided matter (from the "
                              "meeting's record); you are ",
                              p.ToActor())
               : absl::StrCat("the engine creates only the tasks of decided matters; you are ",
                              p.ToActor()));
  }
  if (!matter && absl::StartsWith(c.task_id(), kMatterTaskPrefix)) {
    return absl::PermissionDeniedError(
        absl::StrCat("任务编号“", c.task_id(), "”以“", kMatterTaskPrefix,
                     "”开头：这是会议商定事项的编号，只由系统根据会议记录生成，请换一个编号"));
  }
  if (!matter && !p.Is(Role::kSupervision) && !p.Is(Role::kAdmin)) {
    return absl::PermissionDeniedError(absl::StrCat(
        "only the supervision office or an admin may create a task; you are ", p.ToActor()));
  }
  if (s.status() != v1::TASK_STATUS_UNSPECIFIED) {
    return absl::AlreadyExistsError(absl::StrCat("task '", s.task_id(), "' already exists"));
  }
  if (c.task_id().empty()) return absl::InvalidArgumentError("task_id: required");
  if (ctx.stream != TaskStream(c.task_id())) {
    return absl::InvalidArgumentError(absl::StrCat("task_id: '", c.task_id(),
                                                   "' does not match the stream '", ctx.stream,
                                                   "' (expected '", TaskStream(c.task_id()), "')"));
  }
  if (!matter || !c.project_code().empty()) {
    RETURN_IF_ERROR(CheckProjectCode("project_code", c.project_code()));
  }
  if (Blank(c.title())) return absl::InvalidArgumentError("title: required (the matter)");
  if (c.responsible_units().empty()) {
    return absl::InvalidArgumentError("responsible_units: at least one is required");
  }
  for (int i = 0; i < c.responsible_units_size(); ++i) {
    if (Blank(c.responsible_units(i))) {
      return absl::InvalidArgumentError(absl::StrCat("responsible_units[", i, "]: empty"));
    }
    for (int j = 0; j < i; ++j) {
      if (c.responsible_units(i) == c.responsible_units(j)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "responsible_units[", i, "]: '", c.responsible_units(i), "' is listed twice"));
      }
    }
  }
  std::string office = c.supervision_office();
  if (office.empty()) {
    if (!p.Is(Role::kSupervision)) {  // an admin, or the engine for a matter
      return absl::InvalidArgumentError(
          "supervision_office: required when an admin creates a task");
    }
    office = p.unit;
  }

  absl::CivilDay created_day = engine::DayOf(ctx.occurred_at);
  if (matter) {
    // A matter's limit counts from the meeting's day, which may be before
    // the day its record was keyed in.
    absl::StatusOr<absl::CivilDay> held = engine::ParseDate(c.origin().held_on());
    if (!held.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("origin.held_on: ", held.status().message()));
    }
    created_day = *held;
  }
  v1::TaskDeadline deadline = c.deadline();
  std::optional<v1::ComputedDeadline> computed;
  switch (deadline.kind_case()) {
    case v1::TaskDeadline::kRule: {
      const v1::DeadlineRule& rule = deadline.rule();
      if (absl::Status v = engine::ValidateRule(rule); !v.ok()) {
        return absl::InvalidArgumentError(absl::StrCat("deadline.rule: ", v.message()));
      }
      const bool counted = rule.kind() == v1::DeadlineRule::WORKING_DAYS ||
                           rule.kind() == v1::DeadlineRule::CALENDAR_DAYS;
      absl::CivilDay start = created_day;
      if (!deadline.start_date().empty()) {
        if (!counted) {
          return absl::InvalidArgumentError(
              "deadline.start_date: only for a counted rule (WORKING_DAYS, CALENDAR_DAYS)");
        }
        absl::StatusOr<absl::CivilDay> parsed = engine::ParseDate(deadline.start_date());
        if (!parsed.ok()) {
          return absl::InvalidArgumentError(
              absl::StrCat("deadline.start_date: ", parsed.status().message()));
        }
        start = *parsed;
      }
      if (counted) deadline.set_start_date(engine::FormatDate(start));
      if (rule.kind() == v1::DeadlineRule::FIXED_DATE) {
        const absl::CivilDay fixed = *engine::ParseDate(rule.fixed_date());
        if (fixed < created_day) {
          return absl::InvalidArgumentError(absl::StrCat(
              "deadline.rule.fixed_date: ", rule.fixed_date(), " is before the day the task is ",
              "created (", engine::FormatDate(created_day), ")"));
        }
      }
      if (rule.kind() != v1::DeadlineRule::NONE) {
        ASSIGN_OR_RETURN(computed, engine::ComputeDeadline(rule, start, {}, 0, cal));
      }
      break;
    }
    case v1::TaskDeadline::kAfterTasks: {
      const v1::TaskAfterTasks& after = deadline.after_tasks();
      if (!deadline.start_date().empty()) {
        return absl::InvalidArgumentError(
            "deadline.start_date: not for after_tasks (the clock starts when the last "
            "prerequisite completes)");
      }
      if (after.task_ids().empty()) {
        return absl::InvalidArgumentError("deadline.after_tasks.task_ids: at least one");
      }
      for (int i = 0; i < after.task_ids_size(); ++i) {
        const std::string& id = after.task_ids(i);
        if (Blank(id)) {
          return absl::InvalidArgumentError(
              absl::StrCat("deadline.after_tasks.task_ids[", i, "]: empty"));
        }
        if (id == c.task_id()) {
          return absl::InvalidArgumentError(absl::StrCat("deadline.after_tasks.task_ids[", i,
                                                         "]: a task cannot wait for itself"));
        }
        for (int j = 0; j < i; ++j) {
          if (after.task_ids(j) == id) {
            return absl::InvalidArgumentError(
                absl::StrCat("deadline.after_tasks.task_ids[", i, "]: '", id, "' is listed twice"));
          }
        }
      }
      const v1::DeadlineRule& rule = after.rule();
      if (absl::Status v = engine::ValidateRule(rule); !v.ok()) {
        return absl::InvalidArgumentError(absl::StrCat("deadline.after_tasks.rule: ", v.message()));
      }
      if (rule.kind() != v1::DeadlineRule::WORKING_DAYS &&
          rule.kind() != v1::DeadlineRule::CALENDAR_DAYS) {
        return absl::InvalidArgumentError(
            "deadline.after_tasks.rule: must be WORKING_DAYS or CALENDAR_DAYS");
      }
      break;
    }
    default:
      if (!deadline.start_date().empty()) {
        return absl::InvalidArgumentError("deadline.start_date: set without a rule");
      }
      break;
  }

  Events events;
  v1::TaskCreated* e = events.emplace_back().mutable_created();
  e->set_task_id(c.task_id());
  e->set_project_code(c.project_code());
  e->set_title(c.title());
  e->set_description(c.description());
  *e->mutable_responsible_units() = c.responsible_units();
  *e->mutable_deadline() = deadline;
  e->set_supervision_office(office);
  e->set_responsible_leader(c.responsible_leader());
  if (matter) *e->mutable_origin() = c.origin();
  if (computed.has_value()) *e->mutable_computed() = *computed;
  e->set_created_at_us(Us(ctx.occurred_at));
  AppendLightChange(s, ctx, cal, &events);
  return events;
}

absl::StatusOr<std::vector<v1::TaskEvent>> Task::DecideExtension(
    const State& s, const Command& c, const DecideContext& ctx,
    const WorkingDayCalendar& cal) const {
  ASSIGN_OR_RETURN(const Principal p, ActorOf(ctx));
  Events events;
  const v1::TaskExtensionRequest* pending = PendingExtension(s);
  if (c.action_case() == Command::kRequestExtension) {
    const v1::RequestTaskExtension& a = c.request_extension();
    RETURN_IF_ERROR(RequireResponsibleUnit(s, p, "request an extension"));
    RETURN_IF_ERROR(RequireOpen(s));
    if (s.due_date().empty()) return absl::FailedPreconditionError(NoDueDateReason(s));
    if (pending != nullptr) {
      return absl::FailedPreconditionError(
          absl::StrCat("extension request #", pending->request_no(), " of task '", s.task_id(),
                       "' is waiting for the supervision office's decision"));
    }
    if (Blank(a.reasons())) return absl::InvalidArgumentError("reasons: required");
    absl::StatusOr<absl::CivilDay> day = engine::ParseDate(a.requested_due_date());
    if (!day.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("requested_due_date: ", day.status().message()));
    }
    if (*day <= *engine::ParseDate(s.due_date())) {
      return absl::InvalidArgumentError(absl::StrCat("requested_due_date: ", a.requested_due_date(),
                                                     " is not after the current due date ",
                                                     s.due_date()));
    }
    v1::TaskExtensionRequested* e = events.emplace_back().mutable_extension_requested();
    e->set_request_no(s.extensions_size() + 1);
    e->set_unit(p.unit);
    e->set_current_due_date(s.due_date());
    e->set_requested_due_date(engine::FormatDate(*day));
    e->set_reasons(a.reasons());
    e->set_requested_at_us(Us(ctx.occurred_at));
    return events;
  }
  const bool grant = c.action_case() == Command::kGrantExtension;
  RETURN_IF_ERROR(RequireOffice(s, p, grant ? "grant an extension" : "refuse an extension"));
  RETURN_IF_ERROR(RequireOpen(s));
  if (pending == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat("task '", s.task_id(), "' has no extension request waiting for a decision"));
  }
  if (!grant) {
    if (Blank(c.refuse_extension().reasons())) {
      return absl::InvalidArgumentError("reasons: required when refusing");
    }
    v1::TaskExtensionRefused* e = events.emplace_back().mutable_extension_refused();
    e->set_request_no(pending->request_no());
    e->set_by(ctx.actor);
    e->set_reasons(c.refuse_extension().reasons());
    return events;
  }
  const v1::GrantTaskExtension& a = c.grant_extension();
  std::string new_due = pending->requested_due_date();
  if (!a.due_date().empty()) {
    absl::StatusOr<absl::CivilDay> day = engine::ParseDate(a.due_date());
    if (!day.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("due_date: ", day.status().message()));
    }
    if (*day <= *engine::ParseDate(s.due_date())) {
      return absl::InvalidArgumentError(absl::StrCat(
          "due_date: ", a.due_date(), " is not after the current due date ", s.due_date()));
    }
    new_due = engine::FormatDate(*day);
  }
  v1::TaskExtensionGranted* e = events.emplace_back().mutable_extension_granted();
  e->set_request_no(pending->request_no());
  e->set_by(ctx.actor);
  e->set_old_due_date(s.due_date());
  e->set_new_due_date(new_due);
  e->set_new_due_at_us(Us(engine::DueInstant(*engine::ParseDate(new_due))));
  e->set_reasons(a.reasons());
  e->set_episode(s.episode() + 1);
  AppendLightChange(s, ctx, cal, &events);
  return events;
}

absl::StatusOr<std::vector<v1::TaskEvent>> Task::DecidePrerequisite(
    const State& s, const v1::PrerequisiteCompleted& c, const DecideContext& ctx,
    const WorkingDayCalendar& cal) const {
  if (s.deadline().kind_case() != v1::TaskDeadline::kAfterTasks) {
    return absl::FailedPreconditionError(
        absl::StrCat("task '", s.task_id(), "' does not wait for other tasks"));
  }
  const v1::TaskPrerequisite* found = nullptr;
  for (const auto& pre : s.prerequisites()) {
    if (pre.task_id() == c.task_id()) found = &pre;
  }
  if (found == nullptr) {
    std::vector<std::string> ids;
    for (const auto& pre : s.prerequisites()) ids.push_back(pre.task_id());
    return absl::InvalidArgumentError(
        absl::StrCat("task_id: '", c.task_id(), "' is not a prerequisite of task '", s.task_id(),
                     "' (it waits for ", absl::StrJoin(ids, ", "), ")"));
  }
  absl::StatusOr<absl::CivilDay> day = engine::ParseDate(c.completed_on());
  if (!day.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("completed_on: ", day.status().message()));
  }
  if (*day > engine::DayOf(ctx.now)) {
    return absl::InvalidArgumentError(
        absl::StrCat("completed_on: ", c.completed_on(), " is in the future"));
  }
  Events events;
  if (found->completed()) {
    if (found->completed_on() == engine::FormatDate(*day)) return events;  // delivered again
    return absl::FailedPreconditionError(absl::StrCat("prerequisite '", c.task_id(),
                                                      "' was already recorded as completed on ",
                                                      found->completed_on()));
  }
  v1::TaskPrerequisiteRecorded* e = events.emplace_back().mutable_prerequisite_recorded();
  e->set_task_id(c.task_id());
  e->set_completed_on(engine::FormatDate(*day));

  absl::CivilDay last = *day;
  for (const auto& pre : s.prerequisites()) {
    if (pre.task_id() == c.task_id()) continue;
    if (!pre.completed()) return events;  // still waiting for another
    last = std::max(last, *engine::ParseDate(pre.completed_on()));
  }
  if (s.status() != v1::TASK_STATUS_OPEN || !s.due_date().empty()) return events;
  ASSIGN_OR_RETURN(v1::ComputedDeadline computed,
                   engine::ComputeDeadline(s.deadline().after_tasks().rule(), last, {}, 0, cal));
  v1::TaskDueDateFixed* fixed = events.emplace_back().mutable_due_date_fixed();
  fixed->set_clock_started_at_us(Us(engine::StartOfDay(last)));
  *fixed->mutable_computed() = std::move(computed);
  AppendLightChange(s, ctx, cal, &events);
  return events;
}

absl::StatusOr<std::vector<v1::TaskEvent>> Task::DecideRecompute(
    const State& s, const DecideContext& ctx, const WorkingDayCalendar& cal) const {
  Events events;
  const v1::ComputedDeadline& old = s.computed();
  // A granted extension is a date the office set, not one the calendar made.
  if (s.status() != v1::TASK_STATUS_OPEN || old.due_date().empty() ||
      !s.extended_due_date().empty()) {
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
  e->set_reason("due date recomputed with the calendar as now loaded");
  AppendLightChange(s, ctx, cal, &events);
  return events;
}

}  // namespace taizhang::workflows
