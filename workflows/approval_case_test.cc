#include "workflows/approval_case.h"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>

#include "absl/strings/str_cat.h"
#include "base/testing/files.h"
#include "engine/calendar.h"
#include "engine/deadline_rule.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "workflows/alerts.h"
#include "workflows/approval_policy.h"

namespace taizhang::workflows {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Command = v1::ApprovalCaseCommand;
using Store = engine::AggregateStore<ApprovalCase>;

using ::taizhang::testing::SourceDir;
std::string PolicyDir() { return SourceDir() + "/workflows/policies/approval"; }
std::string LadderDir() { return SourceDir() + "/workflows/policies/ladders"; }
std::string CalendarDir() { return SourceDir() + "/workflows/policies/calendars"; }

absl::Time At(int y, int m, int d, int hh = 0, int mm = 0) {
  return absl::FromCivil(absl::CivilSecond(y, m, d, hh, mm, 0), engine::ChinaTime());
}

constexpr char kOwner[] = "漯河某食品有限公司";
constexpr char kEnterprise[] = "enterprise:漯河某食品有限公司";
constexpr char kSystem[] = "system:scheduler";
constexpr char kCode[] = "2018-411102-14-03-000123";

// ---------------------------------------------------------------------------
// Commands.

Command Open(const std::string& policy, std::vector<std::string> optional = {}) {
  Command c;
  auto* o = c.mutable_open();
  o->set_project_code(kCode);
  o->set_project_name("年产10万吨休闲食品项目");
  o->set_owner(kOwner);
  o->set_policy(policy);
  for (auto& id : optional) o->add_optional_items(id);
  o->set_responsible_leader("王副市长");
  return c;
}
Command Submit(const std::string& id) {
  Command c;
  c.mutable_submit()->set_item_id(id);
  return c;
}
Command Accept(const std::string& id, std::vector<std::string> missing = {},
               const std::string& commitment = "") {
  Command c;
  c.mutable_accept()->set_item_id(id);
  for (auto& m : missing) c.mutable_accept()->add_missing_documents(m);
  c.mutable_accept()->set_commitment_date(commitment);
  return c;
}
Command Approve(const std::string& id) {
  Command c;
  c.mutable_approve()->set_item_id(id);
  return c;
}
Command Reject(const std::string& id, std::vector<std::string> reasons) {
  Command c;
  c.mutable_reject()->set_item_id(id);
  for (auto& r : reasons) c.mutable_reject()->add_reasons(r);
  return c;
}
Command Return(const std::string& id, std::vector<std::string> reasons) {
  Command c;
  c.mutable_return_item()->set_item_id(id);
  for (auto& r : reasons) c.mutable_return_item()->add_reasons(r);
  return c;
}
Command Suspend(const std::string& id, v1::ApprovalSuspensionReason reason) {
  Command c;
  c.mutable_suspend()->set_item_id(id);
  c.mutable_suspend()->set_reason(reason);
  c.mutable_suspend()->set_note("补正: 缺少用地红线图");
  return c;
}
Command Resume(const std::string& id) {
  Command c;
  c.mutable_resume()->set_item_id(id);
  return c;
}
Command Correction(const std::string& id) {
  Command c;
  c.mutable_supply_correction()->set_item_id(id);
  c.mutable_supply_correction()->set_note("已补正用地红线图");
  return c;
}
Command Supply(const std::string& id, std::vector<std::string> docs) {
  Command c;
  c.mutable_supply_documents()->set_item_id(id);
  for (auto& d : docs) c.mutable_supply_documents()->add_documents(d);
  return c;
}
Command ReportUp(const std::string& id) {
  Command c;
  c.mutable_report_up()->set_item_id(id);
  return c;
}
Command Extend(const std::string& id, int days) {
  Command c;
  c.mutable_grant_extension()->set_item_id(id);
  c.mutable_grant_extension()->set_working_days(days);
  c.mutable_grant_extension()->set_reason("专家评审意见分歧, 需补充论证");
  return c;
}
Command Answer(const std::string& slip) {
  Command c;
  c.mutable_answer_rung()->set_slip_number(slip);
  c.mutable_answer_rung()->set_text("已整改");
  return c;
}
Command TickCmd() {
  Command c;
  c.mutable_tick();
  return c;
}
Command Recompute() {
  Command c;
  c.mutable_recompute_deadlines();
  return c;
}

// ---------------------------------------------------------------------------
// Fixture: a real log in a temp dir, a manual clock, the shipped policies
// (plus test variants) and the shipped calendars.

class ApprovalCaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto calendar = engine::WorkingDayCalendar::LoadDirectory(CalendarDir());
    ASSERT_TRUE(calendar.ok()) << calendar.status();
    calendar_ = std::make_shared<const engine::WorkingDayCalendar>(*std::move(calendar));
    auto policies = LoadApprovalPolicies(PolicyDir(), LadderDir());
    ASSERT_TRUE(policies.ok()) << policies.status();
    policies_ = *policies;
    // Test variants: deemed consent on the environmental assessment; an
    // extension of items granted by the supervision office.
    for (const v1::ApprovalPolicy& p : *policies) {
      if (p.name() != "luohe-2018-38-day") continue;
      v1::ApprovalPolicy deemed = p;
      deemed.set_name("test-deemed");
      for (auto& item : *deemed.mutable_items()) {
        if (item.id() == "environmental_assessment") item.set_deemed_consent(true);
      }
      policies_.push_back(deemed);
    }
    aggregate_ = std::make_unique<ApprovalCase>(policies_, calendar_);
    auto log = store::OpenEventLog(dir_, clock_);
    ASSERT_TRUE(log.ok()) << log.status();
    log_ = std::move(*log);
    store_ = std::make_unique<Store>(*log_, clock_, *aggregate_);
  }
  void TearDown() override {
    store_.reset();
    log_.reset();
  }

  absl::StatusOr<Store::Outcome> Exec(const std::string& actor, const Command& c,
                                      std::optional<absl::Time> occurred_at = std::nullopt) {
    engine::CommandMeta meta;
    meta.request_id = absl::StrCat("req-", ++next_request_);
    meta.actor = actor;
    meta.occurred_at = occurred_at;
    return store_->Execute(stream_, c, meta);
  }
  // Runs a command that must succeed; returns the events it appended.
  std::vector<v1::ApprovalCaseEvent> Must(const std::string& actor, const Command& c) {
    auto out = Exec(actor, c);
    EXPECT_TRUE(out.ok()) << actor << ": " << c.ShortDebugString() << ": " << out.status();
    return out.ok() ? out->events : std::vector<v1::ApprovalCaseEvent>{};
  }
  absl::StatusCode Code(const std::string& actor, const Command& c) {
    return Exec(actor, c).status().code();
  }
  v1::ApprovalCaseState State() {
    auto loaded = store_->Load(stream_);
    EXPECT_TRUE(loaded.ok()) << loaded.status();
    return loaded.ok() ? loaded->state : v1::ApprovalCaseState();
  }
  const v1::CaseItem& ItemOf(const v1::ApprovalCaseState& s, const std::string& id) {
    for (const auto& item : s.items()) {
      if (item.item_id() == id) return item;
    }
    ADD_FAILURE() << "no item " << id;
    static v1::CaseItem none;
    return none;
  }
  // The rungs of one subject ("item/<id>", "" for the case), in raising order.
  static std::vector<v1::SupervisionRung> RungsOf(const v1::ApprovalCaseState& s,
                                                  const std::string& subject) {
    std::vector<v1::SupervisionRung> out;
    for (const auto& r : s.rungs()) {
      if (r.raised().subject() == subject) out.push_back(r);
    }
    return out;
  }
  std::string Dept(const std::string& policy, const std::string& id) {
    for (const auto& p : policies_) {
      if (p.name() != policy) continue;
      for (const auto& item : p.items()) {
        if (item.id() == id) return "department:" + item.department();
      }
    }
    ADD_FAILURE() << "no item " << id;
    return "";
  }
  // Submit, accept and approve a local item now.
  void Through(const std::string& policy, const std::string& id) {
    Must(kEnterprise, Submit(id));
    Must(Dept(policy, id), Accept(id));
    Must(Dept(policy, id), Approve(id));
  }
  size_t HeadPosition() { return log_->HeadPosition(); }

  ManualClock clock_{At(2018, 3, 5, 9)};  // Monday
  ::taizhang::testing::TempDir tmp_;      // removed after the log closes
  const std::string dir_ = tmp_ / "log";
  std::string stream_ = CaseStream("LH-2018-017");
  std::shared_ptr<const engine::WorkingDayCalendar> calendar_;
  std::vector<v1::ApprovalPolicy> policies_;
  std::unique_ptr<ApprovalCase> aggregate_;
  std::unique_ptr<store::EventLog> log_;
  std::unique_ptr<Store> store_;
  int next_request_ = 0;
};

