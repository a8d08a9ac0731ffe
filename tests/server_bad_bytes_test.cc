// Bad bytes and limits through the real taizhangd, on a raw channel sending
// hand-made bytes: a request that does not decode (truncated, a string that is
// not UTF-8), an over-long text field, an unknown enum number in a list
// filter. Each gets INVALID_ARGUMENT with a message naming what is wrong, and
// nothing is written to the log.
#include <grpcpp/impl/client_unary_call.h>
#include <grpcpp/support/sync_stream.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "services/testing/server_harness.h"
#include "taizhang/v1/service.grpc.pb.h"

namespace taizhang {
namespace {

using testing::Call;
using testing::Connect;
using testing::Daemon;
using testing::HeadPosition;
using testing::TempDir;
using testing::ToBuffer;
using testing::Tokens;

std::string Repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

class BadBytesServerTest : public ::testing::Test {
 protected:
  void SetUp() override { testing::WriteFile(dir_ / "tokens.textproto", Tokens::FileText()); }

  std::unique_ptr<Daemon> Start(const std::string& config_text = "") {
    std::vector<std::string> extra = {"--clock",    "manual",         "--start",
                                      "2020-06-29", "--policies-dir", testing::PoliciesDir()};
    if (!config_text.empty()) {
      testing::WriteFile(dir_ / "taizhangd.textproto", config_text);
      extra.push_back("--config");
      extra.push_back(dir_ / "taizhangd.textproto");
    }
    return testing::StartDaemon(dir_, extra);
  }

  // `bytes` as the request of unary `method`, as `token`.
  static grpc::Status Raw(const Daemon& d, const std::string& method, const std::string& bytes,
                          const std::string& token = Tokens::kSupervision) {
    auto channel = Connect(d.address());
    auto ctx = Call(token);
    grpc::ByteBuffer response;
    return grpc::internal::BlockingUnaryCall<grpc::ByteBuffer, grpc::ByteBuffer>(
        channel.get(),
        grpc::internal::RpcMethod(method.c_str(), grpc::internal::RpcMethod::NORMAL_RPC), ctx.get(),
        ToBuffer(bytes), &response);
  }

  static v1::ExecuteTaskRequest Plot5(const std::string& request_id) {
    v1::ExecuteTaskRequest r;
    r.mutable_header()->set_request_id(request_id);
    r.set_task_id("plot5");
    auto* t = r.mutable_command()->mutable_create();
    t->set_task_id("plot5");
    t->set_project_code("2020-530115-72-01-000001");
    t->set_title("5号地块4户农户拆迁及14.5亩征地");
    t->add_responsible_units("自然资源局");
    t->mutable_deadline()->mutable_rule()->set_kind(v1::DeadlineRule::FIXED_DATE);
    t->mutable_deadline()->mutable_rule()->set_fixed_date("2020-07-15");
    return r;
  }

