// taizhang-verify against the real daemon: a backup of a server that ran the
// workflows (deadlines fired, the ladder climbed, checkpoints signed), checked
// away from it with the server's public key and a checkpoint kept outside,
// gives the state digest `taizhang digest` gave; an altered backup does not
// pass.
#include <filesystem>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "services/testing/server_harness.h"
#include "store/testing/tamperer.h"
#include "taizhang/v1/api_audit.pb.h"

namespace taizhang {
namespace {

using ::testing::HasSubstr;

class VerifyServerTest : public testing::DaemonFixture {
 protected:
  void SetUp() override {
    StartWith({{"admin", "admin", "ops"},
               {"office", "supervision", "区政府目督办"},
               {"resources", "department", "区自然资源局"},
               {"auditor", "auditor", "区审计局"}},
              {"--clock", "manual", "--start", "2020-06-29"});
  }
  testing::CommandResult Verify(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {TAIZHANG_VERIFY_PATH};
    argv.insert(argv.end(), args.begin(), args.end());
    return testing::RunCommand(argv);
  }
};

TEST_F(VerifyServerTest, ABackupVerifiedAwayFromTheServerGivesItsStateDigest) {
  for (const char* id : {"t1", "t2", "t3"}) {
    Ok("office", {"task", "create", id, "project_code=2020-530115-72-01-000001",
                  absl::StrCat("title=任务", id), "responsible_units=区自然资源局",
                  "deadline.rule.kind=fixed_date", "deadline.rule.fixed_date=2020-07-10"});
  }
  Ok("resources", {"task", "complete", "t1", "text=完成"});
  for (const char* day : {"2020-07-11", "2020-07-14", "2020-07-20"}) ClockTo(day);

  testing::CommandResult signed_c = Cli("auditor", {"--json", "checkpoint", "sign"});
  ASSERT_EQ(signed_c.exit_code, 0) << signed_c.err;
  v1::SignCheckpointResponse made;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(signed_c.out, &made).ok())
      << signed_c.out;
  std::string anchor;
  ASSERT_TRUE(google::protobuf::util::MessageToJsonString(made.checkpoint(), &anchor).ok());
  testing::WriteFile(dir_ / "anchor.json", anchor);
  testing::CommandResult pem =
      Cli("auditor", {"checkpoint", "keys", "--pem", made.checkpoint().key_id()});
  ASSERT_EQ(pem.exit_code, 0) << pem.err;
  testing::WriteFile(dir_ / "server.pem", pem.out);

  testing::CommandResult digest_out = Cli("auditor", {"--json", "digest"});
  ASSERT_EQ(digest_out.exit_code, 0) << digest_out.err;
  v1::StateDigest digest;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(digest_out.out, &digest).ok());
  EXPECT_EQ(digest.digest().size(), 64u);
  EXPECT_GE(digest.streams(), 3u);
  testing::CommandResult human = Cli("auditor", {"digest"});
  EXPECT_THAT(human.out, HasSubstr(absl::StrCat("状态摘要  ", digest.digest())));
  // Not for a department.
  EXPECT_NE(Cli("resources", {"digest"}).exit_code, 0);

  const std::string backup = dir_ / "backup";
  Ok("admin", {"backup", backup});

  testing::CommandResult v =
      Verify({backup, "--key", dir_ / "server.pem", "--anchor", dir_ / "anchor.json", "--through",
              std::to_string(digest.position())});
  EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  EXPECT_THAT(v.out, HasSubstr(absl::StrCat("状态摘要  ", digest.digest())));
  EXPECT_THAT(v.out, HasSubstr("核验通过"));
  EXPECT_THAT(v.out, HasSubstr("外部检查点 1 个"));

  // The backup altered: one record's actor changed.
  {
    store::testing::Tamperer t(backup);
    v1::EventRecord rec;
    ASSERT_TRUE(rec.ParseFromString(t.Get(5)));
    rec.set_actor("department:另一个单位");
    t.Put(5, rec.SerializeAsString());
  }
  v = Verify({backup, "--key", dir_ / "server.pem"});
  EXPECT_EQ(v.exit_code, 1) << v.out;
  EXPECT_THAT(v.out, HasSubstr("不符      第 6 条"));
  EXPECT_THAT(v.out, HasSubstr("核验未通过"));

  // A wrong command line.
  EXPECT_EQ(Verify({}).exit_code, 2);
  EXPECT_EQ(Verify({backup, "--key", "not a key"}).exit_code, 2);
}

}  // namespace
}  // namespace taizhang
