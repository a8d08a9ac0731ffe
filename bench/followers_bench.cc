// followers_bench: many concurrent Supervision.FollowAlerts streams on one
// taizhangd, and how fast an alert reaches all of them.
//
// The bench starts taizhangd (temporary data directory and tokens), opens
// --followers streams (the supervision office's, no filter) from this process
// on the client's callback API over --channels connections, and reads the
// server's threads and resident memory before and after: the memory per
// follower. Then it raises --alerts problems (Problems.RaiseProblem, each an
// alert to the office), one every --interval-ms, and measures for every
// (follower, alert) pair the time from just before the command was sent to
// the alert's arrival: p50, p99 and the slowest, and whether every follower
// got every alert exactly once, in order.
//
// Target: 10,000 followers, each alert delivered to all of them within 1 s
// (p99).
//
//   build/bench/followers_bench [--followers 10000] [--channels 50] [--alerts 20]
//                               [--interval-ms 500] [--taizhangd PATH]
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "bench/processes.h"
#include "taizhang/v1/service.grpc.pb.h"

namespace {

using Clock = std::chrono::steady_clock;

constexpr char kToken[] = "bench-supervision-0123456789abcdef";

// When each alert's command was sent (index = the problem's number), for the
// followers' threads to read.
struct Sent {
  std::vector<std::atomic<int64_t>> at_us;  // steady clock; 0 until sent
  explicit Sent(int n) : at_us(n) {}
};

int64_t NowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now().time_since_epoch())
      .count();
}

// One follower: the latency of every alert it reads, in order of arrival.
class Follower final : public grpc::ClientReadReactor<taizhang::v1::Alert> {
 public:
  Follower(taizhang::v1::Supervision::Stub& stub, const Sent& sent) : sent_(sent) {
    ctx_.AddMetadata("authorization", absl::StrCat("Bearer ", kToken));
    stub.async()->FollowAlerts(&ctx_, &request_, this);
    StartRead(&alert_);
    StartCall();
  }

  void OnReadInitialMetadataDone(bool ok) override {
    absl::MutexLock l(&mu_);
    connected_ = ok;
    if (!ok) done_ = true;
  }
  void OnReadDone(bool ok) override {
    if (!ok) return;
    const int64_t now = NowUs();
    int n = -1;
    // The stream is "problem/bench-<n>".
    const std::string& stream = alert_.stream();
    const size_t dash = stream.rfind('-');
    if (dash != std::string::npos) (void)absl::SimpleAtoi(stream.substr(dash + 1), &n);
    {
      absl::MutexLock l(&mu_);
      order_.push_back(n);
      if (n >= 0 && n < static_cast<int>(sent_.at_us.size())) {
        latencies_us_.push_back(static_cast<double>(now - sent_.at_us[n].load()));
      }
    }
    StartRead(&alert_);
  }
  void OnDone(const grpc::Status& s) override {
    absl::MutexLock l(&mu_);
    status_ = s;
    done_ = true;
  }

  bool WaitConnected(absl::Duration timeout) {
    absl::MutexLock l(&mu_);
    auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return connected_ || done_; };
    mu_.AwaitWithTimeout(absl::Condition(&ready), timeout);
    return connected_;
  }
  bool WaitFor(size_t n, absl::Duration timeout) {
    absl::MutexLock l(&mu_);
    auto enough = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return order_.size() >= n || done_; };
    mu_.AwaitWithTimeout(absl::Condition(&enough), timeout);
    return order_.size() >= n;
  }
  void Cancel() {
    ctx_.TryCancel();
    absl::MutexLock l(&mu_);
    mu_.AwaitWithTimeout(absl::Condition(&done_), absl::Seconds(30));
  }
  // Whether it got the warm-up's alert (numbered n) and then alerts
  // 0..n-1, each exactly once, in order.
  bool InOrder(int n) {
    absl::MutexLock l(&mu_);
    if (static_cast<int>(order_.size()) != n + 1 || order_[0] != n) return false;
    for (int i = 0; i < n; ++i) {
      if (order_[i + 1] != i) return false;
    }
    return true;
  }
  std::vector<double> latencies() {
    absl::MutexLock l(&mu_);
    return latencies_us_;
  }

 private:
  const Sent& sent_;
  grpc::ClientContext ctx_;
  taizhang::v1::FollowAlertsRequest request_;
  taizhang::v1::Alert alert_;
  absl::Mutex mu_;
  bool connected_ ABSL_GUARDED_BY(mu_) = false;
  bool done_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status status_ ABSL_GUARDED_BY(mu_);
  std::vector<int> order_ ABSL_GUARDED_BY(mu_);
  std::vector<double> latencies_us_ ABSL_GUARDED_BY(mu_);
};

