// Workflow: one aggregate type wired into the Ledger, written once for all.
//
// The Ledger runs several aggregate types (joint-approval case, task, problem,
// project) over one log. What it does with each is the same: an
// AggregateStore that executes its commands (every command admitted by the
// backdating policy), a StreamProjection that keeps every stream's state in
// memory and arms its timers, a Tick when a timer fires, a RecomputeDeadlines
// when the calendar changes, and a state rebuilt as of a position or a time
// for an auditor. That is WorkflowOf<A>, made from the aggregate's
// WorkflowTraits<A>; the Ledger keeps one per registered type in a
// WorkflowSet and reaches them through the type-erased Workflow interface
// (by stream prefix) or, typed, by the aggregate type.
//
// Registering an aggregate type A (see workflow_registry.h for the four):
//
//   template <>
//   struct WorkflowTraits<A> : DefaultWorkflowTraits<A> {
//     static constexpr char kKind[] = "a";          // in messages: "no a 'x'"
//     static constexpr char kPrefix[] = "a/";       // its streams: "a/<id>"
//     static constexpr char kIdField[] = "a_id";    // the id's field in requests
//     // Loads A's policies (INVALID_ARGUMENT naming the file on a bad one).
//     static absl::StatusOr<std::unique_ptr<A>> Load(const LedgerOptions&);
//     static const std::string& Id(const A::State&);           // the stream's id
//     static const std::string& ProjectCode(const A::State&);  // "" when none
//     // Whether a calendar change may move one of its deadlines (only those
//     // streams are sent RecomputeDeadlines when it changes).
//     static bool HasPendingDeadline(const A::State&);
//     // From DefaultWorkflowTraits unless A's differ:
//     static A::Command Tick();                           // a timer fired
//     static A::Command RecomputeDeadlines(uint64_t calendar_version);
//   };
//
// and naming A in RegisteredWorkflows (workflow_registry.h). A::Event must
// have a `deadline_recomputed` case (what a recomputation writes), and A the
// members engine::AggregateStore asks for plus SetCalendar,
// NextWakeup and View(state, now). The services and the command line have
// their own registrations (services/workflow_api.h, the groups of
// services/ledger_cli.cc), for the proto types that only they know.
//
// Thread-safety: a WorkflowOf is made and wired (set_runtime) before the
// runtime starts; after that every method may be called from any thread
// (the store and the projection lock what they share; SetCalendar is the
// aggregate's, which guards its calendar).
#ifndef TAIZHANG_WORKFLOWS_WORKFLOW_H_
#define TAIZHANG_WORKFLOWS_WORKFLOW_H_

#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/clock.h"
#include "base/status_macros.h"
#include "engine/aggregate.h"
#include "engine/calendar.h"
#include "engine/projection.h"
#include "engine/runtime.h"
#include "google/protobuf/any.pb.h"
#include "store/event_log.h"

