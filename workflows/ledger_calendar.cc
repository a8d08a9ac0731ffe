// The ledger's calendar: built from the log at start, changed by
// LoadCalendar, and the recomputations a change calls for (see "The
// calendar" in ledger.h).
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "workflows/ledger.h"
#include "workflows/principal.h"

namespace taizhang::workflows {
namespace {

// Log metadata: the calendar version whose recomputations were all made. Not
// state (replay never reads it): it spares a start the pass over every
// pending stream when nothing changed. Firings recompute first regardless.
constexpr char kRecomputedMeta[] = "calendar-recomputed";

}  // namespace

std::shared_ptr<const engine::WorkingDayCalendar> Ledger::calendar() const {
  absl::MutexLock l(&in_use_mu_);
  return in_use_;
}

uint64_t Ledger::calendar_version() const {
  return calendar_log_ == nullptr ? 0 : calendar_log_->version();
}

void Ledger::UseCalendar(std::shared_ptr<const engine::WorkingDayCalendar> calendar,
                         uint64_t version) {
  for (Workflow* w : workflows_->all()) w->SetCalendar(calendar);
  {
    absl::MutexLock l(&in_use_mu_);
    in_use_ = calendar;
  }
  calendar_in_use_.store(version);
}

absl::Status Ledger::RearmTimers() {
  for (Workflow* w : workflows_->all()) RETURN_IF_ERROR(w->Rearm());
  return absl::OkStatus();
}

absl::StatusOr<CalendarLoadOutcome> Ledger::LoadCalendar(const std::string& name,
                                                         const std::string& text, bool amend,
                                                         const std::string& actor) {
  if (calendar_log_ == nullptr) {
    return absl::FailedPreconditionError("the ledger has not started; load calendars after Start");
  }
  ASSIGN_OR_RETURN(v1::CalendarYear data, engine::ParseCalendarYear(name, text));
  const std::string base = name.substr(name.find_last_of('/') + 1);
  absl::MutexLock l(&calendar_mu_);
  CalendarLoadOutcome out;
  ASSIGN_OR_RETURN(out.loaded, calendar_log_->Load(
                                   data, amend, {.origin = base, .via = "admin", .actor = actor}));
  if (!out.loaded.changed) return out;
  UseCalendar(calendar_log_->calendar(), out.loaded.version);
  // The projections must hold every event decided on the old calendar that is
  // already in the log; one still in flight is caught by its next firing or
  // the next start (both recompute first).
  runtime_->WaitForApplied(log_.HeadPosition());
  ASSIGN_OR_RETURN(out.recomputed, RecomputeDeadlines());
  RETURN_IF_ERROR(log_.PutMeta(kRecomputedMeta, absl::StrCat(out.loaded.version)));
  // Timers whose day moved without a changed deadline (a warning N working
  // days before an unchanged limit), after the recomputed events are applied.
  runtime_->WaitForApplied(log_.HeadPosition());
  RETURN_IF_ERROR(RearmTimers());
  return out;
}

// The request id names the stream and the calendar's version in use (the
// number of calendar events, which grows with every change and never
// repeats), so each stream is recomputed once per calendar, however often the
// server restarts or its timers fire.
absl::StatusOr<int> Ledger::RecomputeStream(const std::string& stream) {
  engine::CommandMeta meta;
  const uint64_t version = calendar_in_use_.load();
  meta.request_id = absl::StrCat("recompute:", stream, ":calendar/", version);
  meta.actor = kSystemActor;
  Workflow* w = workflows_->ForStream(stream);
  if (w == nullptr) return 0;
  return w->RecomputeDeadlines(stream, version, meta);
}

absl::Status Ledger::RecomputeUnlessDone() {
  const std::string version = absl::StrCat(calendar_in_use_.load());
  ASSIGN_OR_RETURN(std::optional<std::string> done, log_.GetMeta(kRecomputedMeta));
  if (done.has_value() && *done == version) return absl::OkStatus();
  RETURN_IF_ERROR(RecomputeDeadlines().status());
  return log_.PutMeta(kRecomputedMeta, version);
}

absl::StatusOr<int> Ledger::RecomputeDeadlines() {
  std::vector<std::string> streams;
  for (const Workflow* w : workflows_->all()) {
    for (std::string& stream : w->PendingStreams()) streams.push_back(std::move(stream));
  }
  int recomputed = 0;
  for (const std::string& stream : streams) {
    ASSIGN_OR_RETURN(int n, RecomputeStream(stream));
    recomputed += n;
  }
  return recomputed;
}

}  // namespace taizhang::workflows
