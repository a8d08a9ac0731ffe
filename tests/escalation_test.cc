// The engine end to end, without the domain: a supervised item with a limit of
// 38 working days lives in the real log; the runtime replays it, the scheduler
// arms its next rung, ticks append the rungs of the Luohe ladder as a manual
// clock walks day by day, and the whole process is torn down and restarted
// every day. Each rung must be raised exactly once, never early, in order.

#include "absl/strings/str_cat.h"
#include "base/testing/files.h"
#include "engine/aggregate.h"
#include "engine/calendar.h"
#include "engine/calendar_working_days.h"
#include "engine/deadline_rule.h"
#include "engine/ladder.h"
#include "engine/projection.h"
#include "engine/runtime.h"
#include "gtest/gtest.h"
#include "taizhang/v1/engine_testing.pb.h"

namespace taizhang {
namespace {

using engine::CalendarWorkingDays;
using engine::WorkingDayCalendar;
using v1::testing::ItemEvent;
using v1::testing::ItemState;

using testing::PoliciesDir;

struct ItemCommand {
  enum Kind { kOpen, kSuspend, kResume, kResolve, kTick } kind;
  absl::CivilDay day;
  int limit_working_days = 0;
};

class Item {
 public:
  using State = ItemState;
  using Command = ItemCommand;
  using Event = ItemEvent;
  static constexpr uint32_t kStateSchema = 1;
  static constexpr uint32_t kEventSchema = 1;

  Item(const WorkingDayCalendar& cal, const v1::Ladder& ladder)
      : cal_(cal), wd_(cal), ladder_(ladder) {}

  std::string EventType(const Event& e) const {
    switch (e.kind_case()) {
      case Event::kOpened:
        return "item.Opened";
      case Event::kSuspended:
        return "item.Suspended";
      case Event::kResumed:
        return "item.Resumed";
      case Event::kRungRaised:
        return "item.RungRaised";
      case Event::kResolved:
        return "item.Resolved";
      default:
        return "item.Unknown";
    }
  }

  engine::LadderSubject Subject(const State& s) const {
    engine::LadderSubject subject;
    subject.start = absl::FromUnixMicros(s.start_us());
    // While suspended, the limit is not running out: no time rung is due.
    if (s.suspended_on().empty()) subject.due = absl::FromUnixMicros(s.due_us());
    subject.resolved = s.resolved();
    subject.resolved_at = absl::FromUnixMicros(s.resolved_us());
    for (const auto& r : s.rungs()) {
      subject.raised.push_back(
          {.rung_id = r.rung_id(), .raised_at = absl::FromUnixMicros(r.raised_at_us())});
    }
    return subject;
  }

  absl::StatusOr<std::vector<Event>> Decide(const State& s, const Command& c,
                                            const engine::DecideContext& ctx) const {
    std::vector<Event> out;
    Event e;
    switch (c.kind) {
      case ItemCommand::kOpen: {
        if (s.open()) return absl::AlreadyExistsError("already open");
        v1::DeadlineRule rule;
        rule.set_kind(v1::DeadlineRule::WORKING_DAYS);
        rule.set_n(c.limit_working_days);
        auto due = engine::ComputeDue(rule, c.day, cal_);
        if (!due.ok()) return due.status();
        e.mutable_opened()->set_start_day(engine::FormatDate(c.day));
        e.mutable_opened()->set_due_day(engine::FormatDate((*due)->day));
        e.mutable_opened()->set_start_us(absl::ToUnixMicros(engine::StartOfDay(c.day)));
        e.mutable_opened()->set_due_us(absl::ToUnixMicros(engine::DueInstant((*due)->day)));
        out.push_back(e);
        break;
      }
      case ItemCommand::kSuspend:
        if (!s.suspended_on().empty()) return absl::FailedPreconditionError("already suspended");
        e.mutable_suspended()->set_day(engine::FormatDate(c.day));
        out.push_back(e);
        break;
      case ItemCommand::kResume: {
        if (s.suspended_on().empty()) return absl::FailedPreconditionError("not suspended");
        auto from = engine::ParseDate(s.suspended_on());
        auto old_due = engine::ParseDate(s.due_day());
        auto moved = engine::ExtendBySuspension({*old_due, false}, *from, c.day, cal_);
        if (!moved.ok()) return moved.status();
        e.mutable_resumed()->set_day(engine::FormatDate(c.day));
        e.mutable_resumed()->set_due_day(engine::FormatDate(moved->due.day));
        e.mutable_resumed()->set_due_us(absl::ToUnixMicros(engine::DueInstant(moved->due.day)));
        e.mutable_resumed()->set_suspended_working_days(moved->suspended_working_days);
        out.push_back(e);
        break;
      }
      case ItemCommand::kResolve:
        e.mutable_resolved()->set_at_us(absl::ToUnixMicros(ctx.now));
        out.push_back(e);
        break;
      case ItemCommand::kTick:
        for (const auto& due : engine::DueRungs(ladder_, Subject(s), ctx.now, wd_)) {
          Event r;
          r.mutable_rung_raised()->set_rung_id(due.rung_id);
          r.mutable_rung_raised()->set_due_at_us(absl::ToUnixMicros(due.due_at));
          out.push_back(r);
        }
        break;
    }
    return out;
  }

