#include "engine/calendar.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <system_error>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/status_macros.h"
#include "engine/text_proto.h"
#include "google/protobuf/text_format.h"
#include "store/sha256.h"

namespace taizhang::engine {
namespace {

// A Sunday: WeekdayRank counts from the Monday after it.
constexpr absl::CivilDay kRankEpoch(1970, 1, 4);

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// Monday–Friday days in (kRankEpoch, day], negative before the epoch.
int64_t WeekdayRank(absl::CivilDay day) {
  const int64_t k = day - kRankEpoch;
  const int64_t weeks = FloorDiv(k, 7);
  const int64_t rest = k - 7 * weeks;  // 0..6; 1 is a Monday
  return 5 * weeks + std::min<int64_t>(rest, 5);
}

bool IsWeekend(absl::CivilDay day) {
  const absl::Weekday w = absl::GetWeekday(day);
  return w == absl::Weekday::saturday || w == absl::Weekday::sunday;
}

// What is wrong with a CalendarYear, and where: field[index].subfield.
struct Problem {
  std::string field;     // empty: the message as a whole
  int index = -1;        // -1 for a singular field
  std::string subfield;  // empty: the entry as a whole
  std::string message;

  std::string Where() const {
    std::string where = field;
    if (index >= 0) absl::StrAppend(&where, "[", index, "]");
    if (!subfield.empty()) absl::StrAppend(&where, ".", subfield);
    return where;
  }
};

// Parses `text` as a date in `year`; sets *problem and returns nullopt if not.
std::optional<absl::CivilDay> DateInYear(const std::string& text, int year, Problem where,
                                         std::optional<Problem>* problem) {
  absl::StatusOr<absl::CivilDay> day = ParseDate(text);
  if (!day.ok()) {
    where.message = std::string(day.status().message());
    *problem = std::move(where);
    return std::nullopt;
  }
  if (day->year() != year) {
    where.message = absl::StrCat(text, " is not in year ", year);
    *problem = std::move(where);
    return std::nullopt;
  }
  return *day;
}

// Checks a CalendarYear on its own (not against other years). On success
// fills `off` and `work` (by day of year) and returns nullopt.
std::optional<Problem> Validate(const v1::CalendarYear& data, std::bitset<366>* off,
                                std::bitset<366>* work) {
  const int year = data.year();
  if (year < 1 || year > 9999) {
    return Problem{"year", -1, "", absl::StrCat("year ", year, " is not in 1..9999")};
  }
  if (data.region().empty()) return Problem{"region", -1, "", "region is missing"};
  const absl::CivilDay jan1(year, 1, 1);
  std::optional<Problem> problem;
  for (int i = 0; i < data.off_size(); ++i) {
    const v1::OffRange& range = data.off(i);
    auto from = DateInYear(range.from(), year, Problem{"off", i, "from", ""}, &problem);
    if (!from) return problem;
    auto to = DateInYear(range.to(), year, Problem{"off", i, "to", ""}, &problem);
    if (!to) return problem;
    if (*to < *from) {
      return Problem{"off", i, "to",
                     absl::StrCat("to ", range.to(), " is before from ", range.from())};
    }
    for (absl::CivilDay d = *from; d <= *to; ++d) {
      const int doy = static_cast<int>(d - jan1);
      if (off->test(doy)) {
        return Problem{
            "off", i, "",
            absl::StrCat(range.from(), "..", range.to(),
                         range.name().empty() ? "" : absl::StrCat(" (", range.name(), ")"),
                         " overlaps an earlier off range at ", FormatDate(d))};
      }
      off->set(doy);
    }
  }
  for (int i = 0; i < data.work_size(); ++i) {
    const v1::MakeUpWorkingDay& entry = data.work(i);
    auto day = DateInYear(entry.date(), year, Problem{"work", i, "date", ""}, &problem);
    if (!day) return problem;
    const int doy = static_cast<int>(*day - jan1);
    if (!IsWeekend(*day)) {
      return Problem{"work", i, "date",
                     absl::StrCat(entry.date(),
                                  " is not a Saturday or Sunday; only a weekend day can be a "
                                  "make-up working day")};
    }
    if (work->test(doy)) {
      return Problem{"work", i, "date", absl::StrCat(entry.date(), " is listed twice")};
    }
    if (off->test(doy)) {
      return Problem{"work", i, "date", absl::StrCat(entry.date(), " is also inside an off range")};
    }
    work->set(doy);
  }
  return std::nullopt;
}

// "line:col: " of where `problem` is in `text`, or "" if it cannot be found.
// Only used on the error path.
std::string LocateInText(const std::string& text, const Problem& problem) {
  if (problem.field.empty()) return "";
  v1::CalendarYear scratch;
  google::protobuf::TextFormat::Parser parser;
  google::protobuf::TextFormat::ParseInfoTree tree;
  parser.WriteLocationsTo(&tree);
  if (!parser.ParseFromString(text, &scratch)) return "";
  const google::protobuf::Descriptor* descriptor = v1::CalendarYear::descriptor();
  const google::protobuf::FieldDescriptor* field = descriptor->FindFieldByName(problem.field);
  if (field == nullptr) return "";
  google::protobuf::TextFormat::ParseLocation location = tree.GetLocation(field, problem.index);
  if (!problem.subfield.empty() && field->message_type() != nullptr) {
    const google::protobuf::FieldDescriptor* sub =
        field->message_type()->FindFieldByName(problem.subfield);
    google::protobuf::TextFormat::ParseInfoTree* nested =
        tree.GetTreeForNested(field, problem.index);
    if (sub != nullptr && nested != nullptr) {
      google::protobuf::TextFormat::ParseLocation inner = nested->GetLocation(sub, -1);
      if (inner.line >= 0) location = inner;
    }
  }
  if (location.line < 0) return "";
  return absl::StrCat(location.line + 1, ":", location.column + 1, ": ");
}

// The year of a file named cn-YYYY.textproto, or nullopt.
std::optional<int> YearOfFileName(const std::string& name) {
  constexpr absl::string_view kPrefix = "cn-";
  constexpr absl::string_view kSuffix = ".textproto";
  if (name.size() != kPrefix.size() + 4 + kSuffix.size()) return std::nullopt;
  if (!absl::StartsWith(name, kPrefix) || !absl::EndsWith(name, kSuffix)) return std::nullopt;
  const std::string digits = name.substr(kPrefix.size(), 4);
  if (!std::all_of(digits.begin(), digits.end(), absl::ascii_isdigit)) return std::nullopt;
  int year = 0;
  if (!absl::SimpleAtoi(digits, &year) || year < 1) return std::nullopt;
  return year;
}

}  // namespace

absl::TimeZone ChinaTime() { return absl::FixedTimeZone(8 * 3600); }

absl::Time StartOfDay(absl::CivilDay day) { return absl::FromCivil(day, ChinaTime()); }

absl::CivilDay DayOf(absl::Time t) { return absl::ToCivilDay(t, ChinaTime()); }

absl::CivilDay DayOfMicros(int64_t us) { return DayOf(absl::FromUnixMicros(us)); }

absl::StatusOr<absl::CivilDay> ParseDate(absl::string_view text) {
  auto bad = [&](absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat("\"", text, "\" ", why));
  };
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') {
    return bad("is not a date written YYYY-MM-DD");
  }
  for (int i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(text[i]))) {
      return bad("is not a date written YYYY-MM-DD");
    }
  }
  int year = 0, month = 0, day = 0;
  if (!absl::SimpleAtoi(text.substr(0, 4), &year) || !absl::SimpleAtoi(text.substr(5, 2), &month) ||
      !absl::SimpleAtoi(text.substr(8, 2), &day)) {
    return bad("is not a date written YYYY-MM-DD");
  }
  const absl::CivilDay parsed(year, month, day);
  if (year < 1 || parsed.year() != year || parsed.month() != month || parsed.day() != day) {
    return bad("is not a date that exists");
  }
  return parsed;
}