constexpr char kLuohe[] = "luohe-2018-38-day";
constexpr char kStatute[] = "statutory-default";

// ---------------------------------------------------------------------------
// Policies.

TEST(ApprovalPolicyTest, ShippedPoliciesLoad) {
  auto policies = LoadApprovalPolicies(PolicyDir(), LadderDir());
  ASSERT_TRUE(policies.ok()) << policies.status();
  ASSERT_EQ(policies->size(), 2u);
  const v1::ApprovalPolicy& luohe = (*policies)[0];
  EXPECT_EQ(luohe.name(), kLuohe);
  EXPECT_EQ(luohe.case_limit().kind(), v1::DeadlineRule::CALENDAR_DAYS);
  EXPECT_EQ(luohe.case_limit().n(), 38);
  EXPECT_EQ(luohe.ladder_rules().name(), "luohe-38-day");  // resolved from the ladder file
  EXPECT_EQ(luohe.items_size(), 8);
  const v1::ApprovalPolicy& statute = (*policies)[1];
  EXPECT_EQ(statute.name(), kStatute);
  EXPECT_EQ(statute.case_limit().kind(), v1::DeadlineRule::WORKING_DAYS);
  EXPECT_EQ(statute.case_limit().n(), 45);
  EXPECT_EQ(statute.case_extension_working_days(), 15);
  EXPECT_EQ(statute.items(0).limit().n(), 20);
  EXPECT_EQ(statute.items(0).extension_working_days(), 10);
  EXPECT_EQ(statute.item_extension_grantor(), v1::APPROVAL_EXTENSION_GRANTOR_UNIT_HEAD);
  auto aggregate = ApprovalCase::Load(PolicyDir(), LadderDir(), CalendarDir());
  ASSERT_TRUE(aggregate.ok()) << aggregate.status();
  EXPECT_EQ((*aggregate)->policies().size(), 2u);
  EXPECT_TRUE((*aggregate)->calendar()->HasYear(2018));
}

class ApprovalPolicyFileTest : public ::testing::Test {
 protected:
  std::string Write(const std::string& name, const std::string& text) {
    ::taizhang::testing::WriteFile(tmp_ / name, text);
    return tmp_ / name;
  }
  ::taizhang::testing::TempDir tmp_;
  const std::filesystem::path dir_ = tmp_.path();
};

constexpr char kGoodHead[] = R"(name: "p"
case_limit { kind: CALENDAR_DAYS n: 38 }
ladder: "luohe-38-day"
supervision_office: "督查室"
lead_unit: "中心"
units { name: "中心" head: "主任" }
units { name: "规划局" head: "局长" }
)";

