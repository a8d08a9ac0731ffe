// The state digest a server gives of its projections (Ledger::Digest) is the
// one an offline replay of the same log gives (Ledger::Replay on the log
// opened read-only), at the head and at any earlier position, whether the
// server's projections came from a checkpoint or from a whole replay; and it
// differs as soon as one state does.
#include <string>

#include "bench/city.h"
#include "gtest/gtest.h"
#include "store/event_log.h"
#include "store/sha256.h"
#include "workflows/ledger.h"
#include "workflows/testing/ledger_fixture.h"

namespace taizhang::workflows {
namespace {

class StateDigestTest : public testing::LedgerFixture {
 protected:
  StateDigestTest() : LedgerFixture(testing::ChinaHour(2019, 1, 1, 8)) {}

  bench::CityOptions City(int first_week, int weeks) {
    bench::CityOptions o;
    o.projects = 8;
    o.tasks_per_project = 4;
    o.units = 4;
    o.leaders = 2;
    o.first_week = first_week;
    o.weeks = weeks;
    o.max_in_flight = 8;
    return o;
  }

  // The digest of an offline replay through `through` of the log, opened
  // read-only by a ledger of its own (the fixture's is closed first).
  absl::StatusOr<Ledger::StateDigest> Offline(uint64_t through) {
    CloseLedger();
    store::Options ro;
    ro.create_if_missing = false;
    ro.read_only = true;
    ASSIGN_OR_RETURN(auto log, store::OpenEventLog(dir_.path(), clock_, ro));
    ASSIGN_OR_RETURN(auto ledger, Ledger::Open(*log, clock_, options_));
    return ledger->Replay(through);
  }
};

TEST_F(StateDigestTest, TheServersDigestIsAnOfflineReplays) {
  ASSERT_TRUE(bench::BuildCity(*ledger_, clock_, City(0, 10)).ok());
  Settle();
  const Ledger::StateDigest middle = ledger_->Digest();
  EXPECT_EQ(middle.position, log_->HeadPosition());
  EXPECT_EQ(middle.digest.size(), 32u);
  EXPECT_GE(middle.streams, 8u + 8u * 4);  // the projects and their tasks
  ASSERT_TRUE(bench::BuildCity(*ledger_, clock_, City(10, 20)).ok());
  Settle();
  const Ledger::StateDigest head = ledger_->Digest();
  ASSERT_GT(head.position, middle.position + 100);
  EXPECT_NE(head.digest, middle.digest);

  auto offline = Offline(0);
  ASSERT_TRUE(offline.ok()) << offline.status();
  EXPECT_EQ(offline->position, head.position);
  EXPECT_EQ(offline->streams, head.streams);
  EXPECT_EQ(store::ToHex(offline->digest), store::ToHex(head.digest));

  auto earlier = Offline(middle.position);
  ASSERT_TRUE(earlier.ok()) << earlier.status();
  EXPECT_EQ(store::ToHex(earlier->digest), store::ToHex(middle.digest));
  // One event fewer is another state, so another digest.
  auto one_less = Offline(head.position - 1);
  ASSERT_TRUE(one_less.ok()) << one_less.status();
  EXPECT_NE(one_less->digest, head.digest);
  EXPECT_EQ(one_less->position, head.position - 1);

  EXPECT_EQ(Offline(head.position + 1).status().code(), absl::StatusCode::kInvalidArgument);

  // A server started from its checkpoint holds the same states: the same
  // digest.
  OpenLedger();
  Settle();
  EXPECT_GT(ledger_->runtime().start_report().checkpoint_position, 0u);
  EXPECT_EQ(log_->HeadPosition(), head.position);
  EXPECT_EQ(store::ToHex(ledger_->Digest().digest), store::ToHex(head.digest));
}

TEST_F(StateDigestTest, AnOfflineReplayWithDeadlinesDueWritesNothing) {
  ASSERT_TRUE(bench::BuildCity(*ledger_, clock_, City(0, 6)).ok());
  Settle();
  const uint64_t head = log_->HeadPosition();
  const std::string digest = ledger_->Digest().digest;
  // With no server running, the clock passes every limit: a server would
  // fire them; the replay, on a log that refuses any write, fires nothing
  // and fails on nothing.
  CloseLedger();
  clock_.Advance(absl::Hours(24 * 120));
  auto offline = Offline(0);
  ASSERT_TRUE(offline.ok()) << offline.status();
  EXPECT_EQ(offline->digest, digest);
  auto log = store::OpenEventLog(dir_.path(), clock_);
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_EQ((*log)->HeadPosition(), head);
}

}  // namespace
}  // namespace taizhang::workflows
