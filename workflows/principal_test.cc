#include "workflows/principal.h"

#include "gtest/gtest.h"

namespace taizhang::workflows {
namespace {

TEST(PrincipalTest, RoundTripsChineseNames) {
  auto p = ParseActor("department:自然资源局:李四");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->role, Role::kDepartment);
  EXPECT_EQ(p->unit, "自然资源局");
  EXPECT_EQ(p->person, "李四");
  EXPECT_EQ(p->ToActor(), "department:自然资源局:李四");
}

TEST(PrincipalTest, RejectsMalformedActors) {
  EXPECT_FALSE(ParseActor("").ok());
  EXPECT_FALSE(ParseActor("department").ok());
  EXPECT_FALSE(ParseActor("department:").ok());
  EXPECT_FALSE(ParseActor("mayor:city").ok());
}

}  // namespace
}  // namespace taizhang::workflows
