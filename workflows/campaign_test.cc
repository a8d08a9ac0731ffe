// Start campaigns through the whole ledger: a campaign day on a Saturday
// stays that Saturday; each listed project joins (also one registered after
// the declaration); a start on the day is on time, one after it late, one
// keyed in later but dated on the day on time; late starters climb the
// campaign ladder once (also across a restart); roles, bad input, a retried
// request, and a crash between the declaration and the joins.
#include "workflows/campaign.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/testing/files.h"
#include "engine/aggregate.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "store/event_log.h"
#include "workflows/testing/china_hour.h"
#include "workflows/testing/ledger_fixture.h"

namespace taizhang::workflows {
namespace {

using testing::ChinaHour;
using ::testing::HasSubstr;

constexpr char kOffice[] = "supervision:区督查室";
constexpr char kUnit[] = "区发改局";
constexpr char kA[] = "2026-530115-70-01-000001";  // not started by the day
constexpr char kB[] = "2026-530115-70-01-000002";  // starts on the day (a Saturday)
constexpr char kC[] = "2026-530115-70-01-000003";  // registered after the declaration
constexpr char kD[] = "2026-530115-70-01-000004";  // starts the Monday after
constexpr char kE[] = "2026-530115-70-01-000005";  // never registered
constexpr char kF[] = "2026-530115-70-01-000006";  // started in March (续建)

v1::CampaignCommand Declare(const std::string& id, const std::string& day,
                            std::vector<std::string> codes) {
  v1::CampaignCommand c;
  v1::DeclareStartCampaign* d = c.mutable_declare();
  d->set_campaign_id(id);
  d->set_name("2026年第三批重点项目集中开工");
  d->set_kind(v1::CAMPAIGN_KIND_DISTRICT);
  d->set_day(day);
  for (auto& code : codes) d->add_project_codes(code);
  d->set_venue("主会场：高新区");
  return c;
}

class CampaignTest : public testing::LedgerFixture {
 protected:
  // Monday 2026-09-07; the campaign day is Saturday 2026-09-12.
  CampaignTest() : LedgerFixture(ChinaHour(2026, 9, 7, 9)) {}