std::string FormatDate(absl::CivilDay day) {
  return absl::StrFormat("%04d-%02d-%02d", day.year(), day.month(), day.day());
}

std::ostream& operator<<(std::ostream& os, const DayResult& result) {
  return os << FormatDate(result.day) << (result.provisional ? " (provisional)" : "");
}

std::ostream& operator<<(std::ostream& os, const CountResult& result) {
  return os << result.count << (result.provisional ? " (provisional)" : "");
}

absl::StatusOr<v1::CalendarYear> ParseCalendarYear(const std::string& name, const std::string& text,
                                                   int expected_year) {
  v1::CalendarYear data;
  RETURN_IF_ERROR(ParseTextProto(name, text, &data));
  std::optional<Problem> problem;
  if (expected_year > 0 && data.year() != expected_year) {
    problem = Problem{"year", -1, "",
                      absl::StrCat("year ", data.year(), " does not match the file name")};
  } else if (data.region() != "cn") {
    problem =
        Problem{"region", -1, "", absl::StrCat("region \"", data.region(), "\" is not \"cn\"")};
  } else {
    std::bitset<366> off, work;
    problem = Validate(data, &off, &work);
  }
  if (problem) {
    std::string where = problem->Where();
    if (!where.empty()) absl::StrAppend(&where, ": ");
    return absl::InvalidArgumentError(
        absl::StrCat(name, ":", LocateInText(text, *problem), where, problem->message));
  }
  return data;
}

