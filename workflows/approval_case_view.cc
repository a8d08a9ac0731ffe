// What depends on now: the case's and its items' clocks, lights and slips.
#include <algorithm>
#include <string>

#include "workflows/approval_case.h"
#include "workflows/approval_case_internal.h"

namespace taizhang::workflows {
namespace case_internal {

using engine::WorkingDayCalendar;
using v1::CaseClock;

v1::CaseClockView ClockView(const CaseClock& clock, bool running, int yellow, absl::Time now,
                            const WorkingDayCalendar& cal) {
  v1::CaseClockView v;
  const absl::CivilDay start = engine::DayOf(FromUs(clock.start_at_us()));
  const bool ended = clock.ended_at_us() != 0;
  const absl::Time end_at = ended ? FromUs(clock.ended_at_us()) : now;
  const absl::CivilDay end = engine::DayOf(end_at);
  absl::CivilDay due = DueDay(clock);
  int64_t suspended_wd = 0;
  int64_t suspended_cd = 0;
  for (const v1::CaseSuspension& s : clock.suspensions()) {
    suspended_wd += s.working_days();
    absl::StatusOr<absl::CivilDay> from = engine::ParseDate(s.from());
    absl::StatusOr<absl::CivilDay> to = engine::ParseDate(s.to());
    if (from.ok() && to.ok()) suspended_cd += *to - *from;
  }
  if (clock.suspended()) {
    absl::StatusOr<absl::CivilDay> from = engine::ParseDate(clock.suspended_on());
    if (from.ok() && end > *from) {
      const int64_t open = cal.CountWorkingDays(*from, end).count;
      suspended_wd += open;
      suspended_cd += end - *from;
      if (!ended) due = cal.AddWorkingDays(due, open).day;  // as if it resumed today
    }
  }
  v.set_start_date(engine::FormatDate(start));
  v.set_due_date(engine::FormatDate(due));
  v.set_due_at_us(Us(engine::DueInstant(due)));
  v.set_provisional(clock.deadline().provisional());
  v.set_running(running);
  v.set_suspended(clock.suspended() && !ended);
  v.set_ended(ended);
  v.set_working_days_used(static_cast<int32_t>(
      std::max<int64_t>(0, cal.CountWorkingDays(start, end).count - suspended_wd)));
  v.set_working_days_suspended(static_cast<int32_t>(suspended_wd));
  v.set_working_days_left(static_cast<int32_t>(cal.CountWorkingDays(end, due).count));
  v.set_calendar_days_used(
      static_cast<int32_t>(std::max<int64_t>(0, (end - start) - suspended_cd)));
  v.set_calendar_days_suspended(static_cast<int32_t>(suspended_cd));
  v.set_calendar_days_left(static_cast<int32_t>(due - end));
  v.set_overdue(running && now >= DueAt(clock));
  v.set_late(clock.late() || v.overdue());
  if (running) {
    SupervisedSubject limit;
    limit.due_date = clock.deadline().due_date();
    limit.due_at = DueAt(clock);
    limit.start = FromUs(clock.start_at_us());
    static const v1::Ladder* const kNoLadder = new v1::Ladder();
    v.set_light(Supervisor(*kNoLadder, yellow).LightAt(limit, now, cal));
  } else if (ended && clock.late()) {
    v.set_light(v1::LIGHT_RED);
  } else {
    v.set_light(clock.light());
  }
  v.set_extension_working_days(clock.deadline().extension_working_days());
  v.set_episode(clock.episode());
  return v;
}

}  // namespace case_internal

using namespace case_internal;  // NOLINT(build/namespaces): this module's own helpers
using v1::ApprovalItemPolicy;
using v1::CaseItem;

v1::ApprovalCaseView ApprovalCase::View(const State& s, absl::Time now) const {
  v1::ApprovalCaseView v;
  v.set_case_id(s.case_id());
  v.set_project_code(s.project_code());
  v.set_project_name(s.project_name());
  v.set_owner(s.owner());
  v.set_policy(s.policy().name());
  v.set_status(s.status());
  v.set_as_of_us(Us(now));
  if (s.status() == v1::APPROVAL_CASE_STATUS_UNSPECIFIED) return v;
  const std::shared_ptr<const engine::WorkingDayCalendar> cal = calendar();
  const int yellow = s.policy().yellow_working_days();
  *v.mutable_clock() = ClockView(s.clock(), CaseRunning(s), yellow, now, *cal);
  for (const v1::SupervisionRung& r : s.rungs()) {
    if (ItemIdOfSubject(r.raised().subject()).empty()) *v.add_rungs() = r;
  }
  const bool open = s.status() == v1::APPROVAL_CASE_STATUS_OPEN;
  for (const CaseItem& item : s.items()) {
    v1::CaseItemView* iv = v.add_items();
    iv->set_item_id(item.item_id());
    iv->set_name(item.name());
    iv->set_department(item.department());
    iv->set_status(item.status());
    iv->set_round(item.round());
    if (item.round() > 0) {
      *iv->mutable_clock() = ClockView(item.clock(), open && ItemRunning(item), yellow, now, *cal);
    }
    *iv->mutable_missing_documents() = item.missing_documents();
    iv->set_commitment_date(item.commitment_date());
    iv->set_commitment_missed(item.commitment_missed());
    const std::string subject = ItemSubjectId(item.item_id());
    for (const v1::SupervisionRung& r : s.rungs()) {
      if (r.raised().subject() == subject) *iv->add_rungs() = r;
    }
    bool can_submit = open && item.status() == v1::APPROVAL_ITEM_STATUS_NOT_SUBMITTED;
    if (const ApprovalItemPolicy* p = FindItemPolicy(s.policy(), item.item_id()); p != nullptr) {
      for (const std::string& dep : p->depends_on()) {
        for (const CaseItem& other : s.items()) {
          if (other.item_id() == dep && !IsApproved(other)) can_submit = false;
        }
      }
    }
    iv->set_can_submit(can_submit);
  }
  return v;
}

}  // namespace taizhang::workflows
