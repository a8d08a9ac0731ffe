// taizhangd killed with SIGKILL while clients create tasks over gRPC and the
// manual clock is moved past the limits of other tasks, so that their lights
// change and ladder rungs fall due in the same window. After each kill the
// log, opened read-only, holds every command the server acknowledged, its
// chain and Merkle tree verify, and no light change or rung is there twice;
// the commands in flight at the kill are retried with the same request ids in
// the next round and land once. At the end every light change and rung is
// there exactly as on a server that was never killed and saw the same days.
//
// TAIZHANG_KILL_ROUNDS sets the number of rounds (default 20).
#include <atomic>
#include <cstdlib>
#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "gtest/gtest.h"
#include "services/testing/server_harness.h"
#include "taizhang/v1/task.pb.h"

namespace taizhang {
namespace {

using testing::Call;
using testing::Connect;
using testing::Daemon;
using testing::TempDir;

constexpr char kAdmin[] = "admin-0123456789abcdef";
constexpr char kOffice[] = "office-0123456789abcdef";

// Tasks with limits, created before the first round; the clock crosses their
// yellow starts, limits and rungs during the rounds.
constexpr int kDeadlineTasks = 8;
// Moves of the clock in one round (three steps of the reference's).
constexpr int kMovesPerRound = 40;

absl::Time ChinaDay(int y, int m, int d) {
  static const absl::TimeZone china = absl::FixedTimeZone(8 * 3600);
  return absl::FromCivil(absl::CivilDay(y, m, d), china);
}
const absl::Time kStart = ChinaDay(2020, 6, 29);
const absl::Time kEnd = ChinaDay(2020, 11, 30);

grpc::Status CreateTask(const std::shared_ptr<grpc::Channel>& channel, const std::string& id,
                        const std::string& due_date = "") {
  return testing::CreateTask(channel, kOffice, id, due_date);
}

grpc::Status ClockTo(const std::shared_ptr<grpc::Channel>& channel, absl::Time to) {
  v1::Admin::Stub admin(channel);
  v1::AdvanceClockRequest request;
  request.mutable_to()->set_seconds(absl::ToUnixSeconds(to));
  v1::AdvanceClockResponse response;
  return admin.AdvanceClock(Call(kAdmin).get(), request, &response);
}

// What the server did on its own, one string per deed: a light change or a
// rung raised, by what it is about (not when it was written).
struct Deeds {
  std::map<std::string, int> count;
  std::set<std::string> created;  // task ids
  bool verified = false;
  uint64_t head = 0;
};

Deeds ReadLog(const std::string& data_dir) {
  Deeds out;
  ManualClock clock(kStart);
  store::Options options;
  options.create_if_missing = false;
  options.read_only = true;
  auto log = store::OpenEventLog(data_dir, clock, options);
  if (!log.ok()) {
    ADD_FAILURE() << log.status();
    return out;
  }
  auto v = (*log)->Verify(1, 0);
  out.verified = v.ok() && v->ok;
  EXPECT_TRUE(out.verified) << (v.ok() ? v->problem : std::string(v.status().message()));
  out.head = (*log)->HeadPosition();
  absl::Status s = (*log)->Scan(1, [&](const store::RecordedEvent& e) {
    const v1::EventRecord& r = e.record;
    if (r.stream().rfind("task/", 0) != 0) return absl::OkStatus();
    v1::TaskEvent event;
    if (!event.ParseFromString(r.payload())) {
      return absl::DataLossError(absl::StrCat("position ", r.position(), ": not a task event"));
    }
    if (event.has_created()) out.created.insert(r.stream().substr(5));
    if (event.has_light_changed()) {
      const v1::SupervisionLightChanged& l = event.light_changed();
      ++out.count[absl::StrCat(r.stream(), " light ", l.subject(), " ", l.from(), "→", l.to(), " ",
                               l.changed_at_us(), " ", l.due_date(), " ", l.month())];
    }
    if (event.has_rung_raised()) {
      const v1::SupervisionRungRaised& g = event.rung_raised();
      ++out.count[absl::StrCat(r.stream(), " rung ", g.subject(), " ", g.episode(), " ",
                               g.rung_id(), " ", g.due_at_us())];
    }
    return absl::OkStatus();
  });
  EXPECT_TRUE(s.ok()) << s;
  return out;
}

class KillTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::WriteFile(dir_ / "tokens.textproto",
                       absl::StrCat(testing::TokenLine(kAdmin, "admin", "ops"),
                                    testing::TokenLine(kOffice, "supervision", "区政府目督办")));
  }
  std::unique_ptr<Daemon> Start(const std::string& data) {
    return testing::StartDaemon(dir_, {"--clock", "manual", "--start", "2020-06-29"},
                                absl::StrCat("stderr-", data), data);
  }
  // The tasks with limits, on the first day.
  void CreateDeadlineTasks(const Daemon& d) {
    auto channel = Connect(d.address());
    for (int i = 0; i < kDeadlineTasks; ++i) {
      const absl::CivilDay due = absl::CivilDay(2020, 7, 10) + 9 * i;
      ASSERT_TRUE(CreateTask(channel, absl::StrCat("limit-", i), absl::FormatCivilTime(due)).ok());
    }
  }
  TempDir dir_;
};

