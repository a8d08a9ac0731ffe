#include "workflows/bulletin_assessment.h"

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "base/status_macros.h"
#include "workflows/assessment.h"
#include "workflows/assessment_policy.h"
#include "workflows/ledger.h"
#include "workflows/project.h"

namespace taizhang::workflows {

namespace {
constexpr int kTopDeductions = 3;
}  // namespace

std::optional<v1::AssessmentRule> BulletinAssessmentRuleFor(const Ledger& ledger,
                                                            absl::CivilMonth month) {
  const v1::AssessmentPolicy* policy =
      ledger.assessment_policies().ForYear(static_cast<int>(month.year()));
  if (policy == nullptr) return std::nullopt;
  return AssessmentRuleOf(ledger, *policy);
}

v1::BulletinAssessment BulletinRanking(const v1::Assessment& a) {
  v1::BulletinAssessment out;
  out.set_policy_id(a.policy_id());
  out.set_policy_name(a.policy_name());
  out.set_from(a.from());
  out.set_to(a.to());
  for (const v1::UnitAssessment& u : a.units()) {
    v1::BulletinAssessmentUnit* row = out.add_units();
    row->set_group(u.group());
    row->set_unit(u.unit());
    row->set_rank(u.rank());
    row->set_score_centi(u.score_centi());
    row->set_standing(u.standing());
    row->set_unscored(u.unscored());
    row->set_deducted_centi(u.deducted_centi());
    std::vector<const v1::DeductionScore*> d;
    for (const auto& x : u.deductions()) d.push_back(&x);
    std::stable_sort(d.begin(), d.end(), [](const auto* x, const auto* y) {
      return x->points_centi() > y->points_centi();
    });
    for (size_t i = 0; i < d.size() && i < kTopDeductions; ++i) {
      v1::BulletinAssessmentDeduction* t = row->add_top_deductions();
      t->set_name(d[i]->name());
      t->set_count(d[i]->count());
      t->set_points_centi(d[i]->points_centi());
    }
  }
  return out;
}

absl::Status AddAssessmentRanking(const Ledger& ledger, const v1::AssessmentRule& rule,
                                  absl::CivilMonth month, uint64_t through_position,
                                  v1::Bulletin* bulletin) {
  AssessmentQuery query;
  query.from = absl::CivilDay(absl::CivilYear(month));
  query.to = absl::CivilDay(month + 1) - 1;
  query.through_position = through_position;
  // Judged at the month's end: `now` is not read with a position.
  ASSIGN_OR_RETURN(v1::Assessment a, ComputeAssessment(ledger, rule, query, MonthClose(month)));
  *bulletin->mutable_assessment() = BulletinRanking(a);
  return absl::OkStatus();
}

}  // namespace taizhang::workflows
