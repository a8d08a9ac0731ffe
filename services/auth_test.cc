#include "services/auth.h"

#include <grpcpp/grpcpp.h>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "store/sha256.h"
#include "taizhang/v1/service.grpc.pb.h"

namespace taizhang::services {
namespace {

TEST(TokenTableTest, MapsTokensToPrincipals) {
  auto table = TokenTable::Parse("t", R"(
    token { token: "admin-0123456789abcdef" role: "admin" unit: "ops" }
    token { token_sha256: "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
            role: "auditor" unit: "审计局" person: "李审计" note: "sha256 of 'hello'" }
  )");
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_EQ(table->size(), 2u);
  const workflows::Principal* p = table->Find("admin-0123456789abcdef");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->ToActor(), "admin:ops");
  p = table->Find("hello");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->ToActor(), "auditor:审计局:李审计");
  EXPECT_EQ(table->Find("admin-0123456789abcdeF"), nullptr);
  EXPECT_EQ(table->Find(""), nullptr);
}

TEST(TokenTableTest, RefusesABadFileNamingEachLine) {
  auto table = TokenTable::Parse(
      "tokens.textproto",
      "token { token: \"admin-0123456789abcdef\" role: \"admin\" unit: \"ops\" }\n"
      "token { token: \"admin-0123456789abcdef\" role: \"admin\" unit: \"x\" }\n"
      "token { token: \"system-0123456789abcdef\" role: \"system\" unit: \"x\" }\n"
      "token { token: \"dept-0123456789abcdef\" role: \"department\" }\n"
      "token { role: \"admin\" unit: \"x\" }\n"
      "token { token_sha256: \"ABC\" role: \"admin\" unit: \"x\" }\n"
      "token { token: \"a b-0123456789abcdef\" role: \"admin\" unit: \"x\" }\n");
  ASSERT_FALSE(table.ok());
  const std::string m(table.status().message());
  EXPECT_EQ(table.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(m, "tokens.textproto:2: the same token as line 1")) << m;
  EXPECT_TRUE(absl::StrContains(m, "tokens.textproto:3: role 'system'")) << m;
  EXPECT_TRUE(absl::StrContains(m, "tokens.textproto:4: unit: required")) << m;
  EXPECT_TRUE(absl::StrContains(m, "tokens.textproto:5: token or token_sha256: required")) << m;
  EXPECT_TRUE(absl::StrContains(m, "tokens.textproto:6: token_sha256")) << m;
  EXPECT_TRUE(absl::StrContains(m, "tokens.textproto:7: token: must not contain white space")) << m;

  // No token can stand for the system, under any spelling, or carry a NUL
  // into its actor (half of every request's idempotency key).
  table = TokenTable::Parse(
      "t",
      "token { token: \"nul-0123456789abcdef\" role: \"department\" unit: \"x\\000y\" }\n"
      "token { token: \"lf-0123456789abcdef\" role: \"leader\" unit: \"u\" person: \"a\\nb\" }\n"
      "token { token: \"sys-0123456789abcdef\" role: \"System\" unit: \"scheduler\" }\n"
      "token { token: \"sys2-0123456789abcdef\" role: \"system \" unit: \"scheduler\" }\n");
  ASSERT_FALSE(table.ok());
  const std::string m2(table.status().message());
  EXPECT_TRUE(absl::StrContains(m2, "t:1: unit, person: must not contain control")) << m2;
  EXPECT_TRUE(absl::StrContains(m2, "t:2: unit, person: must not contain control")) << m2;
  EXPECT_TRUE(absl::StrContains(m2, "t:3: role 'System'")) << m2;
  EXPECT_TRUE(absl::StrContains(m2, "t:4: role 'system '")) << m2;

  table = TokenTable::Parse("f", "token { token: \"x\" \n role: admin }\n");
  ASSERT_FALSE(table.ok());
  EXPECT_TRUE(absl::StrContains(table.status().message(), "f:2:")) << table.status();
  EXPECT_EQ(TokenTable::LoadFile("/nonexistent/tokens").status().code(),
            absl::StatusCode::kNotFound);
}

