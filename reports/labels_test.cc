#include "reports/labels.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "gtest/gtest.h"
#include "taizhang/v1/api_admin.pb.h"
#include "taizhang/v1/api_reports.pb.h"
#include "taizhang/v1/api_supervision.pb.h"
#include "taizhang/v1/approval_case.pb.h"
#include "taizhang/v1/assessment.pb.h"
#include "taizhang/v1/bulletin.pb.h"
#include "taizhang/v1/calendar.pb.h"
#include "taizhang/v1/campaign.pb.h"
#include "taizhang/v1/ladder.pb.h"
#include "taizhang/v1/meeting.pb.h"
#include "taizhang/v1/problem.pb.h"
#include "taizhang/v1/project.pb.h"
#include "taizhang/v1/task.pb.h"

namespace taizhang::reports {
namespace {

using google::protobuf::FileDescriptor;

// Every enum of every file of the schema that holds one, nested ones included.
std::vector<const google::protobuf::EnumDescriptor*> SchemaEnums() {
  std::vector<const FileDescriptor*> files = {
      v1::Light_descriptor()->file(),          v1::ApprovalCaseState::descriptor()->file(),
      v1::TaskState::descriptor()->file(),     v1::ProblemState::descriptor()->file(),
      v1::ProjectState::descriptor()->file(),  v1::Bulletin::descriptor()->file(),
      v1::Alert::descriptor()->file(),         v1::AdvanceClockRequest::descriptor()->file(),
      v1::Document::descriptor()->file(),      v1::Issue_descriptor()->file(),
      v1::DeadlineRule::descriptor()->file(),  v1::VisitPolicy::descriptor()->file(),
      v1::Assessment::descriptor()->file(),    v1::MeetingState::descriptor()->file(),
      v1::CampaignState::descriptor()->file(),
  };
  std::vector<const google::protobuf::EnumDescriptor*> out;
  std::function<void(const google::protobuf::Descriptor*)> nested =
      [&](const google::protobuf::Descriptor* m) {
        for (int e = 0; e < m->enum_type_count(); ++e) out.push_back(m->enum_type(e));
        for (int n = 0; n < m->nested_type_count(); ++n) nested(m->nested_type(n));
      };
  for (const FileDescriptor* f : files) {
    for (int e = 0; e < f->enum_type_count(); ++e) out.push_back(f->enum_type(e));
    for (int m = 0; m < f->message_type_count(); ++m) nested(f->message_type(m));
  }
  return out;
}

// Every file of the schema that declares an enum is in the list above, so a
// new file's enums cannot go unlabelled.
TEST(LabelsTest, TheListHoldsEveryFileWithAnEnum) {
  std::set<std::string> listed;
  for (const auto* e : SchemaEnums()) listed.insert(e->file()->name());
  const char* source = std::getenv("TAIZHANG_SOURCE_DIR");
  ASSERT_NE(source, nullptr);
  const std::filesystem::path dir = std::filesystem::path(source) / "proto/taizhang/v1";
  const std::regex declares_enum(R"(\n\s*enum \w+ \{)");
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    if (!std::regex_search(text.str(), declares_enum)) continue;
    ++files;
    EXPECT_TRUE(listed.contains("taizhang/v1/" + entry.path().filename().string()))
        << entry.path().filename();
  }
  EXPECT_GE(files, 11);
}

TEST(LabelsTest, EveryValueAPersonReadsHasAChineseLabel) {
  std::vector<std::string> missing;
  int labelled = 0;
  for (const auto* type : SchemaEnums()) {
    for (int i = 0; i < type->value_count(); ++i) {
      const auto* v = type->value(i);
      // The zero value is "not set"; a task's extension decision is the one
      // enum whose zero is a real state (待审批).
      bool zero_is_state = type->full_name() == "taizhang.v1.TaskExtensionRequest.Decision";
      if (v->number() == 0 && !zero_is_state) {
        EXPECT_EQ(Label(v), "") << v->full_name();
        continue;
      }
      if (Label(v).empty()) missing.push_back(v->full_name());
      ++labelled;
    }
  }
  EXPECT_THAT(missing, testing::IsEmpty());
  EXPECT_GT(labelled, 80);
}

TEST(LabelsTest, ReadsAsTheOfficesWriteThem) {
  EXPECT_EQ(Label(v1::PROJECT_STAGE_RESERVE_AGREEMENT), "储备（签订投资协议）");
  EXPECT_EQ(Label(v1::PROJECT_STAGE_UNDER_CONSTRUCTION), "在建");
  EXPECT_EQ(Label(v1::APPROVAL_CASE_STATUS_COMPLETED), "已办结");
  EXPECT_EQ(LightLabel(v1::LIGHT_RED), "红灯");
  EXPECT_EQ(LightLabel(v1::LIGHT_UNSPECIFIED), "");
  EXPECT_EQ(Label(static_cast<v1::Light>(42)), "42");
  EXPECT_EQ(RoleLabel("supervision:督查室"), "督查室");
  EXPECT_EQ(RoleLabel("leader:张副区长"), "分包领导");
  EXPECT_EQ(RoleLabel("not an actor"), "");
  EXPECT_EQ(DaysLeft(-2), "逾期 2");
}

TEST(LabelsTest, ParsesNamesShortNamesAndLabels) {
  const auto* stage = google::protobuf::GetEnumDescriptor<v1::ProjectStage>();
  EXPECT_EQ(ParseEnumValue(stage, "在建"),
            stage->FindValueByName("PROJECT_STAGE_UNDER_CONSTRUCTION"));
  EXPECT_EQ(ParseEnumValue(stage, "under_construction"),
            stage->FindValueByName("PROJECT_STAGE_UNDER_CONSTRUCTION"));
  EXPECT_EQ(ParseEnumValue(stage, "PROJECT_STAGE_COMPLETED"),
            stage->FindValueByName("PROJECT_STAGE_COMPLETED"));
  EXPECT_EQ(ParseEnumValue(stage, "建成"), nullptr);
}

}  // namespace
}  // namespace taizhang::reports
