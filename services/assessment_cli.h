// `taizhang assessment --year 2020 [--as-of 2020-12-31] [--unit X]`: the
// yearly assessment (GetAssessment) as a ranking per group, or one unit's
// score with its breakdown, in Chinese.
#ifndef TAIZHANG_SERVICES_ASSESSMENT_CLI_H_
#define TAIZHANG_SERVICES_ASSESSMENT_CLI_H_

#include <string>

#include "services/cli.h"
#include "taizhang/v1/assessment.pb.h"

namespace taizhang::services {

void AddAssessmentCommand(CLI::App& app, CliContext& ctx);

// The text the command prints for `a` (a ranking; the breakdown of every
// unit that carries one).
std::string AssessmentText(const v1::Assessment& a);

}  // namespace taizhang::services

#endif  // TAIZHANG_SERVICES_ASSESSMENT_CLI_H_
