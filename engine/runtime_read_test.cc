// Runtime::ReadAtApplied: what a reader copies of the consumers' state is
// the log through exactly the position it is told, never a later event
// half-counted.
#include <unistd.h>

#include <filesystem>
#include <random>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "engine/runtime.h"
#include "gtest/gtest.h"

namespace taizhang::engine {
namespace {

// Counts the events it consumes. When held, it stops inside OnEvent (the
// event counted, the runtime not yet told) until let go.
class Counter : public LogConsumer {
 public:
  absl::Status OnEvent(const store::RecordedEvent&, bool) override {
    absl::MutexLock l(&mu_);
    ++count_;
    inside_ = true;
    mu_.Await(absl::Condition(
        +[](bool* held) { return !*held; }, &held_));
    inside_ = false;
    return absl::OkStatus();
  }
  int count() const {
    absl::MutexLock l(&mu_);
    return count_;
  }
  void Hold() {
    absl::MutexLock l(&mu_);
    held_ = true;
  }
  void Release() {
    absl::MutexLock l(&mu_);
    held_ = false;
  }
  void AwaitInside() {
    absl::MutexLock l(&mu_);
    mu_.Await(absl::Condition(&inside_));
  }

 private:
  mutable absl::Mutex mu_;
  int count_ ABSL_GUARDED_BY(mu_) = 0;
  bool held_ ABSL_GUARDED_BY(mu_) = false;
  bool inside_ ABSL_GUARDED_BY(mu_) = false;
};

class ReadAtAppliedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (std::filesystem::temp_directory_path() /
            absl::StrCat("tz_read_", getpid(), "_", std::random_device()()))
               .string();
    auto log = store::OpenEventLog(dir_, clock_);
    ASSERT_TRUE(log.ok()) << log.status();
    log_ = std::move(*log);
    runtime_ = std::make_unique<Runtime>(
        *log_, clock_, [](const std::string&, absl::Time) { return absl::OkStatus(); });
    runtime_->AddConsumer(&counter_);
    ASSERT_TRUE(runtime_->Start().ok());
  }
  void TearDown() override {
    counter_.Release();
    runtime_.reset();
    log_.reset();
    std::filesystem::remove_all(dir_);
  }
  void Append(int i) {
    store::AppendRequest r;
    r.stream = absl::StrCat("thing/", i % 3);
    r.request_id = absl::StrCat("append-", i);
    r.events.push_back(store::NewEvent{.type = "thing.Happened"});
    ASSERT_TRUE(log_->Append(r).ok());
  }

  ManualClock clock_{absl::FromUnixSeconds(1767225600)};
  std::string dir_;
  std::unique_ptr<store::EventLog> log_;
  Counter counter_;
  std::unique_ptr<Runtime> runtime_;
};

TEST_F(ReadAtAppliedTest, AnEventHalfConsumedIsNeitherSeenNorCounted) {
  Append(0);
  ASSERT_TRUE(runtime_->WaitForApplied(1));
  counter_.Hold();
  Append(1);
  counter_.AwaitInside();  // counted 2, the runtime still says 1
  EXPECT_EQ(runtime_->applied(), 1u);
  int seen = -1;
  uint64_t position = 0;
  std::thread reader([&] { position = runtime_->ReadAtApplied([&] { seen = counter_.count(); }); });
  counter_.Release();
  reader.join();
  // Whenever the reader ran, what it saw is what the position says.
  EXPECT_EQ(static_cast<uint64_t>(seen), position);
  EXPECT_EQ(position, 2u);
}

TEST_F(ReadAtAppliedTest, ReadsBesideAStreamOfEventsAlwaysAgreeWithTheirPosition) {
  std::thread writer([&] {
    for (int i = 0; i < 300; ++i) Append(i);
  });
  int reads = 0;
  uint64_t position = 0;
  while (position < 300) {
    int seen = -1;
    position = runtime_->ReadAtApplied([&] { seen = counter_.count(); });
    ASSERT_EQ(static_cast<uint64_t>(seen), position) << "read " << reads;
    ++reads;
  }
  writer.join();
  EXPECT_GT(reads, 0);
}

}  // namespace
}  // namespace taizhang::engine