TEST_F(ApprovalPolicyFileTest, BadItemsAreRefusedWithFileAndLine) {
  const std::string path = Write("bad.textproto", absl::StrCat(kGoodHead, R"(items {
  id: "a"
  name: "A"
  department: "规划局"
  required: true
  limit { kind: WORKING_DAYS n: 1 }
}
items {
  id: "b"
  name: "B"
  department: "国土局"
  depends_on: ["nope"]
  limit { kind: WORKING_DAYS n: 1 }
}
)"));
  auto policy = LoadApprovalPolicy(path, LadderDir());
  ASSERT_EQ(policy.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(policy.status().message(),
              HasSubstr(path + ":18: item 'b' (#2): department '国土局' is not one"));
  EXPECT_THAT(policy.status().message(), HasSubstr(path + ":19: item 'b': depends_on 'nope'"));
}

TEST_F(ApprovalPolicyFileTest, CyclesMissingLaddersAndParseErrorsAreRefused) {
  const std::string cycle = Write("cycle.textproto", absl::StrCat(kGoodHead, R"(
items { id: "a" name: "A" department: "规划局" required: true depends_on: ["b"]
        limit { kind: WORKING_DAYS n: 1 } }
items { id: "b" name: "B" department: "规划局" depends_on: ["a"]
        limit { kind: WORKING_DAYS n: 1 } }
)"));
  EXPECT_THAT(LoadApprovalPolicy(cycle, LadderDir()).status().message(),
              HasSubstr("dependencies form a cycle: a -> b -> a"));
  const std::string ladder = Write("ladder.textproto", R"(name: "p"
case_limit { kind: CALENDAR_DAYS n: 38 }
ladder: "no-such-ladder"
)");
  auto missing = LoadApprovalPolicy(ladder, LadderDir());
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(missing.status().message(), HasSubstr(ladder + ":3: ladder 'no-such-ladder'"));
  const std::string garbage =
      Write("garbage.textproto", "name: \"p\"\ncase_limit { kind: WEEKS }\n");
  EXPECT_THAT(LoadApprovalPolicy(garbage, LadderDir()).status().message(),
              HasSubstr(garbage + ":2:"));
  EXPECT_EQ(LoadApprovalPolicy(Write("x", ""), LadderDir()).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(LoadApprovalPolicy((dir_ / "absent").string(), LadderDir()).status().code(),
            absl::StatusCode::kNotFound);
}

// ---------------------------------------------------------------------------
// Opening.

TEST_F(ApprovalCaseTest, OpensWithRequiredAndNamedOptionalItems) {
  auto events = Must(kEnterprise, Open(kLuohe, {"civil_air_defence"}));
  ASSERT_EQ(events.size(), 1u);
  const v1::CaseOpened& opened = events[0].opened();
  EXPECT_EQ(opened.case_id(), "LH-2018-017");
  EXPECT_EQ(opened.item_ids_size(), 8);
  EXPECT_EQ(opened.policy().ladder_rules().name(), "luohe-38-day");
  // 38 calendar days from Monday 5 March 2018 is Thursday 12 April, a working day.
  EXPECT_EQ(opened.deadline().due_date(),
            engine::FormatDate(calendar_->AddCalendarDays(absl::CivilDay(2018, 3, 5), 38).day));
  EXPECT_EQ(aggregate_->EventType(events[0]), "case.Opened");

  stream_ = CaseStream("LH-2018-018");
  auto without = Must(kEnterprise, Open(kLuohe));
  ASSERT_EQ(without.size(), 1u);
  EXPECT_EQ(without[0].opened().item_ids_size(), 7);  // 人防 left out
}

TEST_F(ApprovalCaseTest, OpeningIsRefusedToOthersAndOnBadInput) {
  EXPECT_EQ(Code("department:市规划局", Open(kLuohe)), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Code("supervision:市政府督查室", Open(kLuohe)), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Code("enterprise:另一家公司", Open(kLuohe)), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Code("nobody", Open(kLuohe)), absl::StatusCode::kPermissionDenied);
  Command bad = Open(kLuohe);
  bad.mutable_open()->set_project_code("2018-411102-14-03-00012x");  // X, not x
  auto refused = Exec(kEnterprise, bad);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(refused.status().message(), HasSubstr("project_code"));
  EXPECT_EQ(Code(kEnterprise, Open("beijing-2030")), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Code(kEnterprise, Open(kLuohe, {"filing"})), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Code(kEnterprise, Open(kLuohe, {"unknown"})), absl::StatusCode::kInvalidArgument);
  Command no_leader = Open(kLuohe);
  no_leader.mutable_open()->clear_responsible_leader();
  EXPECT_EQ(Code(kEnterprise, no_leader), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(HeadPosition(), 0u);

  // Nothing exists yet.
  EXPECT_EQ(Code(kEnterprise, Submit("filing")), absl::StatusCode::kNotFound);
  EXPECT_EQ(Code(kSystem, TickCmd()), absl::StatusCode::kNotFound);

  Must(kEnterprise, Open(kLuohe));
  EXPECT_EQ(Code(kEnterprise, Open(kLuohe)), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(HeadPosition(), 1u);
}

TEST_F(ApprovalCaseTest, RetriedRequestIdWritesNothing) {
  engine::CommandMeta meta;
  meta.request_id = "open-1";
  meta.actor = kEnterprise;
  auto first = store_->Execute(stream_, Open(kLuohe), meta);
  ASSERT_TRUE(first.ok()) << first.status();
  auto again = store_->Execute(stream_, Open(kLuohe), meta);
  ASSERT_TRUE(again.ok()) << again.status();  // not ALREADY_EXISTS: the first result
  EXPECT_TRUE(again->duplicate);
  EXPECT_EQ(HeadPosition(), 1u);
  meta.request_id = "submit-1";
  ASSERT_TRUE(store_->Execute(stream_, Submit("filing"), meta).ok());
  auto retry = store_->Execute(stream_, Submit("filing"), meta);
  ASSERT_TRUE(retry.ok());
  EXPECT_TRUE(retry->duplicate);
  EXPECT_EQ(HeadPosition(), 2u);
}

// ---------------------------------------------------------------------------
// Items.

TEST_F(ApprovalCaseTest, AnItemWaitsForTheItemsItDependsOn) {
  Must(kEnterprise, Open(kLuohe));
  auto refused = Exec(kEnterprise, Submit("land_planning_permit"));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(refused.status().message(), HasSubstr("land_pre_review (NOT_SUBMITTED)"));
  Through(kLuohe, "filing");
  // Three items depend on filing only: they run in parallel.
  Must(kEnterprise, Submit("land_pre_review"));
  Must(kEnterprise, Submit("environmental_assessment"));
  Must(kEnterprise, Submit("energy_review"));
  EXPECT_EQ(Code(kEnterprise, Submit("land_planning_permit")),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Code(kEnterprise, Submit("filing")), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Code(kEnterprise, Submit("nope")), absl::StatusCode::kInvalidArgument);
  // An optional item left out of the case is no dependency.
  auto view = aggregate_->View(State(), clock_.Now());
  EXPECT_FALSE(view.items(6).can_submit());  // construction_permit
}

TEST_F(ApprovalCaseTest, OnlyTheOwningDepartmentDecidesAnItem) {
  Must(kEnterprise, Open(kLuohe));
  Must(kEnterprise, Submit("filing"));
  const Command accept = Accept("filing");
  EXPECT_EQ(Code("department:市规划局", accept), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Code(kEnterprise, accept), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Code("supervision:市政府督查室", accept), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Code("auditor:市审计局", accept), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Code("leader:王副市长", accept), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Code("admin:ops", accept), absl::StatusCode::kPermissionDenied);
  auto denied = Exec("department:市规划局", accept);
  EXPECT_THAT(denied.status().message(), HasSubstr("department:市发展改革委"));
  Must("department:市发展改革委", accept);
  for (const char* actor : {"auditor:市审计局", "leader:王副市长", "supervision:市政府督查室",
                            "department:市规划局", kEnterprise}) {
    EXPECT_EQ(Code(actor, Approve("filing")), absl::StatusCode::kPermissionDenied) << actor;
    EXPECT_EQ(Code(actor, Reject("filing", {"x"})), absl::StatusCode::kPermissionDenied) << actor;
    EXPECT_EQ(Code(actor, TickCmd()), absl::StatusCode::kPermissionDenied) << actor;
  }
  EXPECT_EQ(Code("auditor:市审计局", Submit("land_pre_review")),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Code("auditor:市审计局", Recompute()), absl::StatusCode::kPermissionDenied);
  Must("department:市发展改革委", Approve("filing"));
  EXPECT_EQ(ItemOf(State(), "filing").status(), v1::APPROVAL_ITEM_STATUS_APPROVED);
}

TEST_F(ApprovalCaseTest, RejectionNeedsReasonsAndEndsTheCase) {
  Must(kEnterprise, Open(kLuohe));
  Must(kEnterprise, Submit("filing"));
  const std::string dept = Dept(kLuohe, "filing");
  EXPECT_EQ(Code(dept, Reject("filing", {"x"})), absl::StatusCode::kFailedPrecondition);
  Must(dept, Accept("filing"));
  EXPECT_EQ(Code(dept, Reject("filing", {})), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Code(dept, Reject("filing", {" "})), absl::StatusCode::kInvalidArgument);
  auto events = Must(dept, Reject("filing", {"不符合产业政策"}));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(aggregate_->EventType(events[0]), "case.ItemRejected");
  EXPECT_EQ(aggregate_->EventType(events[1]), "case.Ended");
  EXPECT_THAT(events[1].ended().reasons(), ElementsAre("不符合产业政策"));
  auto state = State();
  EXPECT_EQ(state.status(), v1::APPROVAL_CASE_STATUS_REJECTED);
  EXPECT_EQ(Code(kEnterprise, Submit("land_pre_review")), absl::StatusCode::kFailedPrecondition);
  EXPECT_FALSE(aggregate_->NextWakeup(state).has_value());
}

TEST_F(ApprovalCaseTest, AReturnedItemIsSubmittedAgainWithAFreshClock) {
  Must(kEnterprise, Open(kLuohe));
  Must(kEnterprise, Submit("filing"));
  const std::string dept = Dept(kLuohe, "filing");
  EXPECT_EQ(Code(dept, Return("filing", {})), absl::StatusCode::kInvalidArgument);
  Must(dept, Return("filing", {"申请表未签章"}));
  auto state = State();
  EXPECT_EQ(ItemOf(state, "filing").status(), v1::APPROVAL_ITEM_STATUS_NOT_SUBMITTED);
  EXPECT_EQ(ItemOf(state, "filing").returns(), 1);
  clock_.AdvanceTo(At(2018, 3, 7, 10));
  auto events = Must(kEnterprise, Submit("filing"));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].item_submitted().round(), 2);
  EXPECT_EQ(events[0].item_submitted().episode(), 2);
  EXPECT_EQ(events[0].item_submitted().deadline().start_date(), "2018-03-07");
  EXPECT_EQ(events[0].item_submitted().deadline().due_date(), "2018-03-08");
}

TEST_F(ApprovalCaseTest, TickIsForTheSchedulerAndFiresOnce) {
  Must(kEnterprise, Open(kLuohe));
  Must(kEnterprise, Submit("filing"));  // Monday 09:00, due Tuesday
  auto state = State();
  auto wake = aggregate_->NextWakeup(state);
  ASSERT_TRUE(wake.has_value());
  EXPECT_EQ(*wake, At(2018, 3, 6));  // yellow and the warning: one working day left
  clock_.AdvanceTo(*wake - absl::Seconds(1));
  EXPECT_TRUE(Must(kSystem, TickCmd()).empty());
  clock_.AdvanceTo(*wake);
  auto events = Must(kSystem, TickCmd());
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].light_changed().to(), v1::LIGHT_YELLOW);
  EXPECT_EQ(events[1].rung_raised().rung_id(), "warning");
  EXPECT_TRUE(Must(kSystem, TickCmd()).empty());
  const size_t head = HeadPosition();
  clock_.Advance(absl::Hours(3));
  EXPECT_TRUE(Must(kSystem, TickCmd()).empty());
  EXPECT_EQ(HeadPosition(), head);
  EXPECT_EQ(*aggregate_->NextWakeup(State()), At(2018, 3, 7));  // red and the notice
}

TEST_F(ApprovalCaseTest, DocumentsMissingAgainstACommitmentDate) {
  Must(kEnterprise, Open(kLuohe));
  Must(kEnterprise, Submit("filing"));
  const std::string dept = Dept(kLuohe, "filing");
  EXPECT_EQ(Code(dept, Accept("filing", {"营业执照副本"})), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Code(dept, Accept("filing", {"营业执照副本"}, "2018-03-04")),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Code(dept, Accept("filing", {}, "2018-03-09")), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Code(dept, Accept("filing", {"a", "a"}, "2018-03-09")),
            absl::StatusCode::kInvalidArgument);
  auto accepted = Must(dept, Accept("filing", {"营业执照副本", "法人身份证明"}, "2018-03-09"));
  ASSERT_EQ(accepted.size(), 1u);
  EXPECT_EQ(absl::FromUnixMicros(accepted[0].item_accepted().commitment_due_at_us()),
            engine::DueInstant(absl::CivilDay(2018, 3, 9)));
  auto refused = Exec(dept, Approve("filing"));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(refused.status().message(), HasSubstr("营业执照副本"));
  EXPECT_EQ(Code(kEnterprise, Supply("filing", {"其他"})), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Code(dept, Supply("filing", {"营业执照副本"})), absl::StatusCode::kPermissionDenied);
  auto supplied = Must(kEnterprise, Supply("filing", {"营业执照副本"}));
  ASSERT_EQ(supplied.size(), 1u);
  EXPECT_FALSE(supplied[0].documents_supplied().all_supplied());
  EXPECT_FALSE(supplied[0].documents_supplied().late());

  // The commitment passes with a document still missing: once, against the
  // enterprise. (The department's own limit passed too: yellow, red, rungs.)
  clock_.AdvanceTo(engine::DueInstant(absl::CivilDay(2018, 3, 9)) + absl::Hours(1));
  auto events = Must(kSystem, TickCmd());
  int missed = 0;
  for (const auto& e : events) {
    if (e.has_commitment_missed()) {
      ++missed;
      EXPECT_EQ(e.commitment_missed().enterprise(), kOwner);
      EXPECT_THAT(e.commitment_missed().missing_documents(), ElementsAre("法人身份证明"));
      EXPECT_EQ(absl::FromUnixMicros(e.commitment_missed().missed_at_us()),
                engine::DueInstant(absl::CivilDay(2018, 3, 9)));
    }
  }
  EXPECT_EQ(missed, 1);
  for (const auto& e : Must(kSystem, TickCmd())) EXPECT_FALSE(e.has_commitment_missed());
  auto late = Must(kEnterprise, Supply("filing", {"法人身份证明"}));
  ASSERT_GE(late.size(), 1u);
  EXPECT_TRUE(late[0].documents_supplied().all_supplied());
  EXPECT_TRUE(late[0].documents_supplied().late());
  auto approved = Must(dept, Approve("filing"));
  ASSERT_GE(approved.size(), 1u);
  EXPECT_TRUE(approved[0].item_approved().late());  // the department was late too
  EXPECT_TRUE(ItemOf(State(), "filing").commitment_missed());
}

TEST_F(ApprovalCaseTest, AMissedCommitmentClimbsALadderAgainstTheEnterprise) {
  Must(kEnterprise, Open(kLuohe));
  Must(kEnterprise, Submit("filing"));
  const std::string dept = Dept(kLuohe, "filing");
  Must(dept, Accept("filing", {"法人身份证明"}, "2018-03-09"));
  // The 9th passes with the document still missing: recorded, and an orange
  // reminder slip to the enterprise and the office, 3 working days to answer.
  clock_.AdvanceTo(engine::DueInstant(absl::CivilDay(2018, 3, 9)) + absl::Hours(1));
  std::vector<v1::SupervisionRungRaised> slips;
  bool missed = false;
  for (const auto& e : Must(kSystem, TickCmd())) {
    missed |= e.has_commitment_missed();
    if (e.has_rung_raised() && e.rung_raised().subject() == "commitment/filing") {
      slips.push_back(e.rung_raised());
    }
  }
  EXPECT_TRUE(missed);
  ASSERT_EQ(slips.size(), 1u);
  const v1::SupervisionRungRaised& slip = slips[0];
  EXPECT_EQ(slip.rung_id(), "reminder");
  EXPECT_EQ(slip.slip_number(), "case/LH-2018-017/commitment/filing/1/reminder");
  EXPECT_EQ(slip.slip_colour(), v1::SLIP_COLOUR_ORANGE);
  EXPECT_EQ(slip.parties().unit_role(), "enterprise");
  ASSERT_EQ(slip.recipients_size(), 2);
  EXPECT_EQ(slip.recipients(0).role(), v1::ROLE_RESPONSIBLE_UNIT);
  EXPECT_EQ(slip.recipients(0).unit(), kOwner);
  EXPECT_EQ(slip.recipients(1).unit(), "市政府督查室");
  EXPECT_EQ(slip.rectification_due_on(), "2018-03-14");  // 12, 13, 14 March
  // Its alert names the slip's kind; the missed commitment alerts the office
  // and the enterprise.
  store::RecordedEvent recorded;
  v1::ApprovalCaseEvent e;
  *e.mutable_rung_raised() = slip;
  recorded.record.set_type(aggregate_->EventType(e));
  recorded.record.set_payload(e.SerializeAsString());
  ASSERT_EQ(AlertsFor(recorded).size(), 1u);
  EXPECT_EQ(AlertsFor(recorded)[0].slip_kind(), "橙色催办单");
  v1::ApprovalCaseEvent m;
  m.mutable_commitment_missed()->set_item_id("filing");
  m.mutable_commitment_missed()->set_enterprise(kOwner);
  recorded.record.set_type(aggregate_->EventType(m));
  recorded.record.set_payload(m.SerializeAsString());
  std::vector<v1::Alert> alerts = AlertsFor(recorded);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].kind(), v1::ALERT_KIND_COMMITMENT_MISSED);
  ASSERT_EQ(alerts[0].recipients_size(), 2);
  EXPECT_EQ(alerts[0].recipients(1).unit(), kOwner);

  // The department may not answer the enterprise's slip; the enterprise does.
  Command answer = Answer(slip.slip_number());
  EXPECT_EQ(Code(dept, answer), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Code("enterprise:另一家公司", answer), absl::StatusCode::kPermissionDenied);
  Must(kEnterprise, answer);
  // Answered: no bulletin, even 3 working days on.
  clock_.AdvanceTo(At(2018, 3, 20));
  for (const auto& x : Must(kSystem, TickCmd())) {
    EXPECT_FALSE(x.has_rung_raised() && x.rung_raised().subject() == "commitment/filing");
  }
}

