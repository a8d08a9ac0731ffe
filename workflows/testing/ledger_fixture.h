// Test support: the whole ledger (every registered workflow, the shipped
// policies) over a fresh event log in a temporary directory, on a manual
// clock, as a gtest fixture to derive from:
//
//   class ScreenTest : public workflows::testing::LedgerFixture {
//    protected:
//     ScreenTest() : LedgerFixture(ChinaHour(2026, 11, 2, 10)) {}
//   };
//   TEST_F(ScreenTest, ...) {
//     ASSERT_TRUE(ledger_->ExecuteTask("t-1", create, Meta(kOffice)).ok());
//     Settle();
//   }
//
// SetUp opens the log and the ledger and starts it; TearDown closes them.
// A test may CloseLedger() and OpenLedger() again to restart the process on
// the same log. Header-only; for tests only.
//
// Thread-safety: as a gtest fixture (the test's thread); the ledger itself is
// thread-safe as workflows/ledger.h says.
#ifndef TAIZHANG_WORKFLOWS_TESTING_LEDGER_FIXTURE_H_
#define TAIZHANG_WORKFLOWS_TESTING_LEDGER_FIXTURE_H_

#include <memory>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "base/clock.h"
#include "base/testing/files.h"
#include "engine/aggregate.h"
#include "gtest/gtest.h"
#include "store/event_log.h"
#include "workflows/ledger.h"
#include "workflows/testing/china_hour.h"

namespace taizhang::workflows::testing {

class LedgerFixture : public ::testing::Test {
 protected:
  // The clock starts at `start`; `options` default to the shipped policies.
  explicit LedgerFixture(absl::Time start, LedgerOptions options = ShippedOptions())
      : clock_(start), options_(std::move(options)) {}

  static LedgerOptions ShippedOptions() {
    LedgerOptions options;
    options.policies_dir = ::taizhang::testing::PoliciesDir();
    return options;
  }
  // The shipped policies with Yangshan's visit quotas (the shipped default
  // judges none).
  static LedgerOptions YangshanVisitOptions() {
    LedgerOptions options = ShippedOptions();
    options.visit_policy = "visits/yangshan-2014.textproto";
    return options;
  }

  void SetUp() override { OpenLedger(); }
  void TearDown() override { CloseLedger(); }

  // Opens the log in the temporary directory and the ledger on it, and
  // starts it. A fatal test failure (in this function) when any step fails.
  void OpenLedger() {
    auto log = store::OpenEventLog(dir_.path(), clock_);
    ASSERT_TRUE(log.ok()) << log.status();
    log_ = std::move(*log);
    auto ledger = Ledger::Open(*log_, clock_, options_);
    ASSERT_TRUE(ledger.ok()) << ledger.status();
    ledger_ = std::move(*ledger);
    ASSERT_TRUE(ledger_->Start().ok());
  }
  // Stops the ledger and closes the log (the files stay).
  void CloseLedger() {
    ledger_.reset();
    log_.reset();
  }
  // Waits until the ledger's reactions and projections have caught up.
  void Settle() { ledger_->runtime().Quiesce(); }

  // A command's metadata by `actor`, with a fresh request id ("req-N"),
  // dated `occurred` when given (backdated entry).
  engine::CommandMeta Meta(const std::string& actor,
                           std::optional<absl::Time> occurred = std::nullopt) {
    engine::CommandMeta meta;
    meta.request_id = absl::StrCat("req-", ++requests_);
    meta.actor = actor;
    meta.occurred_at = occurred;
    return meta;
  }

  // Task `id` completed ("完成") by department `unit`; a fatal test failure
  // (in this function) when refused.
  void CompleteTask(const std::string& id, const std::string& unit) {
    v1::TaskCommand c;
    c.mutable_complete()->set_text("完成");
    auto out = ledger_->ExecuteTask(id, c, Meta(absl::StrCat("department:", unit)));
    ASSERT_TRUE(out.ok()) << out.status();
  }

  ::taizhang::testing::TempDir dir_;  // first: removed after the log closes
  ManualClock clock_;
  LedgerOptions options_;
  std::unique_ptr<store::EventLog> log_;
  std::unique_ptr<Ledger> ledger_;
  int requests_ = 0;
};

}  // namespace taizhang::workflows::testing

#endif  // TAIZHANG_WORKFLOWS_TESTING_LEDGER_FIXTURE_H_
