// Every unary RPC of the API (but Admin.Backup, which writes where it is
// told) as any client may send it, through the server
// as taizhangd runs it (the workflows, their policies, authorization, the
// field checks, Decide and the log): the first two bytes pick the method,
// the third the caller (one token per role, or none), the rest is the
// request (protobuf; what does not parse as the method's request is not
// sent). A call answers OK, or refuses with a code a client can act on and
// a message; a refused call writes nothing to the log; nothing is INTERNAL,
// UNKNOWN or DATA_LOSS, and nothing hangs.
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "base/clock.h"
#include "fuzz/fuzz_target.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/stubs/logging.h"
#include "services/assessment_service.h"
#include "services/ledger_service.h"
#include "services/reports_service.h"
#include "services/server.h"
#include "taizhang/v1/service.pb.h"
#include "workflows/ledger.h"

namespace taizhang::fuzz {
namespace {

namespace fs = std::filesystem;
namespace pb = google::protobuf;

// One token per role, and "" for a call without one.
constexpr const char* kTokens[][3] = {
    {"admin-token-0123456789", "admin", "信息中心"},
    {"office-token-0123456789", "supervision", "督查室"},
    {"department-token-0123456789", "department", "自然资源局"},
    {"enterprise-token-0123456789", "enterprise", "示例企业"},
    {"leader-token-0123456789", "leader", "分包领导"},
    {"auditor-token-0123456789", "auditor", "审计局"},
    {"screen-token-0123456789", "screen", "大厅大屏"},
    {"", "", ""},
};
constexpr size_t kCallers = sizeof(kTokens) / sizeof(kTokens[0]);

struct Method {
  std::string path;  // "/taizhang.v1.Service/Method"
  const pb::Descriptor* request;
};

// The unary methods of taizhang/v1/service.proto, in order.
const std::vector<Method>& Methods() {
  static const auto* methods = [] {
    auto* out = new std::vector<Method>();
    const pb::FileDescriptor* file =
        pb::DescriptorPool::generated_pool()->FindFileByName("taizhang/v1/service.proto");
    FUZZ_CHECK(file != nullptr);
    for (int s = 0; s < file->service_count(); ++s) {
      const pb::ServiceDescriptor* service = file->service(s);
      for (int m = 0; m < service->method_count(); ++m) {
        const pb::MethodDescriptor* method = service->method(m);
        if (method->client_streaming() || method->server_streaming()) continue;
        // A backup is written where the request says, anywhere on the machine.
        if (method->full_name() == "taizhang.v1.Admin.Backup") continue;
        out->push_back(
            {absl::StrCat("/", service->full_name(), "/", method->name()), method->input_type()});
      }
    }
    return out;
  }();
  return *methods;
}

// The server, started once for the process, as taizhangd starts it.
struct Served {
  std::unique_ptr<services::TaizhangServer> server;
  std::unique_ptr<workflows::Ledger> ledger;
  std::shared_ptr<grpc::Channel> channel;
};

Served& Server() {
  static Served* served = [] {
    const char* source = std::getenv("TAIZHANG_SOURCE_DIR");
    FUZZ_CHECK(source != nullptr);  // the policies are read from the source tree
    const fs::path dir = fs::temp_directory_path() /
                         absl::StrCat("tz_fuzz_rpc_", ::getpid(), "_", std::random_device()());
    fs::create_directories(dir);

    // The server's refusals are its answers here, not news.
    spdlog::set_level(spdlog::level::err);
    {
      std::ofstream tokens(dir / "tokens.textproto");
      for (const auto& t : kTokens) {
        if (t[0][0] == '\0') continue;
        tokens << "token { token: \"" << t[0] << "\" role: \"" << t[1] << "\" unit: \"" << t[2]
               << "\" }\n";
      }
    }
    services::ServerOptions options;
    options.data_dir = (dir / "data").string();
    options.tokens_file = (dir / "tokens.textproto").string();
    options.policies_dir = (fs::path(source) / "workflows" / "policies").string();
    options.clock = services::ClockMode::kManual;
    options.manual_start =
        absl::FromCivil(absl::CivilSecond(2020, 6, 29, 9, 0, 0), absl::FixedTimeZone(8 * 3600));
    options.sign_checkpoints = false;
    options.shutdown_grace = absl::ZeroDuration();
    auto* s = new Served;
    s->server = std::make_unique<services::TaizhangServer>(options);
    FUZZ_CHECK(s->server->Open().ok());
    workflows::LedgerOptions lo;
    lo.policies_dir = options.policies_dir;
    auto ledger = workflows::Ledger::Open(s->server->log(), s->server->clock(), lo);
    FUZZ_CHECK(ledger.ok());
    s->ledger = std::move(*ledger);
    FUZZ_CHECK(s->ledger->Start().ok());
    services::AddLedgerServices(*s->server, *s->ledger);
    services::AddReportsService(*s->server, *s->ledger);
    services::AddAssessmentService(*s->server, *s->ledger);
    workflows::Ledger* l = s->ledger.get();
    s->server->OnClockAdvanced([l] { l->runtime().Quiesce(); });
    s->server->OnShutdown([l] { l->Stop(); });
    FUZZ_CHECK(s->server->Start().ok());
    s->channel = grpc::CreateChannel(s->server->address(), grpc::InsecureChannelCredentials());
    // At the end of the program the server stops, then its directory goes.
    static Served* stopping = s;
    static const fs::path* scratch = new fs::path(dir);
    std::atexit([] {
      stopping->channel.reset();
      stopping->server->Shutdown();
      std::error_code error;
      fs::remove_all(*scratch, error);
    });
    return s;
  }();
  return *served;
}

std::vector<std::string> RpcSeeds(const std::string&) {
  std::vector<std::string> out;
  const auto& methods = Methods();
  for (size_t m = 0; m < methods.size(); ++m) {
    for (size_t c = 0; c < kCallers; ++c) {
      out.push_back(std::string{static_cast<char>(m & 0xff), static_cast<char>(m >> 8),
                                static_cast<char>(c)});
    }
  }
  return out;
}

bool Refusal(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::FAILED_PRECONDITION:
    case grpc::StatusCode::NOT_FOUND:
    case grpc::StatusCode::ALREADY_EXISTS:
    case grpc::StatusCode::PERMISSION_DENIED:
    case grpc::StatusCode::UNAUTHENTICATED:
    case grpc::StatusCode::ABORTED:
    case grpc::StatusCode::OUT_OF_RANGE:
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return true;
    default:
      return false;
  }
}

}  // namespace