TEST_F(ApprovalCaseTest, AnUnansweredCommitmentSlipIsBulletinedAndSupplyingStopsIt) {
  Must(kEnterprise, Open(kLuohe));
  Must(kEnterprise, Submit("filing"));
  const std::string dept = Dept(kLuohe, "filing");
  Must(dept, Accept("filing", {"法人身份证明", "营业执照副本"}, "2018-03-09"));
  clock_.AdvanceTo(At(2018, 3, 15, 9));  // 3 working days after the slip's day
  std::vector<std::string> rungs;
  for (const auto& e : Must(kSystem, TickCmd())) {
    if (e.has_rung_raised() && e.rung_raised().subject() == "commitment/filing") {
      rungs.push_back(e.rung_raised().rung_id());
    }
  }
  EXPECT_THAT(rungs, ElementsAre("reminder"));  // raised on the 15th: the climb starts now
  clock_.AdvanceTo(At(2018, 3, 21, 9));         // 16, 19, 20 March unanswered
  rungs.clear();
  for (const auto& e : Must(kSystem, TickCmd())) {
    if (e.has_rung_raised() && e.rung_raised().subject() == "commitment/filing") {
      rungs.push_back(e.rung_raised().rung_id());
      EXPECT_EQ(e.rung_raised().recipients(2).role(), v1::ROLE_RESPONSIBLE_LEADER);
    }
  }
  EXPECT_THAT(rungs, ElementsAre("bulletin"));
  // Everything supplied: the commitment is no longer owed, nothing more.
  Must(kEnterprise, Supply("filing", {"法人身份证明", "营业执照副本"}));
  EXPECT_EQ(RungsOf(State(), "commitment/filing").size(), 2u);
}

