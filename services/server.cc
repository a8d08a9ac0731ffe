#include "services/server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "proof/signer.h"
#include "rocksdb/env.h"
#include "services/admin_service.h"
#include "services/audit_service.h"
#include "services/china_time.h"
#include "services/supervision_service.h"
#include "services/undecodable.h"
#include "store/fault_injection.h"
#include "store/sha256.h"
#include "taizhang/v1/proof.pb.h"

#ifndef TAIZHANG_VERSION
#define TAIZHANG_VERSION "dev"
#endif

namespace taizhang::services {
namespace {

absl::StatusOr<std::string> ReadFile(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(what, " ", path, ": cannot read"));
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// "HOST" of "HOST:PORT" (HOST may be "[::1]").
std::string HostOf(const std::string& listen) {
  size_t colon = listen.rfind(':');
  return colon == std::string::npos ? listen : listen.substr(0, colon);
}

}  // namespace

const char* ServerVersion() { return TAIZHANG_VERSION; }

bool IsLoopbackListen(const std::string& listen) {
  if (absl::StartsWith(listen, "unix:")) return true;
  std::string host = HostOf(listen);
  return host == "localhost" || host == "[::1]" || host == "::1" || absl::StartsWith(host, "127.");
}

TaizhangServer::TaizhangServer(ServerOptions options) : options_(std::move(options)) {}

TaizhangServer::~TaizhangServer() {
  if (started_) Shutdown();
  // Reverse order of dependencies: services, then the log, then its clock.
  server_.reset();
  admin_.reset();
  supervision_.reset();
  audit_.reset();
  extra_services_.clear();
  signer_.reset();
  log_.reset();
  clock_.reset();
}

absl::Status TaizhangServer::OpenSigner() {
  if (!options_.log_options.merkle_tree) {
    spdlog::warn("the log keeps no Merkle tree: no checkpoints are signed");
    return absl::OkStatus();
  }
  if (!options_.sign_checkpoints) {
    spdlog::info("signing nothing (--no-signing): no checkpoints are signed");
    return absl::OkStatus();
  }
  const std::string path = SigningKeyPath(options_);
  bool created = false;
  ASSIGN_OR_RETURN(proof::SigningKey key, proof::SigningKey::LoadOrCreate(path, &created));
  std::optional<proof::SigningKey> previous;
  if (!options_.previous_signing_key.empty()) {
    ASSIGN_OR_RETURN(previous, proof::SigningKey::Load(options_.previous_signing_key));
  }
  proof::SignerOptions signing;
  signing.every_events = options_.sign_every_records;
  signing.every = options_.sign_every;
  signing.partition = options_.log_options.partition;
  signing.accept_unendorsed = options_.accept_unendorsed_signing_key;
  signing.on_error = [](const absl::Status& s) {
    spdlog::error("a checkpoint due could not be signed: {}", std::string(s.message()));
  };
  // Checkpoints are due by real time, whatever the log's clock: a manual
  // clock that jumps days does not sign a checkpoint for every hour of them.
  Clock& timer_clock = manual_clock_ != nullptr ? SharedSystemClock() : *clock_;
  const std::string id = key.id();
  ASSIGN_OR_RETURN(signer_,
                   proof::CheckpointSigner::Open(*log_, *clock_, timer_clock, std::move(key),
                                                 std::move(previous), std::move(signing)));
  spdlog::info(
      "checkpoints signed by key {} ({}{})", id, path,
      created ? ", made now: keep a copy of its public key, taizhang checkpoint keys" : "");
  return absl::OkStatus();
}

absl::Status TaizhangServer::OpenLog() {
  if (options_.clock == ClockMode::kManual) {
    auto manual = std::make_unique<ManualClock>(options_.manual_start);
    manual_clock_ = manual.get();
    clock_ = std::move(manual);
  } else {
    clock_ = NewSystemClock();
  }
  std::error_code ec;
  std::filesystem::create_directories(options_.data_dir, ec);
  if (ec) {
    return absl::FailedPreconditionError(
        absl::StrCat("data directory ", options_.data_dir, ": ", ec.message()));
  }
  if (!options_.inject_faults.empty()) {
    fault_env_ = store::NewFaultInjectionEnv(options_.inject_faults);
    options_.log_options.env = fault_env_.get();
    spdlog::warn("the log's disk fails while {} says so (--inject-faults: for tests only)",
                 options_.inject_faults);
  }
  ASSIGN_OR_RETURN(log_, store::OpenEventLog(options_.data_dir, *clock_, options_.log_options));
  const uint64_t head = log_->HeadPosition();
  uint64_t from = 1;
  if (!options_.verify_all && head > options_.verify_tail) from = head - options_.verify_tail + 1;
  ASSIGN_OR_RETURN(store::VerifyResult v, log_->Verify(from, 0));
  if (!v.ok) {
    return absl::DataLossError(absl::StrCat("the log in ", options_.data_dir,
                                            " does not verify at position ", v.first_bad, ": ",
                                            v.problem));
  }
  if (head == 0) {
    spdlog::info("event log {}: empty", options_.data_dir);
  } else {
    spdlog::info(
        "event log {}: head at position {}, chain verified over {}..{} ({} records), "
        "digest {}",
        options_.data_dir, head, v.from, v.to, v.checked, store::ToHex(v.last_hash));
  }
  if (manual_clock_ != nullptr) {
    absl::Time start = manual_clock_->Now();
    if (head > 0) {
      ASSIGN_OR_RETURN(auto last, log_->ReadAll(head, 1));
      if (!last.empty()) {
        absl::Time recorded = absl::FromUnixMicros(last[0].record.recorded_at_us());
        if (recorded > start) {
          spdlog::info(
              "manual clock: the log's last record is from {}, after the start; "
              "starting there",
              FormatChina(recorded));
          manual_clock_->AdvanceTo(recorded);
        }
      }
    }
    spdlog::info("clock: manual, now {} (China time); moves only by Admin.AdvanceClock",
                 FormatChina(manual_clock_->Now()));
  } else {
    spdlog::info("clock: system");
  }
  return absl::OkStatus();
}

absl::Status TaizhangServer::Open() {
  if (opened_) return absl::OkStatus();
  RETURN_IF_ERROR(OpenLog());
  RETURN_IF_ERROR(OpenSigner());
  decoders_.Add("proof/", NewProtoJsonDecoder(v1::ProofEvent()));
  TokenTable tokens;
  if (options_.tokens_file.empty()) {
    spdlog::warn(
        "no tokens file: every call except health and reflection will be refused "
        "(--tokens FILE)");
  } else {
    ASSIGN_OR_RETURN(tokens, TokenTable::LoadFile(options_.tokens_file));
    spdlog::info("tokens: {} loaded from {}", tokens.size(), options_.tokens_file);
    std::error_code ec;
    auto perms = std::filesystem::status(options_.tokens_file, ec).permissions();
    if (!ec && (perms & std::filesystem::perms::others_read) != std::filesystem::perms::none) {
      spdlog::warn("tokens file {} is readable by every user; chmod 600 it", options_.tokens_file);
    }
  }
  ASSIGN_OR_RETURN(AccessTable access, AccessTable::ForApi());
  authorizer_ = std::make_unique<Authorizer>(std::move(tokens), std::move(access));
  opened_ = true;
  return absl::OkStatus();
}

void TaizhangServer::AddService(std::unique_ptr<grpc::Service> service) {
  extra_services_.push_back(std::move(service));
}

void TaizhangServer::SetAlertMapper(std::shared_ptr<const AlertMapper> mapper) {
  mapper_ = std::move(mapper);
}

void TaizhangServer::AddPayloadDecoder(std::string stream_prefix,
                                       std::shared_ptr<const PayloadDecoder> decoder) {
  decoders_.Add(std::move(stream_prefix), std::move(decoder));
}

std::string SigningKeyPath(const ServerOptions& options) {
  if (!options.signing_key.empty()) return options.signing_key;
  const std::filesystem::path data = std::filesystem::absolute(options.data_dir).lexically_normal();
  return ((data.has_filename() ? data : data.parent_path()).parent_path() / "signing-key.pem")
      .string();
}

void TaizhangServer::SetStateDigestSource(StateDigestSource source) {
  state_digest_ = std::move(source);
}

void TaizhangServer::SetCalendarLoader(CalendarLoader loader) {
  calendar_loader_ = std::move(loader);
}

void TaizhangServer::OnClockAdvanced(std::function<void()> hook) {
  clock_hooks_.push_back(std::move(hook));
}

void TaizhangServer::OnShutdown(std::function<void()> hook) {
  shutdown_hooks_.push_back(std::move(hook));
}

absl::Status TaizhangServer::BuildServer() {
  std::shared_ptr<grpc::ServerCredentials> credentials;
  const bool tls = !options_.tls_cert.empty() || !options_.tls_key.empty();
  if (tls) {
    if (options_.tls_cert.empty() || options_.tls_key.empty()) {
      return absl::InvalidArgumentError("TLS needs both tls_cert and tls_key");
    }
    grpc::SslServerCredentialsOptions ssl;
    grpc::SslServerCredentialsOptions::PemKeyCertPair pair;
    ASSIGN_OR_RETURN(pair.cert_chain, ReadFile(options_.tls_cert, "tls_cert"));
    ASSIGN_OR_RETURN(pair.private_key, ReadFile(options_.tls_key, "tls_key"));
    ssl.pem_key_cert_pairs.push_back(std::move(pair));
    if (!options_.client_ca.empty()) {
      ASSIGN_OR_RETURN(ssl.pem_root_certs, ReadFile(options_.client_ca, "client_ca"));
      ssl.client_certificate_request = GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
    }
    credentials = grpc::SslServerCredentials(ssl);
  } else {
    if (!options_.client_ca.empty()) {
      return absl::InvalidArgumentError("client_ca needs TLS: set tls_cert and tls_key too");
    }
    if (!IsLoopbackListen(options_.listen) && !options_.allow_insecure_remote) {
      return absl::FailedPreconditionError(
          absl::StrCat("listening on ", options_.listen,
                       " without TLS would send tokens in clear; set "
                       "tls_cert and tls_key, listen on 127.0.0.1, or set allow_insecure_remote"));
    }
    credentials = grpc::InsecureServerCredentials();
  }

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options_.listen, credentials, &port_);
  // Followers of the alert stream live long: ping idle connections so dead
  // clients are noticed, and let clients ping every 30 s.
  // A ledger imported (Reports.ImportLedger) may be up to 16 MiB.
  builder.SetMaxReceiveMessageSize(20 << 20);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, 120000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 20000);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 30000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);

  audit_ = std::make_unique<AuditService>(*log_, *clock_, *authorizer_, decoders_, signer_.get());
  audit_->set_state_digest(state_digest_);
  supervision_ = std::make_unique<SupervisionService>(*log_, *authorizer_, mapper_);
  AdminContext admin;
  admin.log = log_.get();
  admin.clock = clock_.get();
  admin.manual_clock = manual_clock_;
  admin.data_dir = std::filesystem::absolute(options_.data_dir).lexically_normal().string();
  admin.version = ServerVersion();
  admin.started_at = started_at_;
  admin.partition = options_.log_options.partition;
  admin.after_clock_advance = clock_hooks_;
  if (signer_ != nullptr) {
    admin.after_clock_advance.push_back([signer = signer_.get()] { signer->WaitIdle(); });
  }
  admin.load_calendar = calendar_loader_;
  admin_ = std::make_unique<AdminService>(std::move(admin), *authorizer_);
  builder.RegisterService(audit_.get());
  builder.RegisterService(supervision_.get());
  builder.RegisterService(admin_.get());
  for (auto& service : extra_services_) builder.RegisterService(service.get());

  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> interceptors;
  interceptors.push_back(authorizer_->NewInterceptorFactory());
  interceptors.push_back(NewUndecodableRequestInterceptorFactory());
  builder.experimental().SetInterceptorCreators(std::move(interceptors));

  server_ = builder.BuildAndStart();
  if (server_ == nullptr || port_ == 0) {
    server_.reset();
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", options_.listen, " (address in use or not local?)"));
  }
  spdlog::info("serving on {} ({}{})", address(), tls ? "TLS" : "plaintext",
               !options_.client_ca.empty() ? ", client certificates required" : "");
  if (mapper_ == nullptr) spdlog::info("no alert mapper: FollowAlerts streams no alerts");
  {
    absl::MutexLock l(&health_mu_);
    health_ = server_->GetHealthCheckService();
  }
  auto stopped = [this](const absl::Status& why) {
    spdlog::error("writes refused until the server is restarted: {}", std::string(why.message()));
    absl::MutexLock l(&health_mu_);
    if (health_ != nullptr) health_->SetServingStatus(false);
  };
  log_->OnWritesStopped(stopped);
  // A log that stopped before the service was there.
  if (absl::Status w = log_->WriteStatus(); !w.ok()) stopped(w);
  return absl::OkStatus();
}

