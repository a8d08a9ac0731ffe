#include "engine/ladder.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "engine/text_proto.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/text_format.h"

namespace taizhang::engine {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::TextFormat;

// ---------------------------------------------------------------------------
// Validation.

// Finds the line a field of a ladder was written on, when the ladder came
// from text; 0 when unknown.
class Locator {
 public:
  explicit Locator(const TextFormat::ParseInfoTree* tree) : tree_(tree) {}

  // 1-based line of the ladder's field `field`, or 0.
  int LadderLine(absl::string_view field) const {
    if (tree_ == nullptr) return 0;
    return tree_->GetLocation(LadderField(field), -1).line + 1;
  }

  // 1-based line of rung `i`'s field `field` (element `index` if repeated),
  // or of its `nested` field inside it; falls back to the nearest enclosing
  // location found, then 0.
  int RungLine(int i, absl::string_view field = {}, int index = 0,
               absl::string_view nested = {}) const {
    if (tree_ == nullptr) return 0;
    const FieldDescriptor* rung_field = LadderField("rung");
    int line = tree_->GetLocation(rung_field, i).line;
    const TextFormat::ParseInfoTree* rung_tree = tree_->GetTreeForNested(rung_field, i);
    if (rung_tree == nullptr || field.empty()) return line + 1;
    const FieldDescriptor* f = v1::Rung::descriptor()->FindFieldByName(std::string(field));
    if (f == nullptr) return line + 1;
    int f_index = f->is_repeated() ? index : -1;
    // Values written in list syntax ("[A, B]") share one location, recorded
    // for the first; use the nearest value before that has one.
    while (f_index > 0 && rung_tree->GetLocation(f, f_index).line < 0) --f_index;
    line = std::max(line, rung_tree->GetLocation(f, f_index).line);
    if (nested.empty() || f->message_type() == nullptr) return line + 1;
    const TextFormat::ParseInfoTree* f_tree = rung_tree->GetTreeForNested(f, f_index);
    const FieldDescriptor* n = f->message_type()->FindFieldByName(std::string(nested));
    if (f_tree == nullptr || n == nullptr) return line + 1;
    return std::max(line, f_tree->GetLocation(n, -1).line) + 1;
  }

 private:
  static const FieldDescriptor* LadderField(absl::string_view name) {
    return v1::Ladder::descriptor()->FindFieldByName(std::string(name));
  }

  const TextFormat::ParseInfoTree* tree_;
};

// Collects "name[:line]: subject: reason" messages.
class Problems {
 public:
  explicit Problems(const std::string& name) : name_(name) {}

  void Add(int line, absl::string_view subject, absl::string_view reason) {
    std::string where = line > 0 ? absl::StrCat(name_, ":", line) : name_;
    problems_.push_back(absl::StrCat(where, ": ", subject, ": ", reason));
  }

  absl::Status ToStatus() const {
    if (problems_.empty()) return absl::OkStatus();
    return absl::InvalidArgumentError(absl::StrJoin(problems_, "; "));
  }

 private:
  const std::string& name_;
  std::vector<std::string> problems_;
};

bool IsIdChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '.';
}

std::string RungLabel(const v1::Rung& rung, int i) {
  if (rung.id().empty()) return absl::StrCat("rung #", i + 1);
  return absl::StrCat("rung '", rung.id(), "' (#", i + 1, ")");
}