TEST_F(ApprovalCaseTest, ACorrectionStopsTheItemAndTheCase) {
  Must(kEnterprise, Open(kLuohe));
  Must(kEnterprise, Submit("filing"));
  const std::string dept = Dept(kLuohe, "filing");
  Must(dept, Accept("filing"));
  EXPECT_EQ(Code(dept, Suspend("filing", v1::APPROVAL_SUSPENSION_REASON_UNSPECIFIED)),
            absl::StatusCode::kInvalidArgument);
  auto events = Must(dept, Suspend("filing", v1::APPROVAL_SUSPENSION_REASON_CORRECTION));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(aggregate_->EventType(events[1]), "case.ClockStopped");
  EXPECT_FALSE(aggregate_->NextWakeup(State()).has_value());  // every clock stands still
  EXPECT_EQ(Code(dept, Approve("filing")), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Code(dept, Correction("filing")), absl::StatusCode::kPermissionDenied);
  clock_.AdvanceTo(At(2018, 3, 8, 10));
  auto resumed = Must(kEnterprise, Correction("filing"));
  ASSERT_EQ(resumed.size(), 2u);
  EXPECT_TRUE(resumed[0].item_resumed().by_correction());
  EXPECT_EQ(resumed[0].item_resumed().suspended_working_days(), 3);  // Tue, Wed, Thu
  EXPECT_EQ(resumed[0].item_resumed().deadline().due_date(), "2018-03-09");
  EXPECT_EQ(aggregate_->EventType(resumed[1]), "case.ClockResumed");
  EXPECT_EQ(resumed[1].clock_resumed().suspended_working_days(), 3);
  EXPECT_EQ(ItemOf(State(), "filing").status(), v1::APPROVAL_ITEM_STATUS_ACCEPTED);

  // An expert review is resumed by the department, not by the enterprise, and
  // does not stop the case's clock under this policy.
  auto review = Must(dept, Suspend("filing", v1::APPROVAL_SUSPENSION_REASON_EXPERT_REVIEW));
  EXPECT_EQ(review.size(), 1u);
  EXPECT_EQ(Code(kEnterprise, Correction("filing")), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Code("department:市规划局", Resume("filing")), absl::StatusCode::kPermissionDenied);
  Must(dept, Resume("filing"));
}