std::string CanonicalCalendarText(const v1::CalendarYear& data) {
  std::string out =
      absl::StrCat("taizhang calendar v1\nregion ", data.region(), "\nyear ", data.year(), "\n");
  std::bitset<366> off, work;
  if (Validate(data, &off, &work).has_value()) return out;
  const absl::CivilDay jan1(data.year(), 1, 1);
  const int length = static_cast<int>(absl::CivilDay(data.year() + 1, 1, 1) - jan1);
  for (int i = 0; i < length; ++i) {
    const absl::CivilDay day = jan1 + i;
    if (off.test(i) && !IsWeekend(day)) absl::StrAppend(&out, "off ", FormatDate(day), "\n");
    if (work.test(i)) absl::StrAppend(&out, "work ", FormatDate(day), "\n");
  }
  return out;
}

std::string CalendarDigest(const v1::CalendarYear& data) {
  return store::ToHex(store::Sha256(CanonicalCalendarText(data)));
}

absl::StatusOr<WorkingDayCalendar> WorkingDayCalendar::LoadDirectory(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec) {
    return absl::NotFoundError(
        absl::StrCat(dir, ": cannot list calendar directory: ", ec.message()));
  }
  std::vector<std::pair<int, std::string>> files;  // (year, path)
  for (const fs::directory_entry& entry : it) {
    const std::string name = entry.path().filename().string();
    if (!absl::EndsWith(name, ".textproto") || !absl::StartsWith(name, "cn-")) continue;
    std::optional<int> year = YearOfFileName(name);
    if (!year) {
      return absl::InvalidArgumentError(absl::StrCat(
          entry.path().string(), ": misnamed calendar file; expected cn-YYYY.textproto"));
    }
    files.emplace_back(*year, entry.path().string());
  }
  std::sort(files.begin(), files.end());

  WorkingDayCalendar calendar;
  for (const auto& [file_year, path] : files) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot be read"));
    std::stringstream text;
    text << in.rdbuf();
    ASSIGN_OR_RETURN(v1::CalendarYear data, ParseCalendarYear(path, text.str(), file_year));
    RETURN_IF_ERROR(calendar.AddYear(data, path));
  }
  return calendar;
}

