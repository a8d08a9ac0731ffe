#include "workflows/ledger.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "engine/calendar.h"
#include "gtest/gtest.h"
#include "workflows/alerts.h"
#include "workflows/testing/ledger_fixture.h"

namespace taizhang::workflows {
namespace {

constexpr char kOffice[] = "supervision:区政府目督办";
constexpr char kKunyang[] = "昆阳街道办事处";
constexpr char kResources[] = "区自然资源局";
constexpr char kCode[] = "2020-530115-72-01-000001";

absl::Time At(int y, int m, int d, int h = 10) {
  return absl::FromCivil(absl::CivilHour(y, m, d, h), engine::ChinaTime());
}

// The ledger as a process: open the log and the ledger, start, stop.
class LedgerTest : public testing::LedgerFixture {
 protected:
  LedgerTest() : LedgerFixture(At(2020, 6, 29)) {}

  void CreateTask(const std::string& id, const std::string& unit, const char* fixed_date,
                  std::vector<std::string> after = {}) {
    v1::TaskCommand c;
    v1::CreateTask* t = c.mutable_create();
    t->set_task_id(id);
    t->set_project_code(kCode);
    t->set_title(absl::StrCat("任务 ", id));
    t->add_responsible_units(unit);
    if (fixed_date != nullptr) {
      t->mutable_deadline()->mutable_rule()->set_kind(v1::DeadlineRule::FIXED_DATE);
      t->mutable_deadline()->mutable_rule()->set_fixed_date(fixed_date);
    }
    if (!after.empty()) {
      auto* a = t->mutable_deadline()->mutable_after_tasks();
      for (auto& id : after) a->add_task_ids(id);
      a->mutable_rule()->set_kind(v1::DeadlineRule::CALENDAR_DAYS);
      a->mutable_rule()->set_n(45);
    }
    auto out = ledger_->ExecuteTask(id, c, Meta(kOffice));
    ASSERT_TRUE(out.ok()) << out.status();
  }
  int CountEvents(const std::string& type) {
    int n = 0;
    EXPECT_TRUE(log_->Scan(1,
                           [&](const store::RecordedEvent& e) {
                             if (e.record.type() == type) ++n;
                             return absl::OkStatus();
                           })
                    .ok());
    return n;
  }
};

TEST_F(LedgerTest, CompletionsReachWaitingTasksAndFixTheirDueDate) {
  CreateTask("plot5", kKunyang, "2020-07-15");
  CreateTask("plot1", kKunyang, "2020-09-30");
  CreateTask("permit", kResources, nullptr, {"plot5", "plot1"});
  clock_.AdvanceTo(At(2020, 7, 10));
  CompleteTask("plot5", kKunyang);
  Settle();
  EXPECT_TRUE(ledger_->GetTask("permit")->due_date().empty());
  clock_.AdvanceTo(At(2020, 8, 20));
  CompleteTask("plot1", kKunyang);
  Settle();
  // 08-20 + 45 calendar days = 10-04, in the National Day holiday: rolled to
  // the next working day, 10-09 (cn-2020).
  EXPECT_EQ(ledger_->GetTask("permit")->due_date(), "2020-10-09");
  // A restart sends nothing again.
  uint64_t head = log_->HeadPosition();
  CloseLedger();
  OpenLedger();
  Settle();
  EXPECT_EQ(log_->HeadPosition(), head);
}

TEST_F(LedgerTest, ACompletionReachesOnlyTheTasksWaitingForIt) {
  CreateTask("plot5", kKunyang, "2020-07-15");
  CreateTask("plot1", kKunyang, "2020-09-30");
  CreateTask("permit", kResources, nullptr, {"plot5"});
  CreateTask("road", kResources, nullptr, {"plot1"});
  const uint64_t road_version = *log_->StreamVersion("task/road");
  CompleteTask("plot5", kKunyang);
  Settle();
  EXPECT_FALSE(ledger_->GetTask("permit")->due_date().empty());
  EXPECT_TRUE(ledger_->GetTask("road")->due_date().empty());
  EXPECT_EQ(*log_->StreamVersion("task/road"), road_version);
}

TEST_F(LedgerTest, ForEachVisitsTheStatesListReturnsInTheSameOrder) {
  CreateTask("plot5", kKunyang, "2020-07-15");
  CreateTask("plot1", kKunyang, "2020-09-30");
  CreateTask("permit", kResources, nullptr, {"plot5", "plot1"});
  Settle();
  std::vector<std::string> listed, visited;
  for (const auto& s : ledger_->ListTasks()) listed.push_back(s.SerializeAsString());
  ledger_->workflow<Task>().ForEach(
      [&](const v1::TaskState& s) { visited.push_back(s.SerializeAsString()); });
  ASSERT_EQ(listed.size(), 3u);
  EXPECT_EQ(visited, listed);
}

TEST_F(LedgerTest, ATaskCreatedAfterItsPrerequisiteCompletedGetsItAtOnce) {
  CreateTask("plot5", kKunyang, "2020-07-15");
  CompleteTask("plot5", kKunyang);
  Settle();
  CreateTask("permit", kResources, nullptr, {"plot5"});
  Settle();
  // 06-29 + 45 = 08-13 (a Thursday).
  EXPECT_EQ(ledger_->GetTask("permit")->due_date(), "2020-08-13");
}

TEST_F(LedgerTest, LateTaskClimbsOnceAcrossRestartsAndShowsInTheBulletin) {
  CreateTask("plot5", kKunyang, "2020-07-15");
  Settle();
  for (int day = 0; day < 40; ++day) {
    clock_.Advance(absl::Hours(24));
    if (day % 3 == 0) {
      CloseLedger();
      OpenLedger();
    }
    Settle();
  }
  auto task = ledger_->GetTask("plot5");
  ASSERT_TRUE(task.has_value());
  std::vector<std::string> rungs;
  for (const auto& r : task->rungs()) rungs.push_back(r.raised().rung_id());
  EXPECT_EQ(rungs, (std::vector<std::string>{"warning", "notice", "listing", "interview"}));
  EXPECT_EQ(CountEvents("task.RungRaised"), 4);
  EXPECT_EQ(task->light(), v1::LIGHT_RED);

  auto bulletin = ledger_->BulletinFor("2020-07");
  ASSERT_TRUE(bulletin.ok()) << bulletin.status();
  ASSERT_EQ(bulletin->unit_supervision_size(), 1);
  const auto& u = bulletin->unit_supervision(0);
  EXPECT_EQ(u.unit(), kKunyang);
  EXPECT_EQ(u.overdue_tasks(), 1);
  // July: warning (07-15), notice (07-16), listing (07-22); the interview
  // came after the month closed or in it, by the ladder's working days.
  EXPECT_GE(u.rungs_in_month(), 3);
  EXPECT_EQ(u.listings_in_month(), 1);
  EXPECT_FALSE(ledger_->BulletinFor("2020-13").ok());

  // The alert stream's view of the same log: one alert per rung, addressed to
  // the responsible unit, and the light's changes to the supervision office.
  int rung_alerts = 0, to_unit = 0, red = 0;
  ASSERT_TRUE(log_->Scan(1,
                         [&](const store::RecordedEvent& e) {
                           for (const v1::Alert& a : AlertsFor(e)) {
                             if (a.kind() == v1::ALERT_KIND_RUNG_RAISED ||
                                 a.kind() == v1::ALERT_KIND_NOTICE_ISSUED) {
                               ++rung_alerts;
                               for (const auto& r : a.recipients()) to_unit += r.unit() == kKunyang;
                             }
                             red += a.kind() == v1::ALERT_KIND_DEADLINE_PASSED;
                           }
                           return absl::OkStatus();
                         })
                  .ok());
  EXPECT_EQ(rung_alerts, 4);
  EXPECT_GE(to_unit, 3);  // the interview goes to the leader and the head
  EXPECT_EQ(red, 1);
}

}  // namespace
}  // namespace taizhang::workflows

