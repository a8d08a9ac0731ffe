// verify_bench: the offline verifier's speed (verify/verify.h) against the
// server's own Verify, on the same log in the same run: a city (bench/city.h)
// built in-process through the workflows' commands, signed at its end. The
// server's Verify (the chain, the blobs, the Merkle tree recomputed) is what
// `taizhang verify` asks; taizhang-verify does that on the copy read-only,
// then the proof records, the bulletins, and a replay of every stream to
// the state digest, on a backup of it (what an auditor is given). Printed:
// events/s of each, their ratio, and the seconds of each step.
//
//   build/bench/verify_bench [--scale 1.0]   (1.0: 500 projects, 10,000 tasks, 8 weeks)
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "bench/city.h"
#include "proof/ed25519.h"
#include "proof/signer.h"
#include "store/event_log.h"
#include "verify/verify.h"
#include "workflows/ledger.h"

namespace taizhang::bench {
namespace {

using Stopwatch = std::chrono::steady_clock;

double Since(Stopwatch::time_point begin) {
  return std::chrono::duration<double>(Stopwatch::now() - begin).count();
}

int Main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  double scale = 1.0;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::string(argv[i]) == "--scale") absl::SimpleAtod(argv[i + 1], &scale);
  }
  const auto root = std::filesystem::temp_directory_path() /
                    absl::StrCat("tz_verify_bench_", getpid(), "_", std::random_device()());
  const std::string dir = (root / "log").string();
  const std::string backup = (root / "backup").string();
  std::filesystem::create_directories(root);

  CityOptions city;
  city.projects = std::max(1, static_cast<int>(500 * scale));
  city.tasks_per_project = 20;
  city.weeks = 8;
  std::string public_key;
  uint64_t events = 0;
  double server_verify = 0;
  {
    ManualClock clock(absl::FromCivil(absl::CivilDay(city.year, 1, 1), engine::ChinaTime()));
    auto log = store::OpenEventLog(dir, clock);
    if (!log.ok()) return 1;
    workflows::LedgerOptions options;
    options.policies_dir = TAIZHANG_POLICIES_DIR;
    auto ledger = workflows::Ledger::Open(**log, clock, options);
    if (!ledger.ok() || !(*ledger)->Start().ok()) return 1;
    auto key = proof::SigningKey::Generate();
    if (!key.ok()) return 1;
    public_key = key->public_key();
    proof::SignerOptions so;
    so.every_events = 10000;
    auto signer =
        proof::CheckpointSigner::Open(**log, clock, clock, *std::move(key), std::nullopt, so);
    if (!signer.ok()) return 1;
    (*signer)->Start();
    const auto begin = Stopwatch::now();
    auto built = BuildCity(**ledger, clock, city);
    if (!built.ok()) {
      std::fprintf(stderr, "verify_bench: %s\n", std::string(built.status().message()).c_str());
      return 1;
    }
    (*ledger)->runtime().Quiesce();
    (*signer)->WaitIdle();
    if (!(*signer)->SignNow().ok()) return 1;
    (*signer)->Stop();
    events = (*log)->HeadPosition();
    std::printf("verify_bench: a city of %d projects, %d tasks, %d weeks: %llu events in %.0f s\n",
                city.projects, city.projects * city.tasks_per_project, city.weeks,
                static_cast<unsigned long long>(events), Since(begin));
    // The server's own Verify, best of 3, on the log it has open.
    for (int i = 0; i < 3; ++i) {
      const auto t = Stopwatch::now();
      auto v = (*log)->Verify(1, 0);
      const double s = Since(t);
      if (!v.ok() || !v->ok) return 1;
      if (server_verify == 0 || s < server_verify) server_verify = s;
    }
    // What an auditor is given: a backup.
    if (!(*log)->Backup(backup).ok()) return 1;
    (*ledger)->Stop();
  }

  verify::CheckOptions o;
  o.dir = backup;
  o.public_keys = {public_key};
  o.policies_dir = TAIZHANG_POLICIES_DIR;
  verify::Report best;
  double best_total = 0;
  for (int i = 0; i < 3; ++i) {
    const auto t = Stopwatch::now();
    verify::Report r = verify::Check(o);
    const double total = Since(t);
    if (!r.ok) {
      std::fputs(verify::Describe(r).c_str(), stderr);
      return 1;
    }
    if (best_total == 0 || total < best_total) {
      best_total = total;
      best = r;
    }
  }
  auto rate = [&](double s) { return s > 0 ? events / s : 0.0; };
  std::printf("\n  best of 3, events/s over %llu events:\n",
              static_cast<unsigned long long>(events));
  std::printf("    %-52s %10.0f\n", "server's Verify (chain, blobs, Merkle tree)",
              rate(server_verify));
  std::printf("    %-52s %10.0f   %.2fx the server's\n", "taizhang-verify: the same, read-only",
              rate(best.chain_seconds), server_verify / best.chain_seconds);
  std::printf("    %-52s %10.0f\n", "taizhang-verify: the replay to the state digest",
              rate(best.replay_seconds));
  std::printf("    %-52s %10.0f   %.2fx the server's Verify\n", "taizhang-verify: everything (1-5)",
              rate(best_total), server_verify / best_total);
  std::printf(
      "    seconds: open %.3f, chain %.3f, proofs and bulletins %.3f, policies %.3f, "
      "replay %.3f; all %.3f\n",
      best.open_seconds, best.chain_seconds, best.proofs_seconds, best.load_seconds,
      best.replay_seconds, best_total);
  std::printf("    checkpoints checked %llu, streams %llu, digest %s\n",
              static_cast<unsigned long long>(best.checkpoints),
              static_cast<unsigned long long>(best.streams), best.state_digest.c_str());
  std::filesystem::remove_all(root);
  return 0;
}

}  // namespace
}  // namespace taizhang::bench

int main(int argc, char** argv) { return taizhang::bench::Main(argc, argv); }
