// Supervision.FollowAlerts with a fake domain mapper, on a TaizhangServer in
// this process: catch-up then live delivery, reconnecting from the last
// acknowledged position without duplicates or gaps, filters and scoping, and
// followers at shutdown. Also the manual clock's hooks.
#include <filesystem>
#include <set>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"
#include "services/server.h"
#include "services/testing/server_harness.h"
#include "taizhang/v1/service.grpc.pb.h"

namespace taizhang {
namespace {

using testing::Call;
using testing::Connect;
using testing::TempDir;
using testing::Tokens;

// "deadline.Passed" gives one alert to the unit named in the payload;
// "rung.Raised" gives two (the unit, and the supervision office), both
// wrongly marked last_in_event; anything else gives none.
class FakeMapper final : public services::AlertMapper {
 public:
  std::vector<v1::Alert> Map(const store::RecordedEvent& e) const override {
    std::vector<v1::Alert> out;
    const std::string& unit = e.record.payload();
    if (e.record.type() == "deadline.Passed") {
      v1::Alert a;
      a.set_kind(v1::ALERT_KIND_DEADLINE_PASSED);
      a.set_title(absl::StrCat("规划许可 超期 (", e.record.stream(), ")"));
      auto* r = a.add_recipients();
      r->set_role(v1::ROLE_RESPONSIBLE_UNIT);
      r->set_unit(unit);
      a.mutable_due_at()->set_seconds(e.record.occurred_at_us() / 1000000);
      out.push_back(a);
    } else if (e.record.type() == "rung.Raised") {
      v1::Alert a;
      a.set_kind(v1::ALERT_KIND_RUNG_RAISED);
      a.set_title("督办通知单");
      // Not the mapper's to set (the server marks the last alert it sends of
      // an event): set here on both, it must not reach the followers.
      a.set_last_in_event(true);
      auto* r = a.add_recipients();
      r->set_role(v1::ROLE_RESPONSIBLE_UNIT);
      r->set_unit(unit);
      out.push_back(a);
      v1::Alert b = a;
      b.set_title("督办通知单 (抄送督查室)");
      b.clear_recipients();
      r = b.add_recipients();
      r->set_role(v1::ROLE_SUPERVISION_OFFICE);
      r->set_unit("督查室");
      out.push_back(b);
    }
    return out;
  }
};

class AlertsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::WriteFile(dir_ / "tokens.textproto", Tokens::FileText());
    services::ServerOptions options;
    options.data_dir = dir_ / "data";
    options.tokens_file = dir_ / "tokens.textproto";
    options.clock = services::ClockMode::kManual;
    options.manual_start = testing::TestStart();
    options.shutdown_grace = absl::Seconds(5);
    server_ = std::make_unique<services::TaizhangServer>(options);
    ASSERT_TRUE(server_->Open().ok());
    server_->SetAlertMapper(std::make_shared<FakeMapper>());
    server_->OnClockAdvanced([this] { ++clock_hooks_; });
    ASSERT_TRUE(server_->Start().ok());
    channel_ = Connect(server_->address());
  }

  // Appends one event (its own append) to the server's log.
  void Append(const std::string& stream, const std::string& type, const std::string& unit) {
    store::AppendRequest request;
    request.stream = stream;
    request.request_id = absl::StrCat("req-", ++appended_);
    store::NewEvent e;
    e.type = type;
    e.payload = unit;
    e.actor = "system:scheduler";
    request.events.push_back(e);
    ASSERT_TRUE(server_->log().Append(std::move(request)).ok());
  }

  // Events 1..n: every third passes a deadline, every fifth raises a rung.
  void AppendMixed(int from, int to) {
    for (int i = from; i <= to; ++i) {
      const std::string unit = i % 2 == 0 ? "自然资源局" : "住建局";
      if (i % 5 == 0) {
        Append(absl::StrCat("case/", i), "rung.Raised", unit);
      } else if (i % 3 == 0) {
        Append(absl::StrCat("case/", i), "deadline.Passed", unit);
      } else {
        Append(absl::StrCat("case/", i), "case.Noted", unit);
      }
    }
  }

