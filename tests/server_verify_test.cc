// taizhang-verify against the real daemon: a backup of a server that ran the
// workflows (deadlines fired, the ladder climbed, checkpoints signed), checked
// away from it with the server's public key and a checkpoint kept outside,
// gives the state digest `taizhang digest` gave; an altered backup does not
// pass.
#include <filesystem>
#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
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

  // An export bundle of the log up to the digest's position, checked by the
  // CLI as it arrives, then away from the server: the same digest.
  const std::string bundle = dir_ / "ledger.tzb";
  testing::CommandResult exported =
      Cli("auditor", {"bundle", "export", "--to", std::to_string(digest.position()), "--out",
                      bundle, "--key", dir_ / "server.pem"});
  ASSERT_EQ(exported.exit_code, 0) << exported.err << exported.out;
  EXPECT_THAT(exported.out, HasSubstr(absl::StrCat("第 1–", digest.position(), " 条")));
  EXPECT_THAT(exported.out, HasSubstr("本地核验通过"));
  EXPECT_FALSE(std::filesystem::exists(bundle + ".partial"));
  testing::CommandResult from_bundle = Verify({"--bundle", bundle, "--key", dir_ / "server.pem"});
  EXPECT_EQ(from_bundle.exit_code, 0) << from_bundle.out << from_bundle.err;
  EXPECT_THAT(from_bundle.out, HasSubstr(absl::StrCat("状态摘要  ", digest.digest())));
  EXPECT_THAT(from_bundle.out, HasSubstr("导出包    第 1–"));
  EXPECT_THAT(from_bundle.out, HasSubstr("auditor:区审计局"));
  testing::CommandResult as_json =
      Verify({"--json", "--bundle", bundle, "--key", dir_ / "server.pem"});
  EXPECT_EQ(as_json.exit_code, 0) << as_json.out << as_json.err;
  google::protobuf::Struct report;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(as_json.out, &report).ok())
      << as_json.out;
  EXPECT_TRUE(report.fields().at("ok").bool_value());
  EXPECT_EQ(report.fields().at("state_digest").string_value(), digest.digest());
  EXPECT_EQ(report.fields().at("bundle").struct_value().fields().at("to").number_value(),
            static_cast<double>(digest.position()));
  // Not over a file that exists, not for a department, and nothing left.
  EXPECT_EQ(Cli("auditor", {"bundle", "export", "--out", bundle}).exit_code, 2);
  const std::string theirs = dir_ / "theirs.tzb";
  EXPECT_NE(Cli("resources", {"bundle", "export", "--out", theirs}).exit_code, 0);
  EXPECT_FALSE(std::filesystem::exists(theirs));
  EXPECT_FALSE(std::filesystem::exists(theirs + ".partial"));
  // A range beyond the log is refused before anything is written.
  testing::CommandResult beyond =
      Cli("auditor", {"bundle", "export", "--to", "999999", "--out", dir_ / "beyond.tzb"});
  EXPECT_EQ(beyond.exit_code, 1) << beyond.err;
  EXPECT_THAT(beyond.err, HasSubstr("日志只有"));
  // A bundle with a byte changed does not pass.
  {
    std::fstream f(bundle, std::ios::in | std::ios::out | std::ios::binary);
    const auto middle = static_cast<std::streamoff>(std::filesystem::file_size(bundle) / 2);
    f.seekg(middle);
    const char byte = static_cast<char>(f.get());
    f.seekp(middle);
    f.put(static_cast<char>(byte ^ 0x01));
  }
  testing::CommandResult changed = Verify({"--bundle", bundle, "--key", dir_ / "server.pem"});
  EXPECT_EQ(changed.exit_code, 1) << changed.out;
  EXPECT_THAT(changed.out, HasSubstr("核验未通过"));
  EXPECT_EQ(Verify({"--bundle", bundle, dir_ / "data"}).exit_code, 2);

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