TAIZHANG_FUZZ_TARGET(rpc, RpcSeeds) {
  if (size < 3) return;
  const auto& methods = Methods();
  const Method& method = methods[(data[0] | (data[1] << 8)) % methods.size()];
  const auto& caller = kTokens[data[2] % kCallers];
  // Bytes that are not the method's request are the fuzzer's business, not
  // the log's: protobuf says nothing of them.
  static const bool quiet = [] {
    pb::SetLogHandler([](pb::LogLevel, const char*, int, const std::string&) {});
    return true;
  }();
  (void)quiet;
  std::unique_ptr<pb::Message> request(
      pb::MessageFactory::generated_factory()->GetPrototype(method.request)->New());
  if (!request->ParseFromArray(data + 3, static_cast<int>(size - 3))) return;
  grpc::ByteBuffer sent;
  {
    const std::string bytes = request->SerializeAsString();
    grpc::Slice slice(bytes);
    sent = grpc::ByteBuffer(&slice, 1);
  }
  Served& s = Server();
  s.ledger->runtime().Quiesce();
  const uint64_t before = s.server->log().HeadPosition();
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(SharedSystemClock().Now() + absl::Seconds(60)));
  if (caller[0][0] != '\0') ctx.AddMetadata("authorization", absl::StrCat("Bearer ", caller[0]));
  grpc::GenericStub stub(s.channel);
  grpc::ByteBuffer received;
  grpc::Status status;
  absl::Notification done;
  stub.UnaryCall(&ctx, method.path, grpc::StubOptions(), &sent, &received, [&](grpc::Status st) {
    status = std::move(st);
    done.Notify();
  });
  done.WaitForNotification();
  if (status.ok()) return;
  if (!Refusal(status.error_code())) {
    std::fprintf(stderr, "%s as %s: %d %s\n", method.path.c_str(), caller[1],
                 static_cast<int>(status.error_code()), status.error_message().c_str());
  }
  FUZZ_CHECK(Refusal(status.error_code()));
  FUZZ_CHECK(!status.error_message().empty());
  // A refused call wrote nothing.
  s.ledger->runtime().Quiesce();
  FUZZ_CHECK(s.server->log().HeadPosition() == before);
}

}  // namespace taizhang::fuzz
