// Who is acting: the principal behind a command, as carried in an event's
// actor field ("role:unit" or "role:unit:person"), e.g.
//   "department:自然资源局", "enterprise:昆明万达", "supervision:督查室",
//   "leader:张副区长", "auditor:审计局", "admin:ops", "screen:大厅大屏",
//   "system:scheduler".
// The server authenticates callers and builds the principal; the workflows
// check what that principal may do (a department decides only its own items,
// only the supervision office grants extensions, auditors change nothing).
#ifndef TAIZHANG_WORKFLOWS_PRINCIPAL_H_
#define TAIZHANG_WORKFLOWS_PRINCIPAL_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace taizhang::workflows {

enum class Role {
  kDepartment,   // approval department / responsible unit (审批部门, 责任单位)
  kEnterprise,   // project owner, via the service desk
  kSupervision,  // supervision office (督查室, 重点办)
  kLeader,       // responsible leader (分包领导)
  kAuditor,      // 审计, 纪检: reads only
  kAdmin,
  kScreen,  // a public wall screen (大屏): reads the screen page only
  kSystem,  // the engine itself (timers)
};

struct Principal {
  Role role = Role::kSystem;
  std::string unit;    // department / enterprise / office name; empty for system
  std::string person;  // optional

  // "role:unit[:person]".
  std::string ToActor() const;
  bool Is(Role r) const { return role == r; }
};

// Parses an actor string; INVALID_ARGUMENT when it is not one.
absl::StatusOr<Principal> ParseActor(const std::string& actor);

const char* RoleName(Role role);

// The principal for work the engine does on its own (timers firing).
inline constexpr char kSystemActor[] = "system:scheduler";

// OK for the system; PERMISSION_DENIED "only the system (system:scheduler)
// may send <what>; you are <actor>" otherwise.
absl::Status RequireSystem(const Principal& p, absl::string_view what);
// OK for the system or an admin (recomputing deadlines and the like).
absl::Status RequireSystemOrAdmin(const Principal& p, absl::string_view what);

}  // namespace taizhang::workflows

#endif  // TAIZHANG_WORKFLOWS_PRINCIPAL_H_
