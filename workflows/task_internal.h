// Internal to the task (task*.cc): other modules include workflows/task.h
// only.
//
// The task is written in three files along its seams: task.cc (the
// aggregate: construction, Apply, NextWakeup, the supervised subject and the
// view), task_decide.cc (deciding each command) and task_policy.cc (the
// policy shared with the problem ledger). This header holds the small
// helpers they share.
#ifndef TAIZHANG_WORKFLOWS_TASK_INTERNAL_H_
#define TAIZHANG_WORKFLOWS_TASK_INTERNAL_H_

#include <cstdint>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/time/time.h"
#include "taizhang/v1/task.pb.h"

namespace taizhang::workflows::task_internal {

inline absl::Time FromUs(int64_t us) { return absl::FromUnixMicros(us); }
inline int64_t Us(absl::Time t) { return absl::ToUnixMicros(t); }

inline bool Blank(const std::string& s) { return absl::StripAsciiWhitespace(s).empty(); }

// The extension request waiting for the office's decision, if any.
const v1::TaskExtensionRequest* PendingExtension(const v1::TaskState& s);

}  // namespace taizhang::workflows::task_internal

#endif  // TAIZHANG_WORKFLOWS_TASK_INTERNAL_H_
