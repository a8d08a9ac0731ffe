// Test support: the project aggregate (项目台账) under the policies shipped in
// workflows/policies (an investment rule, the monthly-lights ladder, the
// calendars), as the tests that run project commands into a real log load
// it. Header-only; for tests only.
#ifndef TAIZHANG_WORKFLOWS_TESTING_SHIPPED_PROJECT_H_
#define TAIZHANG_WORKFLOWS_TESTING_SHIPPED_PROJECT_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "base/testing/files.h"
#include "workflows/project.h"

namespace taizhang::workflows::testing {

// The shipped investment policy the bulletin's tests use by default.
inline constexpr char kDefaultInvestmentPolicy[] = "points-behind-10-30";

// workflows/policies/investment/<policy>.textproto in the source tree.
inline std::string InvestmentPolicyFile(const std::string& policy = kDefaultInvestmentPolicy) {
  return absl::StrCat(::taizhang::testing::PoliciesDir(), "/investment/", policy, ".textproto");
}

// Project::Load of InvestmentPolicyFile(policy), the monthly-lights ladder
// and the shipped calendars; its error as Project::Load gives it.
inline absl::StatusOr<std::unique_ptr<Project>> LoadShippedProject(
    const std::string& policy = kDefaultInvestmentPolicy) {
  const std::string policies = ::taizhang::testing::PoliciesDir();
  return Project::Load(InvestmentPolicyFile(policy), policies + "/ladders/monthly-lights.textproto",
                       policies + "/calendars");
}

}  // namespace taizhang::workflows::testing

#endif  // TAIZHANG_WORKFLOWS_TESTING_SHIPPED_PROJECT_H_
