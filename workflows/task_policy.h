// The task policy (workflows/policies/tasks/*.textproto): the yellow
// thresholds and ladders of tasks and of problems, shared by the task
// aggregate (workflows/task.h) and the problem ledger (workflows/problem.h).
//
// Functions only; they read files and hold no state, and may be called from
// any thread.
#ifndef TAIZHANG_WORKFLOWS_TASK_POLICY_H_
#define TAIZHANG_WORKFLOWS_TASK_POLICY_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "taizhang/v1/ladder.pb.h"
#include "taizhang/v1/task.pb.h"

namespace taizhang::workflows {

// A task policy with the ladders it names, loaded.
struct TaskPolicyFiles {
  v1::TaskPolicy policy;
  v1::Ladder task_ladder;
  v1::Ladder problem_ladder;
};

// Checks a policy's own fields: a name; task_ladder and problem_ladder named
// (letters, digits, '_', '-', '.'); yellow working days >= 0;
// problem_default_limit WORKING_DAYS or CALENDAR_DAYS with n >= 1.
// INVALID_ARGUMENT "name: reason; ..." listing every problem.
absl::Status ValidateTaskPolicy(const v1::TaskPolicy& policy, const std::string& name);

// Parses a policy from text format, validates it ("name:line: reason") and
// loads the ladders it names from `ladders_dir`/<ladder>.textproto (each must
// pass engine::LoadLadder and carry the name it is referred by; errors name the
// policy line and the ladder file). INVALID_ARGUMENT on a bad policy or ladder;
// NOT_FOUND passed through (with the policy line) for a missing ladder file.
absl::StatusOr<TaskPolicyFiles> ParseTaskPolicy(const std::string& name, const std::string& text,
                                                const std::string& ladders_dir);
// Reads `path` and parses it as above; NOT_FOUND when it cannot be read.
absl::StatusOr<TaskPolicyFiles> LoadTaskPolicy(const std::string& path,
                                               const std::string& ladders_dir);

}  // namespace taizhang::workflows

#endif  // TAIZHANG_WORKFLOWS_TASK_POLICY_H_
