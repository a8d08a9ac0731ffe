// taizhangd's HTTP side (--http): /healthz, /metrics and the dashboard, against
// the real binary: who may see the dashboard and what, and answers to
// requests it does not serve.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/testing/http_client.h"
#include "services/testing/server_harness.h"
#include "taizhang/v1/service.grpc.pb.h"

namespace taizhang {
namespace {

using testing::Call;
using testing::Connect;
using testing::Daemon;
using ::testing::HasSubstr;
using testing::HttpExchange;
using testing::HttpGet;
using testing::HttpReply;
using ::testing::Not;
using testing::TempDir;
using testing::TokenLine;

constexpr char kOffice[] = "office-0123456789abcdef";
constexpr char kLeader[] = "leader-0123456789abcdef";
constexpr char kAdmin[] = "admin-0123456789abcdef";

class HttpSideTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::WriteFile(dir_ / "tokens.textproto",
                       absl::StrCat(TokenLine(kAdmin, "admin", "ops"),
                                    TokenLine(kOffice, "supervision", "区政府目督办"),
                                    TokenLine(kLeader, "leader", "王副区长")));
  }

  std::unique_ptr<Daemon> Start(std::vector<std::string> extra, std::string* http) {
    extra.insert(extra.begin(), {"--clock", "manual", "--start", "2020-06-29", "--policies-dir",
                                 testing::PoliciesDir()});
    auto d = testing::StartDaemon(dir_, extra);
    if (d == nullptr || http == nullptr) return d;
    *http = testing::HttpAddress(*d);
    return d;
  }

  void CreateTask(const Daemon& d, const std::string& id, const std::string& title,
                  const std::string& leader) {
    v1::Tasks::Stub tasks(Connect(d.address()));
    v1::CreateTaskRequest r;
    r.mutable_header()->set_request_id(id);
    r.set_task_id(id);
    v1::CreateTask* t = r.mutable_create();
    t->set_task_id(id);
    t->set_project_code("2020-530115-72-01-000001");
    t->set_title(title);
    t->add_responsible_units("区自然资源局");
    t->set_responsible_leader(leader);
    t->mutable_deadline()->mutable_rule()->set_kind(v1::DeadlineRule::FIXED_DATE);
    t->mutable_deadline()->mutable_rule()->set_fixed_date("2020-07-15");
    v1::TaskReply reply;
    grpc::Status s = tasks.CreateTask(Call(kOffice).get(), r, &reply);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  TempDir dir_;
};

TEST_F(HttpSideTest, HealthMetricsAndTheDashboard) {
  std::string http;
  auto d = Start({"--http", "127.0.0.1:0"}, &http);
  ASSERT_NE(d, nullptr);
  CreateTask(*d, "plot5", "5号地块 <script>征地</script>", "王副区长");
  CreateTask(*d, "other", "另一任务", "李副区长");
  {
    v1::Admin::Stub admin(Connect(d->address()));
    v1::AdvanceClockRequest r;
    r.mutable_by()->set_seconds(20 * 24 * 3600);  // to 07-19: both overdue
    v1::AdvanceClockResponse out;
    ASSERT_TRUE(admin.AdvanceClock(Call(kAdmin).get(), r, &out).ok());
  }

  // A client that connects and says nothing holds nobody up.
  int idle = socket(AF_INET, SOCK_STREAM, 0);
  {
    sockaddr_in to{};
    to.sin_family = AF_INET;
    int port = 0;
    ASSERT_TRUE(absl::SimpleAtoi(http.substr(http.rfind(':') + 1), &port));
    to.sin_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
    ASSERT_EQ(connect(idle, reinterpret_cast<sockaddr*>(&to), sizeof to), 0);
  }
  HttpReply health = HttpGet(http, "/healthz");
  EXPECT_EQ(health.status, 200);
  EXPECT_THAT(health.body, HasSubstr("ok"));

  HttpReply metrics = HttpGet(http, "/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_THAT(metrics.body, HasSubstr("taizhang_items{kind=\"task\",light=\"red\"} 2"));
  EXPECT_THAT(metrics.body, HasSubstr("taizhang_overdue_items{kind=\"task\"} 2"));
  EXPECT_THAT(metrics.body, HasSubstr("taizhang_log_head_position "));

  // The dashboard needs a token; a browser is asked for one.
  HttpReply anonymous = HttpGet(http, "/");
  EXPECT_EQ(anonymous.status, 401);
  EXPECT_THAT(anonymous.head, HasSubstr("WWW-Authenticate: Basic"));
  EXPECT_EQ(HttpGet(http, "/", "Bearer not-a-token-0123456789").status, 401);

  // A leader (HTTP Basic, the token as password) sees its own task only,
  // its title escaped.
  HttpReply leader =
      HttpGet(http, "/", "Basic " + absl::Base64Escape(absl::StrCat("王:", kLeader)));
  ASSERT_EQ(leader.status, 200) << leader.body;
  EXPECT_THAT(leader.body, HasSubstr("leader:王副区长"));
  EXPECT_THAT(leader.body, HasSubstr("5号地块 &lt;script&gt;征地&lt;/script&gt;"));
  EXPECT_THAT(leader.body, Not(HasSubstr("<script>")));
  EXPECT_THAT(leader.body, Not(HasSubstr("另一任务")));
  EXPECT_THAT(leader.body, HasSubstr("class=\"red\""));
  // The office sees both.
  HttpReply office = HttpGet(http, "/", absl::StrCat("Bearer ", kOffice));
  ASSERT_EQ(office.status, 200);
  EXPECT_THAT(office.body, HasSubstr("另一任务"));

  EXPECT_EQ(HttpExchange(http, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n").status,
            405);
  EXPECT_EQ(HttpGet(http, "/nope").status, 404);
  EXPECT_EQ(HttpExchange(http, "NONSENSE\r\n\r\n").status, 400);
  EXPECT_EQ(d->Stop(), 0);  // with the idle connection still open
  close(idle);
}

TEST_F(HttpSideTest, PlaintextBeyondLoopbackIsRefused) {
  std::string failure;
  auto d =
      Daemon::Start(testing::DaemonArgs(dir_, {"--http", "0.0.0.0:0"}), dir_ / "stderr", &failure);
  EXPECT_EQ(d, nullptr);
  EXPECT_THAT(failure, HasSubstr("exit 1"));
  EXPECT_THAT(failure, HasSubstr("allow_insecure_remote"));
}

}  // namespace
}  // namespace taizhang
