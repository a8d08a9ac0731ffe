#include "workflows/ledger_as_of.h"

#include <algorithm>
#include <initializer_list>
#include <limits>
#include <string>
#include <tuple>
#include <utility>

#include "absl/strings/match.h"
#include "engine/calendar.h"

namespace taizhang::workflows {
namespace {

template <class L>
struct FoldsOfList;
template <class... A>
struct FoldsOfList<WorkflowList<A...>> {
  // Each workflow's streams, by stream name, as folded so far.
  using type =
      std::tuple<absl::flat_hash_map<std::string, typename engine::AggregateStore<A>::Loaded>...>;
};

store::EventLog& LogOf(const Ledger& ledger) { return ledger.workflow<Project>().store().log(); }

// Where a fold of the log stops: after position `through`, or before the
// first record recorded after `end_us`, whichever comes first.
struct FoldEnd {
  uint64_t through = 0;
  int64_t end_us = std::numeric_limits<int64_t>::max();
};

// Folds the log's records up to `stop` into `folds`, calling `on_record`
// (when set) on each first; returns the last position folded and, in
// `*last_recorded_us`, when it was recorded.
template <class... A>
absl::StatusOr<uint64_t> Fold(const Ledger& ledger, FoldEnd stop, const RecordHook& on_record,
                              typename FoldsOfList<WorkflowList<A...>>::type& folds,
                              int64_t* last_recorded_us) {
  store::EventLog& log = LogOf(ledger);
  uint64_t last = 0;
  bool stopped = false;
  absl::Status scanned = log.Scan(1, [&](const store::RecordedEvent& e) -> absl::Status {
    if (e.record.position() > stop.through || e.record.recorded_at_us() > stop.end_us) {
      stopped = true;
      return absl::CancelledError("end reached");
    }
    last = e.record.position();
    *last_recorded_us = e.record.recorded_at_us();
    if (on_record != nullptr) {
      absl::Status seen = on_record(e);
      if (!seen.ok()) return seen;
    }
    absl::Status applied;
    bool owned = false;
    auto apply = [&](auto& streams, auto& workflow) {
      if (owned || !workflow.Owns(e.record.stream())) return;
      owned = true;
      applied = workflow.store().ApplyRecord(e, &streams[e.record.stream()]);
    };
    std::apply([&](auto&... streams) { (apply(streams, ledger.workflow<A>()), ...); }, folds);
    return applied;
  });
  if (!scanned.ok() && !stopped) return scanned;
  return last;
}

// Moves one workflow's folded states out, by stream name.
template <class Streams, class State>
void MoveStreams(Streams& streams, std::vector<State>& states) {
  std::vector<std::pair<const std::string*, State*>> sorted;
  sorted.reserve(streams.size());
  for (auto& [stream, loaded] : streams) sorted.emplace_back(&stream, &loaded.state);
  std::sort(sorted.begin(), sorted.end(),
            [](const auto& a, const auto& b) { return *a.first < *b.first; });
  states.reserve(sorted.size());
  for (auto& [stream, state] : sorted) states.push_back(std::move(*state));
}

template <class Folds, class States, size_t... I>
void MoveAll(Folds& folds, States& states, std::index_sequence<I...>) {
  (MoveStreams(std::get<I>(folds), std::get<I>(states)), ...);
}

// Folds the log up to `stop` into `out`'s states and through_position;
// returns when the last record folded was recorded (nullopt: none).
template <class... A>
absl::StatusOr<std::optional<int64_t>> FromLog(const Ledger& ledger, FoldEnd stop,
                                               const RecordHook& on_record, LedgerAsOf& out,
                                               WorkflowList<A...>) {
  typename FoldsOfList<WorkflowList<A...>>::type folds;
  int64_t last_recorded_us = 0;
  absl::StatusOr<uint64_t> last = Fold<A...>(ledger, stop, on_record, folds, &last_recorded_us);
  if (!last.ok()) return last.status();
  out.through_position = *last;
  MoveAll(folds, out.states, std::index_sequence_for<A...>{});
  if (*last == 0) return std::optional<int64_t>();
  return std::optional<int64_t>(last_recorded_us);
}

template <class... A>
void FromProjections(const Ledger& ledger, LedgerAsOf& out, WorkflowList<A...>) {
  (void)std::initializer_list<int>{(out.of<A>() = ledger.workflow<A>().List(), 0)...};
}

}  // namespace

const v1::ProjectState* LedgerAsOf::FindProject(const std::string& code) const {
  auto it = project_index_.find(code);
  return it == project_index_.end() ? nullptr : it->second;
}

void LedgerAsOf::IndexProjects() {
  project_index_.clear();
  for (const v1::ProjectState& s : of<Project>()) project_index_[s.info().code()] = &s;
}

absl::StatusOr<LedgerAsOf> ReadLedgerAsOf(const Ledger& ledger, std::optional<absl::Time> end,
                                          absl::Time now, const RecordHook& on_record) {
  LedgerAsOf out;
  if (end.has_value()) {
    out.as_of = *end;
    const FoldEnd stop{.through = LogOf(ledger).HeadPosition(), .end_us = absl::ToUnixMicros(*end)};
    auto read = FromLog(ledger, stop, on_record, out, RegisteredWorkflows{});
    if (!read.ok()) return read.status();
  } else {
    out.as_of = now;
    // No event is applied while the states are copied: they are exactly
    // those of the position returned.
    out.through_position =
        ledger.ReadProjections([&] { FromProjections(ledger, out, RegisteredWorkflows{}); });
  }
  out.IndexProjects();
  return out;
}

absl::StatusOr<LedgerAsOf> ReadLedgerThrough(const Ledger& ledger, uint64_t through,
                                             const RecordHook& on_record) {
  LedgerAsOf out;
  const FoldEnd stop{.through = through == 0 ? LogOf(ledger).HeadPosition() : through};
  auto last_recorded_us = FromLog(ledger, stop, on_record, out, RegisteredWorkflows{});
  if (!last_recorded_us.ok()) return last_recorded_us.status();
  out.as_of = last_recorded_us->has_value() ? absl::FromUnixMicros(**last_recorded_us)
                                            : absl::InfinitePast();
  out.IndexProjects();
  return out;
}

absl::Time EndOfChinaDay(absl::CivilDay day) {
  return absl::FromCivil(day + 1, engine::ChinaTime()) - absl::Microseconds(1);
}

}  // namespace taizhang::workflows