namespace taizhang::workflows {
namespace {

// A joint-approval case through the ledger: the filing item (1 working day)
// is submitted and its department never acts; the scheduler's ticks raise the
// ladder's rungs against that department, once each, across restarts.
TEST_F(LedgerTest, ACaseItemLeftUndecidedClimbsTheLadderThroughTheScheduler) {
  const std::string enterprise = "enterprise:昆明某光学有限公司";
  v1::ApprovalCaseCommand open;
  auto* o = open.mutable_open();
  o->set_project_code("2020-530115-40-03-000777");
  o->set_project_name("标准化厂房建设项目");
  o->set_owner("昆明某光学有限公司");
  o->set_policy("luohe-2018-38-day");
  o->set_responsible_leader("王副区长");
  ASSERT_TRUE(ledger_->ExecuteCase("C-1", open, Meta(enterprise)).ok());
  v1::ApprovalCaseCommand submit;
  submit.mutable_submit()->set_item_id("filing");
  auto submitted = ledger_->ExecuteCase("C-1", submit, Meta(enterprise));
  ASSERT_TRUE(submitted.ok()) << submitted.status();
  // The wrong department cannot accept it.
  v1::ApprovalCaseCommand accept;
  accept.mutable_accept()->set_item_id("filing");
  EXPECT_EQ(ledger_->ExecuteCase("C-1", accept, Meta("department:市规划局")).status().code(),
            absl::StatusCode::kPermissionDenied);
  Settle();
  for (int day = 0; day < 20; ++day) {
    clock_.Advance(absl::Hours(24));
    if (day % 4 == 1) {
      CloseLedger();
      OpenLedger();
    }
    Settle();
  }
  auto state = ledger_->GetCase("C-1");
  ASSERT_TRUE(state.has_value());
  int rungs = CountEvents("case.RungRaised");
  EXPECT_GE(rungs, 3);  // warning, notice, listing at least (item and/or case)
  // Each slip number appears once in the log.
  std::set<std::string> seen;
  ASSERT_TRUE(log_->Scan(1,
                         [&](const store::RecordedEvent& e) {
                           if (e.record.type() != "case.RungRaised") return absl::OkStatus();
                           v1::ApprovalCaseEvent ev;
                           EXPECT_TRUE(ev.ParseFromString(e.record.payload()));
                           EXPECT_TRUE(seen.insert(ev.rung_raised().slip_number()).second)
                               << ev.rung_raised().slip_number() << " raised twice";
                           return absl::OkStatus();
                         })
                  .ok());
  EXPECT_EQ(static_cast<int>(seen.size()), rungs);

  // The July bulletin holds the filing item (due 06-30, still undecided)
  // against its department, with the rungs raised to it in July.
  auto bulletin = ledger_->BulletinFor("2020-07");
  ASSERT_TRUE(bulletin.ok()) << bulletin.status();
  bool found = false;
  for (const auto& u : bulletin->unit_supervision()) {
    if (u.unit() != "市发展改革委") continue;
    found = true;
    EXPECT_EQ(u.overdue_case_items(), 1);
    EXPECT_GE(u.rungs_in_month(), 2);
  }
  EXPECT_TRUE(found);
}

}  // namespace
}  // namespace taizhang::workflows