absl::Status WorkingDayCalendar::AddYear(const v1::CalendarYear& data, absl::string_view origin) {
  const std::string prefix = origin.empty() ? absl::StrCat("calendar year ", data.year(), ": ")
                                            : absl::StrCat(origin, ": ");
  std::bitset<366> off, work;
  if (std::optional<Problem> problem = Validate(data, &off, &work)) {
    std::string where = problem->Where();
    if (!where.empty()) absl::StrAppend(&where, ": ");
    return absl::InvalidArgumentError(absl::StrCat(prefix, where, problem->message));
  }
  if (!region_.empty() && data.region() != region_) {
    return absl::InvalidArgumentError(absl::StrCat(
        prefix, "region \"", data.region(), "\" differs from the calendar's \"", region_, "\""));
  }
  if (HasYear(data.year())) {
    return absl::AlreadyExistsError(
        absl::StrCat(prefix, "the calendar already has year ", data.year()));
  }

  Year year;
  year.data = data;
  year.digest = CalendarDigest(data);
  year.first_day = absl::CivilDay(data.year(), 1, 1);
  year.length = static_cast<int>(absl::CivilDay(data.year() + 1, 1, 1) - year.first_day);
  year.prefix[0] = 0;
  for (int i = 0; i < year.length; ++i) {
    const bool working = work.test(i) || (!off.test(i) && !IsWeekend(year.first_day + i));
    year.working.set(i, working);
    year.prefix[i + 1] = year.prefix[i] + (working ? 1 : 0);
  }
  for (int i = year.length + 1; i < static_cast<int>(year.prefix.size()); ++i) {
    year.prefix[i] = year.prefix[year.length];
  }
  years_.emplace(data.year(), std::move(year));
  region_ = data.region();

  // Re-derive every year's offset from the weekday-only rank.
  int64_t adjustment = 0;
  for (auto& [number, y] : years_) {
    y.adjustment_before = adjustment;
    y.rank_before = WeekdayRank(y.first_day - 1) + adjustment;
    const int64_t weekdays =
        WeekdayRank(y.first_day + (y.length - 1)) - WeekdayRank(y.first_day - 1);
    adjustment += y.prefix[y.length] - weekdays;
  }
  total_adjustment_ = adjustment;
  return absl::OkStatus();
}

std::vector<int> WorkingDayCalendar::Years() const {
  std::vector<int> out;
  out.reserve(years_.size());
  for (const auto& [number, year] : years_) out.push_back(number);
  return out;
}

absl::Status WorkingDayCalendar::SetYear(const v1::CalendarYear& data, absl::string_view origin) {
  WorkingDayCalendar next = *this;
  next.years_.erase(data.year());
  if (next.years_.empty()) next.region_.clear();
  RETURN_IF_ERROR(next.AddYear(data, origin));
  *this = std::move(next);
  return absl::OkStatus();
}

std::string WorkingDayCalendar::Digest(int year) const {
  auto it = years_.find(year);
  return it == years_.end() ? "" : it->second.digest;
}

std::string WorkingDayCalendar::VersionOf(absl::CivilDay first, absl::CivilDay last) const {
  if (last < first) std::swap(first, last);
  std::string out;
  for (int64_t y = first.year(); y <= last.year(); ++y) {
    const std::string digest = Digest(static_cast<int>(y));
    absl::StrAppend(&out, out.empty() ? "" : ",", "cn-", y, ":", digest.empty() ? "none" : digest);
  }
  return out;
}

const v1::CalendarYear* WorkingDayCalendar::YearData(int year) const {
  auto it = years_.find(year);
  return it == years_.end() ? nullptr : &it->second.data;
}

bool WorkingDayCalendar::IsWorkingDay(absl::CivilDay day) const {
  auto it = years_.find(static_cast<int>(day.year()));
  if (it == years_.end()) return !IsWeekend(day);
  return it->second.working.test(static_cast<size_t>(day - it->second.first_day));
}

int64_t WorkingDayCalendar::Rank(absl::CivilDay day) const {
  auto it = years_.lower_bound(static_cast<int>(day.year()));
  if (it != years_.end() && it->first == day.year()) {
    const Year& y = it->second;
    return y.rank_before + y.prefix[static_cast<size_t>(day - y.first_day) + 1];
  }
  const int64_t adjustment = it == years_.end() ? total_adjustment_ : it->second.adjustment_before;
  return WeekdayRank(day) + adjustment;
}

