// A full disk and a failing fsync reach the whole server (taizhangd
// --inject-faults FILE): the command under way and every one after it are
// refused UNAVAILABLE saying why, /healthz and gRPC health report it, reads
// and alert streams go on; after the cause is cleared and the server
// restarts, nothing acknowledged is lost and the refused commands, retried
// with their request ids, land exactly once.
#include <filesystem>
#include <map>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/testing/http_client.h"
#include "services/testing/server_harness.h"
#include "taizhang/v1/task.pb.h"

namespace taizhang {
namespace {

using testing::Call;
using testing::Connect;
using ::testing::HasSubstr;

constexpr char kOffice[] = "office-0123456789abcdef";
constexpr char kAuditor[] = "auditor-0123456789abcdef";

grpc::Status CreateTask(const std::shared_ptr<grpc::Channel>& channel, const std::string& id,
                        const std::string& due_date = "") {
  return testing::CreateTask(channel, kOffice, id, due_date);
}

class FaultTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    testing::WriteFile(dir_ / "tokens.textproto",
                       absl::StrCat(testing::TokenLine("admin-0123456789abcdef", "admin", "ops"),
                                    testing::TokenLine(kOffice, "supervision", "区政府目督办"),
                                    testing::TokenLine(kAuditor, "auditor", "区审计局")));
  }
  std::unique_ptr<testing::Daemon> Start() {
    return testing::StartDaemon(dir_, {"--clock", "manual", "--start", "2020-06-29", "--http",
                                       "127.0.0.1:0", "--inject-faults", control_});
  }
  // Each request id's events in the log (the server stopped).
  std::map<std::string, int> Landed() {
    std::map<std::string, int> out;
    ManualClock clock(testing::TestStart());
    store::Options options;
    options.create_if_missing = false;
    options.read_only = true;
    auto log = store::OpenEventLog(dir_ / "data", clock, options);
    EXPECT_TRUE(log.ok()) << log.status();
    if (!log.ok()) return out;
    auto v = (*log)->Verify(1, 0);
    EXPECT_TRUE(v.ok() && v->ok);
    EXPECT_TRUE((*log)
                    ->Scan(1,
                           [&](const store::RecordedEvent& e) {
                             v1::TaskEvent event;
                             if (event.ParseFromString(e.record.payload()) && event.has_created()) {
                               ++out[event.created().task_id()];
                             }
                             return absl::OkStatus();
                           })
                    .ok());
    return out;
  }

  testing::TempDir dir_;
  const std::string control_ = dir_ / "disk";
};

TEST_P(FaultTest, WritesAreRefusedSayingWhyAndNothingAcknowledgedIsLost) {
  auto d = Start();
  ASSERT_NE(d, nullptr);
  const std::string http = testing::HttpAddress(*d);
  auto channel = Connect(d->address());
  for (const char* id : {"t1", "t2"}) ASSERT_TRUE(CreateTask(channel, id, "2020-07-03").ok());
  testing::AdvanceClock(*d, absl::Hours(24 * 6));  // t1 and t2 fall due: alerts
  EXPECT_EQ(testing::HttpGet(http, "/healthz").status, 200);

  // The disk fails.
  testing::WriteFile(control_, GetParam() + "\n");
  grpc::Status refused = CreateTask(channel, "t3");
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::UNAVAILABLE) << refused.error_message();
  EXPECT_THAT(refused.error_message(), HasSubstr("暂停受理写入"));
  EXPECT_THAT(refused.error_message(),
              HasSubstr(GetParam() == "nospace" ? "No space left" : "fsync failed"));
  // The disk is well again, but this server cannot know what the failed sync
  // left: it takes no write until it is restarted.
  std::filesystem::remove(control_);
  grpc::Status after = CreateTask(channel, "t4");
  EXPECT_EQ(after.error_code(), grpc::StatusCode::UNAVAILABLE) << after.error_message();
  EXPECT_THAT(after.error_message(), HasSubstr("暂停受理写入"));

  // Health says so, on both sides.
  const testing::HttpReply health = testing::HttpGet(http, "/healthz");
  EXPECT_EQ(health.status, 503);
  EXPECT_THAT(health.body, HasSubstr("writes refused"));
  std::string error;
  EXPECT_EQ(testing::HealthStatus(channel, &error), 2) << error;  // NOT_SERVING

  // Reads go on: a task, the chain, and the alerts from the start.
  testing::CommandResult show = testing::RunCli(*d, kAuditor, {"task", "show", "t1"});
  EXPECT_EQ(show.exit_code, 0) << show.err;
  EXPECT_EQ(testing::RunCli(*d, kAuditor, {"verify"}).exit_code, 0);
  {
    v1::Supervision::Stub supervision(channel);
    v1::FollowAlertsRequest request;
    auto ctx = Call(kAuditor);
    auto stream = supervision.FollowAlerts(ctx.get(), request);
    v1::Alert alert;
    EXPECT_TRUE(stream->Read(&alert));
    EXPECT_THAT(alert.stream(), HasSubstr("task/t"));
    ctx->TryCancel();
    (void)stream->Finish();
  }
  EXPECT_EQ(d->Stop(), 0) << d->Stderr();

  // Restarted on a healthy disk: the refused commands, retried with their
  // request ids, each land once; what was acknowledged is there.
  d = Start();
  ASSERT_NE(d, nullptr);
  channel = Connect(d->address());
  EXPECT_EQ(testing::HealthStatus(channel, &error), 1) << error;
  for (const char* id : {"t3", "t4", "t3"}) {
    grpc::Status s = CreateTask(channel, id);
    EXPECT_TRUE(s.ok()) << id << ": " << s.error_message();
  }
  EXPECT_EQ(d->Stop(), 0) << d->Stderr();
  const std::map<std::string, int> landed = Landed();
  EXPECT_EQ(landed, (std::map<std::string, int>{{"t1", 1}, {"t2", 1}, {"t3", 1}, {"t4", 1}}));
}

INSTANTIATE_TEST_SUITE_P(Disk, FaultTest, ::testing::Values("nospace", "fsync"));

}  // namespace
}  // namespace taizhang
