#include "workflows/principal.h"

#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace taizhang::workflows {
namespace {

struct RoleEntry {
  Role role;
  const char* name;
};
constexpr RoleEntry kRoles[] = {
    {Role::kDepartment, "department"},   {Role::kEnterprise, "enterprise"},
    {Role::kSupervision, "supervision"}, {Role::kLeader, "leader"},
    {Role::kAuditor, "auditor"},         {Role::kAdmin, "admin"},
    {Role::kScreen, "screen"},           {Role::kSystem, "system"},
};

}  // namespace

const char* RoleName(Role role) {
  for (const auto& e : kRoles) {
    if (e.role == role) return e.name;
  }
  return "unknown";
}

std::string Principal::ToActor() const {
  std::string out = absl::StrCat(RoleName(role), ":", unit);
  if (!person.empty()) absl::StrAppend(&out, ":", person);
  return out;
}

absl::StatusOr<Principal> ParseActor(const std::string& actor) {
  std::vector<std::string> parts = absl::StrSplit(actor, absl::MaxSplits(':', 2));
  if (parts.size() < 2 || parts[1].empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("actor '", actor, "': expected role:unit[:person]"));
  }
  for (const auto& e : kRoles) {
    if (parts[0] == e.name) {
      Principal p;
      p.role = e.role;
      p.unit = parts[1];
      if (parts.size() == 3) p.person = parts[2];
      return p;
    }
  }
  return absl::InvalidArgumentError(
      absl::StrCat("actor '", actor, "': unknown role '", parts[0], "'"));
}

absl::Status RequireSystem(const Principal& p, absl::string_view what) {
  if (p.Is(Role::kSystem)) return absl::OkStatus();
  return absl::PermissionDeniedError(absl::StrCat("only the system (", kSystemActor, ") may send ",
                                                  what, "; you are ", p.ToActor()));
}

absl::Status RequireSystemOrAdmin(const Principal& p, absl::string_view what) {
  if (p.Is(Role::kSystem) || p.Is(Role::kAdmin)) return absl::OkStatus();
  return absl::PermissionDeniedError(
      absl::StrCat("only the system or an admin may ", what, "; you are ", p.ToActor()));
}

}  // namespace taizhang::workflows