  void Apply(State* s, const Event& e, const engine::EventContext& ctx) const {
    switch (e.kind_case()) {
      case Event::kOpened:
        s->set_open(true);
        s->set_start_day(e.opened().start_day());
        s->set_due_day(e.opened().due_day());
        s->set_start_us(e.opened().start_us());
        s->set_due_us(e.opened().due_us());
        break;
      case Event::kSuspended:
        s->set_suspended_on(e.suspended().day());
        break;
      case Event::kResumed:
        s->clear_suspended_on();
        s->set_due_day(e.resumed().due_day());
        s->set_due_us(e.resumed().due_us());
        break;
      case Event::kRungRaised: {
        auto* r = s->add_rungs();
        r->set_rung_id(e.rung_raised().rung_id());
        r->set_due_at_us(e.rung_raised().due_at_us());
        r->set_raised_at_us(absl::ToUnixMicros(ctx.recorded_at));
        break;
      }
      case Event::kResolved:
        s->set_resolved(true);
        s->set_resolved_us(e.resolved().at_us());
        break;
      default:
        break;
    }
  }

  std::optional<absl::Time> NextWakeup(const State& s) const {
    if (!s.open()) return std::nullopt;
    return engine::NextTriggerAt(ladder_, Subject(s), absl::InfinitePast(), wd_);
  }

  const engine::UpcasterRegistry* upcasters() const { return nullptr; }

 private:
  const WorkingDayCalendar& cal_;
  CalendarWorkingDays wd_;
  const v1::Ladder& ladder_;
};

// One "process": the log, the aggregate store, the projection and the runtime.
struct Process {
  Process(const std::string& dir, ManualClock& clock, const Item& item) {
    auto opened = store::OpenEventLog(dir, clock);
    EXPECT_TRUE(opened.ok()) << opened.status();
    log = std::move(*opened);
    items = std::make_unique<engine::AggregateStore<Item>>(*log, clock, item);
    projection = std::make_unique<engine::StreamProjection<Item>>(
        "item/", *items, [&item](const ItemState& s) { return item.NextWakeup(s); });
    runtime = std::make_unique<engine::Runtime>(
        *log, clock, [this](const std::string& key, absl::Time due) -> absl::Status {
          engine::CommandMeta meta{.request_id = engine::DeadlineRequestId(key, due),
                                   .actor = "system:scheduler"};
          return items->Execute(key, ItemCommand{.kind = ItemCommand::kTick}, meta).status();
        });
    projection->set_runtime(runtime.get());
    runtime->AddConsumer(projection.get());
    EXPECT_TRUE(runtime->Start().ok());
  }
  ~Process() {
    runtime.reset();  // stops the scheduler before what its handler uses goes
  }

  std::unique_ptr<store::EventLog> log;
  std::unique_ptr<engine::AggregateStore<Item>> items;
  std::unique_ptr<engine::StreamProjection<Item>> projection;
  std::unique_ptr<engine::Runtime> runtime;
};

class EscalationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cal = WorkingDayCalendar::LoadDirectory(PoliciesDir() + "/calendars");
    ASSERT_TRUE(cal.ok()) << cal.status();
    calendar_ = std::make_unique<WorkingDayCalendar>(std::move(*cal));
    auto ladder = engine::LoadLadder(PoliciesDir() + "/ladders/luohe-38-day.textproto");
    ASSERT_TRUE(ladder.ok()) << ladder.status();
    ladder_ = *ladder;
    item_ = std::make_unique<Item>(*calendar_, ladder_);
  }

  absl::Time Day(int y, int m, int d, int hour = 9) {
    return absl::FromCivil(absl::CivilHour(y, m, d, hour), engine::ChinaTime());
  }

  std::unique_ptr<WorkingDayCalendar> calendar_;
  v1::Ladder ladder_;
  std::unique_ptr<Item> item_;
  testing::TempDir tmp_;
  const std::string dir_ = tmp_ / "log";
  ManualClock clock_{absl::FromCivil(absl::CivilHour(2026, 9, 1, 9), engine::ChinaTime())};
};

