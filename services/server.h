// TaizhangServer: taizhangd's gRPC server as a library, so that the daemon,
// integration tests and the domain wiring all run the same thing.
//
// Life of a server:
//
//   TaizhangServer server(options);
//   RETURN_IF_ERROR(server.Open());   // clock, log (verifies the chain's tail),
//                                     // tokens, access rules
//   // The domain plugs in here, using server.log() and server.clock():
//   server.AddService(std::make_unique<ApprovalService>(...));
//   server.SetAlertMapper(...);
//   server.AddPayloadDecoder("case/", ...);
//   server.OnClockAdvanced([&] { runtime.Quiesce(); });
//   server.OnShutdown([&] { runtime.Stop(); });
//   RETURN_IF_ERROR(server.Start());  // binds; port() is the bound port
//   ...
//   server.Shutdown();                // from any thread (a signal handler's)
//
// A request that cannot be decoded is INVALID_ARGUMENT for every RPC
// (undecodable.h), before any handler runs.
//
// Every service, the domain's included, runs behind the Authorizer (auth.h):
// a domain handler starts with `auto caller = server.authorizer().CallerOf(ctx)`
// and returns its status when it is not OK. Every RPC of
// taizhang/v1/service.proto needs an (access) option or Open() fails.
//
// Shutdown: followers of the alert stream are told to reconnect later, health
// turns NOT_SERVING, the server stops accepting and gives in-flight RPCs
// `shutdown_grace` to finish (then cancels them), the OnShutdown hooks run, and
// the log is closed. Appends acknowledged before are already durable.
//
// Thread-safety: the setup methods (Add*, Set*, On*) before Start, from one
// thread; Shutdown, Wait, port and the accessors from any thread after that.
#ifndef TAIZHANG_SERVICES_SERVER_H_
#define TAIZHANG_SERVICES_SERVER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "base/clock.h"
#include "services/admin_service.h"
#include "services/alert_mapper.h"
#include "services/auth.h"
#include "services/payload_decoder.h"
#include "services/state_digest_source.h"
#include "store/event_log.h"
#include "taizhang/v1/api_config.pb.h"

namespace grpc {
class HealthCheckServiceInterface;
class Server;
class Service;
}  // namespace grpc

namespace rocksdb {
class Env;
}

namespace taizhang::proof {
class CheckpointSigner;
}

namespace taizhang::services {

class AdminService;
class AuditService;
class SupervisionService;

enum class ClockMode { kSystem, kManual };

struct ServerOptions {
  // HOST:PORT; port 0 picks a free one (see port()).
  std::string listen = "127.0.0.1:0";
  // HOST:PORT of the HTTP side (see http_server.h); empty: none. Served by
  // taizhangd beside this server.
  std::string http_listen;
  // The event log's directory; created when missing.
  std::string data_dir = "data";
  // TokensFile (text format). Empty: no tokens, so every RPC but health and
  // reflection is UNAUTHENTICATED.
  std::string tokens_file;
  // The domain's policy data; the server only passes it on.
  std::string policies_dir;
  // TLS when both are set; client certificates required when client_ca is.
  std::string tls_cert;
  std::string tls_key;
  std::string client_ca;
  // Plaintext on a non-loopback address is refused unless this is set.
  bool allow_insecure_remote = false;
  ClockMode clock = ClockMode::kSystem;
  // Manual clock's start. When the log already holds a later record, the
  // clock starts at that record's time instead: time never goes back.
  absl::Time manual_start = absl::UnixEpoch();
  absl::Duration shutdown_grace = absl::Seconds(10);
  // Records at the chain's end verified by Open(); verify_all: every record.
  uint64_t verify_tail = 10000;
  bool verify_all = false;
  // How long commands' text fields may be (field_checks.h); 0s: defaults.
  v1::TextLimits text_limits;
  // The documents: the Chromium that prints PDFs, the issuing office.
  v1::ReportsConfig reports;
  store::Options log_options;
  // For tests of the whole server: the log's disk fails while this file
  // says so (store/fault_injection.h). "": a real disk.
  std::string inject_faults;
  // Signed checkpoints (proof/signer.h; not with a log without its Merkle
  // tree). The server's Ed25519 key, a PEM file, made there at the first
  // start when it does not exist; "": signing-key.pem in the data
  // directory's parent, beside the log and not in it, so that a backup of
  // the log does not carry the key.
  std::string signing_key;
  // The key being replaced, when signing_key is a new one: the rotation is
  // signed by both. accept_unendorsed_signing_key: the old key is lost, and
  // the new one is recorded without its word.
  std::string previous_signing_key;
  bool accept_unendorsed_signing_key = false;
  // A checkpoint every so many records (0: not by count), and every so long
  // of real time (0: not by time) when records were added since the last.
  uint64_t sign_every_records = 10000;
  absl::Duration sign_every = absl::Hours(1);
  // false: no key is read or made and nothing is signed (a server started
  // on a copy of a log to check it, which must not sign in the log's name).
  bool sign_checkpoints = true;
};

// Where the server's signing key is: options.signing_key, else
// signing-key.pem in the data directory's parent.
std::string SigningKeyPath(const ServerOptions& options);

class TaizhangServer {
 public:
  explicit TaizhangServer(ServerOptions options);
  // Shuts down if still running.
  ~TaizhangServer();