  // The alerts the fake mapper gives for positions (from, to], as (position,
  // index) pairs.
  static std::vector<std::pair<uint64_t, uint32_t>> Expected(int from, int to) {
    std::vector<std::pair<uint64_t, uint32_t>> out;
    for (int i = from + 1; i <= to; ++i) {
      if (i % 5 == 0) {
        out.emplace_back(i, 0);
        out.emplace_back(i, 1);
      } else if (i % 3 == 0) {
        out.emplace_back(i, 0);
      }
    }
    return out;
  }

  TempDir dir_;
  std::unique_ptr<services::TaizhangServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  int appended_ = 0;
  int clock_hooks_ = 0;
};

TEST_F(AlertsTest, ReconnectingFromTheLastAcknowledgedPositionMissesNothingAndRepeatsNothing) {
  AppendMixed(1, 40);
  v1::Supervision::Stub stub(channel_);
  std::vector<std::pair<uint64_t, uint32_t>> received;
  uint64_t acked = 0;
  // Five sessions, each cut after a few alerts; events keep arriving between
  // and during them.
  for (int session = 0; session < 5; ++session) {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", absl::StrCat("Bearer ", Tokens::kSupervision));
    v1::FollowAlertsRequest request;
    request.set_from_position(acked);
    auto reader = stub.FollowAlerts(&ctx, request);
    v1::Alert alert;
    int taken = 0;
    std::thread writer;
    if (session == 2) writer = std::thread([this] { AppendMixed(41, 80); });
    while (taken < 7 && reader->Read(&alert)) {
      received.emplace_back(alert.position(), alert.index_in_event());
      EXPECT_EQ(alert.stream(), absl::StrCat("case/", alert.position()));
      EXPECT_NE(alert.occurred_at().seconds(), 0);
      if (alert.last_in_event()) acked = alert.position();
      ++taken;
    }
    if (writer.joinable()) writer.join();
    ctx.TryCancel();
    while (reader->Read(&alert)) {
    }
    EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
    // Alerts of a position not yet acknowledged are received again next time.
    while (!received.empty() && received.back().first > acked) received.pop_back();
  }
  // Then read what is left up to the head.
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", absl::StrCat("Bearer ", Tokens::kSupervision));
  v1::FollowAlertsRequest request;
  request.set_from_position(acked);
  request.set_until_head(true);
  auto reader = stub.FollowAlerts(&ctx, request);
  v1::Alert alert;
  while (reader->Read(&alert)) received.emplace_back(alert.position(), alert.index_in_event());
  ASSERT_TRUE(reader->Finish().ok());
  EXPECT_EQ(received, Expected(0, 80));
}

TEST_F(AlertsTest, AFollowerThatHasCaughtUpIsWokenByNewEvents) {
  v1::Supervision::Stub stub(channel_);
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", absl::StrCat("Bearer ", Tokens::kSupervision));
  auto reader = stub.FollowAlerts(&ctx, v1::FollowAlertsRequest());
  reader->WaitForInitialMetadata();
  EXPECT_EQ(server_->log().HeadPosition(), 0u);
  std::vector<std::pair<uint64_t, uint32_t>> received;
  for (int round = 1; round <= 3; ++round) {
    Append(absl::StrCat("case/", round * 3), "deadline.Passed", "自然资源局");
    v1::Alert alert;
    ASSERT_TRUE(reader->Read(&alert));
    EXPECT_EQ(alert.position(), static_cast<uint64_t>(round));
    EXPECT_EQ(alert.kind(), v1::ALERT_KIND_DEADLINE_PASSED);
    EXPECT_TRUE(absl::StartsWith(alert.title(), "规划许可 超期")) << alert.title();
    EXPECT_TRUE(alert.last_in_event());
  }
  ctx.TryCancel();
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
}

