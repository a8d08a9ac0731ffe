// The stored event type names are forever: this test pins every one. A name
// that changes here is a new event type, and every stored log that holds the
// old one would no longer replay: add a new oneof field instead of renaming.
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "base/testing/files.h"
#include "engine/event_type.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "taizhang/v1/approval_case.pb.h"
#include "taizhang/v1/bulletin.pb.h"
#include "taizhang/v1/problem.pb.h"
#include "taizhang/v1/project.pb.h"
#include "taizhang/v1/task.pb.h"
#include "workflows/approval_case.h"
#include "workflows/bulletin_log.h"
#include "workflows/campaign.h"
#include "workflows/meeting.h"
#include "workflows/problem.h"
#include "workflows/project.h"
#include "workflows/task.h"
#include "workflows/testing/shipped_project.h"

namespace taizhang::workflows {
namespace {

using ::testing::ElementsAreArray;

std::string Policies() { return ::taizhang::testing::PoliciesDir(); }

// The type name each aggregate's EventType gives each kind of its events, in
// field-number order.
template <class A>
std::vector<std::string> TypesOf(const A& aggregate) {
  using Envelope = typename A::Event;
  const google::protobuf::OneofDescriptor* kinds = Envelope::descriptor()->oneof_decl(0);
  std::vector<std::string> out;
  for (int i = 0; i < kinds->field_count(); ++i) {
    Envelope e;
    e.GetReflection()->MutableMessage(&e, kinds->field(i));
    out.push_back(aggregate.EventType(e));
  }
  return out;
}

class EventTypesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string p = Policies();
    auto c = ApprovalCase::Load(p + "/approval", p + "/ladders", p + "/calendars");
    auto t = Task::Load(p + "/tasks/jinning-2020.textproto", p + "/ladders", p + "/calendars");
    auto q = Problem::Load(p + "/tasks/jinning-2020.textproto", p + "/ladders", p + "/calendars");
    auto j = testing::LoadShippedProject();
    ASSERT_TRUE(c.ok() && t.ok() && q.ok() && j.ok());
    case_ = std::move(*c);
    task_ = std::move(*t);
    problem_ = std::move(*q);
    project_ = std::move(*j);
  }
  std::unique_ptr<ApprovalCase> case_;
  std::unique_ptr<Task> task_;
  std::unique_ptr<Problem> problem_;
  std::unique_ptr<Project> project_;
};

TEST_F(EventTypesTest, CaseEventNamesArePinned) {
  EXPECT_THAT(TypesOf(*case_), ElementsAreArray({"case.Opened",
                                                 "case.ItemSubmitted",
                                                 "case.ItemAccepted",
                                                 "case.DocumentsSupplied",
                                                 "case.ItemSuspended",
                                                 "case.ItemResumed",
                                                 "case.ItemReportedUp",
                                                 "case.ItemApproved",
                                                 "case.ItemRejected",
                                                 "case.ItemReturned",
                                                 "case.ItemDeemedApproved",
                                                 "case.ExtensionGranted",
                                                 "case.LightChanged",
                                                 "case.RungRaised",
                                                 "case.RungAnswered",
                                                 "case.CommitmentMissed",
                                                 "case.DeadlineRecomputed",
                                                 "case.ClockStopped",
                                                 "case.ClockResumed",
                                                 "case.Completed",
                                                 "case.Ended",
                                                 "case.Withdrawn",
                                                 "case.RungDelisted"}));
}

TEST_F(EventTypesTest, TaskEventNamesArePinned) {
  EXPECT_THAT(
      TypesOf(*task_),
      ElementsAreArray({"task.Created", "task.ProgressReported", "task.Completed",
                        "task.ExtensionRequested", "task.ExtensionGranted", "task.ExtensionRefused",
                        "task.PrerequisiteRecorded", "task.DueDateFixed", "task.LightChanged",
                        "task.RungRaised", "task.RungAnswered", "task.DeadlineRecomputed",
                        "task.RungDelisted"}));
}

TEST_F(EventTypesTest, ProblemEventNamesArePinned) {
  EXPECT_THAT(
      TypesOf(*problem_),
      ElementsAreArray({"problem.Raised", "problem.Assigned", "problem.Answered",
                        "problem.Resolved", "problem.Verified", "problem.Reopened",
                        "problem.LightChanged", "problem.RungRaised", "problem.RungAnswered",
                        "problem.DeadlineRecomputed", "problem.RungDelisted"}));
}