TEST_F(KillTest, EveryAcknowledgedCommandAndEveryDeadlineSurvivesSigkill) {
  const char* env = std::getenv("TAIZHANG_KILL_ROUNDS");
  const int rounds = env != nullptr ? std::max(1, std::atoi(env)) : 20;
  // The days the rounds cover, from the first day to the last, in steps.
  const absl::Duration step = (kEnd - ChinaDay(2020, 7, 1)) / (rounds * 3);

  // A server that is never killed and sees the same days: what must happen.
  Deeds expected;
  {
    auto d = Start("reference");
    ASSERT_NE(d, nullptr);
    CreateDeadlineTasks(*d);
    auto channel = Connect(d->address());
    for (absl::Time t = ChinaDay(2020, 7, 1); t <= kEnd; t += step) {
      ASSERT_TRUE(ClockTo(channel, t).ok());
    }
    ASSERT_TRUE(ClockTo(channel, kEnd + absl::Hours(1)).ok());
    ASSERT_EQ(d->Stop(), 0);
    expected = ReadLog(dir_ / "reference");
  }
  ASSERT_FALSE(expected.count.empty());

  std::mt19937 random(20200629);
  std::set<std::string> acknowledged;
  std::set<std::string> unanswered;  // sent, no answer before the kill
  absl::Time target = ChinaDay(2020, 7, 1);
  bool first = true;
  int killed_while_moving = 0;
  int killed_mid_round = 0;
  for (int round = 0; round < rounds; ++round) {
    auto d = Start("data");
    ASSERT_NE(d, nullptr) << "round " << round;
    if (first) {
      CreateDeadlineTasks(*d);
      first = false;
    }
    auto channel = Connect(d->address());
    // The commands in flight at the last kill, retried with their ids: each
    // is answered OK (written now, or its first result) and lands once.
    for (const std::string& id : unanswered) {
      grpc::Status s = CreateTask(channel, id, "");
      EXPECT_TRUE(s.ok()) << id << ": " << s.error_message();
      if (s.ok()) acknowledged.insert(id);
    }
    unanswered.clear();

    std::mutex mu;
    std::atomic<bool> stop{false};
    std::vector<std::thread> clients;
    for (int c = 0; c < 4; ++c) {
      clients.emplace_back([&, c] {
        auto own = Connect(d->address());
        for (int n = 0; !stop.load(); ++n) {
          const std::string id = absl::StrCat("r", round, "-c", c, "-", n);
          {
            std::lock_guard<std::mutex> l(mu);
            unanswered.insert(id);
          }
          grpc::Status s = CreateTask(own, id, "");
          std::lock_guard<std::mutex> l(mu);
          if (s.ok()) {
            unanswered.erase(id);
            acknowledged.insert(id);
          } else if (s.error_code() != grpc::StatusCode::UNAVAILABLE &&
                     s.error_code() != grpc::StatusCode::CANCELLED) {
            ADD_FAILURE() << id << ": " << s.error_code() << " " << s.error_message();
            unanswered.erase(id);
          }
          if (s.error_code() == grpc::StatusCode::UNAVAILABLE) return;  // killed
        }
      });
    }
    // The clock, moved on by three steps while the clients write, in small
    // moves spread over the round, so that the kill often falls while the
    // scheduler is at work.
    std::atomic<bool> moving{false};  // in a call that moves the clock
    std::atomic<bool> round_done{false};
    std::thread mover([&] {
      auto own = Connect(d->address());
      const absl::Time round_end = target + 3 * step;
      for (int i = 1; i <= kMovesPerRound && !stop.load(); ++i) {
        target = std::max(target, round_end - (kMovesPerRound - i) * (3 * step / kMovesPerRound));
        moving = true;
        grpc::Status s = ClockTo(own, std::min(target, kEnd));
        moving = false;
        if (!s.ok()) return;  // killed
        std::this_thread::sleep_for(std::chrono::milliseconds(15));
      }
      round_done = true;
    });
    std::this_thread::sleep_for(
        std::chrono::milliseconds(std::uniform_int_distribution<int>(150, 600)(random)));
    if (moving) ++killed_while_moving;
    if (!round_done) ++killed_mid_round;
    d->Stop(SIGKILL);
    stop = true;
    for (std::thread& t : clients) t.join();
    mover.join();

    const Deeds now = ReadLog(dir_ / "data");
    ASSERT_TRUE(now.verified) << "round " << round;
    for (const std::string& id : acknowledged) {
      ASSERT_TRUE(now.created.contains(id))
          << "round " << round << ": " << id << " was acknowledged and is not in the log";
    }
    for (const auto& [deed, n] : now.count) {
      ASSERT_EQ(n, 1) << "round " << round << ": twice: " << deed;
      ASSERT_TRUE(expected.count.contains(deed)) << "round " << round << ": not due: " << deed;
    }
  }

  // The last days, on a server that is not killed: everything due is done,
  // once, as on the server that never was.
  auto d = Start("data");
  ASSERT_NE(d, nullptr);
  auto channel = Connect(d->address());
  for (const std::string& id : unanswered) {
    EXPECT_TRUE(CreateTask(channel, id, "").ok()) << id;
    acknowledged.insert(id);
  }
  ASSERT_TRUE(ClockTo(channel, kEnd + absl::Hours(1)).ok());
  ASSERT_EQ(d->Stop(), 0);
  const Deeds last = ReadLog(dir_ / "data");
  EXPECT_EQ(last.count, expected.count);
  for (const std::string& id : acknowledged) EXPECT_TRUE(last.created.contains(id)) << id;
  for (int i = 0; i < kDeadlineTasks; ++i) {
    EXPECT_TRUE(last.created.contains(absl::StrCat("limit-", i)));
  }
  std::cout << rounds << " rounds, " << acknowledged.size() << " commands acknowledged, "
            << expected.count.size() << " deeds of the scheduler, " << killed_mid_round
            << " kills before the round's days were through, " << killed_while_moving
            << " while the clock was being moved\n";
}

}  // namespace
}  // namespace taizhang