void ValidateTrigger(const v1::Rung& rung, int i,
                     const absl::flat_hash_map<std::string, int>& earlier_ids, const Locator& loc,
                     const std::string& label, Problems& problems) {
  switch (rung.trigger_case()) {
    case v1::Rung::kShareOfLimitUsed: {
      const double share = rung.share_of_limit_used();
      if (!(share > 0 && share <= 1)) {
        problems.Add(loc.RungLine(i, "share_of_limit_used"), label,
                     absl::StrCat("share_of_limit_used is ", share, ", not in (0, 1]"));
      }
      break;
    }
    case v1::Rung::kWorkingDaysBeforeDue:
      if (rung.working_days_before_due() < 0) {
        problems.Add(loc.RungLine(i, "working_days_before_due"), label,
                     absl::StrCat("working_days_before_due is ", rung.working_days_before_due(),
                                  ", must be >= 0"));
      }
      break;
    case v1::Rung::kDaysOverdue:
      if (rung.days_overdue().days() < 0) {
        problems.Add(
            loc.RungLine(i, "days_overdue", 0, "days"), label,
            absl::StrCat("days_overdue.days is ", rung.days_overdue().days(), ", must be >= 0"));
      }
      break;
    case v1::Rung::kPreviousUnanswered: {
      const v1::PreviousUnanswered& p = rung.previous_unanswered();
      const int line = loc.RungLine(i, "previous_unanswered", 0, "rung_id");
      if (p.rung_id().empty()) {
        problems.Add(line, label, "previous_unanswered.rung_id is empty");
      } else if (p.rung_id() == rung.id()) {
        problems.Add(line, label,
                     "previous_unanswered refers to the rung itself, not to an earlier rung");
      } else if (!earlier_ids.contains(p.rung_id())) {
        problems.Add(line, label,
                     absl::StrCat("previous_unanswered refers to '", p.rung_id(),
                                  "', which is not an earlier rung of this ladder"));
      }
      if (p.working_days() < 0) {
        problems.Add(loc.RungLine(i, "previous_unanswered", 0, "working_days"), label,
                     absl::StrCat("previous_unanswered.working_days is ", p.working_days(),
                                  ", must be >= 0"));
      }
      break;
    }
    case v1::Rung::kConsecutiveLights: {
      const v1::ConsecutiveLights& c = rung.consecutive_lights();
      if (c.light() != v1::LIGHT_YELLOW && c.light() != v1::LIGHT_RED) {
        problems.Add(loc.RungLine(i, "consecutive_lights", 0, "light"), label,
                     "consecutive_lights.light must be LIGHT_YELLOW or LIGHT_RED");
      }
      if (c.periods() < 1) {
        problems.Add(loc.RungLine(i, "consecutive_lights", 0, "periods"), label,
                     absl::StrCat("consecutive_lights.periods is ", c.periods(), ", must be >= 1"));
      }
      break;
    }
    case v1::Rung::TRIGGER_NOT_SET:
      problems.Add(loc.RungLine(i), label,
                   "no trigger: set one of share_of_limit_used, working_days_before_due, "
                   "days_overdue, previous_unanswered, consecutive_lights");
      break;
  }
}

void ValidateRung(const v1::Rung& rung, int i, absl::flat_hash_map<std::string, int>& ids,
                  const Locator& loc, Problems& problems) {
  const std::string label = RungLabel(rung, i);
  if (rung.id().empty()) {
    problems.Add(loc.RungLine(i), label, "id is empty");
  } else if (!std::all_of(rung.id().begin(), rung.id().end(), IsIdChar)) {
    problems.Add(loc.RungLine(i, "id"), label,
                 "id may contain only letters, digits, '_', '-' and '.'");
  } else if (auto it = ids.find(rung.id()); it != ids.end()) {
    problems.Add(loc.RungLine(i, "id"), label,
                 absl::StrCat("duplicate id, already used by rung #", it->second + 1));
  }

  ValidateTrigger(rung, i, ids, loc, label, problems);

  if (rung.recipients().empty()) {
    problems.Add(loc.RungLine(i), label, "no recipients: name at least one role");
  }
  for (int r = 0; r < rung.recipients_size(); ++r) {
    const int role = rung.recipients(r);
    if (role == v1::ROLE_UNSPECIFIED || !v1::Role_IsValid(role)) {
      problems.Add(loc.RungLine(i, "recipients", r), label,
                   absl::StrCat("recipient #", r + 1, " is not a role"));
    }
    for (int s = 0; s < r; ++s) {
      if (rung.recipients(s) == role && v1::Role_IsValid(role)) {
        problems.Add(loc.RungLine(i, "recipients", r), label,
                     absl::StrCat("recipient ", v1::Role_Name(role), " is listed twice"));
        break;
      }
    }
  }

  if (rung.issues() == v1::ISSUE_UNSPECIFIED || !v1::Issue_IsValid(rung.issues())) {
    problems.Add(loc.RungLine(i, "issues"), label,
                 "issues is missing: say what the rung issues (e.g. ISSUE_WARNING)");
  }
  if (rung.rectification_working_days() < 0) {
    problems.Add(loc.RungLine(i, "rectification_working_days"), label,
                 absl::StrCat("rectification_working_days is ", rung.rectification_working_days(),
                              ", must be >= 0"));
  } else if (rung.issues() == v1::ISSUE_SUPERVISION_NOTICE &&
             rung.rectification_working_days() == 0) {
    problems.Add(loc.RungLine(i, "issues"), label,
                 "a supervision notice needs a rectification limit: set "
                 "rectification_working_days > 0");
  }
  if (!v1::SlipColour_IsValid(rung.slip_colour())) {
    problems.Add(loc.RungLine(i, "slip_colour"), label, "slip_colour is not a colour");
  }

  if (!rung.id().empty()) ids.emplace(rung.id(), i);  // keeps the first use
}

