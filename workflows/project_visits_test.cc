// Visits and ratings on a project's stream (workflows/project_visits.cc):
// who may record, capacities, quota periods and their edges, the light and
// rung of a period below quota (once, also across restarts), the problems a
// visit raises (also after a crash between the visit and the reaction), the
// ratings and the policy's validation.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/testing/files.h"
#include "engine/aggregate.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "store/sha256.h"
#include "workflows/alerts.h"
#include "workflows/attachments.h"
#include "workflows/backdating.h"
#include "workflows/project.h"
#include "workflows/testing/attachment_files.h"
#include "workflows/testing/ledger_fixture.h"

namespace taizhang::workflows {
namespace {

using testing::ChinaHour;
using ::testing::HasSubstr;

constexpr char kCode[] = "2014-441823-30-01-000001";
constexpr char kOffice[] = "supervision:县重点办";
constexpr char kLeader[] = "李欣";          // 分包领导
constexpr char kCountyLeader[] = "伍文超";  // 县领导 (service contact)
constexpr char kTown[] = "黎镇长";          // 镇班子成员
constexpr char kCadre[] = "陈干部";         // 部门干部
constexpr char kOwner[] = "阳山水泥有限公司";

std::string LeaderActor(const char* name) { return absl::StrCat("leader:", name); }
const std::string kTownActor = absl::StrCat("department:阳城镇:", kTown);
const std::string kCadreActor = absl::StrCat("department:县经信局:", kCadre);
const std::string kOwnerActor = absl::StrCat("enterprise:", kOwner);

class VisitsTest : public testing::LedgerFixture {
 protected:
  VisitsTest() : LedgerFixture(ChinaHour(2014, 6, 1, 9), YangshanVisitOptions()) {}

  void SetUp() override {
    LedgerFixture::SetUp();
    Register(kCode);
  }

  void Register(const std::string& code,
                v1::ProjectStage stage = v1::PROJECT_STAGE_UNDER_CONSTRUCTION) {
    v1::ProjectCommand c;
    v1::ProjectInfo* info = c.mutable_register_()->mutable_info();
    info->set_code(code);
    info->set_name("阳山水泥技改项目");
    info->set_level(v1::PROJECT_LEVEL_DISTRICT);
    info->set_owner(kOwner);
    info->set_total_investment_yuan(500000000);
    info->set_plan_year(2014);
    info->set_annual_plan_yuan(0);  // the monthly light stays green
    info->set_responsible_leader(kLeader);
    info->set_lead_unit("县发改局");
    info->mutable_service_contacts()->set_county_leader(kCountyLeader);
    info->mutable_service_contacts()->set_town_member(kTown);
    info->mutable_service_contacts()->set_department_cadre(kCadre);
    info->set_initial_stage(stage);
    if (stage >= v1::PROJECT_STAGE_NEW_START) info->set_started_on("2014-03-01");
    auto out = ledger_->ExecuteProject(code, c, Meta(kOffice));
    ASSERT_TRUE(out.ok()) << out.status();
  }

  absl::StatusOr<Ledger::Outcome<Project>> Visit(const std::string& actor,
                                                 const std::string& findings = "了解用地需求",
                                                 std::vector<std::string> problems = {},
                                                 const std::string& visitor = "",
                                                 std::optional<absl::Time> occurred = std::nullopt,
                                                 const std::string& code = kCode) {
    v1::ProjectCommand c;
    c.mutable_visit()->set_findings(findings);
    c.mutable_visit()->set_visitor(visitor);
    for (auto& p : problems) c.mutable_visit()->add_problems(p);
    return ledger_->ExecuteProject(code, c, Meta(actor, occurred));
  }

  absl::StatusOr<Ledger::Outcome<Project>> RateContact(const std::string& actor,
                                                       v1::VisitCapacity capacity, int score,
                                                       const std::string& period = "") {
    v1::ProjectCommand c;
    c.mutable_rate()->set_capacity(capacity);
    c.mutable_rate()->set_score(score);
    c.mutable_rate()->set_period(period);
    return ledger_->ExecuteProject(kCode, c, Meta(actor));
  }

  // Moves the clock to `t` and lets the timers fire.
  void AdvanceTo(absl::Time t) {
    clock_.Advance(t - clock_.Now());
    Settle();
  }

