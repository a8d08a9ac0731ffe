// The aggregate itself: construction, Load, Apply, NextWakeup, the
// supervised subject and the view; the shared helpers of task_internal.h.
#include "workflows/task.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "engine/calendar_working_days.h"
#include "engine/deadline_rule.h"
#include "engine/event_type.h"
#include "engine/ladder.h"
#include "workflows/attachments.h"
#include "workflows/meeting.h"
#include "workflows/task_internal.h"

namespace taizhang::workflows {
namespace task_internal {

const v1::TaskExtensionRequest* PendingExtension(const v1::TaskState& s) {
  for (const auto& r : s.extensions()) {
    if (r.decision() == v1::TaskExtensionRequest::DECISION_PENDING) return &r;
  }
  return nullptr;
}

}  // namespace task_internal

using namespace task_internal;  // NOLINT(build/namespaces): this module's own helpers

namespace {

using engine::DecideContext;
using engine::EventContext;
using engine::WorkingDayCalendar;

// A broken invariant of the program (not of its input): report and stop.
void CheckOk(const absl::Status& status, const char* what) {
  if (status.ok()) return;
  std::fprintf(stderr, "%s: %s\n", what, std::string(status.message()).c_str());
  std::abort();
}

}  // namespace

// ---------------------------------------------------------------------------
// Task.

std::string TaskStream(absl::string_view task_id) { return absl::StrCat("task/", task_id); }

Task::Task(v1::TaskPolicy policy, v1::Ladder task_ladder,
           std::shared_ptr<const WorkingDayCalendar> calendar)
    : policy_(std::move(policy)),
      ladder_(std::move(task_ladder)),
      supervisor_(ladder_, policy_.task_yellow_working_days()),
      calendar_(std::move(calendar), "Task") {
  CheckOk(ValidateTaskPolicy(policy_, policy_.name()), "Task: policy");
  CheckOk(engine::ValidateLadder(supervisor_.ladder(), supervisor_.ladder().name()),
          "Task: ladder");
}

absl::StatusOr<std::unique_ptr<Task>> Task::Load(const std::string& policy_path,
                                                 const std::string& ladders_dir,
                                                 const std::string& calendar_dir) {
  ASSIGN_OR_RETURN(TaskPolicyFiles files, LoadTaskPolicy(policy_path, ladders_dir));
  ASSIGN_OR_RETURN(WorkingDayCalendar cal, WorkingDayCalendar::LoadDirectory(calendar_dir));
  return std::make_unique<Task>(std::move(files.policy), std::move(files.task_ladder),
                                std::make_shared<const WorkingDayCalendar>(std::move(cal)));
}

void Task::SetCalendar(std::shared_ptr<const WorkingDayCalendar> calendar) {
  calendar_.Set(std::move(calendar));
}

std::shared_ptr<const WorkingDayCalendar> Task::calendar() const { return calendar_.Get(); }

void Task::Compact(State* state) const {
  auto* progress = state->mutable_progress();
  if (progress->size() > 1) progress->DeleteSubrange(0, progress->size() - 1);
}

std::vector<std::string> Task::BlobDigests(const Event& event) const {
  if (!event.has_progress_reported()) return {};
  return BlobDigestsOf(event.progress_reported().attachments());
}

std::string Task::EventType(const Event& event) const {
  return engine::EventTypeName("task", event);
}

SupervisedSubject Task::SubjectOf(const State& s) const {
  SupervisedSubject subject;
  subject.stream = TaskStream(s.task_id());
  subject.matter = s.title();
  subject.project_code = s.project_code();
  if (s.has_origin()) subject.origin = MeetingStream(s.origin().meeting_id());
  subject.due_date = s.due_date();
  if (!s.due_date().empty()) subject.due_at = FromUs(s.due_at_us());
  subject.start = FromUs(s.clock_started_at_us());
  subject.resolved = s.status() == v1::TASK_STATUS_COMPLETED;
  if (subject.resolved) subject.resolved_at = FromUs(s.completed_at_us());
  subject.episode = s.episode();
  subject.light = s.light();
  if (s.light_changed_at_us() != 0) subject.light_changed_at = FromUs(s.light_changed_at_us());
  v1::SupervisionParties& parties = subject.parties;
  *parties.mutable_units() = s.responsible_units();
  parties.set_office(s.supervision_office());
  parties.set_leader(s.responsible_leader());
  return subject;
}

void Task::Apply(State* s, const Event& event, const EventContext& ctx) const {
  if (ApplyRungEvent(event, s->mutable_rungs())) return;  // supervision: one fold
  switch (event.event_case()) {
    case Event::kCreated: {
      const v1::TaskCreated& e = event.created();
      s->set_task_id(e.task_id());
      s->set_project_code(e.project_code());
      s->set_title(e.title());
      s->set_description(e.description());
      *s->mutable_responsible_units() = e.responsible_units();
      s->set_supervision_office(e.supervision_office());
      s->set_responsible_leader(e.responsible_leader());
      if (e.has_origin()) *s->mutable_origin() = e.origin();
      *s->mutable_deadline() = e.deadline();
      s->set_status(v1::TASK_STATUS_OPEN);
      s->set_created_at_us(e.created_at_us());
      s->set_clock_started_at_us(e.created_at_us());
      s->set_episode(1);
      if (e.has_computed()) {
        *s->mutable_computed() = e.computed();
        s->set_due_date(e.computed().due_date());
        s->set_due_at_us(e.computed().due_at_us());
        s->set_provisional(e.computed().provisional());
      }
      for (const std::string& id : e.deadline().after_tasks().task_ids()) {
        s->add_prerequisites()->set_task_id(id);
      }
      break;
    }
    case Event::kProgressReported:
      s->set_percent(event.progress_reported().percent());
      *s->add_progress() = event.progress_reported();
      break;
    case Event::kCompleted: {
      const v1::TaskCompleted& e = event.completed();
      s->set_status(v1::TASK_STATUS_COMPLETED);
      s->set_completed_on(e.completed_on());
      s->set_completed_at_us(e.completed_at_us());
      s->set_completed_by(e.unit());
      s->set_completed_late(e.late());
      break;
    }
    case Event::kExtensionRequested: {
      const v1::TaskExtensionRequested& e = event.extension_requested();
      v1::TaskExtensionRequest* r = s->add_extensions();
      r->set_request_no(e.request_no());
      r->set_unit(e.unit());
      r->set_requested_due_date(e.requested_due_date());
      r->set_reasons(e.reasons());
      r->set_requested_at_us(e.requested_at_us());
      break;
    }
    case Event::kExtensionGranted: {
      const v1::TaskExtensionGranted& e = event.extension_granted();
      for (auto& r : *s->mutable_extensions()) {
        if (r.request_no() != e.request_no()) continue;
        r.set_decision(v1::TaskExtensionRequest::DECISION_GRANTED);
        r.set_decided_by(e.by());
        r.set_decision_reasons(e.reasons());
        r.set_granted_due_date(e.new_due_date());
        r.set_decided_at_us(Us(ctx.occurred_at));
      }
      s->set_extended_due_date(e.new_due_date());
      s->set_due_date(e.new_due_date());
      s->set_due_at_us(e.new_due_at_us());
      s->set_provisional(false);
      s->set_episode(e.episode());
      break;
    }
    case Event::kExtensionRefused: {
      const v1::TaskExtensionRefused& e = event.extension_refused();
      for (auto& r : *s->mutable_extensions()) {
        if (r.request_no() != e.request_no()) continue;
        r.set_decision(v1::TaskExtensionRequest::DECISION_REFUSED);
        r.set_decided_by(e.by());
        r.set_decision_reasons(e.reasons());
        r.set_decided_at_us(Us(ctx.occurred_at));
      }
      break;
    }
    case Event::kPrerequisiteRecorded:
      for (auto& pre : *s->mutable_prerequisites()) {
        if (pre.task_id() != event.prerequisite_recorded().task_id()) continue;
        pre.set_completed(true);
        pre.set_completed_on(event.prerequisite_recorded().completed_on());
      }
      break;
    case Event::kDueDateFixed: {
      const v1::TaskDueDateFixed& e = event.due_date_fixed();
      *s->mutable_computed() = e.computed();
      s->set_due_date(e.computed().due_date());
      s->set_due_at_us(e.computed().due_at_us());
      s->set_provisional(e.computed().provisional());
      s->set_clock_started_at_us(e.clock_started_at_us());
      break;
    }
    case Event::kLightChanged:
      s->set_light(event.light_changed().to());
      s->set_light_changed_at_us(event.light_changed().changed_at_us());
      break;
    case Event::kDeadlineRecomputed: {
      const v1::ComputedDeadline& d = event.deadline_recomputed().new_deadline();
      *s->mutable_computed() = d;
      if (s->extended_due_date().empty()) {
        s->set_due_date(d.due_date());
        s->set_due_at_us(d.due_at_us());
        s->set_provisional(d.provisional());
      }
      break;
    }
    default:
      break;  // an event kind from a newer build: nothing this build knows to do
  }
}

std::optional<absl::Time> Task::NextWakeup(const State& s) const {
  if (s.status() != v1::TASK_STATUS_OPEN) return std::nullopt;
  return supervisor_.NextWakeup(SubjectOf(s), s.rungs(), *calendar());
}

std::vector<std::string> Task::PendingPrerequisites(const State& s) {
  std::vector<std::string> out;
  for (const auto& pre : s.prerequisites()) {
    if (!pre.completed()) out.push_back(pre.task_id());
  }
  return out;
}

v1::TaskView Task::View(const State& s, absl::Time now) const {
  const std::shared_ptr<const WorkingDayCalendar> cal = calendar();
  v1::TaskView v;
  v.set_task_id(s.task_id());
  v.set_project_code(s.project_code());
  v.set_title(s.title());
  *v.mutable_responsible_units() = s.responsible_units();
  v.set_status(s.status());
  if (s.has_origin()) *v.mutable_origin() = s.origin();
  const bool has_deadline = s.deadline().kind_case() == v1::TaskDeadline::kAfterTasks ||
                            (s.deadline().kind_case() == v1::TaskDeadline::kRule &&
                             s.deadline().rule().kind() != v1::DeadlineRule::NONE);
  v.set_has_deadline(has_deadline);
  for (const std::string& id : PendingPrerequisites(s)) v.add_waiting_for(id);
  v.set_due_pending(has_deadline && s.due_date().empty());
  v.set_due_date(s.due_date());
  v.set_provisional(s.provisional());
  v.set_percent(s.percent());
  v.set_open_rungs(OpenRungs(s.rungs(), "", s.episode()));
  v.set_extension_pending(PendingExtension(s) != nullptr);
  // Judged at now, or frozen at completion.
  const absl::Time at =
      s.status() == v1::TASK_STATUS_COMPLETED ? std::min(now, FromUs(s.completed_at_us())) : now;
  if (s.status() == v1::TASK_STATUS_UNSPECIFIED) return v;
  if (!v.due_pending()) {
    v.set_working_days_used(std::max<int64_t>(
        0, cal->CountWorkingDays(engine::DayOf(FromUs(s.clock_started_at_us())), engine::DayOf(at))
               .count));
  }
  if (!s.due_date().empty()) {
    v.set_light(supervisor_.LightAt(SubjectOf(s), at, *cal));
    v.set_working_days_left(
        cal->CountWorkingDays(engine::DayOf(at), *engine::ParseDate(s.due_date())).count);
    v.set_overdue(at >= FromUs(s.due_at_us()));
  }
  return v;
}

std::vector<SupervisedSubject> Task::Subjects(const State& s) const {
  if (s.status() == v1::TASK_STATUS_UNSPECIFIED) return {};
  return {SubjectOf(s)};
}

}  // namespace taizhang::workflows
