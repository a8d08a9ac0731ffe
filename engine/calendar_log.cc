#include "engine/calendar_log.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/status_macros.h"

namespace taizhang::engine {
namespace {

// Events read from the stream per call.
constexpr size_t kReadBatch = 256;

std::string Short(const std::string& digest) { return digest.substr(0, 12); }

}  // namespace

absl::StatusOr<std::unique_ptr<CalendarLog>> CalendarLog::Open(store::EventLog& log) {
  std::unique_ptr<CalendarLog> out(new CalendarLog(log));
  WorkingDayCalendar calendar;
  uint64_t version = 0;
  for (;;) {
    ASSIGN_OR_RETURN(auto batch, log.ReadStream(kCalendarStream, version + 1, kReadBatch));
    for (const store::RecordedEvent& e : batch) {
      const uint64_t position = e.record.position();
      v1::CalendarEvent event;
      if (e.record.type() != kYearLoadedType || !event.ParseFromString(e.record.payload()) ||
          !event.has_year_loaded()) {
        return absl::DataLossError(absl::StrCat("position ", position, ": ", kCalendarStream,
                                                " holds an event that is not a ", kYearLoadedType,
                                                " (", e.record.type(), ")"));
      }
      absl::Status set =
          calendar.SetYear(event.year_loaded().data(), absl::StrCat("position ", position));
      if (!set.ok()) return absl::DataLossError(set.message());
      version = e.record.version();
    }
    if (batch.size() < kReadBatch) break;
  }
  absl::MutexLock l(&out->mu_);
  out->calendar_ = std::make_shared<const WorkingDayCalendar>(std::move(calendar));
  out->version_ = version;
  return out;
}

std::shared_ptr<const WorkingDayCalendar> CalendarLog::calendar() const {
  absl::MutexLock l(&mu_);
  return calendar_;
}

uint64_t CalendarLog::version() const {
  absl::MutexLock l(&mu_);
  return version_;
}

absl::StatusOr<CalendarLog::Loaded> CalendarLog::Load(const v1::CalendarYear& data, bool amend,
                                                      const Source& source) {
  absl::MutexLock l(&mu_);
  return LoadLocked(data, amend, source);
}

absl::StatusOr<CalendarLog::Loaded> CalendarLog::LoadLocked(const v1::CalendarYear& data,
                                                            bool amend, const Source& source) {
  WorkingDayCalendar next = *calendar_;
  RETURN_IF_ERROR(next.SetYear(data, source.origin));
  Loaded out;
  out.year = data.year();
  out.digest = next.Digest(data.year());
  out.previous_digest = calendar_->Digest(data.year());
  out.version = version_;
  if (out.previous_digest == out.digest) {
    out.previous_digest.clear();
    return out;  // the same days: nothing to take into use
  }
  out.amendment = !out.previous_digest.empty();
  if (out.amendment && !amend) {
    return absl::FailedPreconditionError(absl::StrCat(
        source.origin, ": year ", data.year(), " is already in use with other days (version ",
        Short(out.previous_digest), "…, this file ", Short(out.digest),
        "…); deadlines were computed on it, so a change is loaded only as an amendment "
        "(--amend)"));
  }
  v1::CalendarEvent event;
  v1::CalendarYearLoaded* loaded = event.mutable_year_loaded();
  *loaded->mutable_data() = data;
  loaded->set_digest(out.digest);
  loaded->set_amendment(out.amendment);
  loaded->set_previous_digest(out.previous_digest);
  loaded->set_origin(source.origin);
  loaded->set_via(source.via);
  store::AppendRequest request;
  request.stream = kCalendarStream;
  request.expected = store::ExpectedVersion::Exactly(version_);
  request.request_id =
      absl::StrCat("calendar:cn-", data.year(), ":", out.digest, ":after-", version_);
  store::NewEvent e;
  e.type = kYearLoadedType;
  e.payload = event.SerializeAsString();
  e.actor = source.actor;
  request.events.push_back(std::move(e));
  ASSIGN_OR_RETURN(store::AppendResult appended, log_.Append(std::move(request)));
  out.changed = true;
  out.position = appended.last_position;
  out.version = appended.last_version;
  calendar_ = std::make_shared<const WorkingDayCalendar>(std::move(next));
  version_ = appended.last_version;
  return out;
}

absl::StatusOr<std::vector<CalendarLog::Loaded>> CalendarLog::LoadAll(
    const WorkingDayCalendar& files, bool amend, const Source& source) {
  absl::MutexLock l(&mu_);
  if (!amend) {
    std::vector<std::string> differing;
    for (int year : files.Years()) {
      const std::string in_use = calendar_->Digest(year);
      if (!in_use.empty() && in_use != files.Digest(year)) {
        differing.push_back(absl::StrCat("cn-", year, ".textproto (in use ", Short(in_use),
                                         "…, file ", Short(files.Digest(year)), "…)"));
      }
    }
    if (!differing.empty()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "calendar files differ from the calendar the log holds: ", absl::StrJoin(differing, "; "),
          ". Deadlines were computed on the log's version; restore the file, or take it as "
          "an amendment (taizhangd --amend-calendars, or `taizhang calendar load FILE "
          "--amend` on a running server)"));
    }
  }
  std::vector<Loaded> out;
  for (int year : files.Years()) {
    Source one = source;
    one.origin = absl::StrCat("cn-", year, ".textproto");
    ASSIGN_OR_RETURN(Loaded loaded, LoadLocked(*files.YearData(year), amend, one));
    if (loaded.changed) out.push_back(std::move(loaded));
  }
  return out;
}

}  // namespace taizhang::engine