TEST_F(ApprovalCaseTest, ExtensionsByTheGrantorThePolicyNames) {
  Must(kEnterprise, Open(kStatute));
  Must(kEnterprise, Submit("filing"));
  const std::string dept = "department:发展改革部门";
  Must(dept, Accept("filing"));
  // 行政许可法: the head of the deciding organ approves the item's extension.
  EXPECT_EQ(Code("supervision:政府督查室", Extend("filing", 10)),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Code(dept, Extend("filing", 10)), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Code("department:发展改革部门:科员", Extend("filing", 10)),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Code("department:自然资源主管部门:主要负责人", Extend("filing", 10)),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Code("leader:王副市长", Extend("filing", 10)), absl::StatusCode::kPermissionDenied);
  const std::string head = "department:发展改革部门:主要负责人";
  EXPECT_EQ(Code(head, Extend("filing", 11)), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Code(head, Extend("filing", 0)), absl::StatusCode::kInvalidArgument);
  const v1::ComputedDeadline before = ItemOf(State(), "filing").clock().deadline();
  auto events = Must(head, Extend("filing", 10));
  ASSERT_EQ(events.size(), 1u);
  const auto& granted = events[0].extension_granted();
  EXPECT_EQ(granted.episode(), 2);
  EXPECT_EQ(granted.deadline().due_date(),
            engine::FormatDate(calendar_->AddWorkingDays(absl::CivilDay(2018, 3, 5), 30).day));
  EXPECT_EQ(granted.deadline().extension_working_days(), 10);
  EXPECT_EQ(before.due_date(),
            engine::FormatDate(calendar_->AddWorkingDays(absl::CivilDay(2018, 3, 5), 20).day));
  EXPECT_EQ(Code(head, Extend("filing", 5)), absl::StatusCode::kFailedPrecondition);
  // The case's extension (联合办理 45 + 15) is recorded by the supervision office.
  EXPECT_EQ(Code(head, Extend("", 15)), absl::StatusCode::kPermissionDenied);
  auto whole = Must("supervision:政府督查室", Extend("", 15));
  ASSERT_EQ(whole.size(), 1u);
  EXPECT_EQ(whole[0].extension_granted().deadline().due_date(),
            engine::FormatDate(calendar_->AddWorkingDays(absl::CivilDay(2018, 3, 5), 60).day));
}

