#include "engine/runtime.h"

#include <map>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "base/status_macros.h"
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

  // Checkpoints: one record per pending reminder, one per stream's count of
  // dues, as "p stream micros" and "d stream count".
  std::string CheckpointName() const override { return name_; }
  absl::Status Save(const Emit& emit) const override {
    for (const auto& [stream, due] : pending_) {
      RETURN_IF_ERROR(emit(absl::StrCat("p ", stream, " ", absl::ToUnixMicros(due))));
    }
    for (const auto& [stream, n] : dues_) RETURN_IF_ERROR(emit(absl::StrCat("d ", stream, " ", n)));
    return absl::OkStatus();
  }
  absl::Status Restore(std::string_view record) override {
    ++restored_;
    if (fail_restore_at_ == restored_) return absl::DataLossError("a record cannot be read");
    std::vector<std::string> f =
        absl::StrSplit(absl::string_view(record.data(), record.size()), ' ');
    int64_t n = 0;
    if (f.size() != 3 || !absl::SimpleAtoi(f[2], &n)) return absl::DataLossError("bad record");
    if (f[0] == "p") pending_[f[1]] = absl::FromUnixMicros(n);
    if (f[0] == "d") dues_[f[1]] = static_cast<int>(n);
    return absl::OkStatus();
  }
  absl::Status Restored() override {
    for (const auto& [stream, due] : pending_)
      RETURN_IF_ERROR(runtime_->scheduler().Set(stream, due));
    return absl::OkStatus();
  }
  void Clear() override {
    for (const auto& [stream, due] : pending_) runtime_->scheduler().Remove(stream);
    pending_.clear();
    dues_.clear();
    ++cleared_;
  }

  store::EventLog& log_;
  Runtime* runtime_ = nullptr;
  std::string name_;  // "": not checkpointable
  int restored_ = 0;
  int fail_restore_at_ = 0;  // the Restore call that fails (0: none)
  int cleared_ = 0;
  std::map<std::string, absl::Time> pending_;
  std::map<std::string, int> dues_;
  int seen_ = 0;
  int appended_ = 0;
};

class RuntimeTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }
  void TearDown() override { Close(); }
  // `name`: the reminders' checkpoint name ("": they cannot be
  // checkpointed); `checkpoints`: the runtime's.
  void Open(std::string name = "", CheckpointOptions checkpoints = {}, int fail_restore_at = 0) {
    auto log = store::OpenEventLog(dir_, clock_);
    ASSERT_TRUE(log.ok());
    log_ = std::move(*log);
    reminders_ = std::make_unique<Reminders>(*log_);
    reminders_->name_ = std::move(name);
    reminders_->fail_restore_at_ = fail_restore_at;
    runtime_ = std::make_unique<Runtime>(*log_, clock_, [this](const std::string& k, absl::Time d) {
      return reminders_->Fire(k, d);
    });
    reminders_->runtime_ = runtime_.get();
    runtime_->AddConsumer(reminders_.get());
    runtime_->set_checkpoints(std::move(checkpoints));
    ASSERT_TRUE(runtime_->Start().ok());
  }
  // What a replay of the whole log gives, by a runtime without checkpoints
  // on the same log (not started: nothing fires).
  std::pair<std::map<std::string, absl::Time>, std::map<std::string, int>> FullReplay() {
    Reminders fresh(*log_);
    EXPECT_TRUE(
        log_->Scan(1, [&](const store::RecordedEvent& e) { return fresh.OnEvent(e, true); }).ok());
    return {fresh.pending_, fresh.dues_};
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

TEST_F(RuntimeTest, ARestartReadsTheCheckpointAndReplaysOnlyWhatFollows) {
  Close();
  const CheckpointOptions checkpoints{.name = "test", .every = 0};
  Open("reminders 1", checkpoints);
  for (int i = 0; i < 4; ++i) {
    Set(absl::StrCat("r/", i));
    clock_.Advance(absl::Minutes(40));
  }
  runtime_->Quiesce();  // r/0, r/1 and r/2 have fired: 7 events
  ASSERT_EQ(log_->HeadPosition(), 7u);
  Close();  // writes the checkpoint at 7
  Open("reminders 1", {.name = "test", .every = 0, .at_stop = false});
  EXPECT_EQ(runtime_->start_report().checkpoint_position, 7u);
  EXPECT_EQ(runtime_->start_report().replayed, 0u);
  EXPECT_EQ(reminders_->seen_, 0);  // nothing read from the log
  Set("r/4");
  Set("r/5");
  runtime_->Quiesce();
  // Stopped without a checkpoint at stop: the next start has the one at 7
  // and replays the two events after it.
  Close();
  Open("reminders 1", {.name = "test", .every = 0, .at_stop = false});
  StartReport report = runtime_->start_report();
  EXPECT_EQ(report.checkpoint_position, 7u);
  EXPECT_EQ(report.replayed, 2u);
  EXPECT_EQ(reminders_->seen_, 2);
  EXPECT_EQ(runtime_->applied(), 9u);
  auto [pending, dues] = FullReplay();
  EXPECT_EQ(reminders_->pending_, pending);
  EXPECT_EQ(reminders_->dues_, dues);
  // The restored deadlines fire, each once.
  clock_.Advance(absl::Hours(3));
  runtime_->Quiesce();
  std::map<std::string, int> fired;
  ASSERT_TRUE(log_->Scan(1,
                         [&](const store::RecordedEvent& e) {
                           if (e.record.type() == "reminder.Due") ++fired[e.record.stream()];
                           return absl::OkStatus();
                         })
                  .ok());
  ASSERT_EQ(fired.size(), 6u);
  for (auto& [stream, n] : fired) EXPECT_EQ(n, 1) << stream;
  EXPECT_TRUE(reminders_->pending_.empty());
}

TEST_F(RuntimeTest, ACheckpointIsWrittenEverySoManyEventsWhileRunning) {
  Close();
  Open("reminders 1", {.name = "test", .every = 3, .at_stop = false});
  for (int i = 0; i < 7; ++i) Set(absl::StrCat("r/", i));
  ASSERT_TRUE(runtime_->WaitForApplied(7));
  runtime_->Stop();  // the follower has finished whatever checkpoint it began
  EXPECT_GE(runtime_->checkpoint_position(), 3u);
  EXPECT_TRUE(runtime_->checkpoint_status().ok());
  auto at = log_->ReadCheckpoint("test", [](std::string_view) { return absl::OkStatus(); });
  ASSERT_TRUE(at.ok()) << at.status();
  EXPECT_EQ(*at, runtime_->checkpoint_position());
}

TEST_F(RuntimeTest, ACheckpointInAnotherFormOrThatFailsIsNotUsedAndTheLogIsReplayed) {
  Close();
  const CheckpointOptions checkpoints{.name = "test", .every = 0};
  Open("reminders 1", checkpoints);
  for (int i = 0; i < 3; ++i) {
    Set(absl::StrCat("r/", i));
    clock_.Advance(absl::Minutes(40));
  }
  runtime_->Quiesce();
  const auto full = FullReplay();
  Close();

  // Saved by reminders in another form: refused, the whole log replayed.
  Open("reminders 2", checkpoints);
  StartReport report = runtime_->start_report();
  EXPECT_EQ(report.checkpoint_position, 0u);
  EXPECT_NE(report.checkpoint_refused.find("other consumers"), std::string::npos)
      << report.checkpoint_refused;
  EXPECT_EQ(report.replayed, log_->HeadPosition());
  EXPECT_EQ(std::make_pair(reminders_->pending_, reminders_->dues_), full);
  runtime_->Stop();  // writes a checkpoint in the new form
  Close();

  // A record that cannot be restored: what was restored is forgotten, and the
  // replay gives the same state as without a checkpoint, nothing twice.
  Open("reminders 2", checkpoints, /*fail_restore_at=*/2);
  report = runtime_->start_report();
  EXPECT_EQ(report.checkpoint_position, 0u);
  EXPECT_EQ(report.checkpoint_refused, "a record cannot be read");
  EXPECT_EQ(reminders_->cleared_, 1);
  EXPECT_EQ(std::make_pair(reminders_->pending_, reminders_->dues_), full);
  Close();

  // A consumer that cannot be checkpointed: none is read or written.
  Open("", checkpoints);
  EXPECT_EQ(runtime_->start_report().checkpoint_position, 0u);
  EXPECT_TRUE(runtime_->start_report().checkpoint_refused.empty());
  EXPECT_TRUE(absl::IsFailedPrecondition(runtime_->WriteCheckpoint()));
}

}  // namespace
}  // namespace taizhang::engine
