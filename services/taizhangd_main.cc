// taizhangd: opens (or creates) the event log in the data directory, checks its
// hash chain, reports where it stands, and holds it open until SIGINT/SIGTERM.
#include <csignal>
#include <cstdio>
#include <filesystem>

#include "CLI/CLI.hpp"
#include "base/clock.h"
#include "store/event_log.h"
#include "store/sha256.h"

namespace {

int WaitForSignal() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  int sig = 0;
  sigwait(&set, &sig);
  return sig;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"taizhangd: the Taizhang work-ledger server"};
  std::string data_dir = "data";
  app.add_option("--data-dir", data_dir, "directory of the event log (created on first run)");
  CLI11_PARSE(app, argc, argv);

  auto clock = taizhang::NewSystemClock();
  std::filesystem::create_directories(data_dir);
  auto log = taizhang::store::OpenEventLog(data_dir, *clock);
  if (!log.ok()) {
    std::fprintf(stderr, "taizhangd: %s\n", std::string(log.status().message()).c_str());
    return 1;
  }
  auto verify = (*log)->Verify(1, 0);
  if (!verify.ok() || !verify->ok) {
    std::fprintf(
        stderr, "taizhangd: the log does not verify: position %llu: %s\n",
        verify.ok() ? static_cast<unsigned long long>(verify->first_bad) : 0ULL,
        verify.ok() ? verify->problem.c_str() : std::string(verify.status().message()).c_str());
    return 1;
  }
  std::printf("taizhangd: event log %s open at position %llu, chain %s verified\n",
              data_dir.c_str(), static_cast<unsigned long long>(verify->to),
              verify->to == 0 ? "(empty)" : taizhang::store::ToHex(verify->last_hash).c_str());
  std::fflush(stdout);
  int sig = WaitForSignal();
  std::printf("taizhangd: signal %d, closing the log\n", sig);
  return 0;
}
