// taizhangd: the Taizhang server. Opens (or creates) the event log, verifies
// the tail of its hash chain, serves the gRPC API, and on SIGINT/SIGTERM stops
// accepting, drains in-flight calls and closes the log.
//
// The first line on stdout is exactly "listening on HOST:PORT" (with the bound
// port when --listen asked for port 0); with --http, the second is "http on
// HOST:PORT" (the dashboard, /healthz, /metrics); everything else goes to stderr as
// human-readable logs (spdlog: levels, timestamps, thread-safe output without
// hand-written locking; it is a Debian package the project already installs).
//
// Exit status: 0 after a clean shutdown, 1 when the server cannot start
// (unreadable configuration or tokens, a log that does not verify, an address
// in use), 2 for bad flags.
#include <gperftools/malloc_extension.h>
#include <pthread.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <csignal>
#include <cstdio>
#include <string>

#include "CLI/CLI.hpp"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "proof/ed25519.h"
#include "services/assessment_service.h"
#include "services/calendar_loader.h"
#include "services/china_time.h"
#include "services/config.h"
#include "services/dashboard.h"
#include "services/http_server.h"
#include "services/ledger_service.h"
#include "services/reports_service.h"
#include "services/server.h"
#include "services/workflow_alerts.h"
#include "verify/restore.h"
#include "workflows/ledger.h"

