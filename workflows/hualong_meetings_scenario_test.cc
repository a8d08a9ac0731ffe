// Hualong's weekly dispatch (华龙区: "坚持每周五上午召开全区重点项目建设周调度会制度，
// 及时破解项目建设疑难问题", and the office supervises "周调度会议确定的目标任务和
// 时间节点"), November 2017, on the shipped policies and the 2017 calendar:
//
//   Fri 11-10  第1次周调度会: three decided matters — land by 5 working days,
//              a permit by a fixed day (11-24), project filing in 10 calendar
//              days.
//   Thu 11-16  the land matter is done, in time.
//   Fri 11-17  第2次: the permit and the filing are listed as open, without
//              anyone copying them; one new matter.
//   11-20..26  no meeting that week: judged red on Monday 11-27, one warning
//              to the office (and its alert); the office answers and delists.
//   Tue 11-28  the permit is done, late.
//   Fri 12-01  第3次: the filing (still open, overdue) and the new matter are
//              listed; the permit, done on 11-28, is not.
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "workflows/alerts.h"
#include "workflows/bulletin_log.h"
#include "workflows/meeting.h"
#include "workflows/principal.h"
#include "workflows/testing/china_hour.h"
#include "workflows/testing/ledger_fixture.h"

namespace taizhang::workflows {
namespace {

using testing::ChinaHour;
using ::testing::ElementsAre;

constexpr char kOffice[] = "supervision:区重点办";
constexpr char kLand[] = "区国土资源局";
constexpr char kHousing[] = "区住建局";
constexpr char kReform[] = "区发改委";
constexpr char kSeries[] = "hualong-weekly";

v1::DecidedMatter Matter(const std::string& text, std::vector<std::string> units,
                         v1::DeadlineRule::Kind kind, int n, const std::string& fixed = "") {
  v1::DecidedMatter m;
  m.set_text(text);
  for (auto& u : units) m.add_responsible_units(u);
  m.mutable_limit()->set_kind(kind);
  m.mutable_limit()->set_n(n);
  m.mutable_limit()->set_fixed_date(fixed);
  m.set_leader("王副区长");
  return m;
}

class HualongMeetingsScenarioTest : public testing::LedgerFixture {
 protected:
  HualongMeetingsScenarioTest() : LedgerFixture(ChinaHour(2017, 11, 6, 9)) {}

