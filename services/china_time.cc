#include "services/china_time.h"

#include <cctype>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "engine/calendar.h"

namespace taizhang::services {

absl::TimeZone ChinaTime() { return engine::ChinaTime(); }

absl::StatusOr<absl::Time> ParseChinaDateOrTime(const std::string& text, const std::string& what) {
  const std::string& s = text;
  absl::Time t;
  std::string err;
  if (s.size() == 10 && absl::ParseTime("%Y-%m-%d", s, ChinaTime(), &t, &err)) return t;
  if (absl::ParseTime(absl::RFC3339_full, s, &t, &err)) return t;
  return absl::InvalidArgumentError(absl::StrCat(
      what, ": '", s, "' is not a date (YYYY-MM-DD, midnight China time) or an RFC 3339 time"));
}

std::string FormatChina(absl::Time t, bool seconds) {
  return absl::FormatTime(seconds ? "%Y-%m-%d %H:%M:%S" : "%Y-%m-%d %H:%M", t, ChinaTime());
}

absl::StatusOr<absl::Duration> ParseHumanDuration(const std::string& text) {
  auto bad = absl::InvalidArgumentError(
      absl::StrCat("'", text, "' is not a duration; write e.g. 3d, 36h, 1d12h, 90m or 2w"));
  if (text.empty()) return bad;
  absl::Duration total = absl::ZeroDuration();
  std::string rest;  // what absl::ParseDuration handles (h, m, s, ms, ...)
  size_t i = 0;
  while (i < text.size()) {
    size_t j = i;
    while (j < text.size() &&
           (std::isdigit(static_cast<unsigned char>(text[j])) || text[j] == '.')) {
      ++j;
    }
    if (j == i || j == text.size()) return bad;
    size_t k = j;
    while (k < text.size() && std::isalpha(static_cast<unsigned char>(text[k]))) ++k;
    std::string number = text.substr(i, j - i);
    std::string unit = text.substr(j, k - j);
    if (unit == "d" || unit == "w") {
      double n = 0;
      if (!absl::SimpleAtod(number, &n)) return bad;
      total += (unit == "d" ? absl::Hours(24) : absl::Hours(24 * 7)) * n;
    } else {
      rest.append(text.substr(i, k - i));
    }
    i = k;
  }
  if (!rest.empty()) {
    absl::Duration d;
    if (!absl::ParseDuration(rest, &d)) return bad;
    total += d;
  }
  return total;
}

}  // namespace taizhang::services
