#include "workflows/backdating.h"

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "workflows/alerts.h"
#include "workflows/ledger.h"
#include "workflows/testing/ledger_fixture.h"

namespace taizhang::workflows {
namespace {

using ::testing::HasSubstr;

using ::taizhang::testing::PoliciesDir;

absl::Time At(int y, int m, int d, int h = 10) {
  return absl::FromCivil(absl::CivilHour(y, m, d, h), engine::ChinaTime());
}

class BackdatingPolicyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto policy = LoadBackdatingPolicy(PoliciesDir() + "/backdating/default.textproto");
    ASSERT_TRUE(policy.ok()) << policy.status();
    policy_ = *policy;
    auto cal = engine::WorkingDayCalendar::LoadDirectory(PoliciesDir() + "/calendars");
    ASSERT_TRUE(cal.ok()) << cal.status();
    calendar_ = std::move(*cal);
  }
  absl::StatusCode Check(const std::string& actor, absl::Time occurred, absl::Time now) {
    return CheckBackdating(policy_, actor, occurred, now, calendar_).code();
  }
  v1::BackdatingPolicy policy_;
  engine::WorkingDayCalendar calendar_;
};

TEST_F(BackdatingPolicyTest, EachRoleDatesWithinItsWorkingDays) {
  const absl::Time monday = At(2020, 7, 13, 9);
  // 8, 9, 10 July... : in (8 July, 13 July] are the 9th, 10th and 13th.
  EXPECT_EQ(Check("department:市规划局", At(2020, 7, 8), monday), absl::StatusCode::kOk);
  EXPECT_EQ(Check("department:市规划局", At(2020, 7, 7, 23), monday),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Check("enterprise:吾悦公司", At(2020, 7, 8), monday), absl::StatusCode::kOk);
  // Earlier today is always fine; a leader or an admin dates nothing before.
  EXPECT_EQ(Check("leader:张副区长", At(2020, 7, 13, 1), monday), absl::StatusCode::kOk);
  EXPECT_EQ(Check("leader:张副区长", At(2020, 7, 10), monday), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Check("admin:ops", At(2020, 7, 12), monday), absl::StatusCode::kPermissionDenied);
  // The office keys in old paper records.
  EXPECT_EQ(Check("supervision:督查室", At(2019, 1, 2), monday), absl::StatusCode::kOk);
  EXPECT_EQ(Check("nobody", At(2020, 7, 10), monday), absl::StatusCode::kPermissionDenied);
}

TEST_F(BackdatingPolicyTest, HolidaysDoNotCountAgainstTheBound) {
  // Friday 9 October 2020, after National Day (1–8 October off): 30
  // September is one working day back.
  EXPECT_EQ(Check("department:市规划局", At(2020, 9, 30, 16), At(2020, 10, 9, 9)),
            absl::StatusCode::kOk);
  // Saturday 10 October is a make-up working day: 28 September is then
  // 29, 30 September, 9 and 10 October = 4 back.
  absl::Status s = CheckBackdating(policy_, "department:市规划局", At(2020, 9, 28),
                                   At(2020, 10, 10, 9), calendar_);
  EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(s.message(), HasSubstr("4 working days before today"));
  EXPECT_THAT(s.message(), HasSubstr("at most 3 working days back"));
  EXPECT_THAT(s.message(), HasSubstr("keyed in by supervision"));
}

TEST_F(BackdatingPolicyTest, ABadPolicyIsRefusedNamingEachProblem) {
  v1::BackdatingPolicy bad;
  bad.add_allow()->set_role("system");
  auto* a = bad.add_allow();
  a->set_role("department");
  a->set_working_days(-1);
  bad.add_unbounded_roles("department");
  absl::Status s = ValidateBackdatingPolicy(bad, "bad.textproto");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("name: required"));
  EXPECT_THAT(s.message(), HasSubstr("'system' is not a role"));
  EXPECT_THAT(s.message(), HasSubstr("allow[1].working_days: -1"));
  EXPECT_THAT(s.message(), HasSubstr("unbounded_roles[0]: 'department' listed twice"));
}

TEST(LateEntryTest, ALateEntryIsRecordedOnALaterDayInChinaTime) {
  EXPECT_FALSE(IsLateEntry(At(2020, 7, 13, 1), At(2020, 7, 13, 23)));
  EXPECT_TRUE(IsLateEntry(At(2020, 7, 12, 23), At(2020, 7, 13, 0)));
  // 23:30 UTC on the 12th is 07:30 on the 13th in China: the same day.
  EXPECT_FALSE(
      IsLateEntry(absl::FromCivil(absl::CivilMinute(2020, 7, 12, 23, 30), absl::UTCTimeZone()),
                  At(2020, 7, 13, 9)));
}

