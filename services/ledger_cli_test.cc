#include "services/ledger_cli.h"

#include "gtest/gtest.h"
#include "taizhang/v1/api_ledger.pb.h"
#include "taizhang/v1/task.pb.h"

namespace taizhang::services {
namespace {

TEST(SetFieldsTest, NestedRepeatedEnumsAndNumbers) {
  v1::CreateTask t;
  ASSERT_TRUE(
      SetFields({"title=5号地块征地", "responsible_units=昆阳街道办",
                 "responsible_units=区自然资源局", "deadline.after_tasks.task_ids=a",
                 "deadline.after_tasks.rule.kind=calendar_days", "deadline.after_tasks.rule.n=45"},
                &t)
          .ok());
  EXPECT_EQ(t.title(), "5号地块征地");
  ASSERT_EQ(t.responsible_units_size(), 2);
  EXPECT_EQ(t.responsible_units(1), "区自然资源局");
  EXPECT_EQ(t.deadline().after_tasks().task_ids(0), "a");
  EXPECT_EQ(t.deadline().after_tasks().rule().kind(), v1::DeadlineRule::CALENDAR_DAYS);
  EXPECT_EQ(t.deadline().after_tasks().rule().n(), 45);
  // The enum's full name works too, and a value may contain '='.
  v1::CreateTask u;
  ASSERT_TRUE(SetFields({"deadline.rule.kind=FIXED_DATE", "description=a=b"}, &u).ok());
  EXPECT_EQ(u.deadline().rule().kind(), v1::DeadlineRule::FIXED_DATE);
  EXPECT_EQ(u.description(), "a=b");
}

TEST(SetFieldsTest, TimestampsAreChinaTime) {
  v1::CommandHeader h;
  ASSERT_TRUE(SetFields({"occurred_at=2020-07-15"}, &h).ok());
  EXPECT_EQ(h.occurred_at().seconds(), 1594742400);  // 2020-07-14T16:00:00Z
}

TEST(SetFieldsTest, MistakesNameTheAssignment) {
  v1::CreateTask t;
  struct Bad {
    const char* assignment;
    const char* says;
  };
  for (const Bad& b : std::vector<Bad>{
           {"title", "expected FIELD=VALUE"},
           {"=x", "expected FIELD=VALUE"},
           {"nope=1", "has no field 'nope'"},
           {"deadline=1", "is a message"},
           {"title.x=1", "has no fields"},
           {"deadline.rule.n=1.5", "not a 32-bit integer"},
           {"deadline.rule.n=99999999999", "not a 32-bit integer"},
           {"deadline.rule.kind=weekly", "expected one of"},
       }) {
    absl::Status s = SetFields({b.assignment}, &t);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << b.assignment;
    EXPECT_NE(s.message().find(b.says), absl::string_view::npos) << b.assignment << ": " << s;
  }
  EXPECT_EQ(t.ByteSizeLong(), 0u) << "a refused assignment sets nothing before it";
}

}  // namespace
}  // namespace taizhang::services