  TaizhangServer(const TaizhangServer&) = delete;
  TaizhangServer& operator=(const TaizhangServer&) = delete;

  // Creates the clock, opens the log (creating the directory), verifies the
  // chain's tail, loads the tokens and builds the access rules. Errors:
  // DATA_LOSS when the chain does not verify, INVALID_ARGUMENT / NOT_FOUND for
  // a bad tokens file (naming file:line), FAILED_PRECONDITION for an RPC
  // without an access rule. Start() calls it when it has not been called.
  absl::Status Open();

  // --- Hooks for the domain: after Open(), before Start(). ---
  // Serves `service` too (its methods need (access) options to be callable).
  void AddService(std::unique_ptr<grpc::Service> service);
  // Turns events into alerts for Supervision.FollowAlerts. Default: none.
  void SetAlertMapper(std::shared_ptr<const AlertMapper> mapper);
  // JSON rendering of payloads of streams starting with `stream_prefix`.
  void AddPayloadDecoder(std::string stream_prefix, std::shared_ptr<const PayloadDecoder> decoder);
  // Runs during every Admin.AdvanceClock after each timer that falls due (the
  // clock still at its due instant, so what the timer set off is done and
  // stamped then, before time moves on), and once more before it answers.
  void OnClockAdvanced(std::function<void()> hook);
  // Serves Admin.LoadCalendar (see AdminContext::load_calendar).
  void SetCalendarLoader(CalendarLoader loader);
  // Serves Audit.GetStateDigest (the workflows' state digest).
  void SetStateDigestSource(StateDigestSource source);
  // Runs at Shutdown, after the RPCs have drained and before the log closes.
  void OnShutdown(std::function<void()> hook);

  // Binds and serves. UNAVAILABLE when the address cannot be bound;
  // FAILED_PRECONDITION for plaintext on a remote address; NOT_FOUND for
  // unreadable TLS files.
  absl::Status Start();

  // Blocks until Shutdown has completed.
  void Wait();
  // Idempotent; blocks until done. Safe from any thread but a handler's.
  void Shutdown();

  // The bound port (after Start), and "HOST:PORT" with it.
  int port() const { return port_; }
  std::string address() const;

  // After Open().
  store::EventLog& log() { return *log_; }
  Clock& clock() { return *clock_; }
  ManualClock* manual_clock() { return manual_clock_; }  // null on the system clock
  const Authorizer& authorizer() const { return *authorizer_; }
  const ServerOptions& options() const { return options_; }
  // The signer of checkpoints (after Open); null for a log without its tree.
  proof::CheckpointSigner* signer() { return signer_.get(); }

 private:
  absl::Status OpenLog();
  absl::Status OpenSigner();
  absl::Status BuildServer();

  ServerOptions options_;
  std::unique_ptr<Clock> clock_;
  ManualClock* manual_clock_ = nullptr;
  std::unique_ptr<rocksdb::Env> fault_env_;  // with inject_faults; outlives log_
  std::unique_ptr<store::EventLog> log_;
  std::unique_ptr<proof::CheckpointSigner> signer_;
  std::unique_ptr<Authorizer> authorizer_;
  PayloadDecoders decoders_;
  std::shared_ptr<const AlertMapper> mapper_;
  std::vector<std::function<void()>> clock_hooks_;
  CalendarLoader calendar_loader_;
  StateDigestSource state_digest_;
  std::vector<std::function<void()>> shutdown_hooks_;
  std::vector<std::unique_ptr<grpc::Service>> extra_services_;
  std::unique_ptr<AuditService> audit_;
  std::unique_ptr<SupervisionService> supervision_;
  std::unique_ptr<AdminService> admin_;
  std::unique_ptr<grpc::Server> server_;
  absl::Time started_at_;
  int port_ = 0;
  bool opened_ = false;
  bool started_ = false;

  // The gRPC health service while it serves: told when the log stops
  // taking writes.
  absl::Mutex health_mu_;
  grpc::HealthCheckServiceInterface* health_ ABSL_GUARDED_BY(health_mu_) = nullptr;
  absl::Mutex shutdown_mu_;  // one Shutdown at a time
  bool shut_down_ ABSL_GUARDED_BY(shutdown_mu_) = false;
  absl::Notification done_;
};

// The version taizhangd reports.
const char* ServerVersion();

// Whether `listen`'s host is loopback (127.0.0.0/8, ::1, localhost) or a unix
// socket.
bool IsLoopbackListen(const std::string& listen);

}  // namespace taizhang::services

#endif  // TAIZHANG_SERVICES_SERVER_H_