TEST_F(EscalationTest, ThirtyEightDayLimitClimbsTheLadderOnceAcrossDailyRestarts) {
  {
    Process p(dir_, clock_, *item_);
    auto r = p.items->Execute("item/1",
                              ItemCommand{.kind = ItemCommand::kOpen,
                                          .day = absl::CivilDay(2026, 9, 1),
                                          .limit_working_days = 38},
                              {.request_id = "open", .actor = "department:住建局"});
    ASSERT_TRUE(r.ok()) << r.status();
    // 38 working days after 2026-09-01, across the Mid-Autumn (09-25..27) and
    // National Day (10-01..07) holidays, with 09-20 (Sun) and 10-10 (Sat)
    // worked: 21 in September (02-04, 07-11, 14-18, 20, 21-24, 28-30), then
    // 10-08, 10-09, 10-10 (24), 10-12..16 (29), 10-19..23 (34), 10-26..29 (38).
    EXPECT_EQ(r->loaded.state.due_day(), "2026-10-29");
  }
  // Walk day by day to the end of November, restarting every day.
  while (clock_.Now() < Day(2026, 11, 30)) {
    clock_.Advance(absl::Hours(24));
    Process p(dir_, clock_, *item_);
    p.runtime->Quiesce();
  }
  Process p(dir_, clock_, *item_);
  p.runtime->Quiesce();
  auto loaded = p.items->Load("item/1");
  ASSERT_TRUE(loaded.ok());
  const ItemState& s = loaded->state;
  ASSERT_EQ(s.rungs_size(), 4);
  std::vector<std::string> order;
  for (const auto& r : s.rungs()) {
    order.push_back(r.rung_id());
    EXPECT_GE(r.raised_at_us(), r.due_at_us()) << r.rung_id() << " raised early";
    EXPECT_LT(r.raised_at_us() - r.due_at_us(), absl::ToInt64Microseconds(absl::Hours(24)))
        << r.rung_id() << " raised more than a day late";
  }
  EXPECT_EQ(order, (std::vector<std::string>{"warning", "notice", "listing", "interview"}));
  // The warning is due when one working day remains: 00:00 of the last day,
  // 10-29; the notice at the limit, 10-30 00:00.
  EXPECT_EQ(s.rungs(0).due_at_us(), absl::ToUnixMicros(Day(2026, 10, 29, 0)));
  EXPECT_EQ(s.rungs(1).due_at_us(), absl::ToUnixMicros(Day(2026, 10, 30, 0)));
  // The listing is due when the notice's 3 working days to rectify have run:
  // raised on 10-30 (Fri), counting 11-02, 11-03, 11-04; due 11-05 00:00.
  EXPECT_EQ(s.rungs(2).due_at_us(), absl::ToUnixMicros(Day(2026, 11, 5, 0)));
  // Nothing was appended twice: 1 open + 4 rungs.
  EXPECT_EQ(p.log->HeadPosition(), 5u);
}

TEST_F(EscalationTest, SuspensionMovesTheDueInstantByTheSuspendedWorkingDays) {
  Process p(dir_, clock_, *item_);
  auto open = p.items->Execute(
      "item/2",
      ItemCommand{
          .kind = ItemCommand::kOpen, .day = absl::CivilDay(2026, 9, 1), .limit_working_days = 20},
      {.request_id = "open2", .actor = "department:住建局"});
  ASSERT_TRUE(open.ok());
  std::string before = open->loaded.state.due_day();
  EXPECT_EQ(before, "2026-09-29");
  clock_.AdvanceTo(Day(2026, 9, 10));
  ASSERT_TRUE(p.items
                  ->Execute("item/2",
                            {.kind = ItemCommand::kSuspend, .day = absl::CivilDay(2026, 9, 10)},
                            {.request_id = "s", .actor = "department:住建局"})
                  .ok());
  // Suspended from 09-10 to 10-09: the working days in (09-10, 10-09] are
  // 09-11, 14-18, 20 (Sun, worked), 21-24, 28-30, 10-08, 10-09 = 1+5+1+4+3+2 = 16.
  clock_.AdvanceTo(Day(2026, 10, 9));
  p.runtime->Quiesce();
  auto resumed =
      p.items->Execute("item/2", {.kind = ItemCommand::kResume, .day = absl::CivilDay(2026, 10, 9)},
                       {.request_id = "r", .actor = "department:住建局"});
  ASSERT_TRUE(resumed.ok()) << resumed.status();
  ASSERT_EQ(resumed->events.size(), 1u);
  EXPECT_EQ(resumed->events[0].resumed().suspended_working_days(), 16);
  // 09-29 plus 16 working days: 09-30, 10-08, 10-09, 10-10 (Sat, worked),
  // 10-12..16 (9), 10-19..23 (14), 10-26, 10-27 (16) -> 2026-10-27.
  EXPECT_EQ(resumed->loaded.state.due_day(), "2026-10-27");
  // No rung was raised while the item was suspended, though its original limit
  // (09-29) passed meanwhile.
  EXPECT_EQ(resumed->loaded.state.rungs_size(), 0);
}

}  // namespace
}  // namespace taizhang