namespace taizhang::workflows {

struct LedgerOptions {
  // Root of the policy data: calendars/, ladders/, tasks/, investment/.
  std::string policies_dir = "workflows/policies";
  std::string task_policy = "tasks/jinning-2020.textproto";
  std::string project_policy = "investment/points-behind-10-30.textproto";
  std::string project_ladder = "ladders/monthly-lights.textproto";
  // Visit quotas per capacity and the enterprises' rating scale (走访, 评价).
  std::string visit_policy = "visits/default.textproto";
  std::string approval_policies = "approval";  // every *.textproto in it
  // Meeting rhythms and the series policy (every *.textproto in it).
  std::string meeting_policies = "meetings";
  // Take a calendar file whose days differ from the year the log holds as an
  // amendment of that year, instead of refusing to start.
  bool amend_calendars = false;
  // How far back each role may date a fact (补录).
  std::string backdating_policy = "backdating/default.textproto";
  // What photos and documents a report may carry (workflows/attachments.h).
  std::string attachment_policy = "attachments/default.textproto";
  // The assessment rules (考核办法): every *.textproto in it; none: nothing
  // is assessed.
  std::string assessment_policies = "assessment";
  // Checkpoints of the projections (engine/runtime.h), so that a start
  // replays only the events after the latest: one each time this many events
  // have been consumed since the last (0: none while running), and one at
  // stop.
  bool checkpoints = true;
  uint64_t checkpoint_every = 100'000;
};

// A stream's state as an auditor asks for it (Ledger::StateAt).
struct StateAsOf {
  google::protobuf::Any state;  // ApprovalCaseState, TaskState, ...
  google::protobuf::Any view;   // ApprovalCaseView, TaskView, ...
  uint64_t version = 0;         // the stream's version then
  uint64_t position = 0;        // the last event included
  absl::Time as_of;             // the moment the view is judged at
};

// Specialised once per aggregate type (see above); never defined in general.
template <class A>
struct WorkflowTraits;

// What most aggregates' traits share (a specialisation may derive from it):
// the Tick and RecomputeDeadlines actions set and empty.
template <class A>
struct DefaultWorkflowTraits {
  static typename A::Command Tick() {
    typename A::Command c;
    c.mutable_tick();
    return c;
  }
  static typename A::Command RecomputeDeadlines(uint64_t /*calendar_version*/) {
    typename A::Command c;
    c.mutable_recompute_deadlines();
    return c;
  }
};

// What the Ledger does with any of its aggregate types, by stream.
class Workflow {
 public:
  virtual ~Workflow() = default;

  virtual const char* kind() const = 0;    // "case", "task", ...
  virtual const char* prefix() const = 0;  // "case/", "task/", ...
  bool Owns(const std::string& stream) const { return absl::StartsWith(stream, prefix()); }

  // The projection, to be added to the runtime's consumers; owned here.
  virtual engine::LogConsumer& consumer() = 0;
  // The runtime whose scheduler gets the wake-ups; before it starts.
  virtual void set_runtime(engine::Runtime* runtime) = 0;
  virtual void SetCalendar(std::shared_ptr<const engine::WorkingDayCalendar> calendar) = 0;
  // Asks every stream's aggregate again for its next wake-up.
  virtual absl::Status Rearm() = 0;

  // A timer of `stream` fell due.
  virtual absl::Status Tick(const std::string& stream, const engine::CommandMeta& meta) = 0;
  // Sends RecomputeDeadlines to `stream`; returns the deadline-recomputed
  // events it appended.
  virtual absl::StatusOr<int> RecomputeDeadlines(const std::string& stream,
                                                 uint64_t calendar_version,
                                                 const engine::CommandMeta& meta) = 0;
  // The streams with a deadline a calendar change may move.
  virtual std::vector<std::string> PendingStreams() const = 0;
  // Adds every stream's state, as the projection keeps it, to a state
  // digest (engine/state_digest.h).
  virtual void DigestInto(engine::StateDigester& digester) const = 0;
  // `stream` rebuilt from its first event (see Ledger::StateAt).
  virtual absl::StatusOr<StateAsOf> StateAt(const std::string& stream,
                                            std::optional<uint64_t> position,
                                            std::optional<absl::Time> recorded_at) = 0;
};

// The workflow of aggregate type A: its aggregate, store and projection.
template <class A>
class WorkflowOf final : public Workflow {
 public:
  using Aggregate = A;
  using Traits = WorkflowTraits<A>;
  using State = typename A::State;
  using Command = typename A::Command;
  using Store = engine::AggregateStore<A>;
  using Outcome = typename Store::Outcome;
  using Done = typename Store::Done;

  // `log` and `clock` must outlive the workflow.
  WorkflowOf(std::unique_ptr<A> aggregate, store::EventLog& log, Clock& clock,
             engine::StoreOptions options)
      : aggregate_(std::move(aggregate)),
        store_(log, clock, *aggregate_, std::move(options)),
        projection_(Traits::kPrefix, store_,
                    [a = aggregate_.get()](const State& s) { return a->NextWakeup(s); }) {}