std::shared_ptr<grpc::Channel> NewChannel(const std::string& address) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);  // a connection of its own
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
}

grpc::Status RaiseProblem(const std::shared_ptr<grpc::Channel>& channel, int n) {
  taizhang::v1::Problems::Stub stub(channel);
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", absl::StrCat("Bearer ", kToken));
  taizhang::v1::RaiseProblemRequest request;
  const std::string id = absl::StrCat("bench-", n);
  request.mutable_header()->set_request_id(absl::StrCat("followers-bench-", n));
  request.set_problem_id(id);
  request.mutable_raise()->set_problem_id(id);
  request.mutable_raise()->set_project_code("2026-510115-47-01-000001");
  request.mutable_raise()->set_title("征地拆迁推进受阻");
  request.mutable_raise()->mutable_source()->set_kind(taizhang::v1::PROBLEM_SOURCE_KIND_INSPECTION);
  request.mutable_raise()->mutable_source()->set_name("督查室现场督查");
  taizhang::v1::ProblemReply reply;
  return stub.RaiseProblem(&ctx, request, &reply);
}

std::string Ms(double us) { return absl::StrCat(static_cast<int64_t>(us / 100) / 10.0, " ms"); }

}  // namespace

int main(int argc, char** argv) {
  int followers = 10000, channels = 50, alerts = 20, interval_ms = 500;
  std::string taizhangd = TAIZHANGD_PATH;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    int* target = flag == "--followers"     ? &followers
                  : flag == "--channels"    ? &channels
                  : flag == "--alerts"      ? &alerts
                  : flag == "--interval-ms" ? &interval_ms
                                            : nullptr;
    if (flag == "--taizhangd") {
      taizhangd = argv[i + 1];
    } else if (target == nullptr || !absl::SimpleAtoi(argv[i + 1], target) || *target <= 0) {
      std::fprintf(stderr,
                   "usage: followers_bench [--followers N] [--channels N] [--alerts N] "
                   "[--interval-ms MS] [--taizhangd PATH]\n");
      return 2;
    }
  }
  std::random_device rd;
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / absl::StrCat("taizhang-followers-bench-", rd());
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "tokens.textproto")
      << "token { token: \"" << kToken << "\" role: \"supervision\" unit: \"督查室\" }\n";
  // The child first: nothing gRPC exists in this process before it is forked.
  auto daemon = taizhang::bench::Spawn(
      {taizhangd, "--listen", "127.0.0.1:0", "--data-dir", (dir / "data").string(), "--tokens",
       (dir / "tokens.textproto").string(), "--log-level", "warn", "--policies-dir",
       TAIZHANG_POLICIES_DIR},
      (dir / "taizhangd.stderr").string());
  if (!daemon) return 1;

  std::vector<std::shared_ptr<grpc::Channel>> conns;
  std::vector<std::unique_ptr<taizhang::v1::Supervision::Stub>> stubs;
  for (int i = 0; i < channels; ++i) {
    conns.push_back(NewChannel(daemon->address));
    stubs.push_back(std::make_unique<taizhang::v1::Supervision::Stub>(conns.back()));
  }
  auto command_channel = NewChannel(daemon->address);
  // Warm up: one command before anything is measured.
  if (grpc::Status s = RaiseProblem(command_channel, alerts); !s.ok()) {
    std::fprintf(stderr, "followers_bench: RaiseProblem failed: %s\n", s.error_message().c_str());
    taizhang::bench::Stop(*daemon);
    return 1;
  }
  const int64_t threads0 = taizhang::bench::ProcessStatus(daemon->pid, "Threads");
  const int64_t rss0 = taizhang::bench::ProcessStatus(daemon->pid, "VmRSS");

  Sent sent(alerts);
  std::vector<std::unique_ptr<Follower>> all;
  const auto open_start = Clock::now();
  for (int i = 0; i < followers; ++i) {
    // From the warm-up's position: only the measured alerts are read.
    all.push_back(std::make_unique<Follower>(*stubs[i % channels], sent));
  }
  int connected = 0;
  for (auto& f : all) connected += f->WaitConnected(absl::Seconds(60)) ? 1 : 0;
  const double open_s = std::chrono::duration<double>(Clock::now() - open_start).count();
  // Give the followers a moment to catch up with the warm-up event and idle.
  std::this_thread::sleep_for(std::chrono::seconds(2));
  const int64_t threads1 = taizhang::bench::ProcessStatus(daemon->pid, "Threads");
  const int64_t rss1 = taizhang::bench::ProcessStatus(daemon->pid, "VmRSS");
  const double cpu0 = taizhang::bench::ProcessCpuUs(daemon->pid);

  for (int n = 0; n < alerts; ++n) {
    sent.at_us[n] = NowUs();
    if (grpc::Status s = RaiseProblem(command_channel, n); !s.ok()) {
      std::fprintf(stderr, "followers_bench: RaiseProblem failed: %s\n", s.error_message().c_str());
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(interval_ms));
  }
  // The warm-up alert came first (its number is `alerts`): one more each.
  int complete = 0;
  for (auto& f : all) complete += f->WaitFor(alerts + 1, absl::Seconds(30)) ? 1 : 0;
  const double cpu = taizhang::bench::ProcessCpuUs(daemon->pid) - cpu0;

  std::vector<double> latencies;
  int in_order = 0;
  for (auto& f : all) {
    std::vector<double> l = f->latencies();
    latencies.insert(latencies.end(), l.begin(), l.end());
    in_order += f->InOrder(alerts) ? 1 : 0;
  }
  for (auto& f : all) f->Cancel();
  std::sort(latencies.begin(), latencies.end());
  auto at = [&](double q) {
    return latencies.empty() ? 0.0
                             : latencies[std::min(latencies.size() - 1,
                                                  static_cast<size_t>(latencies.size() * q))];
  };
  const double p99 = at(0.99);
  std::printf("followers_bench: %d followers over %d connections, %d alerts one every %d ms\n",
              followers, channels, alerts, interval_ms);
  std::printf("  connected          %d of %d in %.1f s\n", connected, followers, open_s);
  std::printf("  server threads     %lld before, %lld with the followers\n",
              static_cast<long long>(threads0), static_cast<long long>(threads1));
  std::printf("  server resident    %lld MB before, %lld MB with them: %.1f KiB per follower\n",
              static_cast<long long>(rss0 / 1024), static_cast<long long>(rss1 / 1024),
              followers > 0 ? static_cast<double>(rss1 - rss0) / followers : 0.0);
  std::printf(
      "  delivered          %zu of %lld (follower, alert) pairs; %d followers got every alert\n"
      "                     once and in order\n",
      latencies.size(), static_cast<long long>(followers) * alerts, in_order);
  std::printf("  delivery latency   p50 %s, p99 %s, slowest %s\n", Ms(at(0.5)).c_str(),
              Ms(p99).c_str(), Ms(latencies.empty() ? 0 : latencies.back()).c_str());
  std::printf("  server CPU         %.0f µs per alert delivered\n",
              latencies.empty() ? 0.0 : cpu / latencies.size());
  const bool all_delivered = complete == followers && in_order == followers;
  std::printf(
      "\ntarget, judged on this run:\n  %s every alert to all %d followers within 1 s (p99 %s)\n",
      all_delivered && p99 <= 1e6 ? "ok          " : "BELOW TARGET", followers, Ms(p99).c_str());
  taizhang::bench::Stop(*daemon);
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return all_delivered ? 0 : 1;
}
