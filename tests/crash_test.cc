// Crash test: a child process appends from many threads and reports each
// acknowledged append; the parent kills it with SIGKILL at random moments and,
// after each reopen, checks that every acknowledged event is present and
// identical, positions are gapless and the chain verifies.
//
// TAIZHANG_CRASH_ROUNDS sets the number of rounds (default 20).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <random>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "base/clock.h"
#include "base/testing/files.h"
#include "gtest/gtest.h"
#include "store/event_log.h"
#include "tests/crash_payload.h"

namespace taizhang {
namespace {

struct Ack {
  std::string request_id;
  std::string stream;
  uint64_t first_position;
  uint64_t first_version;
  int count;
};

// Runs the child until it is killed after `kill_after`; returns its acks.
std::vector<Ack> RunAndKill(const std::string& dir, int round, int threads,
                            std::chrono::milliseconds kill_after) {
  int fds[2];
  EXPECT_EQ(pipe(fds), 0);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], 1);
    close(fds[0]);
    close(fds[1]);
    std::string r = std::to_string(round), t = std::to_string(threads);
    execl(TAIZHANG_CRASH_CHILD, "crash_child", dir.c_str(), r.c_str(), t.c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  close(fds[1]);
  std::string output;
  std::thread reader([&] {
    char buf[65536];
    ssize_t n;
    while ((n = read(fds[0], buf, sizeof buf)) > 0) output.append(buf, n);
  });
  std::this_thread::sleep_for(kill_after);
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  reader.join();
  close(fds[0]);
  EXPECT_TRUE(WIFSIGNALED(status)) << "the child ended on its own: " << status;

  std::vector<Ack> acks;
  std::istringstream in(output);
  std::string line;
  while (std::getline(in, line)) {
    if (in.eof()) break;  // a line cut by the kill has no newline
    std::istringstream fields(line);
    std::string word;
    Ack a;
    fields >> word >> a.request_id >> a.stream >> a.first_position >> a.first_version >> a.count;
    if (word == "ack") acks.push_back(a);
  }
  return acks;
}

TEST(CrashTest, AcknowledgedAppendsSurviveSigkill) {
  int rounds = 20;
  if (const char* env = std::getenv("TAIZHANG_CRASH_ROUNDS")) rounds = std::atoi(env);
  testing::TempDir tmp;
  const std::string dir = tmp / "log";  // made by the first child
  std::mt19937 rng(std::random_device{}());
  std::uniform_int_distribution<int> delay_ms(30, 400);
  auto clock = NewSystemClock();
  std::vector<Ack> all_acks;
  bool created = false;  // a child has made the log (a loaded machine may take rounds)
  for (int round = 0; round < rounds; ++round) {
    auto acks = RunAndKill(dir, round, 16, std::chrono::milliseconds(delay_ms(rng)));
    all_acks.insert(all_acks.end(), acks.begin(), acks.end());

    auto log = store::OpenEventLog(dir, *clock, store::Options{.create_if_missing = false});
    if (!created && !log.ok() && all_acks.empty() &&
        !std::filesystem::exists(std::filesystem::path(dir) / "CURRENT")) {
      continue;  // killed before the log was created
    }
    ASSERT_TRUE(log.ok()) << "round " << round << ": " << log.status();
    created = true;
    uint64_t head = (*log)->HeadPosition();
    // Every acknowledged append is there, byte for byte, where it was reported.
    for (const Ack& a : all_acks) {
      auto events = (*log)->ReadAll(a.first_position, a.count);
      ASSERT_TRUE(events.ok()) << events.status();
      ASSERT_EQ(events->size(), static_cast<size_t>(a.count)) << "round " << round;
      for (int i = 0; i < a.count; ++i) {
        const auto& rec = (*events)[i].record;
        ASSERT_EQ(rec.request_id(), a.request_id);
        ASSERT_EQ(rec.stream(), a.stream);
        ASSERT_EQ(rec.version(), a.first_version + i);
        ASSERT_EQ(rec.payload(), testing::CrashPayload(a.request_id, i));
      }
    }
    // Gapless positions, an intact chain, and streams that replay in order.
    uint64_t expected = 1;
    ASSERT_TRUE((*log)
                    ->Scan(1,
                           [&](const store::RecordedEvent& e) {
                             EXPECT_EQ(e.record.position(), expected);
                             ++expected;
                             return absl::OkStatus();
                           })
                    .ok());
    EXPECT_EQ(expected, head + 1);
    auto verify = (*log)->Verify(1, 0);
    ASSERT_TRUE(verify.ok());
    EXPECT_TRUE(verify->ok) << "round " << round << ": position " << verify->first_bad << ": "
                            << verify->problem;
    EXPECT_EQ(verify->checked, head);
    // Retrying an acknowledged append writes nothing new.
    if (!acks.empty()) {
      const Ack& a = acks.back();
      store::AppendRequest retry;
      retry.stream = a.stream;
      retry.request_id = a.request_id;
      retry.events.resize(1);
      retry.events[0].type = "crash.Appended";
      auto r = (*log)->Append(retry);
      ASSERT_TRUE(r.ok()) << r.status();
      EXPECT_TRUE(r->duplicate);
      EXPECT_EQ(r->first_position, a.first_position);
      EXPECT_EQ((*log)->HeadPosition(), head);
    }
  }
  EXPECT_GT(all_acks.size(), 0u);
}

}  // namespace
}  // namespace taizhang