TEST(AccessTableTest, EveryApiMethodHasARule) {
  auto access = AccessTable::ForApi();
  ASSERT_TRUE(access.ok()) << access.status();
  for (const char* m :
       {"/taizhang.v1.Audit/ReadStream", "/taizhang.v1.Audit/ReadLog", "/taizhang.v1.Audit/Verify",
        "/taizhang.v1.Supervision/FollowAlerts", "/taizhang.v1.Admin/AdvanceClock",
        "/taizhang.v1.Admin/Backup", "/taizhang.v1.Admin/ServerInfo"}) {
    EXPECT_NE(access->Find(m), nullptr) << m;
  }
  EXPECT_NE(access->Find("/grpc.health.v1.Health/Check"), nullptr);
  EXPECT_EQ(access->Find("/taizhang.v1.Admin/Nothing"), nullptr);
  EXPECT_EQ(AccessTable::FromProtoFile("no/such.proto").status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(AuthorizerTest, DecidesByTokenAndRule) {
  auto tokens = TokenTable::Parse("t", R"(
    token { token: "admin-0123456789abcdef" role: "admin" unit: "ops" }
    token { token: "dept-0123456789abcdef" role: "department" unit: "自然资源局" }
  )");
  ASSERT_TRUE(tokens.ok());
  AccessTable access;
  v1::Access admin_only;
  admin_only.add_roles("admin");
  access.Set("/s/Admin", admin_only);
  v1::Access anyone;
  anyone.set_any_authenticated(true);
  access.Set("/s/Any", anyone);
  v1::Access open;
  open.set_public_(true);
  access.Set("/s/Open", open);
  Authorizer auth(*std::move(tokens), std::move(access));

  auto d = auth.Decide("/s/Admin", "Bearer admin-0123456789abcdef");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ((*d)->actor, "admin:ops");
  d = auth.Decide("/s/Admin", "Bearer dept-0123456789abcdef");
  EXPECT_EQ(d.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(d.status().message(), "/s/Admin needs role admin; you are department:自然资源局");
  EXPECT_TRUE(auth.Decide("/s/Any", "Bearer dept-0123456789abcdef").ok());
  EXPECT_EQ(auth.Decide("/s/Any", std::nullopt).status().code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(auth.Decide("/s/Any", "Bearer nope-0123456789abcdef").status().code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(auth.Decide("/s/Any", "Token dept-0123456789abcdef").status().code(),
            absl::StatusCode::kUnauthenticated);
  d = auth.Decide("/s/Open", std::nullopt);
  ASSERT_TRUE(d.ok());
  EXPECT_FALSE(d->has_value());
  EXPECT_EQ(auth.Decide("/s/Unlisted", "Bearer admin-0123456789abcdef").status().code(),
            absl::StatusCode::kPermissionDenied);
  // No decision attached (no interceptor): fail closed.
  EXPECT_EQ(auth.CallerOf(nullptr).status().code(), absl::StatusCode::kInternal);
}

// A service whose ServerInfo forgets to ask CallerOf: the interceptor still
// sends the refusal. Backup asks, as every handler should.
class CarelessAdmin final : public v1::Admin::Service {
 public:
  explicit CarelessAdmin(const Authorizer& auth) : auth_(auth) {}
  grpc::Status ServerInfo(grpc::ServerContext*, const v1::ServerInfoRequest*,
                          v1::ServerInfoResponse* response) override {
    ++calls;
    response->set_version("leaked");
    return grpc::Status::OK;
  }
  grpc::Status Backup(grpc::ServerContext* ctx, const v1::BackupRequest*,
                      v1::BackupResponse* response) override {
    auto caller = auth_.CallerOf(ctx);
    if (!caller.ok()) {
      return grpc::Status(static_cast<grpc::StatusCode>(caller.status().code()),
                          std::string(caller.status().message()));
    }
    response->set_dir(caller->actor);
    return grpc::Status::OK;
  }
  std::atomic<int> calls{0};

 private:
  const Authorizer& auth_;
};

TEST(AuthInterceptorTest, RefusalsReachTheClientEvenWhenAHandlerForgetsToAsk) {
  auto tokens = TokenTable::Parse("t", R"(
    token { token: "admin-0123456789abcdef" role: "admin" unit: "ops" }
    token { token: "auditor-0123456789abcdef" role: "auditor" unit: "审计局" }
  )");
  ASSERT_TRUE(tokens.ok());
  auto access = AccessTable::ForApi();
  ASSERT_TRUE(access.ok());
  Authorizer auth(*std::move(tokens), *std::move(access));
  CarelessAdmin service(auth);
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> factories;
  factories.push_back(auth.NewInterceptorFactory());
  builder.experimental().SetInterceptorCreators(std::move(factories));
  auto server = builder.BuildAndStart();
  ASSERT_NE(server, nullptr);
  {
    v1::Admin::Stub stub(
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));
    auto call = [&](const std::string& token, bool backup, std::string* out) {
      grpc::ClientContext ctx;
      if (!token.empty()) ctx.AddMetadata("authorization", "Bearer " + token);
      if (backup) {
        v1::BackupResponse r;
        grpc::Status s = stub.Backup(&ctx, v1::BackupRequest(), &r);
        *out = r.dir();
        return s;
      }
      v1::ServerInfoResponse r;
      grpc::Status s = stub.ServerInfo(&ctx, v1::ServerInfoRequest(), &r);
      *out = r.version();
      return s;
    };
    std::string out;
    EXPECT_EQ(call("", false, &out).error_code(), grpc::StatusCode::UNAUTHENTICATED);
    EXPECT_TRUE(out.empty()) << "the response is not sent with a refusal";
    grpc::Status s = call("auditor-0123456789abcdef", true, &out);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
    EXPECT_EQ(s.error_message(),
              "/taizhang.v1.Admin/Backup needs role admin; you are auditor:审计局");
    EXPECT_TRUE(call("admin-0123456789abcdef", true, &out).ok());
    EXPECT_EQ(out, "admin:ops");
    EXPECT_TRUE(call("auditor-0123456789abcdef", false, &out).ok()) << "any token may";
    EXPECT_EQ(service.calls.load(), 2) << "the careless handler ran, unprotected by itself";
  }
  server->Shutdown();
}

}  // namespace
}  // namespace taizhang::services