TEST_F(AlertsTest, FiltersByRoleAndUnitAndScopesDepartments) {
  AppendMixed(1, 30);
  v1::Supervision::Stub stub(channel_);
  auto follow = [&](const std::string& token, v1::FollowAlertsRequest request,
                    grpc::Status* status) {
    request.set_until_head(true);
    auto ctx = Call(token);
    auto reader = stub.FollowAlerts(ctx.get(), request);
    std::vector<v1::Alert> out;
    v1::Alert alert;
    while (reader->Read(&alert)) out.push_back(alert);
    *status = reader->Finish();
    return out;
  };
  grpc::Status s;
  v1::FollowAlertsRequest office;
  office.add_roles(v1::ROLE_SUPERVISION_OFFICE);
  auto alerts = follow(Tokens::kSupervision, office, &s);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(alerts.size(), 6u);  // rungs at 5, 10, ..., 30
  for (const auto& a : alerts) {
    EXPECT_EQ(a.kind(), v1::ALERT_KIND_RUNG_RAISED);
    EXPECT_EQ(a.index_in_event(), 0u) << "indexes count the alerts the filter kept";
    EXPECT_TRUE(a.last_in_event());
  }

  // Of an event's alerts only the last is marked last_in_event, whatever the
  // mapper set.
  alerts = follow(Tokens::kSupervision, v1::FollowAlertsRequest(), &s);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(alerts.size(), Expected(0, 30).size());
  for (size_t i = 0; i < alerts.size(); ++i) {
    const bool last = i + 1 == alerts.size() || alerts[i + 1].position() != alerts[i].position();
    EXPECT_EQ(alerts[i].last_in_event(), last) << "position " << alerts[i].position();
  }

  // A department sees its own unit's alerts, unasked.
  alerts = follow(Tokens::kDepartment, v1::FollowAlertsRequest(), &s);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_FALSE(alerts.empty());
  for (const auto& a : alerts) {
    EXPECT_EQ(a.recipients(0).unit(), "自然资源局");
    EXPECT_EQ(a.position() % 2, 0u);
  }
  v1::FollowAlertsRequest other;
  other.set_unit("住建局");
  follow(Tokens::kDepartment, other, &s);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  // The supervision office may ask for any unit.
  alerts = follow(Tokens::kSupervision, other, &s);
  ASSERT_TRUE(s.ok());
  for (const auto& a : alerts) EXPECT_EQ(a.recipients(0).unit(), "住建局");

  v1::FollowAlertsRequest bad;
  bad.add_roles(static_cast<v1::Role>(99));
  follow(Tokens::kSupervision, bad, &s);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

// A follower on the client's callback API: every alert it receives, as
// (position, index) pairs, and how its call ended.
class CollectingFollower final : public grpc::ClientReadReactor<v1::Alert> {
 public:
  CollectingFollower(v1::Supervision::Stub& stub, uint64_t from) {
    ctx_.AddMetadata("authorization", absl::StrCat("Bearer ", Tokens::kSupervision));
    request_.set_from_position(from);
    stub.async()->FollowAlerts(&ctx_, &request_, this);
    StartRead(&alert_);
    StartCall();
  }

  void OnReadDone(bool ok) override {
    if (!ok) return;
    {
      absl::MutexLock l(&mu_);
      received_.emplace_back(alert_.position(), alert_.index_in_event());
    }
    StartRead(&alert_);
  }
  void OnDone(const grpc::Status& s) override {
    absl::MutexLock l(&mu_);
    status_ = s;
    done_ = true;
  }

  // Waits (at most 60 s) until `n` alerts have arrived; returns them.
  std::vector<std::pair<uint64_t, uint32_t>> WaitFor(size_t n) {
    absl::MutexLock l(&mu_);
    auto enough = [&]()
                      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return received_.size() >= n || done_; };
    mu_.AwaitWithTimeout(absl::Condition(&enough), absl::Seconds(60));
    return received_;
  }
  grpc::Status Cancel() {
    ctx_.TryCancel();
    absl::MutexLock l(&mu_);
    mu_.AwaitWithTimeout(absl::Condition(&done_), absl::Seconds(60));
    return status_;
  }

 private:
  grpc::ClientContext ctx_;
  v1::FollowAlertsRequest request_;
  v1::Alert alert_;
  absl::Mutex mu_;
  std::vector<std::pair<uint64_t, uint32_t>> received_ ABSL_GUARDED_BY(mu_);
  grpc::Status status_ ABSL_GUARDED_BY(mu_);
  bool done_ ABSL_GUARDED_BY(mu_) = false;
};

size_t ThreadsOfThisProcess() {
  size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/task")) ++n;
  return n;
}