absl::CivilDay WorkingDayCalendar::FirstDayWithRank(int64_t target, absl::CivilDay lo,
                                                    absl::CivilDay hi) const {
  while (hi - lo > 1) {
    const absl::CivilDay mid = lo + (hi - lo) / 2;
    if (Rank(mid) >= target) {
      hi = mid;
    } else {
      lo = mid;
    }
  }
  return hi;
}

absl::CivilDay WorkingDayCalendar::SearchForward(int64_t target, absl::CivilDay after) const {
  // Five working days take seven days, give or take a holiday: start with a
  // guess that is nearly always far enough, and double it if not.
  int64_t step = 2 * (target - Rank(after)) + 16;
  absl::CivilDay lo = after;
  absl::CivilDay hi = after + step;
  while (Rank(hi) < target) {
    lo = hi;
    step *= 2;
    hi = lo + step;
  }
  return FirstDayWithRank(target, lo, hi);
}

absl::CivilDay WorkingDayCalendar::SearchBackward(int64_t target, absl::CivilDay at) const {
  int64_t step = 2 * (Rank(at) - target) + 16;
  absl::CivilDay hi = at;
  absl::CivilDay lo = at - step;
  while (Rank(lo) >= target) {
    hi = lo;
    step *= 2;
    lo = hi - step;
  }
  return FirstDayWithRank(target, lo, hi);
}

bool WorkingDayCalendar::TouchesMissingYear(absl::CivilDay first, absl::CivilDay last) const {
  for (int64_t y = first.year(); y <= last.year(); ++y) {
    if (!HasYear(static_cast<int>(y))) return true;
  }
  return false;
}

DayResult WorkingDayCalendar::AddWorkingDays(absl::CivilDay start, int64_t n) const {
  if (n == 0) return {start, false};
  if (n < 0) return SubtractWorkingDays(start, -n);
  const absl::CivilDay day = SearchForward(Rank(start) + n, start);
  return {day, TouchesMissingYear(start + 1, day)};
}

DayResult WorkingDayCalendar::SubtractWorkingDays(absl::CivilDay due, int64_t n) const {
  if (n == 0) return {due, false};
  if (n < 0) return AddWorkingDays(due, -n);
  // The n-th working day before `due` is where the rank, counted back from
  // the day before `due`, has dropped by n - 1.
  const absl::CivilDay before = due - 1;
  const absl::CivilDay day = SearchBackward(Rank(before) - n + 1, before);
  return {day, TouchesMissingYear(day, before)};
}

CountResult WorkingDayCalendar::CountWorkingDays(absl::CivilDay from, absl::CivilDay to) const {
  const absl::CivilDay lo = std::min(from, to);
  const absl::CivilDay hi = std::max(from, to);
  return {Rank(to) - Rank(from), TouchesMissingYear(lo + 1, hi)};
}

DayResult WorkingDayCalendar::AddCalendarDays(absl::CivilDay start, int64_t n) const {
  return NextWorkingDay(start + n);
}

DayResult WorkingDayCalendar::NextWorkingDay(absl::CivilDay day) const {
  if (IsWorkingDay(day)) return {day, TouchesMissingYear(day, day)};
  const absl::CivilDay next = SearchForward(Rank(day) + 1, day);
  return {next, TouchesMissingYear(day, next)};
}

DayResult WorkingDayCalendar::PreviousWorkingDay(absl::CivilDay day) const {
  if (IsWorkingDay(day)) return {day, TouchesMissingYear(day, day)};
  // `day` is off, so Rank(day) was reached on the last working day before it.
  const absl::CivilDay previous = SearchBackward(Rank(day), day);
  return {previous, TouchesMissingYear(previous, day)};
}

}  // namespace taizhang::engine
