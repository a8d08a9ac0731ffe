// Event log benchmark: durable appends per second against raw RocksDB Put with
// sync=true (same payload size, same concurrency), measured in the same run on
// the same disk; and replay speed (events decoded from the global log) against
// a raw RocksDB scan of the same data.
//
//   log_bench [--seconds=S] [--payload=BYTES] [--replay-events=N] [--dir=DIR]
//
// Targets: log >= 1.0x raw at every number of appenders; replay >= 0.5x scan.
// Beside them, what the Merkle tree costs an append: the same appends on a log
// opened without its tree (Options::merkle_tree = false), in the same run,
// with the process's CPU time per append on both.
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/clock.h"
#include "rocksdb/db.h"
#include "store/event_log.h"
#include "store/format.h"

namespace {

using Steady = std::chrono::steady_clock;

struct Config {
  double seconds = 3;
  size_t payload = 256;
  uint64_t replay_events = 300000;
  std::string dir;
};

// The process's CPU time (user and system), in seconds.
double CpuSeconds() {
  rusage u;
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

struct Rate {
  double per_second = 0;
  double cpu_us = 0;  // CPU time of the whole process per operation
};

// Runs `threads` workers calling op(thread, i) until `seconds` pass; returns
// operations per second and the CPU time per operation.
template <typename Op>
Rate Run(int threads, double seconds, Op op) {
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> done{0};
  std::vector<std::thread> workers;
  auto start = Steady::now();
  const double cpu_start = CpuSeconds();
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      uint64_t n = 0;
      while (!stop.load(std::memory_order_relaxed)) op(t, n++);
      done += n;
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& w : workers) w.join();
  double elapsed = std::chrono::duration<double>(Steady::now() - start).count();
  const double ops = static_cast<double>(done.load());
  return Rate{ops / elapsed, ops > 0 ? (CpuSeconds() - cpu_start) * 1e6 / ops : 0};
}

Rate RawPuts(const Config& c, int threads) {
  std::string dir = absl::StrCat(c.dir, "/raw_", threads);
  std::filesystem::remove_all(dir);
  rocksdb::Options options;
  options.create_if_missing = true;
  rocksdb::DB* db;
  if (!rocksdb::DB::Open(options, dir, &db).ok()) std::abort();
  std::string value(c.payload, 'v');
  rocksdb::WriteOptions wo;
  wo.sync = true;
  Rate rate = Run(threads, c.seconds, [&](int t, uint64_t i) {
    std::string key = absl::StrCat("k", t, "/", i);
    if (!db->Put(wo, key, value).ok()) std::abort();
  });
  delete db;
  std::filesystem::remove_all(dir);
  return rate;
}

Rate LogAppends(const Config& c, int threads, bool merkle_tree) {
  std::string dir = absl::StrCat(c.dir, "/log_", threads, merkle_tree ? "" : "_without_tree");
  std::filesystem::remove_all(dir);
  auto clock = taizhang::NewSystemClock();
  taizhang::store::Options options;
  options.merkle_tree = merkle_tree;
  auto log = taizhang::store::OpenEventLog(dir, *clock, options);
  if (!log.ok()) std::abort();
  std::string payload(c.payload, 'p');
  Rate rate = Run(threads, c.seconds, [&](int t, uint64_t i) {
    taizhang::store::AppendRequest r;
    r.stream = absl::StrCat("case/", t);
    r.request_id = absl::StrCat(t, ":", i);
    r.expected = taizhang::store::ExpectedVersion::Exactly(i);
    r.events.resize(1);
    r.events[0].type = "bench.Appended";
    r.events[0].payload = payload;
    if (!(*log)->Append(std::move(r)).ok()) std::abort();
  });
  log->reset();
  std::filesystem::remove_all(dir);
  return rate;
}

void Replay(const Config& c) {
  std::string dir = absl::StrCat(c.dir, "/replay");
  std::filesystem::remove_all(dir);
  auto clock = taizhang::NewSystemClock();
  {
    auto log = taizhang::store::OpenEventLog(dir, *clock);
    if (!log.ok()) std::abort();
    std::string payload(c.payload, 'p');
    // Fill with large appends (the rate here is not what is measured).
    const uint64_t per_append = 500;
    for (uint64_t n = 0; n < c.replay_events; n += per_append) {
      taizhang::store::AppendRequest r;
      r.stream = absl::StrCat("case/", n / per_append);
      r.request_id = absl::StrCat("fill:", n);
      for (uint64_t i = 0; i < per_append; ++i) {
        taizhang::store::NewEvent e;
        e.type = "bench.Appended";
        e.payload = payload;
        e.actor = "dept/bench";
        r.events.push_back(std::move(e));
      }
      if (!(*log)->Append(std::move(r)).ok()) std::abort();
    }
  }
  double log_rate = 0, raw_rate = 0;
  for (int attempt = 0; attempt < 3; ++attempt) {
    {  // Raw scan of the same column family, touching every key and value.
      std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
      for (const char* name :
           {rocksdb::kDefaultColumnFamilyName.c_str(), taizhang::store::format::kEventsCf,
            taizhang::store::format::kStreamIndexCf, taizhang::store::format::kHeadsCf,
            taizhang::store::format::kRequestsCf, taizhang::store::format::kSnapshotsCf,
            taizhang::store::format::kMetaCf}) {
        cfs.emplace_back(name, rocksdb::ColumnFamilyOptions());
      }
      std::vector<rocksdb::ColumnFamilyHandle*> handles;
      rocksdb::DB* db;
      if (!rocksdb::DB::OpenForReadOnly(rocksdb::Options(), dir, cfs, &handles, &db).ok()) {
        std::abort();
      }
      auto start = Steady::now();
      uint64_t n = 0, bytes = 0;
      rocksdb::ReadOptions ro;
      ro.readahead_size = 2 << 20;  // as the log does
      std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(ro, handles[1]));
      for (it->SeekToFirst(); it->Valid(); it->Next()) {
        bytes += it->key().size() + it->value().size();
        ++n;
      }
      double s = std::chrono::duration<double>(Steady::now() - start).count();
      raw_rate = std::max(raw_rate, n / s);
      it.reset();
      for (auto* h : handles) db->DestroyColumnFamilyHandle(h);
      delete db;
      if (n != c.replay_events || bytes == 0) std::abort();
    }
    {
      auto log = taizhang::store::OpenEventLog(dir, *clock);
      auto start = Steady::now();
      uint64_t n = 0, bytes = 0;
      auto s = (*log)->Scan(1, [&](const taizhang::store::RecordedEvent& e) {
        bytes += e.record.payload().size();
        ++n;
        return absl::OkStatus();
      });
      double secs = std::chrono::duration<double>(Steady::now() - start).count();
      if (!s.ok() || n != c.replay_events) std::abort();
      log_rate = std::max(log_rate, n / secs);
    }
  }
  std::printf("\nreplay of %llu events (%zu-byte payloads), best of 3:\n",
              static_cast<unsigned long long>(c.replay_events), c.payload);
  std::printf("  raw RocksDB scan     %12.0f events/s\n", raw_rate);
  std::printf("  log decode (Scan)    %12.0f events/s   ratio %.2fx  (target >= 0.50x) %s\n",
              log_rate, log_rate / raw_rate, log_rate / raw_rate >= 0.5 ? "ok" : "BELOW TARGET");
  std::filesystem::remove_all(dir);
}

}  // namespace