namespace {

using taizhang::services::ServerOptions;

constexpr char kDefaultListen[] = "127.0.0.1:7070";

// Blocks SIGINT and SIGTERM in this thread and every thread started after,
// so that only WaitForSignal sees them.
sigset_t BlockStopSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

int WaitForSignal(const sigset_t& set) {
  int sig = 0;
  sigwait(&set, &sig);
  return sig;
}

bool SetLogLevel(const std::string& name) {
  auto level = spdlog::level::from_str(name);
  if (level == spdlog::level::off && name != "off") return false;
  spdlog::set_level(level);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  const sigset_t stop_signals = BlockStopSignals();
  // The distribution's Abseil is built with its debug checks, which include a
  // lock-order graph updated on every Mutex acquisition. The unit tests keep
  // that check; the server, whose every RPC takes several mutexes, does not.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);

  CLI::App app{"taizhangd: the Taizhang (台账) work-ledger server"};
  std::string listen = kDefaultListen, data_dir = "./data", config_file, tokens_file;
  std::string clock = "system", start, policies_dir, log_level = "info";
  std::string tls_cert, tls_key, client_ca;
  bool verify_all = false, amend_calendars = false;
  app.add_option("--listen", listen,
                 "HOST:PORT to serve on; port 0 picks a free port (the first line of stdout "
                 "is 'listening on HOST:PORT')")
      ->capture_default_str();
  app.add_option("--data-dir", data_dir, "directory of the event log (created on first run)")
      ->capture_default_str();
  app.add_option("--config", config_file,
                 "configuration file (text-format taizhang.v1.ServerConfig); flags override it")
      ->check(CLI::ExistingFile);
  app.add_option("--tokens", tokens_file,
                 "bearer tokens file (text-format taizhang.v1.TokensFile)");
  app.add_option("--clock", clock, "system, or manual (moves only by Admin.AdvanceClock)")
      ->check(CLI::IsMember({"system", "manual"}))
      ->capture_default_str();
  app.add_option("--start", start,
                 "manual clock's start: YYYY-MM-DD (midnight China time); default: today");
  app.add_option("--policies-dir", policies_dir,
                 "the domain's policy data; default: the shipped policies installed beside the "
                 "program (../share/taizhang/policies)");
  bool log_only = false;
  app.add_flag("--log-only", log_only,
               "serve the log alone (audit, alerts, admin), without the workflows");
  std::string http_listen;
  app.add_option(
      "--http", http_listen,
      "HOST:PORT of the HTTP side: the dashboard, /healthz, /metrics (port 0 picks one)");
  app.add_option("--tls-cert", tls_cert, "PEM certificate chain: serve TLS");
  app.add_option("--tls-key", tls_key, "PEM private key for --tls-cert");
  app.add_option("--client-ca", client_ca, "PEM CA: require client certificates signed by it");
  app.add_flag("--verify-all", verify_all, "verify the whole hash chain at start, not its tail");
  std::string inject_faults;
  app.add_option("--inject-faults", inject_faults,
                 "for tests only: the log's disk fails while this file's first word says so "
                 "(nospace: full; fsync: syncs fail)");
  app.add_flag("--amend-calendars", amend_calendars,
               "take a calendar file whose days differ from the year the log holds as an "
               "amendment of that year (otherwise the server refuses to start)");
  uint64_t checkpoint_every = taizhang::workflows::LedgerOptions().checkpoint_every;
  app.add_option("--checkpoint-every", checkpoint_every,
                 "write a checkpoint of the projections each time this many events have been "
                 "applied (0: only at shutdown); a start replays only the events after the latest")
      ->capture_default_str();
  app.add_option("--log-level", log_level, "debug, info, warn or error")->capture_default_str();
  std::string signing_key, previous_signing_key;
  bool accept_unendorsed = false;
  uint64_t sign_every_records = 0;
  uint32_t sign_every_minutes = 0;
  app.add_option("--signing-key", signing_key,
                 "the Ed25519 key (PEM) that signs the log's checkpoints, made there when "
                 "missing; default: signing-key.pem beside the data directory");
  app.add_option("--previous-signing-key", previous_signing_key,
                 "the key --signing-key replaces: it signs the rotation too");
  app.add_flag("--accept-unendorsed-signing-key", accept_unendorsed,
               "the log's key is lost: record --signing-key without its word");
  bool no_signing = false;
  app.add_flag("--no-signing", no_signing,
               "read no signing key and sign nothing: for a server that checks a copy of a log");
  app.add_option("--sign-every-records", sign_every_records,
                 "sign a checkpoint every so many records (default 10000; 0: not by count)");
  app.add_option("--sign-every-minutes", sign_every_minutes,
                 "and every so many minutes when records were added (default 60; 0: not by time)");
  std::string chromium;
  app.add_option("--chromium", chromium,
                 "the headless Chromium that prints the PDFs (default: chromium on PATH)");
  std::string restore_from;
  app.add_option("--restore-from", restore_from,
                 "a backup to restore as the log first: checked (chain, Merkle tree, signatures "
                 "against the server's key), then copied into --data-dir, which must be new or "
                 "empty");
  CLI11_PARSE(app, argc, argv);

  auto logger = spdlog::stderr_color_mt("taizhangd");
  logger->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%-5l%$ %v");
  spdlog::set_default_logger(logger);

  ServerOptions options;
  options.listen = kDefaultListen;
  options.data_dir = "./data";
  std::string config_log_level;
  if (!config_file.empty()) {
    auto config = taizhang::services::LoadServerConfig(config_file);
    if (!config.ok()) {
      spdlog::error("{}", std::string(config.status().message()));
      return 1;
    }
    if (auto s = taizhang::services::ApplyServerConfig(*config, &options); !s.ok()) {
      spdlog::error("{}: {}", config_file, std::string(s.message()));
      return 1;
    }
    config_log_level = config->log_level();
  }
  // Flags given on the command line win over the configuration file.
  auto given = [&](const char* flag) { return app.count(flag) > 0; };
  const std::string level =
      given("--log-level") || config_log_level.empty() ? log_level : config_log_level;
  if (!SetLogLevel(level)) {
    spdlog::error("log level '{}': expected debug, info, warn or error", level);
    return 2;
  }
  if (given("--listen")) options.listen = listen;
  if (given("--http")) options.http_listen = http_listen;
  if (given("--data-dir")) options.data_dir = data_dir;
  if (given("--tokens")) options.tokens_file = tokens_file;
  if (given("--policies-dir")) options.policies_dir = policies_dir;
  if (options.policies_dir.empty() && !log_only) {
    auto shipped = taizhang::services::ShippedPoliciesDir(argv[0]);
    if (!shipped.ok()) {
      spdlog::error("{}", std::string(shipped.status().message()));
      return 1;
    }
    options.policies_dir = *shipped;
  }
  if (log_only && !options.policies_dir.empty() && given("--policies-dir")) {
    spdlog::error("--log-only and --policies-dir: give one");
    return 2;
  }
  if (log_only) options.policies_dir.clear();
  if (given("--tls-cert")) options.tls_cert = tls_cert;
  if (given("--tls-key")) options.tls_key = tls_key;
  if (given("--client-ca")) options.client_ca = client_ca;
  if (given("--verify-all")) options.verify_all = true;
  if (given("--inject-faults")) options.inject_faults = inject_faults;
  if (given("--chromium")) options.reports.set_chromium(chromium);
  if (given("--signing-key")) options.signing_key = signing_key;
  if (given("--previous-signing-key")) options.previous_signing_key = previous_signing_key;
  if (given("--accept-unendorsed-signing-key")) options.accept_unendorsed_signing_key = true;
  if (given("--sign-every-records")) options.sign_every_records = sign_every_records;
  if (no_signing) options.sign_checkpoints = false;
  if (given("--sign-every-minutes")) options.sign_every = absl::Minutes(sign_every_minutes);
  if (given("--clock")) options.clock = *taizhang::services::ParseClockMode(clock);
  if (given("--start")) {
    auto t = taizhang::services::ParseChinaDateOrTime(start, "--start");
    if (!t.ok()) {
      spdlog::error("{}", std::string(t.status().message()));
      return 2;
    }
    options.manual_start = *t;
  } else if (options.clock == taizhang::services::ClockMode::kManual &&
             options.manual_start == absl::UnixEpoch()) {
    // Today, midnight China time, read once from the system clock.
    auto system = taizhang::NewSystemClock();
    absl::CivilDay today = absl::ToCivilDay(system->Now(), taizhang::services::ChinaTime());
    options.manual_start = absl::FromCivil(today, taizhang::services::ChinaTime());
  }

  if (!restore_from.empty()) {
    std::vector<std::string> keys;
    if (options.sign_checkpoints) {
      // The server's key, and the one it replaces (a backup from before the
      // rotation knows only that one).
      std::vector<std::string> paths = {taizhang::services::SigningKeyPath(options)};
      if (!options.previous_signing_key.empty()) paths.push_back(options.previous_signing_key);
      for (const std::string& path : paths) {
        auto key = taizhang::proof::SigningKey::Load(path);
        if (key.ok()) {
          keys.push_back(key->public_key());
        } else if (!absl::IsNotFound(key.status())) {
          spdlog::error("cannot restore: {}", std::string(key.status().message()));
          return 1;
        }
      }
    }
    if (keys.empty()) {
      spdlog::warn(
          "restoring without a signing key at hand: the backup's signatures are checked "
          "for consistency only, not against the server's key");
    }
    auto restored = taizhang::verify::Restore(restore_from, options.data_dir, keys);
    if (!restored.ok()) {
      spdlog::error("cannot restore: {}", std::string(restored.status().message()));
      return 1;
    }
    spdlog::info(
        "restored {} into {}: {} records, chain {}, Merkle root {} ({} files, {} bytes); "
        "the index of {} streams and {} request receipts made anew from the records, "
        "the projections' checkpoints dropped{}",
        restore_from, options.data_dir, restored->head, restored->chain_digest, restored->root,
        restored->files, restored->bytes, restored->streams, restored->requests,
        keys.empty() ? "; no signing key here: signatures checked for consistency only"
                     : "; signatures checked against the server's key");
  }
  spdlog::info("taizhangd {} starting: data {}, listen {}", taizhang::services::ServerVersion(),
               options.data_dir, options.listen);
  taizhang::services::TaizhangServer server(options);
  if (absl::Status s = server.Open(); !s.ok()) {
    spdlog::error("cannot start: {}", std::string(s.message()));
    return 1;
  }
  // The workflows, when policy data is given: projects, cases, tasks and
  // problems, their timers, alerts and the Ledger service.
  std::unique_ptr<taizhang::workflows::Ledger> ledger;
  if (!options.policies_dir.empty()) {
    taizhang::workflows::LedgerOptions ledger_options;
    ledger_options.policies_dir = options.policies_dir;
    ledger_options.amend_calendars = amend_calendars;
    ledger_options.checkpoint_every = checkpoint_every;
    auto opened = taizhang::workflows::Ledger::Open(server.log(), server.clock(), ledger_options);
    if (!opened.ok()) {
      spdlog::error("cannot load the policies: {}", std::string(opened.status().message()));
      return 1;
    }
    ledger = std::move(*opened);
    if (absl::Status s = ledger->Start(); !s.ok()) {
      spdlog::error("cannot start the workflows: {}", std::string(s.message()));
      return 1;
    }
    // What the start read and decoded and no longer needs goes back to the
    // system, so that the server's resident memory is what it holds.
    MallocExtension::instance()->ReleaseFreeMemory();
    const taizhang::engine::StartReport report = ledger->runtime().start_report();
    if (!report.checkpoint_refused.empty()) {
      spdlog::warn("projections: the checkpoint was not used ({}); replayed the whole log",
                   report.checkpoint_refused);
    }
    if (report.checkpoint_position > 0) {
      spdlog::info("projections: checkpoint at position {} ({} records), then {} events replayed",
                   report.checkpoint_position, report.checkpoint_records, report.replayed);
    }
    spdlog::info("workflows: policies from {}, replayed to position {}, calendar version {} ({})",
                 options.policies_dir, ledger->runtime().applied(), ledger->calendar_version(),
                 absl::StrJoin(ledger->calendar()->Years(), " "));
    taizhang::services::AddLedgerServices(server, *ledger);
    taizhang::services::AddReportsService(server, *ledger);
    taizhang::services::AddAssessmentService(server, *ledger);
    server.SetAlertMapper(std::make_shared<taizhang::services::WorkflowAlerts>());
    server.AddPayloadDecoder(
        "case/", taizhang::services::NewProtoJsonDecoder(taizhang::v1::ApprovalCaseEvent()));
    server.AddPayloadDecoder("task/",
                             taizhang::services::NewProtoJsonDecoder(taizhang::v1::TaskEvent()));
    server.AddPayloadDecoder("problem/",
                             taizhang::services::NewProtoJsonDecoder(taizhang::v1::ProblemEvent()));
    server.AddPayloadDecoder("project/",
                             taizhang::services::NewProtoJsonDecoder(taizhang::v1::ProjectEvent()));
    server.AddPayloadDecoder(
        "series/", taizhang::services::NewProtoJsonDecoder(taizhang::v1::MeetingSeriesEvent()));
    server.AddPayloadDecoder("meeting/",
                             taizhang::services::NewProtoJsonDecoder(taizhang::v1::MeetingEvent()));
    server.AddPayloadDecoder(
        "calendar/", taizhang::services::NewProtoJsonDecoder(taizhang::v1::CalendarEvent()));
    server.AddPayloadDecoder(
        "bulletin/", taizhang::services::NewProtoJsonDecoder(taizhang::v1::BulletinEvent()));
    server.SetCalendarLoader(taizhang::services::LedgerCalendarLoader(*ledger));
    server.SetStateDigestSource(
        [&ledger]() -> absl::StatusOr<taizhang::services::ServedStateDigest> {
          if (absl::Status s = ledger->runtime().status(); !s.ok()) {
            return absl::FailedPreconditionError(
                absl::StrCat("工作流的投影在出错后停止（", s.message(), "），其状态摘要无从核对"));
          }
          const taizhang::workflows::Ledger::StateDigest d = ledger->Digest();
          return taizhang::services::ServedStateDigest{d.position, d.streams, d.digest};
        });
    server.OnClockAdvanced([&ledger] { ledger->runtime().Quiesce(); });
    server.OnShutdown([&ledger] { ledger->Stop(); });
  } else {
    spdlog::warn("--log-only: serving the log alone (audit, alerts, admin), no workflows");
  }
  if (!options.http_listen.empty()) {
    // The dashboard takes tokens (HTTP Basic): never in clear over a network
    // unless told so.
    const std::string host = options.http_listen.substr(0, options.http_listen.rfind(':'));
    if (!options.allow_insecure_remote && host != "127.0.0.1" && host != "localhost" &&
        host != "[::1]") {
      spdlog::error("--http {}: plaintext beyond loopback needs allow_insecure_remote",
                    options.http_listen);
      return 1;
    }
  }
  if (absl::Status s = server.Start(); !s.ok()) {
    spdlog::error("cannot start: {}", std::string(s.message()));
    return 1;
  }
  std::printf("listening on %s\n", server.address().c_str());
  std::unique_ptr<taizhang::services::HttpServer> http;
  if (!options.http_listen.empty()) {
    auto started = taizhang::services::HttpServer::Start(
        options.http_listen, taizhang::services::NewHttpRoutes(server.log(), server.clock(),
                                                               server.authorizer(), ledger.get()));
    if (!started.ok()) {
      spdlog::error("{}", std::string(started.status().message()));
      server.Shutdown();
      return 1;
    }
    http = std::move(*started);
    std::printf("http on %s\n", http->address().c_str());
    spdlog::info("HTTP side on {}: /, /healthz, /metrics", http->address());
  }
  std::fflush(stdout);

  int sig = WaitForSignal(stop_signals);
  spdlog::info("received {}; shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
  http.reset();
  server.Shutdown();
  spdlog::info("stopped cleanly");
  return 0;
}
