#include "engine/runtime.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "base/testing/files.h"
#include "gtest/gtest.h"

namespace taizhang::engine {
namespace {

// A projection of "reminder" streams: each "reminder.Set" event arms a
// deadline an hour after it was recorded; the handler appends "reminder.Due".
// A stream whose Due is in the log has nothing pending.
class Reminders : public LogConsumer {
 public:
  explicit Reminders(store::EventLog& log) : log_(log) {}

  absl::Status OnEvent(const store::RecordedEvent& e, bool replaying) override {
    ++seen_;
    if (e.record.type() == "reminder.Set") {
      pending_[e.record.stream()] =
          absl::FromUnixMicros(e.record.recorded_at_us()) + absl::Hours(1);
      if (runtime_ != nullptr) {
        return runtime_->scheduler().Set(e.record.stream(), pending_[e.record.stream()]);
      }
    } else if (e.record.type() == "reminder.Due") {
      pending_.erase(e.record.stream());
      ++dues_[e.record.stream()];
      if (runtime_ != nullptr) runtime_->scheduler().Remove(e.record.stream());
    }
    return absl::OkStatus();
  }

  absl::Status Fire(const std::string& key, absl::Time due) {
    store::AppendRequest r;
    r.stream = key;
    r.request_id = DeadlineRequestId(key, due);
    r.events.push_back(store::NewEvent{.type = "reminder.Due", .actor = "system:scheduler"});
    auto result = log_.Append(r);
    if (result.ok() && !result->duplicate) ++appended_;
    return result.status();
  }

  store::EventLog& log_;
  Runtime* runtime_ = nullptr;
  std::map<std::string, absl::Time> pending_;
  std::map<std::string, int> dues_;
  int seen_ = 0;
  int appended_ = 0;
};

class RuntimeTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }
  void TearDown() override { Close(); }
  void Open() {
    auto log = store::OpenEventLog(dir_, clock_);
    ASSERT_TRUE(log.ok());
    log_ = std::move(*log);
    reminders_ = std::make_unique<Reminders>(*log_);
    runtime_ = std::make_unique<Runtime>(*log_, clock_, [this](const std::string& k, absl::Time d) {
      return reminders_->Fire(k, d);
    });
    reminders_->runtime_ = runtime_.get();
    runtime_->AddConsumer(reminders_.get());
    ASSERT_TRUE(runtime_->Start().ok());
  }
  void Close() {
    runtime_.reset();
    reminders_.reset();
    log_.reset();
  }
  void Set(const std::string& stream) {
    store::AppendRequest r;
    r.stream = stream;
    r.request_id = absl::StrCat("set:", stream, ":", clock_.NowMicros());
    r.events.push_back(store::NewEvent{.type = "reminder.Set"});
    ASSERT_TRUE(log_->Append(r).ok());
  }

  ManualClock clock_{absl::FromUnixSeconds(1767225600)};
  ::taizhang::testing::TempDir tmp_;  // removed after the log closes
  const std::string dir_ = tmp_ / "log";
  std::unique_ptr<store::EventLog> log_;
  std::unique_ptr<Reminders> reminders_;
  std::unique_ptr<Runtime> runtime_;
};

TEST_F(RuntimeTest, DeadlinesFireOnceAndNeverEarly) {
  Set("r/1");
  clock_.Advance(absl::Minutes(30));
  Set("r/2");
  runtime_->Quiesce();
  clock_.Advance(absl::Minutes(30) - absl::Microseconds(1));
  runtime_->Quiesce();
  EXPECT_EQ(reminders_->appended_, 0);
  clock_.Advance(absl::Microseconds(1));
  runtime_->Quiesce();
  EXPECT_EQ(reminders_->appended_, 1);
  EXPECT_EQ(reminders_->dues_["r/1"], 1);
  clock_.Advance(absl::Hours(5));
  runtime_->Quiesce();
  EXPECT_EQ(reminders_->dues_["r/2"], 1);
  EXPECT_EQ(log_->HeadPosition(), 4u);
}

TEST_F(RuntimeTest, RestartAtEveryStepFiresNothingTwiceAndMissesNothing) {
  for (int i = 0; i < 6; ++i) {
    Set(absl::StrCat("r/", i));
    clock_.Advance(absl::Minutes(20));
  }
  runtime_->Quiesce();
  for (int step = 0; step < 12; ++step) {
    Close();
    clock_.Advance(absl::Minutes(10));  // time passes while the process is down
    Open();                             // replay rebuilds the pending deadlines
    runtime_->Quiesce();
  }
  std::map<std::string, int> dues;
  ASSERT_TRUE(log_->Scan(1,
                         [&](const store::RecordedEvent& e) {
                           if (e.record.type() == "reminder.Due") ++dues[e.record.stream()];
                           return absl::OkStatus();
                         })
                  .ok());
  ASSERT_EQ(dues.size(), 6u);
  for (auto& [stream, n] : dues) EXPECT_EQ(n, 1) << stream;
}

TEST_F(RuntimeTest, CrashAfterTheAppendBeforeTheStateKnowsIsADuplicate) {
  Set("r/1");
  runtime_->Quiesce();
  absl::Time due = clock_.Now() + absl::Hours(1);
  // The due event is appended, as a firing would, but the process "dies"
  // before anything else happens.
  ASSERT_TRUE(reminders_->Fire("r/1", due).ok());
  // A second firing of the same (key, due), e.g. by a restarted scheduler that
  // had not yet seen the append, writes nothing.
  ASSERT_TRUE(reminders_->Fire("r/1", due).ok());
  EXPECT_EQ(reminders_->appended_, 1);
  Close();
  clock_.Advance(absl::Hours(2));
  Open();
  runtime_->Quiesce();
  EXPECT_EQ(reminders_->dues_["r/1"], 1);
  EXPECT_EQ(log_->HeadPosition(), 2u);
}

}  // namespace
}  // namespace taizhang::engine