  static std::string Stream(const std::string& id) { return absl::StrCat(Traits::kPrefix, id); }

  const A& aggregate() const { return *aggregate_; }
  Store& store() { return store_; }
  const engine::StreamProjection<A>& projection() const { return projection_; }

  absl::StatusOr<Outcome> Execute(const std::string& id, const Command& command,
                                  const engine::CommandMeta& meta) {
    return store_.Execute(Stream(id), command, meta);
  }
  // Without blocking the caller while the events are made durable.
  void ExecuteAsync(const std::string& id, const Command& command, const engine::CommandMeta& meta,
                    Done done) {
    store_.ExecuteAsync(Stream(id), command, meta, std::move(done));
  }
  // The stream's state in the projection, if it has one: the live state,
  // which lacks the history only the full state holds when A compacts its
  // states (engine/projection.h).
  std::optional<State> Get(const std::string& id) const {
    auto loaded = projection_.Get(Stream(id));
    if (!loaded.has_value()) return std::nullopt;
    return std::move(loaded->state);
  }
  // The stream's full state, every report included; nullopt when the stream
  // does not exist. When A compacts, the store's (a kept state, or the latest
  // snapshot and the events after it), which may be ahead of the projection's.
  absl::StatusOr<std::optional<State>> GetFull(const std::string& id) {
    // The projection's state is the full one when A does not compact.
    if constexpr (!engine::StreamProjection<A>::kCompacts) return Get(id);
    ASSIGN_OR_RETURN(auto loaded, store_.Load(Stream(id)));
    if (loaded.version == 0) return std::optional<State>();
    return std::optional<State>(std::move(loaded.state));
  }
  std::vector<State> List() const {
    std::vector<State> out;
    for (auto& loaded : projection_.List()) out.push_back(std::move(loaded.state));
    return out;
  }
  // Calls `fn` on every state without copying it (see
  // StreamProjection::ForEach: `fn` must not call back into this workflow).
  void ForEach(absl::FunctionRef<void(const State&)> fn) const {
    projection_.ForEach([&](const auto& loaded) { fn(loaded.state); });
  }

  // Workflow
  const char* kind() const override { return Traits::kKind; }
  const char* prefix() const override { return Traits::kPrefix; }
  engine::LogConsumer& consumer() override { return projection_; }
  void set_runtime(engine::Runtime* runtime) override { projection_.set_runtime(runtime); }
  void SetCalendar(std::shared_ptr<const engine::WorkingDayCalendar> calendar) override {
    aggregate_->SetCalendar(std::move(calendar));
  }
  absl::Status Rearm() override { return projection_.Rearm(); }

  absl::Status Tick(const std::string& stream, const engine::CommandMeta& meta) override {
    return store_.Execute(stream, Traits::Tick(), meta).status();
  }
  absl::StatusOr<int> RecomputeDeadlines(const std::string& stream, uint64_t calendar_version,
                                         const engine::CommandMeta& meta) override {
    ASSIGN_OR_RETURN(Outcome out,
                     store_.Execute(stream, Traits::RecomputeDeadlines(calendar_version), meta));
    int recomputed = 0;
    for (const auto& e : out.events) recomputed += e.has_deadline_recomputed() ? 1 : 0;
    return recomputed;
  }
  std::vector<std::string> PendingStreams() const override {
    std::vector<std::string> out;
    projection_.ForEach([&](const auto& loaded) {
      if (Traits::HasPendingDeadline(loaded.state)) out.push_back(Stream(Traits::Id(loaded.state)));
    });
    return out;
  }
  void DigestInto(engine::StateDigester& digester) const override {
    projection_.DigestInto(digester);
  }
  absl::StatusOr<StateAsOf> StateAt(const std::string& stream, std::optional<uint64_t> position,
                                    std::optional<absl::Time> recorded_at) override;

