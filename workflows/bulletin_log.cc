#include "workflows/bulletin_log.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "engine/calendar.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "store/sha256.h"
#include "workflows/bulletin.h"
#include "workflows/ledger.h"

namespace taizhang::workflows {

UnitSupervisionFold::UnitSupervisionFold(const v1::Bulletin& bulletin)
    : close_us_(bulletin.closes_at_us()) {
  auto month = ParseMonth(bulletin.month());
  open_us_ = month.ok() ? absl::ToUnixMicros(engine::StartOfDay(absl::CivilDay(*month))) : 0;
}

v1::BulletinUnitSupervision& UnitSupervisionFold::Unit(const std::string& name) {
  auto& u = units_[name];
  u.set_unit(name);
  return u;
}

void UnitSupervisionFold::AddSubject(const SupervisedSubject& s) {
  const absl::Time close = absl::FromUnixMicros(close_us_);
  if (s.due_date.empty() || s.suspended || s.start >= close || s.due_at > close) return;
  if (s.resolved && s.resolved_at < close) return;
  if (s.parties.unit_role() == "enterprise") return;  // an enterprise is not a unit
  for (const std::string& name : s.parties.units()) {
    auto& u = Unit(name);
    if (absl::StartsWith(s.stream, WorkflowTraits<Task>::kPrefix)) {
      u.set_overdue_tasks(u.overdue_tasks() + 1);
    } else if (absl::StartsWith(s.stream, WorkflowTraits<Problem>::kPrefix)) {
      u.set_overdue_problems(u.overdue_problems() + 1);
    } else if (absl::StartsWith(s.id, "item/")) {
      u.set_overdue_case_items(u.overdue_case_items() + 1);
    }
  }
}

void UnitSupervisionFold::AddRungs(
    const google::protobuf::RepeatedPtrField<v1::SupervisionRung>& rungs) {
  for (const auto& r : rungs) {
    const int64_t raised = r.raised().raised_at_us();
    if (raised >= close_us_) continue;
    for (const auto& to : r.raised().recipients()) {
      if (to.role() != v1::ROLE_RESPONSIBLE_UNIT || to.unit().empty()) continue;
      if (r.raised().parties().unit_role() == "enterprise") continue;
      auto& u = Unit(to.unit());
      if (raised >= open_us_) {
        u.set_rungs_in_month(u.rungs_in_month() + 1);
        if (r.raised().issues() == v1::ISSUE_LISTING) {
          u.set_listings_in_month(u.listings_in_month() + 1);
        }
      }
      if (!r.answered() || r.answered_at_us() >= close_us_) u.set_open_rungs(u.open_rungs() + 1);
    }
  }
}

void UnitSupervisionFold::AddLateEntries(const std::vector<LateEntry>& entries) {
  const absl::Time open = absl::FromUnixMicros(open_us_), close = absl::FromUnixMicros(close_us_);
  for (const LateEntry& e : entries) {
    if (e.recorded_at < open || e.recorded_at >= close) continue;
    if (e.unit.empty() || absl::StartsWith(e.actor, "enterprise:")) continue;
    auto& u = Unit(e.unit);
    u.set_late_entries_in_month(u.late_entries_in_month() + 1);
  }
}

void UnitSupervisionFold::FillIn(v1::Bulletin* bulletin) && {
  bulletin->clear_unit_supervision();
  for (auto& [name, u] : units_) *bulletin->add_unit_supervision() = std::move(u);
}

namespace {

// Every stream of aggregate A in the log, folded as the scan goes.
template <class A>
struct Replayed {
  using Store = engine::AggregateStore<A>;
  explicit Replayed(Store& s) : store(s) {}
  bool Owns(const std::string& stream) const {
    return absl::StartsWith(stream, WorkflowTraits<A>::kPrefix);
  }
  absl::Status Apply(const store::RecordedEvent& e) {
    return store.ApplyRecord(e, &states[e.record.stream()]);
  }
  Store& store;
  std::map<std::string, typename Store::Loaded> states;  // by stream, so in id order
};

}  // namespace

absl::StatusOr<v1::Bulletin> BulletinAtPosition(const Ledger& ledger, absl::CivilMonth month,
                                                uint64_t through_position) {
  return BulletinAtPosition(ledger, month, through_position,
                            ledger.project().policy().investment());
}

absl::StatusOr<v1::Bulletin> BulletinAtPosition(const Ledger& ledger, absl::CivilMonth month,
                                                uint64_t through_position,
                                                const v1::InvestmentLightRule& investment_rule) {
  Replayed<ApprovalCase> cases(ledger.workflow<ApprovalCase>().store());
  Replayed<Task> tasks(ledger.workflow<Task>().store());
  Replayed<Problem> problems(ledger.workflow<Problem>().store());
  Replayed<Project> projects(ledger.workflow<Project>().store());
  store::EventLog& log = projects.store.log();
  const uint64_t through = through_position == 0 ? log.HeadPosition() : through_position;
  LateEntries late;
  uint64_t last = 0;
  bool reached = false;
  absl::Status scanned = log.Scan(1, [&](const store::RecordedEvent& e) -> absl::Status {
    if (e.record.position() > through) {
      reached = true;
      return absl::CancelledError("through_position reached");
    }
    last = e.record.position();
    RETURN_IF_ERROR(late.OnEvent(e, true));
    const std::string& stream = e.record.stream();
    if (projects.Owns(stream)) return projects.Apply(e);
    if (tasks.Owns(stream)) return tasks.Apply(e);
    if (problems.Owns(stream)) return problems.Apply(e);
    if (cases.Owns(stream)) return cases.Apply(e);
    return absl::OkStatus();
  });
  if (!scanned.ok() && !reached) return scanned;

  BulletinOptions options;
  options.month = month;
  options.investment_rule = investment_rule;
  BulletinBuilder builder(options);
  for (const auto& [stream, loaded] : projects.states) builder.AddProject(loaded.state);
  builder.set_through_position(last);
  v1::Bulletin bulletin = builder.Build();
  UnitSupervisionFold units(bulletin);
  for (const auto& [stream, loaded] : cases.states) units.Add(ledger.approval_case(), loaded.state);
  for (const auto& [stream, loaded] : tasks.states) units.Add(ledger.task(), loaded.state);
  for (const auto& [stream, loaded] : problems.states) units.Add(ledger.problem(), loaded.state);
  units.AddLateEntries(late.RecordedBetween(absl::InfinitePast(), absl::InfiniteFuture()));
  std::move(units).FillIn(&bulletin);
  return bulletin;
}

std::string BulletinDigest(const v1::Bulletin& bulletin) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream out(&stream);
    out.SetSerializationDeterministic(true);
    bulletin.SerializeToCodedStream(&out);
  }
  return store::ToHex(store::Sha256(bytes));
}

}  // namespace taizhang::workflows