  v1::ProjectState State() {
    Settle();
    auto s = ledger_->GetProject(kCode);
    EXPECT_TRUE(s.has_value());
    return s.value_or(v1::ProjectState());
  }

  // The judged result of `capacity` for `period`; fails the test when none.
  v1::ProjectVisitPeriodResult Result(v1::VisitCapacity capacity, const std::string& period) {
    const v1::ProjectState s = State();
    for (const auto& r : s.visit_periods()) {
      if (r.capacity() == capacity && r.period() == period) return r;
    }
    ADD_FAILURE() << "no result for " << v1::VisitCapacity_Name(capacity) << " " << period;
    return {};
  }

  int CountResults(v1::VisitCapacity capacity, const std::string& period) {
    int n = 0;
    const v1::ProjectState s = State();
    for (const auto& r : s.visit_periods()) n += r.capacity() == capacity && r.period() == period;
    return n;
  }

  int CountEvents(const std::string& type, const std::string& subject = "") {
    int n = 0;
    EXPECT_TRUE(
        log_->Scan(1,
                   [&](const store::RecordedEvent& e) {
                     if (e.record.type() != type) return absl::OkStatus();
                     if (subject.empty()) {
                       ++n;
                       return absl::OkStatus();
                     }
                     v1::ProjectEvent pe;
                     if (pe.ParseFromString(e.record.payload()) &&
                         ((pe.has_rung_raised() && pe.rung_raised().subject() == subject) ||
                          (pe.has_light_changed() && pe.light_changed().subject() == subject))) {
                       ++n;
                     }
                     return absl::OkStatus();
                   })
            .ok());
    return n;
  }
};

// ---------------------------------------------------------------------------
// Periods.

TEST(VisitPeriodTest, HalfMonthsAreTheFirstToFifteenthAndSixteenthToTheEnd) {
  const VisitPeriod first =
      VisitPeriodOf(v1::VISIT_PERIOD_KIND_HALF_MONTH, absl::CivilDay(2014, 2, 15));
  EXPECT_EQ(first.key, "2014-02-1");
  EXPECT_EQ(first.first, absl::CivilDay(2014, 2, 1));
  EXPECT_EQ(first.last, absl::CivilDay(2014, 2, 15));
  const VisitPeriod second = NextVisitPeriod(first);
  EXPECT_EQ(second.key, "2014-02-2");
  EXPECT_EQ(second.first, absl::CivilDay(2014, 2, 16));
  EXPECT_EQ(second.last, absl::CivilDay(2014, 2, 28));
  EXPECT_EQ(NextVisitPeriod(second).key, "2014-03-1");
  EXPECT_EQ(VisitPeriodClose(second), ChinaHour(2014, 3, 1));
  const VisitPeriod month = VisitPeriodOf(v1::VISIT_PERIOD_KIND_MONTH, absl::CivilDay(2016, 2, 29));
  EXPECT_EQ(month.key, "2016-02");
  EXPECT_EQ(month.last, absl::CivilDay(2016, 2, 29));
  auto parsed = ParseVisitPeriod(v1::VISIT_PERIOD_KIND_HALF_MONTH, "2014-06-2");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->first, absl::CivilDay(2014, 6, 16));
  EXPECT_FALSE(ParseVisitPeriod(v1::VISIT_PERIOD_KIND_HALF_MONTH, "2014-06-3").ok());
  EXPECT_FALSE(ParseVisitPeriod(v1::VISIT_PERIOD_KIND_MONTH, "2014-13").ok());
  EXPECT_FALSE(ParseVisitPeriod(v1::VISIT_PERIOD_KIND_MONTH, "2014-06-1").ok());
}

TEST_F(VisitsTest, AVisitOnTheLastDayOfTheMonthCountsForItAndTheFirstForTheNext) {
  AdvanceTo(ChinaHour(2014, 6, 30, 20));
  ASSERT_TRUE(Visit(LeaderActor(kLeader)).ok());
  AdvanceTo(ChinaHour(2014, 7, 1, 8));  // June closed at 00:00
  ASSERT_TRUE(Visit(LeaderActor(kLeader)).ok());
  const auto june = Result(v1::VISIT_CAPACITY_RESPONSIBLE_LEADER, "2014-06");
  EXPECT_EQ(june.visits(), 1);
  EXPECT_EQ(june.required(), 2);
  EXPECT_EQ(june.light(), v1::LIGHT_YELLOW);
  EXPECT_EQ(june.closed_at_us(), absl::ToUnixMicros(ChinaHour(2014, 7, 1)));
  AdvanceTo(ChinaHour(2014, 8, 1, 1));
  EXPECT_EQ(Result(v1::VISIT_CAPACITY_RESPONSIBLE_LEADER, "2014-07").visits(), 1);
  // Tallies per person per month, for the bulletin and the assessment.
  const v1::ProjectView view = ledger_->project().View(State(), clock_.Now());
  std::vector<std::string> tallies;
  for (const auto& t : view.visit_tallies()) {
    tallies.push_back(absl::StrCat(t.month(), " ", t.person(), " ", t.visits()));
  }
  EXPECT_EQ(tallies, (std::vector<std::string>{"2014-06 李欣 1", "2014-07 李欣 1"}));
}

TEST_F(VisitsTest, TheHalfMonthBoundaryIsBetweenTheFifteenthAndTheSixteenth) {
  AdvanceTo(ChinaHour(2014, 6, 15, 23));
  ASSERT_TRUE(Visit(LeaderActor(kCountyLeader)).ok());
  AdvanceTo(ChinaHour(2014, 6, 16, 0) + absl::Minutes(1));
  const auto first = Result(v1::VISIT_CAPACITY_COUNTY_LEADER, "2014-06-1");
  EXPECT_EQ(first.visits(), 1);
  EXPECT_EQ(first.light(), v1::LIGHT_GREEN);
  EXPECT_EQ(first.last_day(), "2014-06-15");
  AdvanceTo(ChinaHour(2014, 7, 1, 1));
  const auto second = Result(v1::VISIT_CAPACITY_COUNTY_LEADER, "2014-06-2");
  EXPECT_EQ(second.first_day(), "2014-06-16");
  EXPECT_EQ(second.visits(), 0);
  EXPECT_EQ(second.light(), v1::LIGHT_RED);
}

TEST_F(VisitsTest, AQuotaMetExactlyIsGreenWithNoLightAndNoRung) {
  AdvanceTo(ChinaHour(2014, 6, 3, 10));
  ASSERT_TRUE(Visit(LeaderActor(kLeader)).ok());
  AdvanceTo(ChinaHour(2014, 6, 20, 10));
  ASSERT_TRUE(Visit(LeaderActor(kLeader)).ok());
  AdvanceTo(ChinaHour(2014, 7, 2, 10));
  const auto june = Result(v1::VISIT_CAPACITY_RESPONSIBLE_LEADER, "2014-06");
  EXPECT_EQ(june.visits(), 2);
  EXPECT_EQ(june.light(), v1::LIGHT_GREEN);
  EXPECT_EQ(CountEvents("project.LightChanged", "visits/responsible_leader/2014-06"), 0);
  EXPECT_EQ(CountEvents("project.RungRaised", "visits/responsible_leader/2014-06"), 0);
  // The project's own light is the month's, untouched by the visit periods
  // that were red (the other capacities made no visits).
  EXPECT_EQ(State().light(), v1::LIGHT_GREEN);
}

TEST_F(VisitsTest, AQuotaMissedGivesOneLightAndOneRungOncePerPeriodAcrossRestarts) {
  AdvanceTo(ChinaHour(2014, 6, 16, 9));
  const std::string subject = "visits/town_member/2014-06-1";
  EXPECT_EQ(Result(v1::VISIT_CAPACITY_TOWN_MEMBER, "2014-06-1").light(), v1::LIGHT_RED);
  EXPECT_EQ(CountEvents("project.LightChanged", subject), 1);
  EXPECT_EQ(CountEvents("project.RungRaised", subject), 1);
  for (int i = 0; i < 3; ++i) {
    CloseLedger();
    OpenLedger();
    AdvanceTo(clock_.Now() + absl::Hours(5));
  }
  EXPECT_EQ(CountResults(v1::VISIT_CAPACITY_TOWN_MEMBER, "2014-06-1"), 1);
  EXPECT_EQ(CountEvents("project.LightChanged", subject), 1);
  EXPECT_EQ(CountEvents("project.RungRaised", subject), 1);

  // The rung is addressed to the person who fell short and to the office,
  // and the alert stream gives it to them.
  const v1::ProjectState s = State();
  const v1::SupervisionRung* rung = nullptr;
  for (const auto& r : s.rungs()) {
    if (r.raised().subject() == subject) rung = &r;
  }
  ASSERT_NE(rung, nullptr);
  EXPECT_EQ(rung->raised().slip_number(),
            absl::StrCat("project/", kCode, "/", subject, "/1/below-quota"));
  std::vector<std::string> to;
  for (const auto& r : rung->raised().recipients())
    to.push_back(absl::StrCat(r.role(), ":", r.unit()));
  EXPECT_EQ(to, (std::vector<std::string>{absl::StrCat(v1::ROLE_RESPONSIBLE_LEADER, ":", kTown),
                                          absl::StrCat(v1::ROLE_SUPERVISION_OFFICE, ":县重点办")}));
  EXPECT_THAT(rung->raised().matter(),
              HasSubstr("镇班子成员黎镇长 2014-06-1 走访 0 次，少于 1 次"));
  int alerts_to_town = 0;
  ASSERT_TRUE(log_->Scan(1,
                         [&](const store::RecordedEvent& e) {
                           for (const v1::Alert& a : AlertsFor(e)) {
                             if (a.subject() != subject) continue;
                             for (const auto& r : a.recipients())
                               alerts_to_town += r.unit() == kTown;
                           }
                           return absl::OkStatus();
                         })
                  .ok());
  EXPECT_EQ(alerts_to_town, 1);
  // And the supervision model lists it among the project's subjects.
  int visit_subjects = 0;
  for (const auto& sub : ledger_->project().Subjects(s)) visit_subjects += sub.id == subject;
  EXPECT_EQ(visit_subjects, 1);
}

TEST_F(VisitsTest, APeriodTheProjectEnteredPartWayOrCompletedInIsNotJudged) {
  // Registered on 06-01 09:00: June and 2014-06-1 are judged (they begin on
  // the registration day). A project completed on 06-10 is not judged for
  // the half month it completed in, nor after.
  const std::string other = "2014-441823-30-01-000002";
  AdvanceTo(ChinaHour(2014, 6, 5, 9));
  Register(other);  // enters 2014-06-1 part-way
  v1::ProjectCommand advance;
  advance.mutable_advance_stage()->set_to(v1::PROJECT_STAGE_COMPLETED);
  AdvanceTo(ChinaHour(2014, 6, 10, 9));
  ASSERT_TRUE(ledger_->ExecuteProject(kCode, advance, Meta(kOffice)).ok());
  AdvanceTo(ChinaHour(2014, 7, 2, 9));
  EXPECT_EQ(State().visit_periods_size(), 0);
  auto o = ledger_->GetProject(other);
  ASSERT_TRUE(o.has_value());
  std::vector<std::string> judged;
  for (const auto& r : o->visit_periods()) judged.push_back(r.period());
  // 2014-06-1 began before the registration day: only 2014-06-2 (the month
  // of June too began before it).
  EXPECT_EQ(judged, (std::vector<std::string>{"2014-06-2", "2014-06-2", "2014-06-2"}));
}

// ---------------------------------------------------------------------------
// Who records.

TEST_F(VisitsTest, EachPersonRecordsTheirOwnVisitInEveryCapacityTheyHold) {
  auto leader = Visit(LeaderActor(kCountyLeader));
  ASSERT_TRUE(leader.ok()) << leader.status();
  auto town = Visit(kTownActor);
  ASSERT_TRUE(town.ok()) << town.status();
  auto stranger = Visit(LeaderActor("王副县长"));  // not linked to the project
  ASSERT_TRUE(stranger.ok()) << stranger.status();
  const v1::ProjectState s = State();
  ASSERT_EQ(s.visits_size(), 3);
  EXPECT_EQ(s.visits(0).recorded().visitor(), kCountyLeader);
  EXPECT_THAT(s.visits(0).recorded().capacities(),
              ::testing::ElementsAre(v1::VISIT_CAPACITY_COUNTY_LEADER));
  EXPECT_EQ(s.visits(1).recorded().visitor(), kTown);
  EXPECT_EQ(s.visits(1).recorded().visitor_unit(), "阳城镇");
  EXPECT_THAT(s.visits(1).recorded().capacities(),
              ::testing::ElementsAre(v1::VISIT_CAPACITY_TOWN_MEMBER));
  EXPECT_TRUE(s.visits(2).recorded().capacities().empty());
  EXPECT_EQ(s.visits(2).recorded().number(), 3);
  AdvanceTo(ChinaHour(2014, 6, 16, 1));
  // The stranger's visit counts for no quota; the county leader's for theirs.
  EXPECT_EQ(Result(v1::VISIT_CAPACITY_COUNTY_LEADER, "2014-06-1").visits(), 1);
  EXPECT_EQ(Result(v1::VISIT_CAPACITY_DEPARTMENT_CADRE, "2014-06-1").visits(), 0);
  const auto tallies = VisitTallies(State());
  ASSERT_EQ(tallies.size(), 3u);
  EXPECT_EQ(tallies[0].person(), "伍文超");
  EXPECT_THAT(tallies[1].capacities(), ::testing::ElementsAre(v1::VISIT_CAPACITY_OTHER));
}

TEST_F(VisitsTest, WrongRolesAreRefusedAndWriteNothing) {
  // A department recording someone else's visit.
  auto other = Visit(kCadreActor, "了解情况", {}, kCountyLeader);
  EXPECT_EQ(other.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(other.status().message(), HasSubstr("只能记录本人的走访"));
  // A department without a person.
  EXPECT_EQ(Visit("department:县经信局").status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Visit("auditor:县审计局").status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Visit(kOwnerActor).status().code(), absl::StatusCode::kPermissionDenied);
  // Another office than the project's.
  EXPECT_EQ(Visit("supervision:市督查室", "了解", {}, kLeader).status().code(),
            absl::StatusCode::kPermissionDenied);
  // An enterprise rating another enterprise's contact; a leader rating.
  EXPECT_EQ(
      RateContact("enterprise:别的公司", v1::VISIT_CAPACITY_COUNTY_LEADER, 90).status().code(),
      absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(RateContact(LeaderActor(kLeader), v1::VISIT_CAPACITY_COUNTY_LEADER, 90).status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(RateContact("auditor:县审计局", v1::VISIT_CAPACITY_COUNTY_LEADER, 90).status().code(),
            absl::StatusCode::kPermissionDenied);
  const v1::ProjectState s = State();
  EXPECT_EQ(s.visits_size(), 0);
  EXPECT_EQ(s.ratings_size(), 0);
  EXPECT_EQ(CountEvents("project.VisitRecorded"), 0);
}

TEST_F(VisitsTest, TheOfficeKeysInAVisitLateOnTheVisitorsBehalf) {
  AdvanceTo(ChinaHour(2014, 6, 20, 10));
  auto out = Visit(kOffice, "现场查看", {}, kCadre, ChinaHour(2014, 6, 12, 15));
  ASSERT_TRUE(out.ok()) << out.status();
  const v1::ProjectState s = State();
  ASSERT_EQ(s.visits_size(), 1);
  const auto& r = s.visits(0).recorded();
  EXPECT_EQ(r.on(), "2014-06-12");
  EXPECT_EQ(r.recorded_by(), kOffice);
  EXPECT_TRUE(IsLateEntry(r.occurred_at_us(), r.recorded_at_us()));
  // 2014-06-1 was judged at 06-16 without it: the late entry counts in no
  // result (the tallies still show it).
  EXPECT_TRUE(s.visits(0).after_close());
  EXPECT_EQ(Result(v1::VISIT_CAPACITY_DEPARTMENT_CADRE, "2014-06-1").visits(), 0);
  EXPECT_EQ(VisitTallies(s).at(0).first_half(), 1);
  // The office must name the visitor.
  EXPECT_EQ(Visit(kOffice, "现场查看").status().code(), absl::StatusCode::kInvalidArgument);
}

// ---------------------------------------------------------------------------
// Bad input and retries.

TEST_F(VisitsTest, BadInputIsRefusedWithAClearError) {
  auto unknown =
      Visit(LeaderActor(kLeader), "了解", {}, "", std::nullopt, "2014-441823-30-01-000099");
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kNotFound);
  auto future = Visit(LeaderActor(kLeader), "了解", {}, "", ChinaHour(2014, 6, 2, 9));
  EXPECT_EQ(future.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(future.status().message(), HasSubstr("future"));
  auto empty = Visit(LeaderActor(kLeader), "  ");
  EXPECT_EQ(empty.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(empty.status().message(), HasSubstr("findings"));
  auto blank_problem = Visit(LeaderActor(kLeader), "了解", {"缺电", " "});
  EXPECT_EQ(blank_problem.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(blank_problem.status().message(), HasSubstr("problems #2"));
  // A leader records today only (no backdating allowance for leaders beyond
  // the policy's): the office keys in older ones.
  AdvanceTo(ChinaHour(2014, 6, 20, 10));
  auto old = Visit(LeaderActor(kLeader), "了解", {}, "", ChinaHour(2014, 6, 3, 10));
  EXPECT_EQ(old.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(State().visits_size(), 0);
  EXPECT_EQ(CountEvents("problem.Raised"), 0);
}

TEST_F(VisitsTest, ARetriedRequestReturnsTheFirstResultAndRaisesItsProblemsOnce) {
  v1::ProjectCommand c;
  c.mutable_visit()->set_findings("了解到用电报装未完成");
  c.mutable_visit()->add_problems("双回线路供电未落实");
  c.mutable_visit()->add_problems("施工便道未硬化");
  engine::CommandMeta meta = Meta(LeaderActor(kLeader));
  auto first = ledger_->ExecuteProject(kCode, c, meta);
  ASSERT_TRUE(first.ok()) << first.status();
  auto again = ledger_->ExecuteProject(kCode, c, meta);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->duplicate);
  EXPECT_EQ(again->loaded.version, first->loaded.version);
  Settle();
  EXPECT_EQ(State().visits_size(), 1);
  EXPECT_EQ(CountEvents("problem.Raised"), 2);
  auto problem = ledger_->GetProblem(absl::StrCat(kCode, "-V1-2"));
  ASSERT_TRUE(problem.has_value());
  EXPECT_EQ(problem->title(), "施工便道未硬化");
  EXPECT_EQ(problem->project_code(), kCode);
  EXPECT_EQ(problem->source().kind(), v1::PROBLEM_SOURCE_KIND_INSPECTION);
  EXPECT_EQ(problem->source().name(), "李欣走访");
  EXPECT_EQ(State().visits(0).recorded().problem_ids(0), absl::StrCat(kCode, "-V1-1"));
}

// A visit's photos and documents: checked as a node report's, blobs of the
// log named by the visit's event, kept in the project's photo library with
// the visit as their source; a retry stores them once; a command naming a
// photo it does not bring, or a bad reference, writes nothing.
TEST_F(VisitsTest, AVisitCarriesPhotosIntoTheProjectsLibrary) {
  const std::string photo = testing::Jpeg("现场施工"), scan = testing::Pdf("走访记录");
  google::protobuf::RepeatedPtrField<v1::Attachment> files;
  *files.Add() = testing::File("现场.jpg", kMediaJpeg, photo);
  *files.Add() = testing::File("记录.pdf", kMediaPdf, scan);
  auto checked = CheckAttachments(files, ledger_->attachment_policy(), false, "files");
  ASSERT_TRUE(checked.ok()) << checked.status();
  v1::ProjectCommand c;
  c.mutable_visit()->set_findings("现场查看主体施工");
  for (const auto& r : checked->refs) *c.mutable_visit()->add_attachments() = r;
  Settle();
  const uint64_t before = ledger_->AppliedPosition();

  // Without the bytes: refused, nothing written.
  auto missing = ledger_->ExecuteProject(kCode, c, Meta(LeaderActor(kLeader)));
  EXPECT_FALSE(missing.ok());
  Settle();
  EXPECT_EQ(ledger_->AppliedPosition(), before);
  // A reference with no digest: INVALID_ARGUMENT naming it.
  v1::ProjectCommand bad = c;
  bad.mutable_visit()->mutable_attachments(0)->set_sha256("");
  engine::CommandMeta bad_meta = Meta(LeaderActor(kLeader));
  bad_meta.blobs = checked->blobs;
  auto refused = ledger_->ExecuteProject(kCode, bad, bad_meta);
  ASSERT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(refused.status().message(), HasSubstr("attachments"));
  Settle();
  EXPECT_EQ(ledger_->AppliedPosition(), before);
  EXPECT_EQ(State().visits_size(), 0);

  // With them, on the last day of the month late in the evening.
  clock_.AdvanceTo(ChinaHour(2014, 6, 30, 23));
  engine::CommandMeta meta = Meta(LeaderActor(kLeader));
  meta.blobs = checked->blobs;
  auto first = ledger_->ExecuteProject(kCode, c, meta);
  ASSERT_TRUE(first.ok()) << first.status();
  auto again = ledger_->ExecuteProject(kCode, c, meta);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->duplicate);
  const v1::ProjectState s = State();
  ASSERT_EQ(s.visits_size(), 1);
  const v1::ProjectVisitRecorded& v = s.visits(0).recorded();
  ASSERT_EQ(v.attachments_size(), 2);
  EXPECT_EQ(v.attachments(0).sha256(), DigestHex(store::Sha256(photo)));
  EXPECT_EQ(v.attachments(1).media_type(), kMediaPdf);
  ASSERT_EQ(s.photos_size(), 2);
  EXPECT_EQ(s.photos(0).source(), "visit/1");
  EXPECT_EQ(s.photos(0).on(), "2014-06-30");
  EXPECT_EQ(s.photos(0).note(), "李欣走访：现场查看主体施工");
  EXPECT_EQ(s.photos(0).attachment().name(), "现场.jpg");
  // The bytes are the log's, named by the event's record.
  auto bytes = log_->GetBlob(store::Sha256(photo));
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  EXPECT_EQ(*bytes, photo);
  int records = 0;
  ASSERT_TRUE(log_->Scan(1,
                         [&](const store::RecordedEvent& e) {
                           if (e.record.type() != "project.VisitRecorded") return absl::OkStatus();
                           ++records;
                           EXPECT_EQ(e.record.blob_digests_size(), 2);
                           return absl::OkStatus();
                         })
                  .ok());
  EXPECT_EQ(records, 1);
  // The view's latest photos are the images only.
  const v1::ProjectView view = ledger_->project().View(s, clock_.Now());
  ASSERT_EQ(view.latest_photos_size(), 1);
  EXPECT_EQ(view.latest_photos(0).source(), "visit/1");
  EXPECT_EQ(view.last_photo_on(), "2014-06-30");
}

TEST_F(VisitsTest, AProblemLeftUnraisedByACrashIsRaisedOnceAtTheNextStart) {
  // The visit is written while no ledger follows the log (the process died
  // after the visit and before its reaction).
  CloseLedger();
  {
    auto log = store::OpenEventLog(dir_.path(), clock_);
    ASSERT_TRUE(log.ok()) << log.status();
    auto project = Project::Load(options_.policies_dir + "/" + options_.project_policy,
                                 options_.policies_dir + "/" + options_.project_ladder,
                                 options_.policies_dir + "/calendars",
                                 options_.policies_dir + "/" + options_.visit_policy);
    ASSERT_TRUE(project.ok()) << project.status();
    engine::AggregateStore<Project> store(**log, clock_, **project);
    v1::ProjectCommand c;
    c.mutable_visit()->set_findings("征地未完成");
    c.mutable_visit()->add_problems("14.5亩征地未完成");
    auto out = store.Execute(ProjectStream(kCode), c, Meta(LeaderActor(kLeader)));
    ASSERT_TRUE(out.ok()) << out.status();
  }
  OpenLedger();
  Settle();
  EXPECT_TRUE(ledger_->GetProblem(absl::StrCat(kCode, "-V1-1")).has_value());
  EXPECT_EQ(CountEvents("problem.Raised"), 1);
  CloseLedger();
  OpenLedger();
  Settle();
  EXPECT_EQ(CountEvents("problem.Raised"), 1);
}

// ---------------------------------------------------------------------------
// Ratings.

TEST_F(VisitsTest, TheEnterpriseRatesEachContactOncePerPeriodOnTheScale) {
  auto high = RateContact(kOwnerActor, v1::VISIT_CAPACITY_COUNTY_LEADER, 95);
  ASSERT_TRUE(high.ok()) << high.status();
  ASSERT_TRUE(RateContact(kOwnerActor, v1::VISIT_CAPACITY_TOWN_MEMBER, 60).ok());
  ASSERT_TRUE(RateContact(kOwnerActor, v1::VISIT_CAPACITY_DEPARTMENT_CADRE, 59).ok());
  auto second = RateContact(kOwnerActor, v1::VISIT_CAPACITY_COUNTY_LEADER, 40);
  EXPECT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(second.status().message(), HasSubstr("已评价（95 分，满意）"));
  EXPECT_EQ(RateContact(kOwnerActor, v1::VISIT_CAPACITY_COUNTY_LEADER, 101).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(RateContact(kOwnerActor, v1::VISIT_CAPACITY_COUNTY_LEADER, -1).status().code(),
            absl::StatusCode::kInvalidArgument);
  // The responsible leader is not a service contact; a later period is not
  // yet to be rated; a period before the registration is none of the
  // project's.
  EXPECT_EQ(RateContact(kOwnerActor, v1::VISIT_CAPACITY_RESPONSIBLE_LEADER, 90).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(RateContact(kOwnerActor, v1::VISIT_CAPACITY_TOWN_MEMBER, 90, "2014-07").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(RateContact(kOwnerActor, v1::VISIT_CAPACITY_TOWN_MEMBER, 90, "2014-05").status().code(),
            absl::StatusCode::kInvalidArgument);
  // In July, June may still be rated for a contact not rated for it.
  AdvanceTo(ChinaHour(2014, 7, 3, 10));
  ASSERT_TRUE(RateContact(kOwnerActor, v1::VISIT_CAPACITY_COUNTY_LEADER, 88).ok());
  EXPECT_EQ(RateContact(kOwnerActor, v1::VISIT_CAPACITY_TOWN_MEMBER, 70, "2014-06").status().code(),
            absl::StatusCode::kFailedPrecondition);
  std::vector<std::string> got;
  const v1::ProjectState rated = State();
  for (const auto& r : rated.ratings()) {
    got.push_back(absl::StrCat(r.period(), " ", r.contact(), " ", r.score(), " ", r.grade()));
  }
  EXPECT_EQ(got,
            (std::vector<std::string>{"2014-06 伍文超 95 满意", "2014-06 黎镇长 60 基本满意",
                                      "2014-06 陈干部 59 不满意", "2014-07 伍文超 88 基本满意"}));
}

// ---------------------------------------------------------------------------
// The policy.

TEST(VisitPolicyTest, TheShippedPolicyLoadsAndBadOnesNameTheLine) {
  auto shipped = LoadVisitPolicy(::taizhang::testing::SourceDir() +
                                 "/workflows/policies/visits/yangshan-2014.textproto");
  ASSERT_TRUE(shipped.ok()) << shipped.status();
  EXPECT_EQ(shipped->quotas_size(), 4);
  EXPECT_EQ(shipped->quotas(0).at_least(), 2);
  const std::string bad =
      "name: \"bad\"\n"
      "quotas { capacity: VISIT_CAPACITY_COUNTY_LEADER period: VISIT_PERIOD_KIND_MONTH at_least: 1 "
      "}\n"
      "quotas { capacity: VISIT_CAPACITY_OTHER period: VISIT_PERIOD_KIND_MONTH at_least: 0 }\n"
      "ladder { name: \"l\" rung { id: \"r\" name: \"预警\" consecutive_lights { light: "
      "LIGHT_YELLOW "
      "periods: 1 } recipients: [ROLE_SUPERVISION_OFFICE] issues: ISSUE_WARNING } }\n"
      "rating { min_score: 0 max_score: 100 period: VISIT_PERIOD_KIND_MONTH\n"
      "  grades { name: \"满意\" from_score: 10 } }\n";
  auto parsed = ParseVisitPolicy("bad.textproto", bad);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(parsed.status().message(), HasSubstr("bad.textproto:3: quotas #2: capacity"));
  EXPECT_THAT(parsed.status().message(), HasSubstr("bad.textproto:3: quotas #2: at_least is 0"));
  EXPECT_THAT(parsed.status().message(), HasSubstr("bad.textproto:6: rating.grades #1"));
  auto syntax = ParseVisitPolicy("syntax.textproto", "name: \"x\"\nquotas { nope: 1 }\n");
  ASSERT_FALSE(syntax.ok());
  EXPECT_THAT(syntax.status().message(), HasSubstr("syntax.textproto:2"));
}

}  // namespace
}  // namespace taizhang::workflows
