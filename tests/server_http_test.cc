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
#include "services/testing/server_harness.h"
#include "taizhang/v1/service.grpc.pb.h"

namespace taizhang {
namespace {

using testing::Call;
using testing::Connect;
using testing::Daemon;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::TempDir;

constexpr char kOffice[] = "office-0123456789abcdef";
constexpr char kLeader[] = "leader-0123456789abcdef";
constexpr char kAdmin[] = "admin-0123456789abcdef";

std::string SourceDir() {
  const char* dir = std::getenv("TAIZHANG_SOURCE_DIR");
  return dir != nullptr ? dir : ".";
}

struct Reply {
  int status = 0;
  std::string head;  // status line and headers
  std::string body;
};

// One HTTP/1.1 exchange over a fresh connection (the server closes it).
Reply Http(const std::string& address, const std::string& request) {
  Reply reply;
  const size_t colon = address.rfind(':');
  int port = 0;
  if (!absl::SimpleAtoi(address.substr(colon + 1), &port)) return reply;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, address.substr(0, colon).c_str(), &to.sin_addr);
  if (connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
    close(fd);
    return reply;
  }
  (void)!write(fd, request.data(), request.size());
  std::string all;
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) all.append(buf, static_cast<size_t>(n));
  close(fd);
  const size_t split = all.find("\r\n\r\n");
  if (split == std::string::npos) return reply;
  reply.head = all.substr(0, split);
  reply.body = all.substr(split + 4);
  (void)absl::SimpleAtoi(reply.head.substr(9, 3), &reply.status);
  return reply;
}

Reply Get(const std::string& address, const std::string& path,
          const std::string& authorization = "") {
  std::string request = absl::StrCat("GET ", path, " HTTP/1.1\r\nHost: x\r\n");
  if (!authorization.empty()) absl::StrAppend(&request, "Authorization: ", authorization, "\r\n");
  return Http(address, request + "\r\n");
}

class HttpSideTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::WriteFile(
        dir_ / "tokens.textproto",
        absl::StrCat("token { token: \"", kAdmin, "\" role: \"admin\" unit: \"ops\" }\n",
                     "token { token: \"", kOffice,
                     "\" role: \"supervision\" unit: \"区政府目督办\" }\n", "token { token: \"",
                     kLeader, "\" role: \"leader\" unit: \"王副区长\" }\n"));
  }

  std::unique_ptr<Daemon> Start(std::vector<std::string> extra, std::string* http) {
    std::vector<std::string> args = {
        "--listen",    "127.0.0.1:0",    "--data-dir",
        dir_ / "data", "--tokens",       dir_ / "tokens.textproto",
        "--clock",     "manual",         "--start",
        "2020-06-29",  "--policies-dir", SourceDir() + "/workflows/policies"};
    args.insert(args.end(), extra.begin(), extra.end());
    std::string failure;
    auto d = Daemon::Start(args, dir_ / "stderr", &failure);
    EXPECT_NE(d, nullptr) << failure;
    if (d == nullptr || http == nullptr) return d;
    std::string line;
    EXPECT_TRUE(d->NextLine(&line));
    EXPECT_TRUE(absl::StartsWith(line, "http on ")) << line;
    *http = line.substr(8);
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
  Reply health = Get(http, "/healthz");
  EXPECT_EQ(health.status, 200);
  EXPECT_THAT(health.body, HasSubstr("ok"));

  Reply metrics = Get(http, "/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_THAT(metrics.body, HasSubstr("taizhang_items{kind=\"task\",light=\"red\"} 2"));
  EXPECT_THAT(metrics.body, HasSubstr("taizhang_overdue_items{kind=\"task\"} 2"));
  EXPECT_THAT(metrics.body, HasSubstr("taizhang_log_head_position "));

  // The dashboard needs a token; a browser is asked for one.
  Reply anonymous = Get(http, "/");
  EXPECT_EQ(anonymous.status, 401);
  EXPECT_THAT(anonymous.head, HasSubstr("WWW-Authenticate: Basic"));
  EXPECT_EQ(Get(http, "/", "Bearer not-a-token-0123456789").status, 401);

  // A leader (HTTP Basic, the token as password) sees its own task only,
  // its title escaped.
  Reply leader = Get(http, "/", "Basic " + absl::Base64Escape(absl::StrCat("王:", kLeader)));
  ASSERT_EQ(leader.status, 200) << leader.body;
  EXPECT_THAT(leader.body, HasSubstr("leader:王副区长"));
  EXPECT_THAT(leader.body, HasSubstr("5号地块 &lt;script&gt;征地&lt;/script&gt;"));
  EXPECT_THAT(leader.body, Not(HasSubstr("<script>")));
  EXPECT_THAT(leader.body, Not(HasSubstr("另一任务")));
  EXPECT_THAT(leader.body, HasSubstr("class=\"red\""));
  // The office sees both.
  Reply office = Get(http, "/", absl::StrCat("Bearer ", kOffice));
  ASSERT_EQ(office.status, 200);
  EXPECT_THAT(office.body, HasSubstr("另一任务"));

  EXPECT_EQ(Http(http, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n").status, 405);
  EXPECT_EQ(Get(http, "/nope").status, 404);
  EXPECT_EQ(Http(http, "NONSENSE\r\n\r\n").status, 400);
  EXPECT_EQ(d->Stop(), 0);  // with the idle connection still open
  close(idle);
}

TEST_F(HttpSideTest, PlaintextBeyondLoopbackIsRefused) {
  std::string failure;
  auto d = Daemon::Start({"--listen", "127.0.0.1:0", "--data-dir", dir_ / "data", "--tokens",
                          dir_ / "tokens.textproto", "--http", "0.0.0.0:0"},
                         dir_ / "stderr", &failure);
  EXPECT_EQ(d, nullptr);
  EXPECT_THAT(failure, HasSubstr("exit 1"));
  EXPECT_THAT(failure, HasSubstr("allow_insecure_remote"));
}

}  // namespace
}  // namespace taizhang