absl::Status TaizhangServer::Start() {
  if (started_) return absl::FailedPreconditionError("the server has been started already");
  RETURN_IF_ERROR(Open());
  started_at_ = clock_->Now();
  RETURN_IF_ERROR(BuildServer());
  if (signer_ != nullptr) signer_->Start();
  started_ = true;
  return absl::OkStatus();
}

std::string TaizhangServer::address() const {
  return absl::StrCat(HostOf(options_.listen), ":", port_);
}

void TaizhangServer::Wait() { done_.WaitForNotification(); }

void TaizhangServer::Shutdown() {
  absl::MutexLock l(&shutdown_mu_);
  if (shut_down_) return;
  shut_down_ = true;
  if (server_ != nullptr) {
    spdlog::info("shutting down: no new calls; in-flight calls get {}",
                 absl::FormatDuration(options_.shutdown_grace));
    supervision_->Stop();
    {
      absl::MutexLock hl(&health_mu_);
      health_ = nullptr;
    }
    if (log_ != nullptr) log_->OnWritesStopped(nullptr);
    if (auto* health = server_->GetHealthCheckService()) health->Shutdown();
    // A budget for draining on the monotonic clock, whatever the domain's
    // clock says.
    server_->Shutdown(gpr_time_add(
        gpr_now(GPR_CLOCK_MONOTONIC),
        gpr_time_from_millis(absl::ToInt64Milliseconds(options_.shutdown_grace), GPR_TIMESPAN)));
    server_->Wait();
    spdlog::info("all calls have ended");
  }
  for (auto& hook : shutdown_hooks_) hook();
  if (signer_ != nullptr) signer_->Stop();
  if (log_ != nullptr) {
    const uint64_t head = log_->HeadPosition();
    server_.reset();
    admin_.reset();
    supervision_.reset();
    audit_.reset();
    extra_services_.clear();
    signer_.reset();
    log_.reset();
    spdlog::info("event log closed at position {}", head);
  }
  done_.Notify();
}

}  // namespace taizhang::services
