// Backdating (补录): how far back a principal may date what it keys in, and
// which facts were keyed in late (proto/taizhang/v1/supervision.proto,
// BackdatingPolicy; workflows/policies/backdating/).
//
// Lateness is judged on a command's occurred_at, so the bound is enforced for
// every command before it is decided (the Ledger installs CheckBackdating as
// its stores' admission check): a role may date a fact at most its allowance
// of working days before the day it is recorded; roles the policy leaves
// unbounded (the supervision office, with the paper record) may go further;
// every other role records today only. The system never backdates.
//
// A late entry (补录) is a fact recorded on a later day (China time) than it
// happened: IsLateEntry is the one definition, used by the alert stream, the
// audit reads and the bulletin. LateEntries follows the log and keeps the
// late entries (rare) for the bulletin and the ledgers.
//
// Thread-safety: the functions are pure; LateEntries is safe for concurrent
// reads while the runtime feeds it.
#ifndef TAIZHANG_WORKFLOWS_BACKDATING_H_
#define TAIZHANG_WORKFLOWS_BACKDATING_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "engine/calendar.h"
#include "engine/runtime.h"
#include "taizhang/v1/supervision.pb.h"

namespace taizhang::workflows {

// A name; known roles ("department", "enterprise", "supervision", "leader",
// "admin", "auditor"), each listed once; allowances in 0..250 working days.
// INVALID_ARGUMENT "name: reason; ..." listing every problem.
absl::Status ValidateBackdatingPolicy(const v1::BackdatingPolicy& policy, const std::string& name);

// Reads and validates a policy file ("path:line:col: reason" for a parse
// error); NOT_FOUND when it cannot be read.
absl::StatusOr<v1::BackdatingPolicy> LoadBackdatingPolicy(const std::string& path);

// OK when `actor` may record at `now` a fact that happened at `occurred`.
// PERMISSION_DENIED saying how far back the role may date and who keys in
// older records otherwise.
absl::Status CheckBackdating(const v1::BackdatingPolicy& policy, const std::string& actor,
                             absl::Time occurred, absl::Time now,
                             const engine::WorkingDayCalendar& calendar);

// Whether a fact that happened at `occurred` and was recorded at `recorded`
// is a late entry: recorded on a later civil day in China time.
bool IsLateEntry(absl::Time occurred, absl::Time recorded);
bool IsLateEntry(int64_t occurred_at_us, int64_t recorded_at_us);

// One late entry, as the log recorded it (the first event of its append).
struct LateEntry {
  uint64_t position = 0;
  std::string stream;
  std::string type;
  std::string actor;
  std::string unit;  // the actor's unit
  absl::Time occurred_at;
  absl::Time recorded_at;
};

class LateEntries final : public engine::LogConsumer {
 public:
  absl::Status OnEvent(const store::RecordedEvent& event, bool replaying) override;
  std::string CheckpointName() const override { return "late entries 1"; }
  absl::Status Save(const Emit& emit) const override;
  absl::Status Restore(std::string_view record) override;
  void Clear() override;

  // The late entries recorded in [from, to), in log order.
  std::vector<LateEntry> RecordedBetween(absl::Time from, absl::Time to) const;

 private:
  mutable absl::Mutex mu_;
  std::vector<LateEntry> entries_ ABSL_GUARDED_BY(mu_);
};

}  // namespace taizhang::workflows

#endif  // TAIZHANG_WORKFLOWS_BACKDATING_H_
