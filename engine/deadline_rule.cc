#include "engine/deadline_rule.h"

#include <limits>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"

namespace taizhang::engine {

absl::Status ValidateRule(const v1::DeadlineRule& rule) {
  const std::string kind = v1::DeadlineRule::Kind_Name(rule.kind());
  switch (rule.kind()) {
    case v1::DeadlineRule::WORKING_DAYS:
    case v1::DeadlineRule::CALENDAR_DAYS:
      if (rule.n() < 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("deadline rule ", kind, ": n is ", rule.n(), ", must be >= 0"));
      }
      if (!rule.fixed_date().empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat("deadline rule ", kind, ": fixed_date is only for FIXED_DATE"));
      }
      return absl::OkStatus();
    case v1::DeadlineRule::FIXED_DATE: {
      if (rule.n() != 0) {
        return absl::InvalidArgumentError("deadline rule FIXED_DATE: n must not be set");
      }
      absl::StatusOr<absl::CivilDay> day = ParseDate(rule.fixed_date());
      if (!day.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("deadline rule FIXED_DATE: fixed_date ", day.status().message()));
      }
      return absl::OkStatus();
    }
    case v1::DeadlineRule::NONE:
      if (rule.n() != 0 || !rule.fixed_date().empty()) {
        return absl::InvalidArgumentError("deadline rule NONE: n and fixed_date must not be set");
      }
      return absl::OkStatus();
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("deadline rule: kind ", rule.kind(), " is unspecified or unknown"));
  }
}

absl::StatusOr<std::optional<DayResult>> ComputeDue(const v1::DeadlineRule& rule,
                                                    absl::CivilDay start,
                                                    const WorkingDayCalendar& calendar) {
  RETURN_IF_ERROR(ValidateRule(rule));
  switch (rule.kind()) {
    case v1::DeadlineRule::WORKING_DAYS:
      return calendar.AddWorkingDays(start, rule.n());
    case v1::DeadlineRule::CALENDAR_DAYS:
      return calendar.AddCalendarDays(start, rule.n());
    case v1::DeadlineRule::FIXED_DATE:
      return DayResult{*ParseDate(rule.fixed_date()), false};
    default:  // NONE; anything else was refused by ValidateRule.
      return std::nullopt;
  }
}

absl::StatusOr<SuspendedDue> ExtendBySuspension(const DayResult& due, absl::CivilDay suspended_on,
                                                absl::CivilDay resumed_on,
                                                const WorkingDayCalendar& calendar) {
  if (resumed_on < suspended_on) {
    return absl::InvalidArgumentError(absl::StrCat("suspension resumes on ", FormatDate(resumed_on),
                                                   ", before it began on ",
                                                   FormatDate(suspended_on)));
  }
  const CountResult stopped = calendar.CountWorkingDays(suspended_on, resumed_on);
  const DayResult moved = calendar.AddWorkingDays(due.day, stopped.count);
  return SuspendedDue{{moved.day, due.provisional || stopped.provisional || moved.provisional},
                      stopped.count};
}

absl::StatusOr<DayResult> ExtendByWorkingDays(const DayResult& due, int n,
                                              const WorkingDayCalendar& calendar) {
  if (n < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("extension of ", n, " working days; must be >= 0"));
  }
  const DayResult moved = calendar.AddWorkingDays(due.day, n);
  return DayResult{moved.day, due.provisional || moved.provisional};
}

absl::Time DueInstant(absl::CivilDay due) { return StartOfDay(due + 1); }

absl::StatusOr<v1::ComputedDeadline> ComputeDeadline(const v1::DeadlineRule& rule,
                                                     absl::CivilDay start,
                                                     absl::Span<const Suspension> suspensions,
                                                     int extension_working_days,
                                                     const WorkingDayCalendar& calendar) {
  ASSIGN_OR_RETURN(std::optional<DayResult> base, ComputeDue(rule, start, calendar));
  v1::ComputedDeadline out;
  *out.mutable_rule() = rule;
  out.set_start_date(FormatDate(start));
  if (!base.has_value()) return out;

  DayResult due = *base;
  int64_t suspended = 0;
  for (const Suspension& suspension : suspensions) {
    ASSIGN_OR_RETURN(SuspendedDue moved,
                     ExtendBySuspension(due, suspension.from, suspension.to, calendar));
    due = moved.due;
    suspended += moved.suspended_working_days;
  }
  if (suspended > std::numeric_limits<int32_t>::max()) {
    return absl::InvalidArgumentError(
        absl::StrCat("suspensions total ", suspended, " working days; too many"));
  }
  ASSIGN_OR_RETURN(due, ExtendByWorkingDays(due, extension_working_days, calendar));

  out.set_base_due_date(FormatDate(base->day));
  out.set_due_date(FormatDate(due.day));
  out.set_provisional(due.provisional);
  out.set_suspended_working_days(static_cast<int32_t>(suspended));
  out.set_extension_working_days(extension_working_days);
  out.set_due_at_us(absl::ToUnixMicros(DueInstant(due.day)));
  return out;
}

}  // namespace taizhang::engine
