// China Standard Time (UTC+8, no daylight saving since 1991): how dates are
// given on the command line and how times are shown to people. A fixed offset,
// so nothing depends on the machine's time zone database.
#ifndef TAIZHANG_SERVICES_CHINA_TIME_H_
#define TAIZHANG_SERVICES_CHINA_TIME_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace taizhang::services {

absl::TimeZone ChinaTime();

// "YYYY-MM-DD" at midnight China time, or an RFC 3339 instant
// ("2025-03-01T09:30:00+08:00"). INVALID_ARGUMENT naming `what` otherwise.
absl::StatusOr<absl::Time> ParseChinaDateOrTime(const std::string& text, const std::string& what);

// "2025-03-01 09:30:00" in China time (seconds dropped when `seconds` is false).
std::string FormatChina(absl::Time t, bool seconds = true);

// A duration as people write it: "3d", "36h", "1d12h", "90m", "2w", or
// anything absl::ParseDuration accepts ("1h30m"). INVALID_ARGUMENT otherwise.
absl::StatusOr<absl::Duration> ParseHumanDuration(const std::string& text);

}  // namespace taizhang::services

#endif  // TAIZHANG_SERVICES_CHINA_TIME_H_