absl::Status Validate(const v1::Ladder& ladder, const std::string& name, const Locator& loc) {
  Problems problems(name);
  if (ladder.name().empty()) problems.Add(loc.LadderLine("name"), "ladder", "name is empty");
  if (ladder.rung().empty()) problems.Add(0, "ladder", "no rungs: a ladder needs at least one");
  absl::flat_hash_map<std::string, int> ids;  // rungs so far: id -> index
  for (int i = 0; i < ladder.rung_size(); ++i) ValidateRung(ladder.rung(i), i, ids, loc, problems);
  return problems.ToStatus();
}

// ---------------------------------------------------------------------------
// Evaluation.

const absl::TimeZone& China() {
  static const absl::TimeZone* const tz = new absl::TimeZone(absl::FixedTimeZone(8 * 3600));
  return *tz;
}

absl::Time DayStart(absl::CivilDay day) { return absl::FromCivil(day, China()); }
absl::CivilDay CivilDayOf(absl::Time t) { return absl::ToCivilDay(t, China()); }

// The last civil day on which the subject is not yet late.
absl::CivilDay LastDay(absl::Time due) { return CivilDayOf(due - absl::Nanoseconds(1)); }

// 00:00 of the day after the n-th working day after `day`.
absl::Time AfterWorkingDays(absl::CivilDay day, int64_t n, const WorkingDays& wd) {
  return DayStart(wd.AddWorkingDays(day, std::max<int64_t>(n, 0)) + 1);
}

const RaisedRung* FindRaised(const LadderSubject& subject, const std::string& id) {
  for (const RaisedRung& r : subject.raised) {
    if (r.rung_id == id) return &r;
  }
  return nullptr;
}

int Severity(v1::Light light) {
  switch (light) {
    case v1::LIGHT_GREEN:
      return 1;
    case v1::LIGHT_YELLOW:
      return 2;
    case v1::LIGHT_RED:
      return 3;
    default:
      return 0;
  }
}

// For consecutive_lights: judged on the periods closed by `as_of`, the closing
// instant of the period that made the latest run of `light`-or-worse periods
// `periods` long; nullopt if the latest run is shorter.
std::optional<absl::Time> RunReached(const v1::ConsecutiveLights& c,
                                     const std::vector<PeriodLight>& lights, absl::Time as_of) {
  const int need = Severity(c.light());
  if (need == 0 || c.periods() < 1) return std::nullopt;
  int last = static_cast<int>(lights.size()) - 1;
  while (last >= 0 && lights[last].closed_at > as_of) --last;
  int first = last + 1;  // the run is lights[first..last]
  while (first > 0 && Severity(lights[first - 1].light) >= need) --first;
  if (last - first + 1 < c.periods()) return std::nullopt;
  return lights[first + c.periods() - 1].closed_at;
}

