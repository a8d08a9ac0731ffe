#include "services/field_checks.h"

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "taizhang/v1/api_ledger.pb.h"
#include "taizhang/v1/problem.pb.h"
#include "taizhang/v1/task.pb.h"

namespace taizhang::services {
namespace {

TEST(FieldChecksTest, LimitsByWhatTheFieldIs) {
  const v1::TextLimits limits = EffectiveTextLimits({});
  EXPECT_EQ(limits.title(), kDefaultTitleChars);
  EXPECT_EQ(limits.reason(), kDefaultReasonChars);
  EXPECT_EQ(limits.free_text(), kDefaultFreeTextChars);
  std::string key;
  auto field = [](const google::protobuf::Descriptor* d,
                  const char* name) -> const google::protobuf::FieldDescriptor& {
    return *d->FindFieldByName(name);
  };
  EXPECT_EQ(TextLimitOf(field(v1::CreateTask::descriptor(), "title"), limits, &key), 200u);
  EXPECT_EQ(key, "text_limits.title");
  EXPECT_EQ(TextLimitOf(field(v1::AssignProblem::descriptor(), "measures"), limits, &key), 2000u);
  EXPECT_EQ(key, "text_limits.reason");
  EXPECT_EQ(TextLimitOf(field(v1::RequestTaskExtension::descriptor(), "reasons"), limits, &key),
            2000u);
  EXPECT_EQ(TextLimitOf(field(v1::CreateTask::descriptor(), "description"), limits, &key), 10000u);
  EXPECT_EQ(key, "text_limits.free_text");
  v1::TextLimits one = limits;
  (*one.mutable_field())["taizhang.v1.CreateTask.description"] = 7;
  EXPECT_EQ(TextLimitOf(field(v1::CreateTask::descriptor(), "description"), one, &key), 7u);
  EXPECT_EQ(key, "text_limits.field[\"taizhang.v1.CreateTask.description\"]");
}

TEST(FieldChecksTest, CountsCharactersNotBytesAndNamesThePath) {
  v1::TextLimits limits = EffectiveTextLimits({});
  limits.set_title(3);
  v1::TaskCommand c;
  c.mutable_create()->set_title("征地拆");  // 3 characters, 9 bytes
  c.mutable_create()->add_responsible_units("自然资源局");
  EXPECT_TRUE(CheckRequestFields(c, limits).ok());
  c.mutable_create()->set_title("征地拆迁");
  absl::Status s = CheckRequestFields(c, limits);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "create.title: 4 characters, more than the 3 allowed (text_limits.title in the "
            "server's configuration); shorten it");
  c.mutable_create()->set_title("征地");
  limits.set_free_text(4);
  s = CheckRequestFields(c, limits);
  EXPECT_TRUE(absl::StrContains(s.message(), "create.responsible_units[0]: 5 characters")) << s;
}

TEST(FieldChecksTest, UnknownEnumValuesAreNamedWithTheAcceptedOnes) {
  v1::ListRequest list;
  EXPECT_TRUE(CheckEnumFields(list).ok());
  list.set_light(v1::LIGHT_RED);
  EXPECT_TRUE(CheckEnumFields(list).ok());
  list.set_light(static_cast<v1::Light>(42));
  absl::Status s = CheckEnumFields(list);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(
      absl::StartsWith(s.message(), "light: unknown value 42; accepted: LIGHT_UNSPECIFIED = 0"))
      << s;
  // Nested and repeated enums, in commands too.
  v1::ProblemCommand c;
  c.mutable_raise()->mutable_source()->set_kind(static_cast<v1::ProblemSourceKind>(9));
  s = CheckRequestFields(c, EffectiveTextLimits({}));
  EXPECT_TRUE(absl::StartsWith(s.message(), "raise.source.kind: unknown value 9")) << s;
}

}  // namespace
}  // namespace taizhang::services