  TempDir dir_;
};

constexpr char kExecuteTask[] = "/taizhang.v1.Ledger/ExecuteTask";
constexpr char kCreateTask[] = "/taizhang.v1.Tasks/CreateTask";

TEST_F(BadBytesServerTest, UndecodableRequestsAreInvalidArgumentNamingTheRpc) {
  auto d = Start();
  ASSERT_NE(d, nullptr);
  const uint64_t head = HeadPosition(*d);
  const std::string good = Plot5("bytes-1").SerializeAsString();
  // Field 1 (header) then field 2 (task_id) with two bytes that are not UTF-8.
  v1::CommandHeader header;
  header.set_request_id("bytes-2");
  const std::string h = header.SerializeAsString();
  const std::string not_utf8 =
      absl::StrCat("\x0a", std::string(1, static_cast<char>(h.size())), h, "\x12\x02\xff\xfe");
  struct Case {
    const char* what;
    std::string method;
    std::string bytes;
  };
  const std::vector<Case> cases = {
      {"truncated", kExecuteTask, good.substr(0, good.size() - 1)},
      {"cut in the middle", kExecuteTask, good.substr(0, good.size() / 2)},
      {"not UTF-8", kExecuteTask, not_utf8},
      {"typed RPC, truncated", kCreateTask, good.substr(0, good.size() - 3)},
      {"a query, a varint cut short", "/taizhang.v1.Ledger/ListTasks", "\x10\xff"},
  };
  for (const Case& c : cases) {
    grpc::Status s = Raw(*d, c.method, c.bytes);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << c.what << ": " << s.error_message();
    EXPECT_TRUE(absl::StrContains(s.error_message(), c.method))
        << c.what << ": " << s.error_message();
    EXPECT_TRUE(absl::StrContains(s.error_message(), "could not be decoded")) << c.what;
    EXPECT_TRUE(absl::StrContains(s.error_message(), "UTF-8")) << c.what;
  }
  grpc::Status typed = Raw(*d, kCreateTask, good.substr(0, good.size() - 3));
  EXPECT_TRUE(absl::StrContains(typed.error_message(), "taizhang.v1.CreateTaskRequest"))
      << typed.error_message();
  // The server-streaming RPCs too: a cut varint for ReadLog.
  {
    auto channel = Connect(d->address());
    auto ctx = Call(Tokens::kAuditor);
    grpc::ByteBuffer request = ToBuffer("\x08\xff");
    std::unique_ptr<grpc::ClientReader<grpc::ByteBuffer>> reader(
        grpc::internal::ClientReaderFactory<grpc::ByteBuffer>::Create(
            channel.get(),
            grpc::internal::RpcMethod("/taizhang.v1.Audit/ReadLog",
                                      grpc::internal::RpcMethod::SERVER_STREAMING),
            ctx.get(), request));
    grpc::ByteBuffer page;
    EXPECT_FALSE(reader->Read(&page));
    grpc::Status s = reader->Finish();
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message();
    EXPECT_TRUE(absl::StrContains(s.error_message(), "taizhang.v1.ReadLogRequest"))
        << s.error_message();
  }
  // Without credentials, the refusal is what the caller learns.
  EXPECT_EQ(Raw(*d, kExecuteTask, not_utf8, "").error_code(), grpc::StatusCode::UNAUTHENTICATED);
  // The well-formed request still works: only the bad ones were refused.
  EXPECT_EQ(HeadPosition(*d), head);
  EXPECT_TRUE(Raw(*d, kExecuteTask, good).ok());
  EXPECT_GT(HeadPosition(*d), head);
  EXPECT_EQ(d->Stop(), 0);
}

TEST_F(BadBytesServerTest, OverLongTextIsInvalidArgumentNamingTheFieldAndTheLimit) {
  auto d = Start();
  ASSERT_NE(d, nullptr);
  const uint64_t head = HeadPosition(*d);
  struct Case {
    const char* what;
    std::string method;
    std::string bytes;
    const char* path;
    const char* limit;
  };
  std::vector<Case> cases;
  v1::ExecuteTaskRequest title = Plot5("long-1");
  title.mutable_command()->mutable_create()->set_title(Repeat("征", 201));
  cases.push_back({"a title of 201 characters", kExecuteTask, title.SerializeAsString(),
                   "command.create.title", "200 allowed (text_limits.title"});
  v1::CreateTaskRequest typed;
  typed.mutable_header()->set_request_id("long-2");
  typed.set_task_id("plot5");
  *typed.mutable_create() = title.command().create();
  cases.push_back(
      {"the typed RPC", kCreateTask, typed.SerializeAsString(), "create.title", "200 allowed"});
  v1::ExecuteTaskRequest description = Plot5("long-3");
  description.mutable_command()->mutable_create()->set_description(std::string(10001, 'x'));
  cases.push_back({"free text", kExecuteTask, description.SerializeAsString(),
                   "command.create.description", "10000 allowed (text_limits.free_text"});
  v1::ExecuteTaskRequest unit = Plot5("long-4");
  unit.mutable_command()->mutable_create()->add_responsible_units(std::string(10001, 'u'));
  cases.push_back({"a repeated field", kExecuteTask, unit.SerializeAsString(),
                   "command.create.responsible_units[1]", "10000 allowed"});
  v1::ExecuteProblemRequest assign;
  assign.mutable_header()->set_request_id("long-5");
  assign.set_problem_id("p1");
  assign.mutable_command()->mutable_assign()->set_unit("自然资源局");
  assign.mutable_command()->mutable_assign()->set_measures(Repeat("措施", 1001));
  cases.push_back({"a reason", "/taizhang.v1.Ledger/ExecuteProblem", assign.SerializeAsString(),
                   "command.assign.measures: 2002 characters", "2000 allowed (text_limits.reason"});
  for (const Case& c : cases) {
    grpc::Status s = Raw(*d, c.method, c.bytes);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << c.what << ": " << s.error_message();
    EXPECT_TRUE(absl::StrContains(s.error_message(), c.path))
        << c.what << ": " << s.error_message();
    EXPECT_TRUE(absl::StrContains(s.error_message(), c.limit))
        << c.what << ": " << s.error_message();
  }
  EXPECT_EQ(HeadPosition(*d), head);
  // 200 characters, exactly the limit, is fine.
  title.mutable_command()->mutable_create()->set_title(Repeat("征", 200));
  EXPECT_TRUE(Raw(*d, kExecuteTask, title.SerializeAsString()).ok());
  EXPECT_EQ(d->Stop(), 0);
}

TEST_F(BadBytesServerTest, TextLimitsComeFromTheConfiguration) {
  auto d = Start(
      "text_limits { title: 10 field { key: \"taizhang.v1.CreateTask.description\" value: 5 } }\n");
  ASSERT_NE(d, nullptr);
  const uint64_t head = HeadPosition(*d);
  v1::ExecuteTaskRequest title = Plot5("cfg-1");
  title.mutable_command()->mutable_create()->set_title(Repeat("征", 11));
  grpc::Status s = Raw(*d, kExecuteTask, title.SerializeAsString());
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StrContains(s.error_message(),
                                "command.create.title: 11 characters, more "
                                "than the 10 allowed (text_limits.title"))
      << s.error_message();
  v1::ExecuteTaskRequest description = Plot5("cfg-2");
  description.mutable_command()->mutable_create()->set_title("征地");
  description.mutable_command()->mutable_create()->set_description("六个字的说明");
  s = Raw(*d, kExecuteTask, description.SerializeAsString());
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StrContains(s.error_message(),
                                "text_limits.field[\"taizhang.v1.CreateTask.description\"]"))
      << s.error_message();
  EXPECT_EQ(HeadPosition(*d), head);
  description.mutable_command()->mutable_create()->set_description("五个字说明");
  EXPECT_TRUE(Raw(*d, kExecuteTask, description.SerializeAsString()).ok());
  EXPECT_EQ(d->Stop(), 0);
}