// The instant a time-based trigger is met, or nullopt if the subject has no
// limit.
std::optional<absl::Time> LimitInstant(const v1::Rung& rung, const LadderSubject& s,
                                       const WorkingDays& wd) {
  if (!s.due.has_value() || *s.due == absl::InfiniteFuture() || *s.due == absl::InfinitePast()) {
    return std::nullopt;
  }
  const absl::Time due = *s.due;
  const absl::CivilDay last_day = LastDay(due);
  switch (rung.trigger_case()) {
    case v1::Rung::kShareOfLimitUsed: {
      if (s.start == absl::InfinitePast() || s.start == absl::InfiniteFuture()) return std::nullopt;
      double share = rung.share_of_limit_used();
      share = share > 0 ? std::min(share, 1.0) : 0.0;  // also maps NaN to 0
      const absl::CivilDay start_day = CivilDayOf(s.start);
      const int64_t total = wd.CountWorkingDays(start_day, last_day);
      if (total <= 0) return due <= s.start ? due : s.start + (due - s.start) * share;
      // 1e-9 absorbs binary rounding, e.g. 0.7 * 10 = 7.000000000000001.
      const int64_t k = std::clamp<int64_t>(
          static_cast<int64_t>(std::ceil(share * static_cast<double>(total) - 1e-9)), 1, total);
      if (k == total) return due;
      return std::min(AfterWorkingDays(start_day, k, wd), due);  // > start: a later day
    }
    case v1::Rung::kWorkingDaysBeforeDue: {
      const int n = rung.working_days_before_due();
      if (n <= 0) return due;
      return std::max(DayStart(wd.SubtractWorkingDays(last_day + 1, n)), s.start);
    }
    case v1::Rung::kDaysOverdue: {
      const int n = std::max(rung.days_overdue().days(), 0);
      if (n == 0) return due;
      if (rung.days_overdue().calendar_days()) return due + absl::Hours(24) * n;
      return AfterWorkingDays(last_day, n, wd);
    }
    default:
      return std::nullopt;
  }
}

// The instant rung's own trigger is met, judging lights by the periods closed
// by `as_of`; nullopt if it cannot be met on the subject as it is.
std::optional<absl::Time> TriggerInstant(const v1::Rung& rung, const LadderSubject& s,
                                         absl::Time as_of, const WorkingDays& wd) {
  switch (rung.trigger_case()) {
    case v1::Rung::kPreviousUnanswered: {
      const RaisedRung* prev = FindRaised(s, rung.previous_unanswered().rung_id());
      if (prev == nullptr) return std::nullopt;
      return AfterWorkingDays(CivilDayOf(prev->raised_at),
                              rung.previous_unanswered().working_days(), wd);
    }
    case v1::Rung::kConsecutiveLights:
      return RunReached(rung.consecutive_lights(), s.lights, as_of);
    default:
      return LimitInstant(rung, s, wd);
  }
}

bool ResolvedBy(const LadderSubject& s, absl::Time t) { return s.resolved && s.resolved_at <= t; }

// Whether something that happened by `t` keeps `rung` from being due at `t`.
bool BlockedAt(const v1::Rung& rung, const LadderSubject& s, absl::Time t) {
  if (ResolvedBy(s, t)) return true;
  if (rung.trigger_case() == v1::Rung::kPreviousUnanswered) {
    const RaisedRung* prev = FindRaised(s, rung.previous_unanswered().rung_id());
    if (prev != nullptr && prev->answered && prev->answered_at <= t) return true;
  }
  return false;
}