TEST_F(ApprovalCaseTest, AnExtensionLowersTheLightAndStartsANewEpisode) {
  Must(kEnterprise, Open(kStatute));
  Must(kEnterprise, Submit("filing"));
  Must("department:发展改革部门", Accept("filing"));
  const absl::CivilDay due = calendar_->AddWorkingDays(absl::CivilDay(2018, 3, 5), 20).day;
  clock_.AdvanceTo(engine::StartOfDay(due) + absl::Hours(9));  // 3 working days before: yellow
  auto ticked = Must(kSystem, TickCmd());
  ASSERT_EQ(ticked.size(), 2u);
  EXPECT_EQ(ticked[0].light_changed().to(), v1::LIGHT_YELLOW);
  EXPECT_EQ(ticked[1].rung_raised().slip_number(), "case/LH-2018-017/item/filing/1/warning");
  auto events = Must("department:发展改革部门:主要负责人", Extend("filing", 10));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].light_changed().from(), v1::LIGHT_YELLOW);
  EXPECT_EQ(events[1].light_changed().to(), v1::LIGHT_GREEN);
  // Near the new limit the warning is raised again, in the new episode.
  const absl::CivilDay extended = calendar_->AddWorkingDays(due, 10).day;
  clock_.AdvanceTo(engine::StartOfDay(extended) + absl::Hours(9));
  auto again = Must(kSystem, TickCmd());
  ASSERT_EQ(again.size(), 2u);
  EXPECT_EQ(again[1].rung_raised().slip_number(), "case/LH-2018-017/item/filing/2/warning");
}

TEST_F(ApprovalCaseTest, LuoheAllowsNoExtension) {
  Must(kEnterprise, Open(kLuohe));
  Must(kEnterprise, Submit("filing"));
  EXPECT_EQ(Code("supervision:市政府督查室", Extend("filing", 1)),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Code("supervision:别的督查室", Extend("filing", 1)),
            absl::StatusCode::kPermissionDenied);
}

TEST_F(ApprovalCaseTest, DeemedConsentAtTheLimitIsLateAgainstTheDepartment) {
  Must(kEnterprise, Open("test-deemed"));
  Through("test-deemed", "filing");
  Must(kEnterprise, Submit("environmental_assessment"));
  const std::string dept = Dept("test-deemed", "environmental_assessment");
  Must(dept, Accept("environmental_assessment"));
  auto state = State();
  const absl::Time due = absl::FromUnixMicros(
      ItemOf(state, "environmental_assessment").clock().deadline().due_at_us());
  // The day before: yellow and the warning.
  clock_.AdvanceTo(due - absl::Hours(23));
  auto warned = Must(kSystem, TickCmd());
  ASSERT_EQ(warned.size(), 2u);
  EXPECT_EQ(warned[0].light_changed().to(), v1::LIGHT_YELLOW);
  EXPECT_EQ(warned[1].rung_raised().rung_id(), "warning");
  EXPECT_EQ(*aggregate_->NextWakeup(State()), due);
  clock_.AdvanceTo(due + absl::Hours(2));
  auto events = Must(kSystem, TickCmd());
  std::vector<std::string> kinds;
  for (const auto& e : events) {
    kinds.push_back(aggregate_->EventType(e));
    if (e.has_item_deemed_approved()) {
      EXPECT_EQ(e.item_deemed_approved().department(), "市环保局");
      EXPECT_EQ(absl::FromUnixMicros(e.item_deemed_approved().deemed_at_us()), due);
    }
    if (e.has_rung_raised()) {
      EXPECT_NE(e.rung_raised().rung_id(), "notice");
    }
  }
  // At the limit: red, deemed; no notice (the item is no longer pending).
  // The case is still green.
  EXPECT_THAT(kinds, ElementsAre("case.LightChanged", "case.ItemDeemedApproved"));
  state = State();
  EXPECT_EQ(ItemOf(state, "environmental_assessment").status(),
            v1::APPROVAL_ITEM_STATUS_DEEMED_APPROVED);
  EXPECT_TRUE(ItemOf(state, "environmental_assessment").clock().late());
  EXPECT_TRUE(Must(kSystem, TickCmd()).empty());
  auto view = aggregate_->View(state, clock_.Now());
  EXPECT_EQ(view.items(2).clock().light(), v1::LIGHT_RED);
  EXPECT_TRUE(view.items(2).clock().late());
}

TEST_F(ApprovalCaseTest, AnItemForAHigherAuthorityIsReportedUp) {
  Must(kEnterprise, Open(kLuohe));
  Through(kLuohe, "filing");
  Must(kEnterprise, Submit("land_pre_review"));
  const std::string dept = Dept(kLuohe, "land_pre_review");
  EXPECT_EQ(Code(dept, ReportUp("land_pre_review")), absl::StatusCode::kFailedPrecondition);
  Must(dept, Accept("land_pre_review"));
  auto refused = Exec(dept, Approve("land_pre_review"));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(refused.status().message(), HasSubstr("河南省国土资源厅"));
  EXPECT_EQ(Code(dept, ReportUp("filing")), absl::StatusCode::kPermissionDenied);
  Must(dept, ReportUp("land_pre_review"));
  // The bureau's clock has stopped: its limit passing raises nothing.
  const auto state = State();
  const absl::Time due =
      absl::FromUnixMicros(ItemOf(state, "land_pre_review").clock().deadline().due_at_us());
  clock_.AdvanceTo(due + absl::Hours(30));
  for (const auto& e : Must(kSystem, TickCmd())) {
    EXPECT_NE(e.light_changed().subject(), "item/land_pre_review");
    EXPECT_NE(e.rung_raised().subject(), "item/land_pre_review");
  }
  auto approved = Must(dept, Approve("land_pre_review"));
  ASSERT_GE(approved.size(), 1u);
  EXPECT_FALSE(approved[0].item_approved().late());
}

