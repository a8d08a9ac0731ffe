#include "workflows/bulletin_log.h"

#include <map>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "engine/calendar.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "store/sha256.h"
#include "workflows/bulletin.h"
#include "workflows/bulletin_assessment.h"
#include "workflows/bulletin_visits.h"
#include "workflows/campaign.h"
#include "workflows/ledger.h"
#include "workflows/ledger_as_of.h"
#include "workflows/meeting.h"

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

absl::StatusOr<v1::Bulletin> BulletinAtPosition(const Ledger& ledger, absl::CivilMonth month,
                                                uint64_t through_position) {
  return BulletinAtPosition(ledger, month, through_position,
                            ledger.project().policy().investment());
}

absl::StatusOr<v1::Bulletin> BulletinAtPosition(const Ledger& ledger, absl::CivilMonth month,
                                                uint64_t through_position,
                                                const v1::InvestmentLightRule& investment_rule) {
  const std::optional<v1::AssessmentRule> rule = BulletinAssessmentRuleFor(ledger, month);
  return BulletinAtPosition(ledger, month, through_position, investment_rule,
                            rule.has_value() ? &*rule : nullptr);
}

absl::StatusOr<v1::Bulletin> BulletinAtPosition(const Ledger& ledger, absl::CivilMonth month,
                                                uint64_t through_position,
                                                const v1::InvestmentLightRule& investment_rule,
                                                const v1::AssessmentRule* assessment_rule) {
  // One fold of the log through the position (ledger_as_of.h), every stream
  // from its first event, with the late entries (补录) gathered as it goes.
  LateEntries late;
  auto gather_late = [&late](const store::RecordedEvent& e) {
    return late.OnEvent(e, /*replaying=*/true);
  };
  ASSIGN_OR_RETURN(LedgerAsOf at, ReadLedgerThrough(ledger, through_position, gather_late));
  BulletinOptions options;
  options.month = month;
  options.investment_rule = investment_rule;
  BulletinBuilder builder(options);
  for (const v1::ProjectState& s : at.of<Project>()) builder.AddProject(s);
  builder.set_through_position(at.through_position);
  v1::Bulletin bulletin = builder.Build();
  UnitSupervisionFold units(bulletin);
  for (const auto& s : at.of<ApprovalCase>()) units.Add(ledger.approval_case(), s);
  for (const auto& s : at.of<Task>()) units.Add(ledger.task(), s);
  for (const auto& s : at.of<Problem>()) units.Add(ledger.problem(), s);
  units.AddLateEntries(late.RecordedBetween(absl::InfinitePast(), absl::InfiniteFuture()));
  std::move(units).FillIn(&bulletin);
  AddVisitFigures(at.of<Project>(), month, &bulletin);
  FillMeetingFigures(at.of<Meeting>(), at.of<Task>(), &bulletin);
  std::map<std::string, const v1::ProjectState*> projects;
  for (const v1::ProjectState& s : at.of<Project>()) projects.emplace(s.info().code(), &s);
  const absl::Time close = absl::FromUnixMicros(bulletin.closes_at_us());
  FillCampaignFigures(
      at.of<Campaign>(),
      [&](const std::string& campaign_id,
          const std::string& code) -> std::optional<v1::CampaignProjectView> {
        auto it = projects.find(code);
        if (it == projects.end()) return std::nullopt;
        return ledger.project().CampaignStanding(*it->second, campaign_id, close);
      },
      &bulletin);
  if (assessment_rule != nullptr) {
    RETURN_IF_ERROR(
        AddAssessmentRanking(ledger, *assessment_rule, month, at.through_position, &bulletin));
  }
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