// The earliest t > now at which `rung` (the first not due at `now`) becomes
// due, given `floor`, the instant the previous rung was raised or fell due.
std::optional<absl::Time> FutureInstant(const v1::Rung& rung, const LadderSubject& s,
                                        absl::Time now, absl::Time floor, const WorkingDays& wd) {
  if (rung.trigger_case() == v1::Rung::kConsecutiveLights) {
    // Only a period closing after now can complete the run.
    for (const PeriodLight& p : s.lights) {
      if (p.closed_at <= now) continue;
      std::optional<absl::Time> reached =
          RunReached(rung.consecutive_lights(), s.lights, p.closed_at);
      if (!reached.has_value()) continue;
      const absl::Time t = std::max({*reached, floor, p.closed_at});
      if (BlockedAt(rung, s, t)) return std::nullopt;
      return t;
    }
    return std::nullopt;
  }
  std::optional<absl::Time> own = TriggerInstant(rung, s, now, wd);
  if (!own.has_value()) return std::nullopt;
  const absl::Time t = std::max(*own, floor);
  if (t <= now || BlockedAt(rung, s, t)) return std::nullopt;
  return t;
}

struct Evaluation {
  std::vector<DueRung> due;
  std::optional<absl::Time> next;
};

// One walk up the ladder serves both DueRungs and NextTriggerAt.
Evaluation Evaluate(const v1::Ladder& ladder, const LadderSubject& s, absl::Time now,
                    const WorkingDays& wd) {
  Evaluation ev;
  if (ResolvedBy(s, now)) return ev;
  absl::Time floor = absl::InfinitePast();
  for (int i = 0; i < ladder.rung_size(); ++i) {
    const v1::Rung& rung = ladder.rung(i);
    if (const RaisedRung* raised = FindRaised(s, rung.id()); raised != nullptr) {
      floor = std::max(floor, raised->raised_at);
      continue;
    }
    std::optional<absl::Time> own = TriggerInstant(rung, s, now, wd);
    if (own.has_value()) {
      const absl::Time due_at = std::max(*own, floor);
      if (due_at <= now && !BlockedAt(rung, s, now)) {
        ev.due.push_back(DueRung{i, rung.id(), due_at});
        floor = due_at;
        continue;
      }
    }
    ev.next = FutureInstant(rung, s, now, floor, wd);
    return ev;
  }
  return ev;
}

}  // namespace

absl::StatusOr<v1::Ladder> ParseLadder(const std::string& name, const std::string& text) {
  v1::Ladder ladder;
  absl::Status parsed = ParseTextProto(name, text, &ladder);
  if (!parsed.ok()) return parsed;
  // The text parsed once; parse it again to learn where each field was
  // written, so rule violations can name their line.
  TextFormat::ParseInfoTree tree;
  TextFormat::Parser parser;
  parser.WriteLocationsTo(&tree);
  v1::Ladder located;
  const bool located_ok = parser.ParseFromString(text, &located);
  absl::Status valid = Validate(ladder, name, Locator(located_ok ? &tree : nullptr));
  if (!valid.ok()) return valid;
  return ladder;
}

absl::StatusOr<v1::Ladder> LoadLadder(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open"));
  std::stringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) return absl::NotFoundError(absl::StrCat(path, ": cannot read"));
  return ParseLadder(path, buffer.str());
}

absl::Status ValidateLadder(const v1::Ladder& ladder, const std::string& name) {
  return Validate(ladder, name, Locator(nullptr));
}

std::vector<DueRung> DueRungs(const v1::Ladder& ladder, const LadderSubject& subject,
                              absl::Time now, const WorkingDays& working_days) {
  return Evaluate(ladder, subject, now, working_days).due;
}

std::optional<absl::Time> NextTriggerAt(const v1::Ladder& ladder, const LadderSubject& subject,
                                        absl::Time now, const WorkingDays& working_days) {
  return Evaluate(ladder, subject, now, working_days).next;
}

std::optional<absl::Time> RectificationDue(const v1::Rung& rung, absl::Time raised_at,
                                           const WorkingDays& working_days) {
  if (rung.rectification_working_days() <= 0) return std::nullopt;
  return AfterWorkingDays(CivilDayOf(raised_at), rung.rectification_working_days(), working_days);
}

}  // namespace taizhang::engine