  void Register(const std::string& code, const std::string& name,
                v1::ProjectStage stage = v1::PROJECT_STAGE_RESERVE_SITE_PREPARATION) {
    v1::ProjectCommand c;
    v1::ProjectInfo* info = c.mutable_register_()->mutable_info();
    info->set_code(code);
    info->set_name(name);
    info->set_level(v1::PROJECT_LEVEL_DISTRICT);
    info->set_owner("高新投资公司");
    info->set_total_investment_yuan(800000000);
    info->set_plan_year(2026);
    info->set_responsible_leader("张副区长");
    info->set_lead_unit(kUnit);
    info->set_supervision_office("区督查室");
    info->set_initial_stage(stage);
    if (stage >= v1::PROJECT_STAGE_NEW_START) info->set_started_on("2026-03-01");
    auto out = ledger_->ExecuteProject(code, c, Meta(kOffice));
    ASSERT_TRUE(out.ok()) << out.status();
  }
  absl::Status Start(const std::string& code, std::optional<absl::Time> occurred = std::nullopt) {
    v1::ProjectCommand c;
    c.mutable_advance_stage()->set_to(v1::PROJECT_STAGE_NEW_START);
    return ledger_->ExecuteProject(code, c, Meta(absl::StrCat("department:", kUnit), occurred))
        .status();
  }
  void MustDeclare(const v1::CampaignCommand& c) {
    auto out = ledger_->Execute<Campaign>(c.declare().campaign_id(), c, Meta(kOffice));
    ASSERT_TRUE(out.ok()) << out.status();
    Settle();
  }
  void AdvanceTo(absl::Time t) {
    clock_.AdvanceTo(t);
    Settle();
  }
  v1::ProjectState ProjectOf(const std::string& code) {
    Settle();
    auto s = ledger_->GetProject(code);
    EXPECT_TRUE(s.has_value()) << code;
    return s.value_or(v1::ProjectState());
  }
  // The rungs of `code`'s campaign subject, in the order raised.
  std::vector<v1::SupervisionRungRaised> RungsOf(const std::string& code,
                                                 const std::string& campaign = "c1") {
    std::vector<v1::SupervisionRungRaised> out;
    const v1::ProjectState state = ProjectOf(code);
    for (const auto& r : state.rungs()) {
      if (r.raised().subject() == absl::StrCat("campaign/", campaign)) out.push_back(r.raised());
    }
    return out;
  }
  v1::CampaignView RecordOf(const std::string& id) {
    Settle();
    auto s = ledger_->workflow<Campaign>().Get(id);
    EXPECT_TRUE(s.has_value()) << id;
    return ledger_->CampaignRecordOf(s.value_or(v1::CampaignState()), clock_.Now());
  }
  const v1::CampaignProjectView& Row(const v1::CampaignView& v, const std::string& code) {
    for (const auto& p : v.projects()) {
      if (p.project_code() == code) return p;
    }
    ADD_FAILURE() << code << " is not in " << v.campaign_id();
    static const v1::CampaignProjectView kNone;
    return kNone;
  }
  uint64_t Head() {
    Settle();
    return ledger_->AppliedPosition();
  }
  void RegisterAll() {
    Register(kA, "智能制造产业园");
    Register(kB, "高新区污水处理厂");
    Register(kD, "城市更新一期");
    Register(kF, "物流园二期", v1::PROJECT_STAGE_UNDER_CONSTRUCTION);
  }
};

// ---------------------------------------------------------------------------
// The day, the joins and the standing of each project.

TEST_F(CampaignTest, SaturdayCampaignIsJudgedAtTheEndOfThatSaturdayNotTheNextWorkingDay) {
  RegisterAll();
  MustDeclare(Declare("c1", "2026-09-12", {kA, kB, kC, kD, kE, kF}));
  // Every registered listed project joined; C and E are not registered.
  for (const char* code : {kA, kB, kD, kF}) {
    ASSERT_EQ(ProjectOf(code).campaigns_size(), 1) << code;
    EXPECT_EQ(ProjectOf(code).campaigns(0).joined().day(), "2026-09-12");
  }
  v1::CampaignView before = RecordOf("c1");
  EXPECT_EQ(before.projects_total(), 6);
  EXPECT_EQ(before.started_on_time(), 1);  // F, started in March
  EXPECT_EQ(before.pending(), 5);          // A, B, D and the unregistered C, E
  EXPECT_EQ(before.unregistered(), 2);
  EXPECT_FALSE(before.day_over());
  EXPECT_EQ(Row(before, kE).status(), v1::CAMPAIGN_START_STATUS_UNREGISTERED);

  // C is registered on Thursday: it joins then.
  AdvanceTo(ChinaHour(2026, 9, 10, 9));
  Register(kC, "新能源电池项目");
  ASSERT_EQ(ProjectOf(kC).campaigns_size(), 1);
  EXPECT_EQ(ProjectOf(kC).campaigns(0).joined().campaign_id(), "c1");

  // Warned before the day (three working days before it).
  ASSERT_FALSE(RungsOf(kA).empty());
  EXPECT_EQ(RungsOf(kA)[0].rung_name(), "开工预警提示");

  // B starts on the Saturday itself.
  AdvanceTo(ChinaHour(2026, 9, 12, 10));
  ASSERT_TRUE(Start(kB).ok());
  EXPECT_EQ(Row(RecordOf("c1"), kB).status(), v1::CAMPAIGN_START_STATUS_ON_TIME);

  // Late on Saturday nothing more is due; at 00:00 Sunday the notice is.
  AdvanceTo(ChinaHour(2026, 9, 12, 23));
  EXPECT_EQ(RungsOf(kA).size(), 1u);
  AdvanceTo(ChinaHour(2026, 9, 13, 0) + absl::Minutes(1));
  ASSERT_EQ(RungsOf(kA).size(), 2u);
  EXPECT_EQ(RungsOf(kA)[1].rung_name(), "督办通知单");
  EXPECT_EQ(absl::FromUnixMicros(RungsOf(kA)[1].due_at_us()), ChinaHour(2026, 9, 13, 0));
  EXPECT_EQ(RungsOf(kA)[1].parties().units(0), kUnit);
  EXPECT_EQ(RungsOf(kC).size(), 2u);
  EXPECT_EQ(RungsOf(kB).size(), 1u);  // warned, then started: no notice

  v1::CampaignView after = RecordOf("c1");
  EXPECT_TRUE(after.day_over());
  EXPECT_EQ(after.started_on_time(), 2);  // B, F
  EXPECT_EQ(after.not_started(), 4);      // A, C, D and the unregistered E
  EXPECT_EQ(after.start_rate_on_day_bp(), 3333);
  EXPECT_EQ(Row(after, kA).status(), v1::CAMPAIGN_START_STATUS_NOT_STARTED);
  EXPECT_EQ(Row(after, kA).light(), v1::LIGHT_RED);
  EXPECT_EQ(Row(after, kA).open_rungs(), 2);

  // D starts on Monday: late, and no further rung for it.
  AdvanceTo(ChinaHour(2026, 9, 14, 9));
  ASSERT_TRUE(Start(kD).ok());
  v1::CampaignView monday = RecordOf("c1");
  EXPECT_EQ(Row(monday, kD).status(), v1::CAMPAIGN_START_STATUS_LATE);
  EXPECT_EQ(Row(monday, kD).started_on(), "2026-09-14");
  EXPECT_EQ(monday.started_late(), 1);
  EXPECT_EQ(monday.start_rate_on_day_bp(), 3333);  // the day's rate stays
  EXPECT_EQ(monday.start_rate_now_bp(), 5000);

  // Five working days after the notice: A answered it, C did not and is
  // criticised; D (started) is left alone.
  v1::ProjectCommand answer;
  answer.mutable_answer_rung()->set_slip_number(RungsOf(kA)[1].slip_number());
  answer.mutable_answer_rung()->set_text("施工许可证本周办结，9月18日开工");
  ASSERT_TRUE(ledger_->ExecuteProject(kA, answer, Meta(absl::StrCat("department:", kUnit))).ok());
  AdvanceTo(ChinaHour(2026, 9, 24, 9));
  EXPECT_EQ(RungsOf(kA).size(), 2u);
  ASSERT_EQ(RungsOf(kC).size(), 3u);
  EXPECT_EQ(RungsOf(kC)[2].rung_name(), "通报批评");
  EXPECT_EQ(RungsOf(kD).size(), 2u);

  // A restart raises nothing again.
  const uint64_t head = Head();
  CloseLedger();
  OpenLedger();
  Settle();
  EXPECT_EQ(Head(), head);
  EXPECT_EQ(RungsOf(kC).size(), 3u);
}

TEST_F(CampaignTest, StartKeyedInOnMondayDatedOnTheSaturdayCountsOnTheDay) {
  RegisterAll();
  MustDeclare(Declare("c1", "2026-09-12", {kA, kB}));
  AdvanceTo(ChinaHour(2026, 9, 14, 9));
  ASSERT_EQ(RungsOf(kA).size(), 2u);  // the notice went out on Sunday
  ASSERT_TRUE(Start(kA, ChinaHour(2026, 9, 12, 10)).ok());
  const v1::CampaignView v = RecordOf("c1");
  EXPECT_EQ(Row(v, kA).status(), v1::CAMPAIGN_START_STATUS_ON_TIME);
  EXPECT_EQ(Row(v, kA).started_on(), "2026-09-12");
  // The notice raised stays on record, to be answered.
  EXPECT_EQ(Row(v, kA).rungs(), 2);
  EXPECT_EQ(v.started_on_time(), 1);
  EXPECT_EQ(v.not_started(), 1);  // B
}

TEST_F(CampaignTest, CampaignDeclaredAfterItsDayJudgesEveryProjectAtOnce) {
  RegisterAll();
  ASSERT_TRUE(Start(kB).ok());  // Monday 09-07
  AdvanceTo(ChinaHour(2026, 9, 21, 9));
  // The office keys in the campaign of 09-12 nine days later.
  MustDeclare(Declare("c-late", "2026-09-12", {kA, kB}));
  const v1::CampaignView v = RecordOf("c-late");
  EXPECT_EQ(Row(v, kB).status(), v1::CAMPAIGN_START_STATUS_ON_TIME);
  EXPECT_EQ(Row(v, kA).status(), v1::CAMPAIGN_START_STATUS_NOT_STARTED);
  std::vector<std::string> names;
  for (const auto& r : RungsOf(kA, "c-late")) names.push_back(r.rung_name());
  EXPECT_THAT(names, ::testing::Contains("督办通知单"));
  EXPECT_TRUE(RungsOf(kB, "c-late").empty());
}

// ---------------------------------------------------------------------------
// Who may do what; bad input changes nothing; retries.

TEST_F(CampaignTest, OnlyTheOfficeDeclaresAndOnlyTheEngineJoins) {
  RegisterAll();
  const uint64_t head = Head();
  for (const char* actor :
       {"department:区发改局", "leader:张副区长", "enterprise:高新投资公司", "auditor:区审计局"}) {
    auto out = ledger_->Execute<Campaign>("c1", Declare("c1", "2026-09-12", {kA}), Meta(actor));
    EXPECT_EQ(out.status().code(), absl::StatusCode::kPermissionDenied) << actor;
  }
  v1::ProjectCommand join;
  join.mutable_join_campaign()->set_campaign_id("c1");
  join.mutable_join_campaign()->set_day("2026-09-12");
  for (const char* actor : {kOffice, "department:区发改局"}) {
    auto out = ledger_->ExecuteProject(kA, join, Meta(actor));
    EXPECT_EQ(out.status().code(), absl::StatusCode::kPermissionDenied) << actor;
  }
  EXPECT_EQ(Head(), head);
}

TEST_F(CampaignTest, BadDeclarationsAreRefusedAndWriteNothing) {
  const uint64_t head = Head();
  struct Case {
    v1::CampaignCommand command;
    std::string says;
  };
  std::vector<Case> cases;
  cases.push_back({Declare("c1", "", {kA}), "day: required"});
  cases.push_back({Declare("c1", "2026-02-30", {kA}), "is not a date"});
  cases.push_back({Declare("c1", "2026-09-12", {}), "at least one project"});
  cases.push_back({Declare("c1", "2026-09-12", {kA, kA}), "listed twice"});
  cases.push_back({Declare("c1", "2026-09-12", {"2026-53011-70-01-1"}), "project_codes[0]"});
  cases.push_back({Declare("other", "2026-09-12", {kA}), "does not match the stream"});
  v1::CampaignCommand no_kind = Declare("c1", "2026-09-12", {kA});
  no_kind.mutable_declare()->clear_kind();
  cases.push_back({no_kind, "kind: required"});
  v1::CampaignCommand no_name = Declare("c1", "2026-09-12", {kA});
  no_name.mutable_declare()->set_name("  ");
  cases.push_back({no_name, "name: required"});
  v1::CampaignCommand too_many = Declare("c1", "2026-09-12", {});
  for (int i = 0; i <= kMaxCampaignProjects; ++i) {
    too_many.mutable_declare()->add_project_codes(absl::StrCat("2026-530115-70-01-", 100000 + i));
  }
  cases.push_back({too_many, "at most 2000"});
  for (const Case& c : cases) {
    auto out = ledger_->Execute<Campaign>("c1", c.command, Meta(kOffice));
    EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument) << c.says;
    EXPECT_THAT(out.status().message(), HasSubstr(c.says));
  }
  EXPECT_EQ(Head(), head);
}

TEST_F(CampaignTest, RetryReturnsTheFirstResultAndASecondDeclarationIsRefused) {
  RegisterAll();
  engine::CommandMeta meta = Meta(kOffice);
  auto first = ledger_->Execute<Campaign>("c1", Declare("c1", "2026-09-12", {kA, kB}), meta);
  ASSERT_TRUE(first.ok()) << first.status();
  Settle();
  const uint64_t head = Head();
  auto again = ledger_->Execute<Campaign>("c1", Declare("c1", "2026-09-12", {kA, kB}), meta);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->append.first_position, first->append.first_position);
  EXPECT_EQ(Head(), head);
  EXPECT_EQ(ProjectOf(kA).campaigns_size(), 1);
  auto second = ledger_->Execute<Campaign>("c1", Declare("c1", "2026-09-19", {kA}), Meta(kOffice));
  EXPECT_EQ(second.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(Head(), head);
}

// ---------------------------------------------------------------------------
// A crash between the declaration and the joins.

TEST_F(CampaignTest, CrashBeforeTheJoinsIsCaughtUpOnceAtStart) {
  RegisterAll();
  Settle();
  CloseLedger();
  {
    // The declaration alone reaches the log: written without a ledger.
    auto log = store::OpenEventLog(dir_.path(), clock_);
    ASSERT_TRUE(log.ok()) << log.status();
    Campaign campaign;
    engine::AggregateStore<Campaign> store(**log, clock_, campaign);
    ASSERT_TRUE(
        store.Execute(CampaignStream("c1"), Declare("c1", "2026-09-12", {kA, kB}), Meta(kOffice))
            .ok());
  }
  OpenLedger();
  Settle();
  EXPECT_EQ(ProjectOf(kA).campaigns_size(), 1);
  EXPECT_EQ(ProjectOf(kB).campaigns_size(), 1);
  const uint64_t head = Head();
  CloseLedger();
  OpenLedger();
  EXPECT_EQ(Head(), head);
  EXPECT_EQ(ProjectOf(kA).campaigns_size(), 1);
}

// ---------------------------------------------------------------------------
// The bulletin.

TEST_F(CampaignTest, BulletinShowsTheMonthsCampaignAndCarriesLateStartersIntoLaterMonths) {
  RegisterAll();
  MustDeclare(Declare("c1", "2026-09-12", {kA, kB, kE}));
  AdvanceTo(ChinaHour(2026, 9, 12, 10));
  ASSERT_TRUE(Start(kB).ok());
  // A starts in October, after the September bulletin's close.
  AdvanceTo(ChinaHour(2026, 10, 12, 9));
  ASSERT_TRUE(Start(kA).ok());
  AdvanceTo(ChinaHour(2026, 11, 2, 9));

  auto september = ledger_->BulletinFor("2026-09");
  ASSERT_TRUE(september.ok()) << september.status();
  ASSERT_EQ(september->campaigns_size(), 1);
  const v1::BulletinCampaign& s = september->campaigns(0);
  EXPECT_EQ(s.day(), "2026-09-12");
  EXPECT_EQ(s.projects(), 3);
  EXPECT_EQ(s.started_on_time(), 1);
  EXPECT_EQ(s.not_started(), 2);  // A (as at 30 September) and E
  EXPECT_EQ(s.start_rate_on_day_bp(), 3333);
  ASSERT_EQ(s.late_starters_size(), 2);
  EXPECT_EQ(s.late_starters(0).project_code(), kA);
  EXPECT_EQ(s.late_starters(0).status(), v1::CAMPAIGN_START_STATUS_NOT_STARTED);
  EXPECT_EQ(s.late_starters(1).status(), v1::CAMPAIGN_START_STATUS_UNREGISTERED);

  // October: the campaign is carried while E has not started; A is late.
  auto october = ledger_->BulletinFor("2026-10");
  ASSERT_TRUE(october.ok());
  ASSERT_EQ(october->campaigns_size(), 1);
  EXPECT_EQ(october->campaigns(0).started_late(), 1);
  EXPECT_EQ(october->campaigns(0).start_rate_now_bp(), 6666);

  // August: before the day, nothing.
  auto august = ledger_->BulletinFor("2026-08");
  ASSERT_TRUE(august.ok());
  EXPECT_TRUE(august->campaigns().empty());
}

}  // namespace
}  // namespace taizhang::workflows
