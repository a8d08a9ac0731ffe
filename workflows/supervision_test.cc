#include "workflows/supervision.h"

#include <cstdlib>

#include "base/testing/files.h"
#include "engine/calendar.h"
#include "engine/deadline_rule.h"
#include "engine/text_proto.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "taizhang/v1/task.pb.h"

namespace taizhang::workflows {
namespace {

using ::testing::ElementsAre;

TEST(SupervisionTest, SlipNumbersNameTheStreamTheSubjectTheEpisodeAndTheRung) {
  EXPECT_EQ(SlipNumber("task/t1", "", 2, "notice"), "task/t1/2/notice");
  EXPECT_EQ(SlipNumber("case/c1", "item/filing", 1, "manual-3"), "case/c1/item/filing/1/manual-3");
}

TEST(SupervisionTest, RolesWithNobodyToFillThemAreLeftOut) {
  v1::SupervisionParties p;
  p.add_units("住建局");
  p.add_unit_heads("局长");
  p.add_units("自然资源局");
  google::protobuf::RepeatedField<int> roles;
  for (int r : {v1::ROLE_RESPONSIBLE_UNIT, v1::ROLE_UNIT_HEAD, v1::ROLE_SUPERVISION_OFFICE,
                v1::ROLE_RESPONSIBLE_LEADER}) {
    roles.Add(r);
  }
  std::vector<std::string> got;
  for (const auto& r : RecipientsFor(roles, p)) {
    got.push_back(absl::StrCat(v1::Role_Name(r.role()), " ", r.unit(), " ", r.person()));
  }
  EXPECT_THAT(got, ElementsAre("ROLE_RESPONSIBLE_UNIT 住建局 ", "ROLE_RESPONSIBLE_UNIT 自然资源局 ",
                               "ROLE_UNIT_HEAD 住建局 局长", "ROLE_UNIT_HEAD 自然资源局 "));
  p.set_office("督查室");
  p.set_leader("张副区长");
  EXPECT_EQ(RecipientsFor(roles, p).size(), 6u);
}

TEST(SupervisionTest, AManualRungCountsAsTheLadderRungItStandsFor) {
  SupervisedSubject s;
  s.id = "item/x";
  s.episode = 2;
  SupervisionRungs rungs;
  auto add = [&](const std::string& subject, int episode, const std::string& id, bool manual,
                 const std::string& stands_for) {
    v1::SupervisionRungRaised r;
    r.set_subject(subject);
    r.set_episode(episode);
    r.set_rung_id(id);
    r.set_manual(manual);
    r.set_stands_for_rung_id(stands_for);
    ApplyRaised(&rungs, r);
  };
  add("item/x", 1, "warning", false, "");        // an earlier episode
  add("item/y", 2, "notice", false, "");         // another subject
  add("item/x", 2, "manual-1", true, "notice");  // stands for the notice
  add("item/x", 2, "manual-2", true, "");        // stands for nothing
  add("item/x", 2, "warning", false, "");
  std::vector<std::string> ids;
  for (const auto& r : LadderSubjectOf(s, rungs).raised) ids.push_back(r.rung_id);
  EXPECT_THAT(ids, ElementsAre("notice", "warning"));
  EXPECT_EQ(ManualRungs(rungs), 2);
  EXPECT_EQ(OpenRungs(rungs, "item/x", 2), 3);
}

TEST(SupervisionTest, SlipKindsAreNamedAsTheOfficesNameThem) {
  EXPECT_EQ(SlipKindLabel(v1::ISSUE_REMINDER_SLIP, v1::SLIP_COLOUR_BLUE), "蓝色催办单");
  EXPECT_EQ(SlipKindLabel(v1::ISSUE_REMINDER_SLIP, v1::SLIP_COLOUR_RED), "红色催办单");
  EXPECT_EQ(SlipKindLabel(v1::ISSUE_REMINDER_SLIP, v1::SLIP_COLOUR_UNSPECIFIED), "催办单");
  EXPECT_EQ(SlipKindLabel(v1::ISSUE_ASSIGNMENT_SLIP, v1::SLIP_COLOUR_UNSPECIFIED), "交办单");
  EXPECT_EQ(SlipKindLabel(v1::ISSUE_SUPERVISION_NOTICE, v1::SLIP_COLOUR_UNSPECIFIED), "督办通知单");
  EXPECT_EQ(SlipKindLabel(v1::ISSUE_LISTING, v1::SLIP_COLOUR_UNSPECIFIED), "挂牌督办");
  EXPECT_EQ(SlipKindLabel(v1::ISSUE_INTERVIEW, v1::SLIP_COLOUR_UNSPECIFIED), "约谈");
}

TEST(SupervisionTest, AnsweringAndDelistingFollowTheSlip) {
  SupervisionRungs rungs;
  v1::SupervisionRungRaised r;
  r.set_slip_number("task/t/1/notice");
  r.set_episode(1);
  r.set_raised_at_us(100);
  r.set_rectification_due_at_us(1000);
  r.mutable_parties()->add_units("街道办");
  r.mutable_parties()->set_office("督查室");
  ApplyRaised(&rungs, r);
  Principal unit{Role::kDepartment, "街道办", ""};
  Principal office{Role::kSupervision, "督查室", ""};
  v1::AnswerSupervisionRung answer;
  answer.set_text("已整改");
  // Before it was issued: refused.
  EXPECT_EQ(AnswerRung(answer, rungs, "", 1, unit, absl::FromUnixMicros(99)).status().code(),
            absl::StatusCode::kInvalidArgument);
  auto a = AnswerRung(answer, rungs, "", 0, unit, absl::FromUnixMicros(1000));
  EXPECT_EQ(a.status().code(), absl::StatusCode::kFailedPrecondition);  // not in episode 0
  answer.set_slip_number("task/t/1/notice");
  a = AnswerRung(answer, rungs, "", 0, unit, absl::FromUnixMicros(1000));
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_TRUE(a->late());  // at the rectification limit
  ApplyAnswered(&rungs, *a);
  v1::DelistSupervisionRung delist;
  delist.set_slip_number("task/t/1/notice");
  EXPECT_EQ(DelistRung(delist, rungs, office, absl::FromUnixMicros(2000)).status().code(),
            absl::StatusCode::kInvalidArgument);  // no note
  delist.set_note("核实");
  EXPECT_EQ(DelistRung(delist, rungs, office, absl::FromUnixMicros(999)).status().code(),
            absl::StatusCode::kInvalidArgument);  // before the answer
  auto d = DelistRung(delist, rungs, office, absl::FromUnixMicros(2000));
  ASSERT_TRUE(d.ok()) << d.status();
  ApplyDelisted(&rungs, *d);
  EXPECT_TRUE(rungs[0].delisted());
  EXPECT_TRUE(rungs[0].answered_late());
}

using ::taizhang::testing::SourceDir;

// The 2019 amendment (劳动节 1–4 May, Sundays 28 April and 5 May worked) moves
// the rectification limit of a slip raised on 25 April: 5 working days were
// 26, 29, 30 April, 2 and 3 May on the first notice; on the amended one 26,
// 28, 29, 30 April and 5 May.
TEST(SupervisionTest, RectificationLimitsMoveWithAnAmendedCalendar) {
  v1::CalendarYear first;
  ASSERT_TRUE(engine::LoadTextProtoFile(
                  SourceDir() + "/workflows/testdata/first-notices/cn-2019.textproto", &first)
                  .ok());
  engine::WorkingDayCalendar before;
  ASSERT_TRUE(before.AddYear(first).ok());
  auto after =
      engine::WorkingDayCalendar::LoadDirectory(SourceDir() + "/workflows/policies/calendars");
  ASSERT_TRUE(after.ok());
  SupervisionRungs rungs;
  v1::SupervisionRungRaised r;
  r.set_slip_number("task/t/1/notice");
  r.set_raised_at_us(absl::ToUnixMicros(engine::StartOfDay(absl::CivilDay(2019, 4, 25))));
  r.set_rectification_working_days(5);
  const engine::DayResult due = before.AddWorkingDays(absl::CivilDay(2019, 4, 25), 5);
  ASSERT_EQ(engine::FormatDate(due.day), "2019-05-03");
  r.set_rectification_due_on(engine::FormatDate(due.day));
  r.set_rectification_due_at_us(absl::ToUnixMicros(engine::DueInstant(due.day)));
  ApplyRaised(&rungs, r);
  EXPECT_TRUE(RecomputeRectifications(rungs, before).empty());  // nothing changed
  auto moved = RecomputeRectifications(rungs, *after);
  ASSERT_EQ(moved.size(), 1u);
  EXPECT_EQ(moved[0].slip_number(), "task/t/1/notice");
  EXPECT_EQ(moved[0].old_deadline().due_date(), "2019-05-03");
  EXPECT_EQ(moved[0].new_deadline().due_date(), "2019-05-05");
  EXPECT_THAT(moved[0].calendar_version(), ::testing::StartsWith("cn-2019:"));
  v1::TaskEvent e;
  *e.mutable_deadline_recomputed() = moved[0];
  ASSERT_TRUE(ApplyRungEvent(e, &rungs));
  EXPECT_EQ(rungs[0].raised().rectification_due_on(), "2019-05-05");
  EXPECT_TRUE(RecomputeRectifications(rungs, *after).empty());  // once
  // An answered slip keeps its limit.
  rungs[0].set_answered(true);
  EXPECT_TRUE(RecomputeRectifications(rungs, before).empty());
}

}  // namespace
}  // namespace taizhang::workflows
