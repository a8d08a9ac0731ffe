// The whole ledger as it stood at a moment: every registered workflow's
// states (cases, tasks, problems, projects), rebuilt from the global log, and
// the moment their views are to be judged at.
//
// ReadLedgerAsOf(ledger, end) scans the log from its first record, folds each
// stream's records into its state with AggregateStore<A>::ApplyRecord (as
// BuildBulletinFromLog does for projects, and Ledger::StateAt for one stream),
// and stops before the first record recorded after `end`: the result is a
// prefix of the log, through_position its last record. Snapshots are not used.
// Without `end` it copies the projections' states instead (now), with no
// event applied meanwhile, and through_position is exactly the position they
// had applied (Ledger::ReadProjections).
//
// ReadLedgerThrough(ledger, position, on_record) is the same fold cut at a
// log position instead of a moment (what a published bulletin was computed
// at), with a hook that sees every record folded, of any stream.
//
// Views of a past day's states are the caller's to make (A::View(state,
// as_of)); they use the calendar in use now, as every view does, so a later
// amendment of a holiday is seen in an old day's days left.
//
// It is generic over RegisteredWorkflows (workflow_registry.h): a workflow
// registered there is read here without a change.
//
// Thread-safety: ReadLedgerAsOf may run concurrently with appends (it reads
// up to the head at its start); a LedgerAsOf is a value.
#ifndef TAIZHANG_WORKFLOWS_LEDGER_AS_OF_H_
#define TAIZHANG_WORKFLOWS_LEDGER_AS_OF_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <tuple>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "store/event_log.h"
#include "workflows/ledger.h"
#include "workflows/workflow_registry.h"

namespace taizhang::workflows {

template <class L>
struct StatesOfList;
template <class... A>
struct StatesOfList<WorkflowList<A...>> {
  using type = std::tuple<std::vector<typename A::State>...>;
};

// Move-only: FindProject's index points into `states`.
struct LedgerAsOf {
  LedgerAsOf() = default;
  LedgerAsOf(LedgerAsOf&&) = default;
  LedgerAsOf& operator=(LedgerAsOf&&) = default;
  LedgerAsOf(const LedgerAsOf&) = delete;
  LedgerAsOf& operator=(const LedgerAsOf&) = delete;

  // The moment views are judged at: `end` as asked, or the clock's now.
  absl::Time as_of;
  // The last log position included.
  uint64_t through_position = 0;
  // Every stream's state, one vector per registered workflow, in the
  // order of the streams' names ("task/plot1" before "task/plot5").
  StatesOfList<RegisteredWorkflows>::type states;

  template <class A>
  const std::vector<typename A::State>& of() const {
    return std::get<std::vector<typename A::State>>(states);
  }
  template <class A>
  std::vector<typename A::State>& of() {
    return std::get<std::vector<typename A::State>>(states);
  }
  // The project registered under `code` then, or null.
  const v1::ProjectState* FindProject(const std::string& code) const;
  // Builds the index FindProject uses (ReadLedgerAsOf calls it).
  void IndexProjects();

 private:
  absl::flat_hash_map<std::string, const v1::ProjectState*> project_index_;
};

// Sees each record ReadLedgerThrough (or ReadLedgerAsOf with an end) folds,
// in log order, before its stream's state does; an error stops the read and
// is returned.
using RecordHook = std::function<absl::Status(const store::RecordedEvent&)>;

// The ledger as of `end` (the events recorded at or before it, judged at
// it), or, without `end`, as the projections hold it now (judged at `now`).
// `on_record` (when set) sees every record folded; it is not called without
// `end`. DATA_LOSS / FAILED_PRECONDITION when a record cannot be read or
// decoded; the hook's error as it gave it.
absl::StatusOr<LedgerAsOf> ReadLedgerAsOf(const Ledger& ledger, std::optional<absl::Time> end,
                                          absl::Time now, const RecordHook& on_record = nullptr);

// The ledger as the log stood through position `through` (0: the head at the
// start): every registered workflow's states folded from the log's first
// record through that position, `on_record` (when set) called on every
// record. through_position is the last position folded; as_of is when that
// record was recorded (InfinitePast for an empty log). DATA_LOSS /
// FAILED_PRECONDITION when a record cannot be read or decoded; the hook's
// error as it gave it.
absl::StatusOr<LedgerAsOf> ReadLedgerThrough(const Ledger& ledger, uint64_t through,
                                             const RecordHook& on_record = nullptr);

// The end of China day `day` as the ledgers mean it: its last microsecond
// (23:59:59.999999 China time), so that a limit due that day is not yet
// overdue and an event recorded at 00:00 the next day is not included.
absl::Time EndOfChinaDay(absl::CivilDay day);

}  // namespace taizhang::workflows

#endif  // TAIZHANG_WORKFLOWS_LEDGER_AS_OF_H_