// Through the ledger: no department can record an on-time approval after its
// limit by backdating beyond its bound; what it may backdate is alerted and
// counted as 补录.
class BackdatingLedgerTest : public testing::LedgerFixture {
 protected:
  BackdatingLedgerTest() : LedgerFixture(At(2020, 7, 1)) {}
};

TEST_F(BackdatingLedgerTest, ALateUnitCannotRecordAnOnTimeCompletion) {
  v1::TaskCommand create;
  create.mutable_create()->set_task_id("plot5");
  create.mutable_create()->set_project_code("2020-530115-72-01-000001");
  create.mutable_create()->set_title("5号地块拆迁");
  create.mutable_create()->add_responsible_units("昆阳街道办");
  create.mutable_create()->mutable_deadline()->mutable_rule()->set_kind(
      v1::DeadlineRule::FIXED_DATE);
  create.mutable_create()->mutable_deadline()->mutable_rule()->set_fixed_date("2020-07-15");
  ASSERT_TRUE(ledger_->ExecuteTask("plot5", create, Meta("supervision:区政府目督办")).ok());

  // Ten days after the limit the unit claims it finished on the 15th: refused,
  // nothing written. The ladder's rungs fall due on the way (the deadline
  // scheduler writes them when the clock passes them): let them be written
  // before the head is read, or one may land after it and look like a write.
  clock_.AdvanceTo(At(2020, 7, 27));
  Settle();
  const uint64_t head = log_->HeadPosition();
  v1::TaskCommand complete;
  complete.mutable_complete()->set_text("已完成");
  auto refused =
      ledger_->ExecuteTask("plot5", complete, Meta("department:昆阳街道办", At(2020, 7, 15)));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(refused.status().message(), HasSubstr("at most 3 working days back"));
  EXPECT_EQ(log_->HeadPosition(), head);

  // Within its bound (Wednesday the 22nd: 23, 24, 27 July) it may: late, and
  // marked 补录.
  auto done =
      ledger_->ExecuteTask("plot5", complete, Meta("department:昆阳街道办", At(2020, 7, 22)));
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_TRUE(done->events[0].completed().late());
  auto read = log_->ReadAll(done->append.first_position, 1);
  ASSERT_TRUE(read.ok() && !read->empty());
  std::vector<v1::Alert> alerts = AlertsFor((*read)[0]);
  ASSERT_FALSE(alerts.empty());
  EXPECT_EQ(alerts[0].kind(), v1::ALERT_KIND_LATE_ENTRY);
  EXPECT_THAT(alerts[0].title(), HasSubstr("发生于 2020-07-22"));
  ledger_->runtime().Quiesce();
  auto entries = ledger_->LateEntriesBetween(At(2020, 7, 1, 0), At(2020, 8, 1, 0));
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].unit, "昆阳街道办");
  auto bulletin = ledger_->BulletinFor("2020-07");
  ASSERT_TRUE(bulletin.ok()) << bulletin.status();
  int late = 0;
  for (const auto& u : bulletin->unit_supervision()) {
    if (u.unit() == "昆阳街道办") late = u.late_entries_in_month();
  }
  EXPECT_EQ(late, 1);
}

TEST_F(BackdatingLedgerTest, TheOfficeKeysInOldPaperRecords) {
  v1::ProblemCommand raise;
  raise.mutable_raise()->set_problem_id("q1");
  raise.mutable_raise()->set_project_code("2020-530115-72-01-000001");
  raise.mutable_raise()->set_title("人防工程申报受阻");
  raise.mutable_raise()->mutable_source()->set_kind(v1::PROBLEM_SOURCE_KIND_INSPECTION);
  // A problem an inspection found in May, keyed in by the office in July.
  auto out = ledger_->ExecuteProblem("q1", raise, Meta("supervision:区政府目督办", At(2020, 5, 6)));
  ASSERT_TRUE(out.ok()) << out.status();
  // A department may not key in the same from May.
  raise.mutable_raise()->set_problem_id("q2");
  raise.mutable_raise()->mutable_source()->set_kind(v1::PROBLEM_SOURCE_KIND_UNIT);
  EXPECT_EQ(ledger_->ExecuteProblem("q2", raise, Meta("department:区住建局", At(2020, 5, 6)))
                .status()
                .code(),
            absl::StatusCode::kPermissionDenied);
}

}  // namespace
}  // namespace taizhang::workflows
