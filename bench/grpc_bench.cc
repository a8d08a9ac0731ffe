// grpc_bench: taizhangd's RPC throughput and latency beside an empty gRPC
// handler, measured in the same run on the same machine.
//
// The bench starts two servers as separate processes — the real taizhangd
// (temporary data directory and tokens) and this program in --serve-empty mode
// (Admin.ServerInfo answering at once, no auth, no log) — then drives each from
// this process with 1, 16 and 64 concurrent clients (one channel each) and
// prints requests/s, p50 and p99, and taizhangd's ratios to the empty handler.
// Beside them, in the same run: the PostgreSQL peer (bench/pg_peer.h), an
// events table a user would pick instead, driven by pgbench at the same
// concurrencies; and a raw RocksDB sync=true Put on the same disk, whose p50
// the one-client target is stated in.
//
// The targets, each judged on this run's figures:
//   - durable commands/s >= the PostgreSQL peer's appends/s at every concurrency;
//   - at one client, the durable p50 <= the empty handler's p50 + 1.5 x the raw
//     Put's p50;
//   - at 64 clients, durable commands/s >= 0.8 x the empty handler's.
//
// What is measured on taizhangd:
//   - DurableCommand(): Tasks.CreateTask creating a task, a durable command
//     (an append fsynced through the log) — the figure the target is about;
//   - UpdateCommand(): Tasks.ReportTaskProgress on tasks that exist, the
//     common case in use (the state is loaded before it is decided on);
//   - Admin.ServerInfo, for comparison: it goes through auth and reads the
//     log's head, but writes nothing.
//
//   build/bench/grpc_bench [--seconds 3] [--clients 1,16,64] [--taizhangd PATH]
#include <grpcpp/grpcpp.h>
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "bench/pg_peer.h"
#include "bench/processes.h"
#include "rocksdb/db.h"
#include "taizhang/v1/service.grpc.pb.h"

namespace {

using taizhang::v1::Admin;
using Clock = std::chrono::steady_clock;
using taizhang::bench::Child;
using taizhang::bench::ProcessCpuUs;
using taizhang::bench::Spawn;
using taizhang::bench::Stop;

constexpr char kToken[] = "bench-admin-0123456789abcdef";
constexpr char kDepartmentToken[] = "bench-department-0123456789abcdef";
// Tasks each client reports progress on, in turn, in the update measurement.
constexpr int kTasksPerClient = 20;

// --- the empty server -------------------------------------------------------

class EmptyAdmin final : public Admin::Service {
  grpc::Status ServerInfo(grpc::ServerContext*, const taizhang::v1::ServerInfoRequest*,
                          taizhang::v1::ServerInfoResponse*) override {
    return grpc::Status::OK;
  }
};

int ServeEmpty() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);  // before gRPC's threads start
  EmptyAdmin service;
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  auto server = builder.BuildAndStart();
  if (server == nullptr) return 1;
  std::printf("listening on 127.0.0.1:%d\n", port);
  std::fflush(stdout);
  int sig;
  sigwait(&set, &sig);
  server->Shutdown();
  return 0;
}

// --- load ------------------------------------------------------------------

// One call on `channel` by client `client`, its `n`th; returns its status.
// Client numbers are unique across the measurements of a run (ids made from
// them are never answered as retries of an earlier measurement's).
using CallFn =
    std::function<grpc::Status(const std::shared_ptr<grpc::Channel>&, int client, int64_t n)>;

struct Result {
  double rps = 0;
  double server_cpu_us = 0;  // the server process's CPU time per request
  double client_cpu_us = 0;  // this process's CPU time per request
  double p50_us = 0;
  double p99_us = 0;
  int64_t errors = 0;
  std::string first_error;
};

std::shared_ptr<grpc::Channel> NewChannel(const std::string& address) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);  // one connection per client
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
}

