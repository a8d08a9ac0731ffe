// The assessment rule (考核办法) as policy data: every *.textproto of a
// directory (workflows/policies/assessment/) is one AssessmentPolicy
// (proto/taizhang/v1/assessment.proto), checked field by field at load, each
// error naming the file and the line of the field at fault.
//
// What is checked: an id unique across the files and a name; the years
// (2000..2200, to_year 0 or not before from_year; no two rules for one year);
// at least one group, each with a name, a kind, at least one unit, a unit in
// one group only, counts >= 0 and shares 0..100; at least one indicator, ids
// unique (indicators and deductions together), a name, a kind, a weight
// 1..1000, a no-data rule, subject selectors (with a stream prefix) exactly
// for on-time indicators; deductions with a kind, an issue for a rung
// deduction, points > 0 in steps of 0.01, a cap of 0 or at least the points;
// min_score >= 0 and below full marks.
//
// Thread-safety: an AssessmentPolicies is an immutable value once loaded.
#ifndef TAIZHANG_WORKFLOWS_ASSESSMENT_POLICY_H_
#define TAIZHANG_WORKFLOWS_ASSESSMENT_POLICY_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "taizhang/v1/assessment.pb.h"

namespace taizhang::workflows {

class AssessmentPolicies {
 public:
  AssessmentPolicies() = default;
  explicit AssessmentPolicies(std::vector<v1::AssessmentPolicy> policies)
      : policies_(std::move(policies)) {}

  // The rule assessing `year`, or null when none does.
  const v1::AssessmentPolicy* ForYear(int year) const;
  // The rule named `id`, or null.
  const v1::AssessmentPolicy* ById(const std::string& id) const;
  const std::vector<v1::AssessmentPolicy>& all() const { return policies_; }

 private:
  std::vector<v1::AssessmentPolicy> policies_;  // by file name
};

// Parses and checks one file's text; `name` opens every error
// ("name:line: field: reason"). INVALID_ARGUMENT on any error.
absl::StatusOr<v1::AssessmentPolicy> ParseAssessmentPolicy(const std::string& name,
                                                           const std::string& text);

// Every *.textproto in `dir`, by file name; a missing directory is no rule
// at all (nothing is assessed). INVALID_ARGUMENT for a bad file or two rules
// with one id or for one year; NOT_FOUND for an unreadable file.
absl::StatusOr<AssessmentPolicies> LoadAssessmentPolicies(const std::string& dir);

// Points in policy data (95.5) as centi-points (9550), rounded half up.
int64_t ToCenti(double points);

}  // namespace taizhang::workflows

#endif  // TAIZHANG_WORKFLOWS_ASSESSMENT_POLICY_H_