// Followers hold no thread of the server's: 300 of them, half catching up
// from the first event and half from the middle of the log, live together
// afterwards; each gets every alert exactly once, in order.
TEST_F(AlertsTest, ManyFollowersHoldNoThreadAndEachGetsEveryAlertOnce) {
  AppendMixed(1, 40);
  v1::Supervision::Stub stub(channel_);
  const size_t threads_before = ThreadsOfThisProcess();
  constexpr int kFollowers = 300;
  std::vector<std::unique_ptr<CollectingFollower>> followers;
  for (int i = 0; i < kFollowers; ++i) {
    followers.push_back(std::make_unique<CollectingFollower>(stub, i % 2 == 0 ? 0 : 20));
  }
  for (int i = 0; i < kFollowers; ++i) {
    ASSERT_EQ(followers[i]->WaitFor(Expected(i % 2 == 0 ? 0 : 20, 40).size()),
              Expected(i % 2 == 0 ? 0 : 20, 40))
        << "follower " << i;
  }
  // A thread per follower would be 300 more; gRPC's own pools grow a little.
  EXPECT_LT(ThreadsOfThisProcess(), threads_before + 30);
  AppendMixed(41, 70);
  for (int i = 0; i < kFollowers; ++i) {
    const auto expected = Expected(i % 2 == 0 ? 0 : 20, 70);
    ASSERT_EQ(followers[i]->WaitFor(expected.size()), expected) << "follower " << i;
  }
  for (auto& f : followers) EXPECT_EQ(f->Cancel().error_code(), grpc::StatusCode::CANCELLED);
}

TEST_F(AlertsTest, ShutdownTellsFollowersWhereToReconnect) {
  AppendMixed(1, 10);
  v1::Supervision::Stub stub(channel_);
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", absl::StrCat("Bearer ", Tokens::kSupervision));
  auto reader = stub.FollowAlerts(&ctx, v1::FollowAlertsRequest());
  v1::Alert alert;
  int n = 0;
  while (n < 4 && reader->Read(&alert)) ++n;  // all of 1..10: 3, 5, 5, 6, 9, 10, 10
  ASSERT_EQ(n, 4);
  server_->Shutdown();  // returns once every call has ended
  while (reader->Read(&alert)) {
  }
  grpc::Status s = reader->Finish();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_TRUE(absl::StrContains(s.error_message(), "reconnect with from_position 10"))
      << s.error_message();
}

TEST_F(AlertsTest, ManualClockAdvancesOnlyForwardAndRunsTheHooks) {
  v1::Admin::Stub admin(channel_);
  v1::AdvanceClockRequest request;
  request.mutable_by()->set_seconds(3 * 24 * 3600);
  v1::AdvanceClockResponse response;
  ASSERT_TRUE(admin.AdvanceClock(Call(Tokens::kAdmin).get(), request, &response).ok());
  EXPECT_EQ(response.previous().seconds(), absl::ToUnixSeconds(testing::TestStart()));
  EXPECT_EQ(response.now().seconds(), absl::ToUnixSeconds(testing::TestStart()) + 3 * 24 * 3600);
  EXPECT_EQ(server_->clock().Now(), testing::TestStart() + absl::Hours(72));
  EXPECT_EQ(clock_hooks_, 1);

  // A timer armed on the server's clock fires inside the call.
  absl::Notification fired;
  server_->clock().ScheduleAt(testing::TestStart() + absl::Hours(80), [&] { fired.Notify(); });
  request.clear_by();
  request.mutable_to()->set_seconds(absl::ToUnixSeconds(testing::TestStart() + absl::Hours(96)));
  ASSERT_TRUE(admin.AdvanceClock(Call(Tokens::kAdmin).get(), request, &response).ok());
  EXPECT_TRUE(fired.HasBeenNotified());
  // The hooks ran after the timer, at its instant, and once at the end.
  EXPECT_EQ(clock_hooks_, 3);

  request.mutable_to()->set_seconds(absl::ToUnixSeconds(testing::TestStart()));
  grpc::Status s = admin.AdvanceClock(Call(Tokens::kAdmin).get(), request, &response);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StrContains(s.error_message(), "time never goes back")) << s.error_message();
  request.mutable_by()->set_seconds(-5);
  EXPECT_EQ(admin.AdvanceClock(Call(Tokens::kAdmin).get(), request, &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(admin.AdvanceClock(Call(Tokens::kAdmin).get(), v1::AdvanceClockRequest(), &response)
                .error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(clock_hooks_, 3);
}

}  // namespace
}  // namespace taizhang