TEST_F(ApprovalCaseTest, ProvisionalDeadlinesAreRecomputedWhenTheYearIsLoaded) {
  // A calendar without 2018: weekends alone, every date provisional.
  aggregate_->SetCalendar(std::make_shared<const engine::WorkingDayCalendar>());
  clock_.AdvanceTo(At(2018, 4, 4, 10));  // Wednesday before 清明 (5–7 April off)
  Must(kEnterprise, Open(kLuohe));
  Must(kEnterprise, Submit("filing"));
  auto state = State();
  EXPECT_TRUE(ItemOf(state, "filing").clock().deadline().provisional());
  EXPECT_EQ(ItemOf(state, "filing").clock().deadline().due_date(), "2018-04-05");
  EXPECT_TRUE(aggregate_->View(state, clock_.Now()).items(0).clock().provisional());

  aggregate_->SetCalendar(calendar_);  // the year's notice is loaded
  EXPECT_EQ(Code("department:市发展改革委", Recompute()), absl::StatusCode::kPermissionDenied);
  auto events = Must("admin:ops", Recompute());
  ASSERT_EQ(events.size(), 2u);
  // The case: 4 April + 38 days = 12 May, a Saturday: the next working day.
  EXPECT_EQ(events[0].deadline_recomputed().subject(), "");
  EXPECT_FALSE(events[0].deadline_recomputed().new_deadline().provisional());
  EXPECT_EQ(events[1].deadline_recomputed().subject(), "item/filing");
  EXPECT_EQ(events[1].deadline_recomputed().old_deadline().due_date(), "2018-04-05");
  EXPECT_EQ(events[1].deadline_recomputed().new_deadline().due_date(),
            "2018-04-08");  // 调休 Sunday
  EXPECT_FALSE(events[1].deadline_recomputed().new_deadline().provisional());
  EXPECT_TRUE(Must(kSystem, Recompute()).empty());  // nothing provisional is left
}

TEST_F(ApprovalCaseTest, OnlyTheAddressedUnitAnswersASlip) {
  Must(kEnterprise, Open(kLuohe));
  Must(kEnterprise, Submit("filing"));
  clock_.AdvanceTo(At(2018, 3, 7, 9));  // the limit (6 March) has passed
  Must(kSystem, TickCmd());
  const std::string slip = "case/LH-2018-017/item/filing/1/notice";
  ASSERT_EQ(RungsOf(State(), "item/filing").size(), 2u);
  EXPECT_EQ(Code("department:市规划局", Answer(slip)), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Code("supervision:市政府督查室", Answer(slip)), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(Code("department:市发展改革委", Answer("case/LH-2018-017/x/1/notice")),
            absl::StatusCode::kInvalidArgument);
  Must("department:市发展改革委", Answer(slip));
  EXPECT_EQ(Code("department:市发展改革委", Answer(slip)), absl::StatusCode::kFailedPrecondition);
  // Answered: the listing that waits on an unanswered notice never comes.
  clock_.AdvanceTo(At(2018, 3, 20));
  for (const auto& e : Must(kSystem, TickCmd())) {
    EXPECT_NE(e.rung_raised().rung_id(), "listing");
  }
  auto state = State();
  EXPECT_TRUE(RungsOf(state, "item/filing")[1].answered());
  auto wake = aggregate_->NextWakeup(state);  // only the case's own limit is left
  ASSERT_TRUE(wake.has_value());
  EXPECT_GT(*wake, clock_.Now());
}

TEST_F(ApprovalCaseTest, TheEnterpriseWithdraws) {
  Must(kEnterprise, Open(kLuohe));
  EXPECT_EQ(Code(kEnterprise, Command()), absl::StatusCode::kInvalidArgument);
  Command withdraw;
  withdraw.mutable_withdraw();
  EXPECT_EQ(Code(kEnterprise, withdraw), absl::StatusCode::kInvalidArgument);
  withdraw.mutable_withdraw()->set_reason("项目调整");
  EXPECT_EQ(Code("department:市发展改革委", withdraw), absl::StatusCode::kPermissionDenied);
  Must(kEnterprise, withdraw);
  EXPECT_EQ(State().status(), v1::APPROVAL_CASE_STATUS_WITHDRAWN);
  EXPECT_EQ(Code(kEnterprise, withdraw), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(Must(kSystem, TickCmd()).empty());
}

TEST_F(ApprovalCaseTest, ARecordKeyedInLaterIsJudgedWhenItHappened) {
  Must(kEnterprise, Open(kLuohe));
  Must(kEnterprise, Submit("filing"));
  const std::string dept = Dept(kLuohe, "filing");
  clock_.AdvanceTo(At(2018, 3, 9, 9));  // keyed in on Friday from paper
  ASSERT_TRUE(Exec(dept, Accept("filing"), At(2018, 3, 5, 10)).ok());
  auto out = Exec(dept, Approve("filing"), At(2018, 3, 5, 16));  // on time, on paper
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_FALSE(out->events[0].item_approved().late());
  Must(kEnterprise, Submit("energy_review"));
  EXPECT_EQ(
      Exec(Dept(kLuohe, "energy_review"), Accept("energy_review"), At(2018, 3, 8)).status().code(),
      absl::StatusCode::kInvalidArgument);  // before it was submitted
}

TEST_F(ApprovalCaseTest, ViewShowsTimeUsedSuspendedAndLeft) {
  Must(kEnterprise, Open(kStatute));
  Must(kEnterprise, Submit("filing"));  // Monday 5 March
  const std::string dept = "department:发展改革部门";
  Must(dept, Accept("filing"));
  clock_.AdvanceTo(At(2018, 3, 7, 10));
  Must(dept, Suspend("filing", v1::APPROVAL_SUSPENSION_REASON_CORRECTION));
  clock_.AdvanceTo(At(2018, 3, 12, 15));  // Monday
  auto view = aggregate_->View(State(), clock_.Now());
  const v1::CaseClockView& item = view.items(0).clock();
  EXPECT_TRUE(item.suspended());
  EXPECT_EQ(item.working_days_suspended(), 3);  // Thu, Fri, Mon
  EXPECT_EQ(item.calendar_days_suspended(), 5);
  EXPECT_EQ(item.working_days_used(), 2);  // Tue, Wed
  // Due 20 working days after 5 March (2 April), moved 3 while suspended
  // (3, 4 April, then 清明 5–7 off, Sunday 8 April worked).
  EXPECT_EQ(item.due_date(), "2018-04-08");
  EXPECT_EQ(item.working_days_left(), 18);  // 20 - 2 used
  EXPECT_EQ(item.light(), v1::LIGHT_GREEN);
  EXPECT_TRUE(view.clock().suspended());  // the case's clock stopped with it
  EXPECT_EQ(view.clock().working_days_suspended(), 3);
  Must(kEnterprise, Correction("filing"));
  view = aggregate_->View(State(), clock_.Now());
  EXPECT_EQ(view.items(0).clock().due_date(), "2018-04-08");
  EXPECT_FALSE(view.items(0).clock().suspended());
  EXPECT_EQ(view.items(0).clock().working_days_left(), 18);
}

}  // namespace
}  // namespace taizhang::workflows