  void At(int m, int d, int h = 10) {
    clock_.AdvanceTo(ChinaHour(2017, m, d, h));
    Settle();
  }
  void Dispatch(const std::string& id, const std::string& title,
                std::vector<v1::DecidedMatter> matters) {
    v1::MeetingCommand c;
    v1::RecordMeeting* r = c.mutable_record();
    r->set_meeting_id(id);
    r->set_kind(v1::MEETING_KIND_WEEKLY_DISPATCH);
    r->set_series_id(kSeries);
    r->set_title(title);
    r->set_chair("区长");
    for (const char* u : {kLand, kHousing, kReform}) r->add_units_present(u);
    r->set_minutes("听取重点项目推进情况汇报，现场协调解决疑难问题");
    for (auto& m : matters) *r->add_matters() = std::move(m);
    auto out = ledger_->Execute<Meeting>(id, c, Meta(kOffice));
    ASSERT_TRUE(out.ok()) << out.status();
    Settle();
  }
  v1::MeetingView Record(const std::string& id) {
    return ledger_->MeetingRecordOf(*ledger_->workflow<Meeting>().Get(id), clock_.Now());
  }
  std::vector<std::string> CarriedOver(const std::string& id) {
    std::vector<std::string> out;
    const v1::MeetingView record = Record(id);
    for (const auto& m : record.carried_over()) out.push_back(m.task_id());
    return out;
  }
  v1::MeetingSeriesState Series() { return *ledger_->workflow<MeetingSeries>().Get(kSeries); }
};

TEST_F(HualongMeetingsScenarioTest, WeeklyDispatchOfNovember2017) {
  v1::MeetingSeriesCommand declare;
  declare.mutable_declare()->set_series_id(kSeries);
  declare.mutable_declare()->set_name("全区重点项目建设周调度会");
  declare.mutable_declare()->set_rhythm_policy("hualong-weekly-friday");
  declare.mutable_declare()->set_chair("区长");
  ASSERT_TRUE(ledger_->Execute<MeetingSeries>(kSeries, declare, Meta(kOffice)).ok());

  At(11, 10, 9);
  Dispatch("2017-w45", "第1次周调度会",
           {Matter("完成龙都置业地块征地", {kLand}, v1::DeadlineRule::WORKING_DAYS, 5),
            Matter("办结施工许可", {kHousing}, v1::DeadlineRule::FIXED_DATE, 0, "2017-11-24"),
            Matter("项目入省重点项目库", {kReform, kLand}, v1::DeadlineRule::CALENDAR_DAYS, 10)});
  EXPECT_EQ(ledger_->GetTask("matter-2017-w45-1")->due_date(), "2017-11-17");
  EXPECT_EQ(ledger_->GetTask("matter-2017-w45-3")->due_date(), "2017-11-20");
  EXPECT_EQ(ledger_->GetTask("matter-2017-w45-1")->responsible_leader(), "王副区长");

  At(11, 16);
  CompleteTask("matter-2017-w45-1", kLand);

  At(11, 17, 9);
  Dispatch("2017-w46", "第2次周调度会",
           {Matter("落实施工用电", {kHousing}, v1::DeadlineRule::WORKING_DAYS, 10)});
  EXPECT_THAT(CarriedOver("2017-w46"), ElementsAre("matter-2017-w45-2", "matter-2017-w45-3"));

  // No meeting in the week of 11-20: judged red when it ends.
  At(11, 26, 23);
  EXPECT_EQ(Series().rungs_size(), 0);
  At(11, 27, 8);
  v1::MeetingSeriesState s = Series();
  ASSERT_EQ(s.periods_size(), 3);
  EXPECT_EQ(s.periods(0).light(), v1::LIGHT_GREEN);
  EXPECT_EQ(s.periods(1).light(), v1::LIGHT_GREEN);
  EXPECT_EQ(s.periods(2).light(), v1::LIGHT_RED);
  EXPECT_EQ(s.periods(2).start(), "2017-11-20");
  ASSERT_EQ(s.rungs_size(), 1);
  const v1::SupervisionRungRaised& raised = s.rungs(0).raised();
  EXPECT_EQ(raised.issues(), v1::ISSUE_WARNING);
  EXPECT_EQ(raised.subject(), "rhythm");

  // The rung is alerted to the office, once.
  int alerts = 0;
  auto records = log_->ReadAll(1, 100000);
  ASSERT_TRUE(records.ok());
  for (const auto& e : *records) {
    if (e.record.type() != "series.RungRaised") continue;
    for (const v1::Alert& a : AlertsFor(e)) {
      ++alerts;
      ASSERT_EQ(a.recipients_size(), 1);
      EXPECT_EQ(a.recipients(0).unit(), "区重点办");
    }
  }
  EXPECT_EQ(alerts, 1);

  // The office answers its own warning and delists it.
  v1::MeetingSeriesCommand answer;
  answer.mutable_answer_rung()->set_text("区长赴省汇报，本周调度会顺延");
  ASSERT_TRUE(ledger_->Execute<MeetingSeries>(kSeries, answer, Meta("department:区住建局"))
                  .status()
                  .code() == absl::StatusCode::kPermissionDenied);
  auto answered = ledger_->Execute<MeetingSeries>(kSeries, answer, Meta(kOffice));
  ASSERT_TRUE(answered.ok()) << answered.status();
  v1::MeetingSeriesCommand delist;
  delist.mutable_delist_rung()->set_slip_number(raised.slip_number());
  delist.mutable_delist_rung()->set_note("已补开");
  ASSERT_TRUE(ledger_->Execute<MeetingSeries>(kSeries, delist, Meta(kOffice)).ok());
  Settle();
  EXPECT_TRUE(Series().rungs(0).delisted());

  At(11, 28);
  CompleteTask("matter-2017-w45-2", kHousing);

  At(12, 1, 9);
  Dispatch("2017-w48", "第3次周调度会", {});
  EXPECT_THAT(CarriedOver("2017-w48"), ElementsAre("matter-2017-w45-3", "matter-2017-w46-1"));
  const v1::MeetingView w48 = Record("2017-w48");
  EXPECT_EQ(w48.carried_over(0).status(), v1::MATTER_STATUS_OVERDUE);

  // The first meeting's record: one on time, one late, one open past its limit.
  const v1::MeetingView w45 = Record("2017-w45");
  EXPECT_EQ(w45.matters_total(), 3);
  EXPECT_EQ(w45.matters_done(), 2);
  EXPECT_EQ(w45.matters_on_time(), 1);
  EXPECT_EQ(w45.matters_late(), 2);
  EXPECT_EQ(w45.matters_open(), 1);
  EXPECT_EQ(w45.matters(1).status(), v1::MATTER_STATUS_DONE_LATE);
  EXPECT_EQ(w45.matters(1).done_on(), "2017-11-28");
  // The open matter is chased by the task ladder like any task.
  EXPECT_GT(ledger_->GetTask("matter-2017-w45-3")->rungs_size(), 0);
  EXPECT_EQ(Series().meetings_size(), 3);

  // November's bulletin: the two meetings held in it, and per unit the
  // matters open and overdue at the end of 11-30 and done in the month.
  auto bulletin = ledger_->BulletinFor("2017-11");
  ASSERT_TRUE(bulletin.ok()) << bulletin.status();
  ASSERT_EQ(bulletin->meetings_size(), 2);
  EXPECT_EQ(bulletin->meetings(0).meeting_id(), "2017-w45");
  EXPECT_EQ(bulletin->meetings(0).matters(), 3);
  EXPECT_EQ(bulletin->meetings(0).done(), 2);
  EXPECT_EQ(bulletin->meetings(0).late(), 2);
  EXPECT_EQ(bulletin->meetings(0).open(), 1);
  EXPECT_EQ(bulletin->meetings(1).open(), 1);
  std::map<std::string, v1::BulletinUnitMatters> units;
  for (const auto& u : bulletin->unit_matters()) units[u.unit()] = u;
  ASSERT_EQ(units.size(), 3u);
  EXPECT_EQ(units[kReform].open(), 1);
  EXPECT_EQ(units[kReform].overdue(), 1);
  EXPECT_EQ(units[kLand].open(), 1);
  EXPECT_EQ(units[kLand].done_in_month(), 1);
  EXPECT_EQ(units[kLand].done_late_in_month(), 0);
  EXPECT_EQ(units[kHousing].open(), 1);  // due 12-01: not yet overdue at the close
  EXPECT_EQ(units[kHousing].overdue(), 0);
  EXPECT_EQ(units[kHousing].done_late_in_month(), 1);
  // The same figures from the log alone (what a publication is checked by).
  auto replayed = BulletinAtPosition(*ledger_, absl::CivilMonth(2017, 11), 0);
  ASSERT_TRUE(replayed.ok()) << replayed.status();
  EXPECT_EQ(replayed->meetings_size(), 2);
  EXPECT_EQ(replayed->unit_matters_size(), 3);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(replayed->unit_matters(i).SerializeAsString(),
              bulletin->unit_matters(i).SerializeAsString());
  }
}

}  // namespace
}  // namespace taizhang::workflows