int main(int argc, char** argv) {
  Config c;
  c.dir =
      (std::filesystem::temp_directory_path() / absl::StrCat("tz_log_bench_", getpid())).string();
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--seconds=", 0) == 0) c.seconds = std::atof(a.c_str() + 10);
    if (a.rfind("--payload=", 0) == 0) c.payload = std::atoi(a.c_str() + 10);
    if (a.rfind("--replay-events=", 0) == 0) c.replay_events = std::atoll(a.c_str() + 16);
    if (a.rfind("--dir=", 0) == 0) c.dir = a.substr(6);
  }
  std::filesystem::create_directories(c.dir);
  std::printf("durable appends/s, %zu-byte payload, %.1f s per point (sync=true on both)\n",
              c.payload, c.seconds);
  std::printf("%10s %14s %14s %8s %8s\n", "appenders", "raw Put", "log Append", "ratio", "target");
  struct Tree {
    int threads;
    Rate with, without;
  };
  std::vector<Tree> trees;
  for (int threads : {1, 16, 64}) {
    const Rate raw = RawPuts(c, threads);
    const Rate log = LogAppends(c, threads, /*merkle_tree=*/true);
    const Rate without = LogAppends(c, threads, /*merkle_tree=*/false);
    trees.push_back({threads, log, without});
    const double ratio = log.per_second / raw.per_second;
    const double target = 1.0;
    std::printf("%10d %14.0f %14.0f %7.2fx %8s %s\n", threads, raw.per_second, log.per_second,
                ratio, absl::StrCat(">=", target, "x").c_str(),
                ratio >= target ? "ok" : "BELOW TARGET");
  }
  std::printf(
      "\nthe Merkle tree's cost: the same appends on a log without it (format 3)\n"
      "%10s %14s %14s %8s %12s %12s %10s\n",
      "appenders", "with tree/s", "without/s", "ratio", "CPU us with", "CPU us w/o", "tree CPU");
  for (const Tree& t : trees) {
    std::printf("%10d %14.0f %14.0f %7.2fx %12.1f %12.1f %+9.1fus\n", t.threads, t.with.per_second,
                t.without.per_second, t.with.per_second / t.without.per_second, t.with.cpu_us,
                t.without.cpu_us, t.with.cpu_us - t.without.cpu_us);
  }
  Replay(c);
  std::filesystem::remove_all(c.dir);
  return 0;
}