TEST_F(BadBytesServerTest, AnUnknownEnumInAListFilterIsInvalidArgument) {
  auto d = Start();
  ASSERT_NE(d, nullptr);
  ASSERT_TRUE(Raw(*d, kExecuteTask, Plot5("enum-1").SerializeAsString()).ok());
  const uint64_t head = HeadPosition(*d);
  // ListRequest{light (2): 42}, {stage (6): 99}.
  for (const char* method :
       {"/taizhang.v1.Ledger/ListCases", "/taizhang.v1.Ledger/ListTasks",
        "/taizhang.v1.Ledger/ListProblems", "/taizhang.v1.Ledger/ListProjects"}) {
    grpc::Status s = Raw(*d, method, "\x10\x2a");
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << method;
    EXPECT_TRUE(absl::StrContains(s.error_message(), "light: unknown value 42; accepted: "))
        << s.error_message();
    EXPECT_TRUE(absl::StrContains(s.error_message(), "LIGHT_RED = ")) << s.error_message();
    s = Raw(*d, method, "\x30\x63");
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << method;
    EXPECT_TRUE(absl::StrContains(s.error_message(), "stage: unknown value 99")) << method;
  }
  // A known value still lists; an unknown one in a command is refused too.
  {
    v1::Ledger::Stub ledger(Connect(d->address()));
    v1::ListRequest any;
    v1::ListTasksResponse tasks;
    ASSERT_TRUE(ledger.ListTasks(Call(Tokens::kSupervision).get(), any, &tasks).ok());
    EXPECT_EQ(tasks.tasks_size(), 1);
  }
  v1::ExecuteTaskRequest kind = Plot5("enum-2");
  kind.set_task_id("plot6");
  kind.mutable_command()->mutable_create()->set_task_id("plot6");
  kind.mutable_command()->mutable_create()->mutable_deadline()->mutable_rule()->set_kind(
      static_cast<v1::DeadlineRule::Kind>(77));
  grpc::Status s = Raw(*d, kExecuteTask, kind.SerializeAsString());
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(
      absl::StrContains(s.error_message(), "command.create.deadline.rule.kind: unknown value 77"))
      << s.error_message();
  EXPECT_EQ(HeadPosition(*d), head);
  EXPECT_EQ(d->Stop(), 0);
}

}  // namespace
}  // namespace taizhang
