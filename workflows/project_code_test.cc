// One project-code rule (workflows/project_code.h), the same wherever a code
// enters: RegisterProject, OpenCase, CreateTask and RaiseProblem accept a code
// with a check letter and refuse a lower-case one, with the field named.
#include "workflows/project_code.h"

#include <cstdlib>
#include <memory>

#include "base/testing/files.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "workflows/approval_case.h"
#include "workflows/principal.h"
#include "workflows/problem.h"
#include "workflows/project.h"
#include "workflows/task.h"
#include "workflows/testing/shipped_project.h"

namespace taizhang::workflows {
namespace {

using ::testing::HasSubstr;

TEST(ProjectCodeTest, TheShapeAndTheCheckCharacter) {
  for (const char* good : {"2020-530115-47-01-012345", "2019-510115-89-01-00001X",
                           "1999-000000-00-00-000000", "2021-110000-52-03-12345A"}) {
    EXPECT_TRUE(CheckProjectCode("project_code", good).ok()) << good;
  }
  for (const char* bad :
       {"", "2020-530115-47-01-01234", "2020-530115-47-01-0123456", "2020_530115-47-01-012345",
        "2020-53011A-47-01-012345", "２020-530115-47-01-012345", "2020-530115-47-01-0123X5",
        "2020-530115-47-01-01234-", "2020-530115-47-01-01234 "}) {
    absl::Status s = CheckProjectCode("info.code", bad);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(s.message(), HasSubstr("info.code: '")) << bad;
  }
  EXPECT_THAT(CheckProjectCode("project_code", "2019-510115-89-01-00001x").message(),
              HasSubstr("X, not x"));
  EXPECT_THAT(CheckProjectCode("project_code", "2020-530115-47-01-01234").message(),
              HasSubstr("23 characters, not 24"));
  EXPECT_EQ(RegionOfProjectCode("2020-530115-47-01-012345"), "530115");
}

std::string Policies() { return ::taizhang::testing::PoliciesDir(); }

engine::DecideContext Ctx(const std::string& stream, const std::string& actor) {
  engine::DecideContext ctx;
  ctx.stream = stream;
  ctx.now = engine::StartOfDay(absl::CivilDay(2020, 7, 1)) + absl::Hours(10);
  ctx.occurred_at = ctx.now;
  ctx.actor = actor;
  return ctx;
}

// Every aggregate that takes a code decides with the one rule.
class ProjectCodeEverywhereTest : public ::testing::TestWithParam<const char*> {};

TEST_P(ProjectCodeEverywhereTest, EachAggregateTakesTheSameCodes) {
  const std::string code = GetParam();
  const bool good = CheckProjectCode("x", code).ok();
  const std::string p = Policies();
  auto expect = [&](const absl::Status& s, const char* field, const char* who) {
    if (good) {
      EXPECT_TRUE(s.ok()) << who << ": " << s;
    } else {
      EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << who;
      EXPECT_THAT(s.message(), HasSubstr(field)) << who;
    }
  };

  auto project = testing::LoadShippedProject();
  ASSERT_TRUE(project.ok());
  v1::ProjectCommand reg;
  v1::ProjectInfo* info = reg.mutable_register_()->mutable_info();
  info->set_code(code);
  info->set_name("项目");
  info->set_level(v1::PROJECT_LEVEL_DISTRICT);
  info->set_owner("业主");
  info->set_total_investment_yuan(100);
  info->set_plan_year(2020);
  info->set_responsible_leader("张副区长");
  info->set_lead_unit("住建局");
  expect((*project)->Decide({}, reg, Ctx(ProjectStream(code), "supervision:督查室")).status(),
         "info.code", "RegisterProject");

  auto approval = ApprovalCase::Load(p + "/approval", p + "/ladders", p + "/calendars");
  ASSERT_TRUE(approval.ok());
  v1::ApprovalCaseCommand open;
  open.mutable_open()->set_project_code(code);
  open.mutable_open()->set_project_name("项目");
  open.mutable_open()->set_owner("企业");
  open.mutable_open()->set_policy("luohe-2018-38-day");
  open.mutable_open()->set_responsible_leader("张副区长");
  expect((*approval)->Decide({}, open, Ctx(CaseStream("c1"), "enterprise:企业")).status(),
         "project_code", "OpenCase");

  auto task = Task::Load(p + "/tasks/jinning-2020.textproto", p + "/ladders", p + "/calendars");
  ASSERT_TRUE(task.ok());
  v1::TaskCommand create;
  create.mutable_create()->set_task_id("t1");
  create.mutable_create()->set_project_code(code);
  create.mutable_create()->set_title("征地");
  create.mutable_create()->add_responsible_units("街道办");
  expect((*task)->Decide({}, create, Ctx(TaskStream("t1"), "supervision:督查室")).status(),
         "project_code", "CreateTask");

  auto problem =
      Problem::Load(p + "/tasks/jinning-2020.textproto", p + "/ladders", p + "/calendars");
  ASSERT_TRUE(problem.ok());
  v1::ProblemCommand raise;
  raise.mutable_raise()->set_problem_id("q1");
  raise.mutable_raise()->set_project_code(code);
  raise.mutable_raise()->set_title("问题");
  raise.mutable_raise()->mutable_source()->set_kind(v1::PROBLEM_SOURCE_KIND_INSPECTION);
  expect((*problem)->Decide({}, raise, Ctx(ProblemStream("q1"), "supervision:督查室")).status(),
         "project_code", "RaiseProblem");
}

INSTANTIATE_TEST_SUITE_P(Codes, ProjectCodeEverywhereTest,
                         ::testing::Values("2020-530115-47-01-012345", "2020-530115-47-01-01234X",
                                           "2020-530115-47-01-01234x", "2020-530115-47-01-0123"));

}  // namespace
}  // namespace taizhang::workflows