TEST_F(EventTypesTest, ProjectEventNamesArePinned) {
  EXPECT_THAT(TypesOf(*project_),
              ElementsAreArray(
                  {"project.Registered", "project.AnnualPlanSet", "project.StageAdvanced",
                   "project.NodePlanned", "project.NodeDone", "project.InvestmentReported",
                   "project.MonthClosed", "project.LightChanged", "project.RungRaised",
                   "project.RungAnswered", "project.DeadlineRecomputed", "project.RungDelisted",
                   // 图片库
                   "project.ImageProgressRecorded",
                   // 走访
                   "project.VisitRecorded", "project.ServiceRated", "project.VisitPeriodClosed",
                   // 集中开工
                   "project.CampaignJoined"}));
}

TEST(MeetingEventTypesTest, SeriesAndMeetingEventNamesArePinned) {
  const std::string p = Policies();
  auto series = MeetingSeries::Load(p + "/meetings", p + "/ladders", p + "/calendars");
  auto meeting = Meeting::Load(p + "/calendars");
  ASSERT_TRUE(series.ok()) << series.status();
  ASSERT_TRUE(meeting.ok()) << meeting.status();
  EXPECT_THAT(TypesOf(**series),
              ElementsAreArray({"series.Declared", "series.MeetingRecorded", "series.PeriodClosed",
                                "series.RungRaised", "series.RungAnswered", "series.RungDelisted",
                                "series.DeadlineRecomputed"}));
  EXPECT_THAT(TypesOf(**meeting),
              ElementsAreArray({"meeting.Recorded", "meeting.DeadlineRecomputed"}));
}

TEST(CampaignEventTypesTest, CampaignEventNamesArePinned) {
  Campaign campaign;
  EXPECT_THAT(TypesOf(campaign),
              ElementsAreArray({"campaign.Declared", "campaign.DeadlineRecomputed"}));
}

// The bulletin streams are appended by the server, not by an aggregate; their
// one event type is pinned the same way.
TEST(BulletinEventTypesTest, PublishedIsPinned) {
  const google::protobuf::OneofDescriptor* kinds = v1::BulletinEvent::descriptor()->oneof_decl(0);
  std::vector<std::string> names;
  for (int i = 0; i < kinds->field_count(); ++i) {
    v1::BulletinEvent e;
    e.GetReflection()->MutableMessage(&e, kinds->field(i));
    names.push_back(engine::EventTypeName("bulletin", e));
  }
  EXPECT_THAT(names, ElementsAreArray({"bulletin.Published"}));
  EXPECT_EQ(names[0], kBulletinPublishedType);
  EXPECT_STREQ(kBulletinStreamPrefix, "bulletin/");
}

TEST_F(EventTypesTest, AnEmptyEnvelopeIsUnknown) {
  EXPECT_EQ(task_->EventType(v1::TaskEvent()), "task.Unknown");
  EXPECT_EQ(case_->EventType(v1::ApprovalCaseEvent()), "case.Unknown");
  EXPECT_EQ(engine::EventTypeName("case", "item_deemed_approved"), "case.ItemDeemedApproved");
}

// The supervision events have one message type whatever the aggregate, so
// alerts, the bulletin and exports read them one way.
TEST(EventTypesSchemaTest, SupervisionEventsShareOneMessageType) {
  for (const google::protobuf::Descriptor* d :
       {v1::ApprovalCaseEvent::descriptor(), v1::TaskEvent::descriptor(),
        v1::ProblemEvent::descriptor(), v1::ProjectEvent::descriptor()}) {
    for (const char* field : {"rung_raised", "rung_answered", "rung_delisted", "light_changed",
                              "deadline_recomputed"}) {
      const google::protobuf::FieldDescriptor* f = d->FindFieldByName(field);
      ASSERT_NE(f, nullptr) << d->name() << "." << field;
      EXPECT_EQ(f->message_type()->file()->name(), "taizhang/v1/supervision.proto")
          << d->name() << "." << field;
    }
  }
}

}  // namespace
}  // namespace taizhang::workflows