Result Drive(const std::string& address, pid_t server, int clients, double seconds,
             const CallFn& call) {
  static int next_client = 0;
  const int first_client = next_client;
  next_client += clients;
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  for (int i = 0; i < clients; ++i) {
    channels.push_back(NewChannel(address));
    (void)call(channels.back(), first_client + i, -1);  // warm up: connect
  }
  std::atomic<bool> stop{false};
  std::vector<std::vector<double>> latencies(clients);
  std::vector<int64_t> errors(clients, 0);
  std::vector<std::string> first_error(clients);
  std::vector<std::thread> threads;
  const double server_cpu0 = ProcessCpuUs(server);
  const double client_cpu0 = ProcessCpuUs(getpid());
  const auto start = Clock::now();
  for (int i = 0; i < clients; ++i) {
    threads.emplace_back([&, i] {
      for (int64_t n = 0; !stop.load(std::memory_order_relaxed); ++n) {
        auto t0 = Clock::now();
        grpc::Status s = call(channels[i], first_client + i, n);
        auto t1 = Clock::now();
        if (!s.ok()) {
          if (errors[i]++ == 0) first_error[i] = s.error_message();
          continue;
        }
        latencies[i].push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& t : threads) t.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  const double server_cpu = ProcessCpuUs(server) - server_cpu0;
  const double client_cpu = ProcessCpuUs(getpid()) - client_cpu0;
  std::vector<double> all;
  Result r;
  for (int i = 0; i < clients; ++i) {
    all.insert(all.end(), latencies[i].begin(), latencies[i].end());
    r.errors += errors[i];
    if (r.first_error.empty()) r.first_error = first_error[i];
  }
  std::sort(all.begin(), all.end());
  r.rps = all.size() / elapsed;
  if (!all.empty()) {
    r.server_cpu_us = server_cpu / all.size();
    r.client_cpu_us = client_cpu / all.size();
  }
  if (!all.empty()) {
    r.p50_us = all[all.size() / 2];
    r.p99_us = all[std::min(all.size() - 1, all.size() * 99 / 100)];
  }
  return r;
}

grpc::Status ServerInfo(const std::shared_ptr<grpc::Channel>& channel, int, int64_t) {
  Admin::Stub stub(channel);
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", std::string("Bearer ") + kToken);
  taizhang::v1::ServerInfoResponse response;
  return stub.ServerInfo(&ctx, taizhang::v1::ServerInfoRequest(), &response);
}

// The durable domain command measured: the supervision office creates a task
// (Tasks.CreateTask), one acknowledged, fsynced append per call, each on its
// own stream, through authentication, the aggregate's decision and the log.
grpc::Status CreateTask(const std::shared_ptr<grpc::Channel>& channel, const std::string& id) {
  taizhang::v1::Tasks::Stub stub(channel);
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", std::string("Bearer ") + kToken);
  taizhang::v1::CreateTaskRequest request;
  request.mutable_header()->set_request_id(id);
  request.set_task_id(id);
  auto* create = request.mutable_create();
  create->set_task_id(id);
  create->set_project_code("2026-510115-47-01-000001");
  create->set_title("基准测试任务");
  create->add_responsible_units("自然资源局");
  taizhang::v1::TaskReply reply;
  return stub.CreateTask(&ctx, request, &reply);
}

CallFn DurableCommand() {
  return [](const std::shared_ptr<grpc::Channel>& channel, int client, int64_t n) {
    return CreateTask(channel, absl::StrCat("bench-", client, "-", n));
  };
}

// A durable command on a stream that exists: the responsible department
// reports progress (Tasks.ReportTaskProgress) on one of its client's tasks,
// in turn; the warm-up call creates them.
CallFn UpdateCommand() {
  return [](const std::shared_ptr<grpc::Channel>& channel, int client, int64_t n) -> grpc::Status {
    if (n < 0) {
      for (int t = 0; t < kTasksPerClient; ++t) {
        grpc::Status s = CreateTask(channel, absl::StrCat("bench-upd-", client, "-", t));
        if (!s.ok()) return s;
      }
      return grpc::Status::OK;
    }
    taizhang::v1::Tasks::Stub stub(channel);
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", std::string("Bearer ") + kDepartmentToken);
    taizhang::v1::ReportTaskProgressRequest request;
    request.mutable_header()->set_request_id(absl::StrCat("bench-upd-", client, "-r", n));
    request.set_task_id(absl::StrCat("bench-upd-", client, "-", n % kTasksPerClient));
    request.mutable_report_progress()->set_percent(static_cast<int32_t>(n % 100));
    request.mutable_report_progress()->set_text("征迁推进中");
    taizhang::v1::TaskReply reply;
    return stub.ReportTaskProgress(&ctx, request, &reply);
  };
}

// A raw RocksDB Put with sync=true, one writer, for `seconds`, in a new
// database under `dir`: what one durable write costs on this disk.
struct RawPut {
  double p50_us = 0;
  double cpu_us = 0;  // CPU time (user + system) per Put
};

RawPut RawSyncPut(const std::filesystem::path& dir, double seconds) {
  rocksdb::Options options;
  options.create_if_missing = true;
  rocksdb::DB* raw = nullptr;
  if (!rocksdb::DB::Open(options, dir.string(), &raw).ok()) return {};
  std::unique_ptr<rocksdb::DB> db(raw);
  rocksdb::WriteOptions wo;
  wo.sync = true;
  const std::string value(256, 'v');
  std::vector<double> latencies;
  const double cpu0 = ProcessCpuUs(getpid());
  const auto end = Clock::now() + std::chrono::duration<double>(seconds);
  for (int64_t i = 0; Clock::now() < end; ++i) {
    auto t0 = Clock::now();
    if (!db->Put(wo, absl::StrCat("k", i), value).ok()) return {};
    latencies.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
  }
  if (latencies.empty()) return {};
  RawPut r;
  r.cpu_us = (ProcessCpuUs(getpid()) - cpu0) / latencies.size();
  std::sort(latencies.begin(), latencies.end());
  r.p50_us = latencies[latencies.size() / 2];
  return r;
}

void WriteTokens(const std::string& path) {
  std::ofstream out(path);
  out << "token { token: \"" << kToken << "\" role: \"supervision\" unit: \"督查室\" }\n";
  out << "token { token: \"" << kDepartmentToken
      << "\" role: \"department\" unit: \"自然资源局\" }\n";
}

std::string Us(double us) {
  return us >= 1000 ? absl::StrCat(static_cast<int64_t>(us / 10) / 100.0, " ms")
                    : absl::StrCat(static_cast<int64_t>(us), " µs");
}

std::string Cpu(const Result& r) {
  return absl::StrCat(static_cast<int64_t>(r.server_cpu_us), "+",
                      static_cast<int64_t>(r.client_cpu_us), " µs");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::string(argv[1]) == "--serve-empty") return ServeEmpty();
  double seconds = 3;
  std::string taizhangd = TAIZHANGD_PATH;  // --taizhangd: another build, to compare
  std::vector<int> client_counts = {1, 16, 64};
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--seconds") {
      if (!absl::SimpleAtod(argv[i + 1], &seconds)) return 2;
    } else if (flag == "--taizhangd") {
      taizhangd = argv[i + 1];
    } else if (flag == "--clients") {
      client_counts.clear();
      for (absl::string_view part : absl::StrSplit(argv[i + 1], ',')) {
        int n;
        if (!absl::SimpleAtoi(part, &n) || n <= 0) return 2;
        client_counts.push_back(n);
      }
    } else {
      std::fprintf(stderr,
                   "usage: grpc_bench [--seconds S] [--clients 1,16,64] [--taizhangd PATH]\n");
      return 2;
    }
  }
  std::random_device rd;
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / absl::StrCat("taizhang-grpc-bench-", rd());
  std::filesystem::create_directories(dir);
  WriteTokens((dir / "tokens.textproto").string());

  // Children first: nothing gRPC exists in this process before they are forked.
  auto daemon = Spawn({taizhangd, "--listen", "127.0.0.1:0", "--data-dir", (dir / "data").string(),
                       "--tokens", (dir / "tokens.textproto").string(), "--log-level", "warn",
                       "--policies-dir", TAIZHANG_POLICIES_DIR},
                      (dir / "taizhangd.stderr").string());
  auto empty = Spawn({"/proc/self/exe", "--serve-empty"}, (dir / "empty.stderr").string());
  if (!daemon || !empty) return 1;
  std::string no_peer;
  std::unique_ptr<taizhang::bench::PgPeer> peer =
      taizhang::bench::PgPeer::Start(dir / "pg", &no_peer);

  CallFn durable = DurableCommand();
  CallFn update = UpdateCommand();
  std::printf("grpc_bench: %g s per measurement, %u hardware threads, loopback\n", seconds,
              std::thread::hardware_concurrency());
  std::printf("  empty    = a gRPC handler that answers at once (same process layout)\n");
  std::printf("  durable  = Tasks.CreateTask on taizhangd: a new task, one fsynced append\n");
  std::printf(
      "  update   = Tasks.ReportTaskProgress on taizhangd: progress on an existing task\n"
      "             (each client's %d tasks in turn), one fsynced append\n",
      kTasksPerClient);
  std::printf(
      "  info     = for comparison: Admin.ServerInfo on taizhangd (auth + head read, "
      "no write; not a durable command)\n");
  if (peer != nullptr) {
    std::printf(
        "  pg       = the PostgreSQL peer: one durable INSERT of an event on a new stream into\n"
        "             an events table ((stream, version) and request id unique), pgbench\n");
  } else {
    std::printf("  pg       = the PostgreSQL peer: not run, %s\n", no_peer.c_str());
  }
  const RawPut raw_put = RawSyncPut(dir / "raw", seconds);
  const double raw_put_p50 = raw_put.p50_us;
  std::printf(
      "  raw Put  = a raw RocksDB Put with sync=true on the same disk, one writer: p50 %s,\n"
      "             %s CPU per Put\n\n",
      Us(raw_put_p50).c_str(), Us(raw_put.cpu_us).c_str());
  std::printf(
      "  cpu/req  = CPU time (user + system) per request of the server process and of\n"
      "             this driving process, from /proc\n\n");
  std::printf("%8s  %-9s %10s %10s %10s %16s  %s\n", "clients", "rpc", "req/s", "p50", "p99",
              "cpu/req srv+cli", "vs empty (req/s, p50, p99)");
  int status = 0;
  std::vector<std::string> verdicts;
  auto judge = [&](bool ok, std::string what) {
    verdicts.push_back(absl::StrCat("  ", ok ? "ok           " : "BELOW TARGET ", what));
  };
  for (int clients : client_counts) {
    Result base = Drive(empty->address, empty->pid, clients, seconds, ServerInfo);
    std::printf("%8d  %-9s %10.0f %10s %10s %16s\n", clients, "empty", base.rps,
                Us(base.p50_us).c_str(), Us(base.p99_us).c_str(), Cpu(base).c_str());
    std::vector<std::pair<std::string, CallFn>> targets;
    targets.emplace_back("durable", durable);
    targets.emplace_back("update", update);
    targets.emplace_back("info", ServerInfo);
    for (const auto& [name, fn] : targets) {
      Result r = Drive(daemon->address, daemon->pid, clients, seconds, fn);
      std::printf("%8d  %-9s %10.0f %10s %10s %16s  %.2fx, %.1fx, %.1fx\n", clients, name.c_str(),
                  r.rps, Us(r.p50_us).c_str(), Us(r.p99_us).c_str(), Cpu(r).c_str(),
                  base.rps > 0 ? r.rps / base.rps : 0, base.p50_us > 0 ? r.p50_us / base.p50_us : 0,
                  base.p99_us > 0 ? r.p99_us / base.p99_us : 0);
      if (r.errors > 0) {
        std::printf("          %s: %lld errors, first: %s\n", name.c_str(),
                    static_cast<long long>(r.errors), r.first_error.c_str());
        status = 1;
      }
      if (name != "durable") continue;
      if (clients == 1) {
        const double limit = base.p50_us + 1.5 * raw_put_p50;
        judge(
            r.p50_us <= limit,
            absl::StrCat("1 client: durable p50 ", Us(r.p50_us), " <= empty p50 ", Us(base.p50_us),
                         " + 1.5 x raw Put p50 ", Us(raw_put_p50), " = ", Us(limit)));
      }
      if (clients == 64) {
        judge(r.rps >= 0.8 * base.rps,
              absl::StrCat("64 clients: durable ", static_cast<int64_t>(r.rps),
                           "/s >= 0.8 x empty ", static_cast<int64_t>(base.rps), "/s (",
                           absl::StrFormat("%.2f", base.rps > 0 ? r.rps / base.rps : 0), "x)"));
      }
      if (peer == nullptr) continue;
      taizhang::bench::PgPeer::Result pg = peer->Drive(clients, seconds);
      if (!pg.error.empty()) {
        std::printf("          pg: %s\n", pg.error.c_str());
        status = 1;
        continue;
      }
      std::printf("%8d  %-9s %10.0f %10s %10s %16s  %.2fx, %.1fx, %.1fx\n", clients, "pg", pg.tps,
                  Us(pg.p50_us).c_str(), Us(pg.p99_us).c_str(),
                  absl::StrCat(static_cast<int64_t>(pg.server_cpu_us), " µs").c_str(),
                  base.rps > 0 ? pg.tps / base.rps : 0,
                  base.p50_us > 0 ? pg.p50_us / base.p50_us : 0,
                  base.p99_us > 0 ? pg.p99_us / base.p99_us : 0);
      judge(r.rps >= pg.tps,
            absl::StrCat(clients, " clients: durable ", static_cast<int64_t>(r.rps),
                         "/s >= PostgreSQL ", static_cast<int64_t>(pg.tps), "/s (",
                         absl::StrFormat("%.2f", pg.tps > 0 ? r.rps / pg.tps : 0), "x)"));
    }
  }
  std::printf("\ntargets, judged on this run:\n");
  for (const std::string& v : verdicts) std::printf("%s\n", v.c_str());
  if (peer == nullptr)
    std::printf("  (the PostgreSQL targets were not judged: %s)\n", no_peer.c_str());
  peer.reset();
  Stop(*daemon);
  Stop(*empty);
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return status;
}