 private:
  std::unique_ptr<A> aggregate_;
  Store store_;
  engine::StreamProjection<A> projection_;
};

template <class A>
absl::StatusOr<StateAsOf> WorkflowOf<A>::StateAt(const std::string& stream,
                                                 std::optional<uint64_t> position,
                                                 std::optional<absl::Time> recorded_at) {
  ASSIGN_OR_RETURN(auto loaded,
                   store_.LoadAsOf(stream, {.position = position, .recorded_at = recorded_at}));
  if (loaded.version == 0) {
    return absl::NotFoundError(absl::StrCat("stream '", stream, "' had no events by then"));
  }
  StateAsOf out;
  out.version = loaded.version;
  out.position = loaded.position;
  if (recorded_at.has_value()) {
    out.as_of = *recorded_at;
  } else {
    ASSIGN_OR_RETURN(auto last, store_.log().ReadAll(loaded.position, 1));
    if (last.empty()) {
      return absl::DataLossError(absl::StrCat("position ", loaded.position, " cannot be read"));
    }
    out.as_of = absl::FromUnixMicros(last[0].record.recorded_at_us());
  }
  out.state.PackFrom(loaded.state);
  out.view.PackFrom(aggregate_->View(loaded.state, out.as_of));
  return out;
}

// A list of aggregate types, in the order the Ledger visits them.
template <class... A>
struct WorkflowList {};

// The type in list L for which Key<A> is T (a compile error when none is).
template <class T, template <class> class Key, class L>
struct FindWorkflow;
template <class T, template <class> class Key, class A, class... Rest>
struct FindWorkflow<T, Key, WorkflowList<A, Rest...>>
    : std::conditional_t<std::is_same_v<Key<A>, T>, std::type_identity<A>,
                         FindWorkflow<T, Key, WorkflowList<Rest...>>> {};

// One WorkflowOf per type of the list, typed and as a table.
template <class L>
class WorkflowSet;
template <class... A>
class WorkflowSet<WorkflowList<A...>> {
 public:
  // Loads every type's policies (WorkflowTraits<A>::Load) and makes its store
  // and projection with `options`; the first failure is returned.
  static absl::StatusOr<WorkflowSet> Open(const LedgerOptions& ledger_options, store::EventLog& log,
                                          Clock& clock, const engine::StoreOptions& options) {
    WorkflowSet set;
    absl::Status status;
    auto open = [&](auto& slot) {
      using W = typename std::remove_reference_t<decltype(slot)>::element_type;
      if (!status.ok()) return;
      auto aggregate = WorkflowTraits<typename W::Aggregate>::Load(ledger_options);
      if (!aggregate.ok()) {
        status = aggregate.status();
        return;
      }
      slot = std::make_unique<W>(*std::move(aggregate), log, clock, options);
      set.all_.push_back(slot.get());
    };
    std::apply([&](auto&... slot) { (open(slot), ...); }, set.typed_);
    if (!status.ok()) return status;
    return set;
  }

  template <class B>
  WorkflowOf<B>& of() const {
    return *std::get<std::unique_ptr<WorkflowOf<B>>>(typed_);
  }
  // Every workflow, in the list's order.
  const std::vector<Workflow*>& all() const { return all_; }
  // The workflow whose streams have `stream`'s prefix, or null.
  Workflow* ForStream(const std::string& stream) const {
    for (Workflow* w : all_) {
      if (w->Owns(stream)) return w;
    }
    return nullptr;
  }

 private:
  std::tuple<std::unique_ptr<WorkflowOf<A>>...> typed_;
  std::vector<Workflow*> all_;
};

}  // namespace taizhang::workflows

#endif  // TAIZHANG_WORKFLOWS_WORKFLOW_H_
