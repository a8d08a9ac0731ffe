#include "workflows/backdating.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/status_macros.h"
#include "engine/checkpoint_record.h"
#include "engine/text_proto.h"
#include "workflows/principal.h"

namespace taizhang::workflows {
namespace {

constexpr const char* kRoles[] = {"department", "enterprise", "supervision",
                                  "leader",     "admin",      "auditor"};

bool KnownRole(const std::string& role) {
  return std::find(std::begin(kRoles), std::end(kRoles), role) != std::end(kRoles);
}

}  // namespace

absl::Status ValidateBackdatingPolicy(const v1::BackdatingPolicy& policy, const std::string& name) {
  std::vector<std::string> problems;
  if (policy.name().empty()) problems.push_back("name: required");
  std::set<std::string> seen;
  for (int i = 0; i < policy.allow_size(); ++i) {
    const v1::BackdatingAllowance& a = policy.allow(i);
    if (!KnownRole(a.role())) {
      problems.push_back(absl::StrCat("allow[", i, "].role: '", a.role(), "' is not a role (",
                                      absl::StrJoin(kRoles, ", "), ")"));
    } else if (!seen.insert(a.role()).second) {
      problems.push_back(absl::StrCat("allow[", i, "].role: '", a.role(), "' listed twice"));
    }
    if (a.working_days() < 0 || a.working_days() > 250) {
      problems.push_back(
          absl::StrCat("allow[", i, "].working_days: ", a.working_days(), " is not in 0..250"));
    }
  }
  for (int i = 0; i < policy.unbounded_roles_size(); ++i) {
    const std::string& role = policy.unbounded_roles(i);
    if (!KnownRole(role)) {
      problems.push_back(absl::StrCat("unbounded_roles[", i, "]: '", role, "' is not a role"));
    } else if (!seen.insert(role).second) {
      problems.push_back(absl::StrCat("unbounded_roles[", i, "]: '", role, "' listed twice"));
    }
  }
  if (problems.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(name, ": ", absl::StrJoin(problems, "; ")));
}

absl::StatusOr<v1::BackdatingPolicy> LoadBackdatingPolicy(const std::string& path) {
  v1::BackdatingPolicy policy;
  RETURN_IF_ERROR(engine::LoadTextProtoFile(path, &policy));
  RETURN_IF_ERROR(ValidateBackdatingPolicy(policy, path));
  return policy;
}

absl::Status CheckBackdating(const v1::BackdatingPolicy& policy, const std::string& actor,
                             absl::Time occurred, absl::Time now,
                             const engine::WorkingDayCalendar& calendar) {
  const absl::CivilDay day = engine::DayOf(occurred);
  const absl::CivilDay today = engine::DayOf(now);
  if (day >= today) return absl::OkStatus();
  absl::StatusOr<Principal> who = ParseActor(actor);
  if (!who.ok()) return absl::PermissionDeniedError(who.status().message());
  const std::string role = RoleName(who->role);
  for (const std::string& r : policy.unbounded_roles()) {
    if (r == role) return absl::OkStatus();
  }
  int32_t allowed = -1;
  for (const v1::BackdatingAllowance& a : policy.allow()) {
    if (a.role() == role) allowed = a.working_days();
  }
  const int64_t back = calendar.CountWorkingDays(day, today).count;
  if (allowed >= 0 && back <= allowed) return absl::OkStatus();
  std::vector<std::string> unbounded(policy.unbounded_roles().begin(),
                                     policy.unbounded_roles().end());
  return absl::PermissionDeniedError(absl::StrCat(
      "occurred_at: ", engine::FormatDate(day), " is ", back, " working days before today (",
      engine::FormatDate(today), "); ", role,
      allowed > 0 ? absl::StrCat(" may date a fact at most ", allowed, " working days back")
                  : " may not date a fact before today",
      " (backdating policy '", policy.name(), "')",
      unbounded.empty()
          ? ""
          : absl::StrCat("; older records are keyed in by ", absl::StrJoin(unbounded, ", "))));
}

bool IsLateEntry(absl::Time occurred, absl::Time recorded) {
  return engine::DayOf(recorded) > engine::DayOf(occurred);
}

bool IsLateEntry(int64_t occurred_at_us, int64_t recorded_at_us) {
  return IsLateEntry(absl::FromUnixMicros(occurred_at_us), absl::FromUnixMicros(recorded_at_us));
}

absl::Status LateEntries::OnEvent(const store::RecordedEvent& e, bool) {
  const v1::EventRecord& r = e.record;
  if (r.index_in_append() != 0 || !IsLateEntry(r.occurred_at_us(), r.recorded_at_us())) {
    return absl::OkStatus();
  }
  LateEntry entry;
  entry.position = r.position();
  entry.stream = r.stream();
  entry.type = r.type();
  entry.actor = r.actor();
  if (absl::StatusOr<Principal> p = ParseActor(r.actor()); p.ok()) entry.unit = p->unit;
  entry.occurred_at = absl::FromUnixMicros(r.occurred_at_us());
  entry.recorded_at = absl::FromUnixMicros(r.recorded_at_us());
  absl::MutexLock l(&mu_);
  entries_.push_back(std::move(entry));
  return absl::OkStatus();
}

// position | occurred | recorded | stream | type | actor; the unit is the
// actor's, found again.
absl::Status LateEntries::Save(const Emit& emit) const {
  absl::MutexLock l(&mu_);
  for (const LateEntry& e : entries_) {
    engine::RecordWriter w;
    w.U64(e.position)
        .I64(absl::ToUnixMicros(e.occurred_at))
        .I64(absl::ToUnixMicros(e.recorded_at))
        .String(e.stream)
        .String(e.type)
        .String(e.actor);
    RETURN_IF_ERROR(emit(w.bytes()));
  }
  return absl::OkStatus();
}

absl::Status LateEntries::Restore(std::string_view record) {
  engine::RecordReader r(record);
  LateEntry entry;
  int64_t occurred = 0, recorded = 0;
  if (!r.U64(&entry.position) || !r.I64(&occurred) || !r.I64(&recorded) ||
      !r.String(&entry.stream) || !r.String(&entry.type) || !r.String(&entry.actor) || !r.done()) {
    return absl::DataLossError("a checkpoint record of late entries cannot be read");
  }
  entry.occurred_at = absl::FromUnixMicros(occurred);
  entry.recorded_at = absl::FromUnixMicros(recorded);
  if (absl::StatusOr<Principal> p = ParseActor(entry.actor); p.ok()) entry.unit = p->unit;
  absl::MutexLock l(&mu_);
  entries_.push_back(std::move(entry));
  return absl::OkStatus();
}

void LateEntries::Clear() {
  absl::MutexLock l(&mu_);
  entries_.clear();
}

std::vector<LateEntry> LateEntries::RecordedBetween(absl::Time from, absl::Time to) const {
  absl::MutexLock l(&mu_);
  std::vector<LateEntry> out;
  for (const LateEntry& e : entries_) {
    if (e.recorded_at >= from && e.recorded_at < to) out.push_back(e);
  }
  return out;
}

}  // namespace taizhang::workflows
