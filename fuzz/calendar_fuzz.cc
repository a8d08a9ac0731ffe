// Calendar files (engine/calendar.h) as an operator loads them: any text is
// parsed and checked; a year that passes is added to a calendar and counted
// through, and the counts agree with each other.
#include <algorithm>
#include <filesystem>

#include "absl/time/civil_time.h"
#include "engine/calendar.h"
#include "fuzz/fuzz_target.h"

namespace taizhang::fuzz {
namespace {

std::vector<std::string> CalendarSeeds(const std::string& source_dir) {
  std::vector<std::string> out;
  const std::filesystem::path dir =
      std::filesystem::path(source_dir) / "workflows" / "policies" / "calendars";
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
    out.push_back(ReadSeedFile(entry.path().string()));
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TAIZHANG_FUZZ_TARGET(calendar, CalendarSeeds) {
  auto year = engine::ParseCalendarYear("cn-fuzz.textproto", std::string(AsText(data, size)));
  if (!year.ok()) {
    FUZZ_CHECK(year.status().code() == absl::StatusCode::kInvalidArgument);
    FUZZ_CHECK(!year.status().message().empty());
    return;
  }
  engine::WorkingDayCalendar calendar;
  FUZZ_CHECK(calendar.AddYear(*year, "cn-fuzz.textproto").ok());
  FUZZ_CHECK(!engine::CalendarDigest(*year).empty());
  const absl::CivilDay start(year->year(), 1, 1);
  for (int64_t n : {1, 5, 38, 250}) {
    // Count(a, AddWorkingDays(a, n).day) == n, Count(b, a) == -Count(a, b),
    // and counting back n from there lands on or before where it began.
    const engine::DayResult end = calendar.AddWorkingDays(start, n);
    FUZZ_CHECK(end.day > start);
    FUZZ_CHECK(calendar.CountWorkingDays(start, end.day).count == n);
    FUZZ_CHECK(calendar.CountWorkingDays(end.day, start).count == -n);
    FUZZ_CHECK(calendar.SubtractWorkingDays(end.day, n).day <= start);
    FUZZ_CHECK(calendar.AddWorkingDays(start, -n) == calendar.SubtractWorkingDays(start, n));
  }
}

}  // namespace taizhang::fuzz
