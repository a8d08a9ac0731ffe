#include "engine/ladder.h"

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace taizhang::engine {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// ---------------------------------------------------------------------------
// Test helpers.

const absl::TimeZone kChina = absl::FixedTimeZone(8 * 3600);

absl::Time At(int y, int m, int d, int hh = 0, int mm = 0) {
  return absl::FromCivil(absl::CivilSecond(y, m, d, hh, mm, 0), kChina);
}

// Monday to Friday, except `off`, plus the weekend days in `work` (调休).
class TestWorkingDays : public WorkingDays {
 public:
  TestWorkingDays() = default;
  TestWorkingDays(std::set<absl::CivilDay> off, std::set<absl::CivilDay> work)
      : off_(std::move(off)), work_(std::move(work)) {}

  bool IsWorkingDay(absl::CivilDay d) const {
    if (off_.count(d) > 0) return false;
    if (work_.count(d) > 0) return true;
    const absl::Weekday w = absl::GetWeekday(d);
    return w != absl::Weekday::saturday && w != absl::Weekday::sunday;
  }
  absl::CivilDay AddWorkingDays(absl::CivilDay d, int64_t n) const override {
    while (n > 0) n -= IsWorkingDay(++d) ? 1 : 0;
    return d;
  }
  absl::CivilDay SubtractWorkingDays(absl::CivilDay d, int64_t n) const override {
    while (n > 0) n -= IsWorkingDay(--d) ? 1 : 0;
    return d;
  }
  int64_t CountWorkingDays(absl::CivilDay from, absl::CivilDay to) const override {
    int64_t count = 0;
    for (absl::CivilDay d = from + 1; d <= to; ++d) count += IsWorkingDay(d) ? 1 : 0;
    return count;
  }

 private:
  std::set<absl::CivilDay> off_;
  std::set<absl::CivilDay> work_;
};

// 2024's Labour Day holiday (国办发明电〔2023〕7号): off 1–5 May, Sunday 28
// April and Saturday 11 May worked.
TestWorkingDays MayDay2024() {
  std::set<absl::CivilDay> off;
  for (int d = 1; d <= 5; ++d) off.insert(absl::CivilDay(2024, 5, d));
  return TestWorkingDays(off, {absl::CivilDay(2024, 4, 28), absl::CivilDay(2024, 5, 11)});
}

std::string LaddersDir() {
  const char* env = std::getenv("TAIZHANG_SOURCE_DIR");
  const std::string root =
      env != nullptr ? env : std::filesystem::path(__FILE__).parent_path().parent_path().string();
  return root + "/workflows/policies/ladders/";
}

v1::Ladder MustLoad(const std::string& file) {
  absl::StatusOr<v1::Ladder> ladder = LoadLadder(LaddersDir() + file);
  EXPECT_TRUE(ladder.ok()) << ladder.status();
  return ladder.ok() ? *ladder : v1::Ladder();
}

v1::Ladder MustParse(const std::string& text) {
  absl::StatusOr<v1::Ladder> ladder = ParseLadder("inline", text);
  EXPECT_TRUE(ladder.ok()) << ladder.status();
  return ladder.ok() ? *ladder : v1::Ladder();
}

struct Step {
  std::string rung_id;
  absl::Time due_at;
  friend bool operator==(const Step& a, const Step& b) {
    return a.rung_id == b.rung_id && a.due_at == b.due_at;
  }
  friend std::ostream& operator<<(std::ostream& os, const Step& s) {
    return os << s.rung_id << "@" << absl::FormatTime(s.due_at, kChina);
  }
};

std::vector<Step> Steps(const std::vector<DueRung>& due) {
  std::vector<Step> steps;
  for (const DueRung& d : due) steps.push_back({d.rung_id, d.due_at});
  return steps;
}

// Plays the scheduler: from `now`, raises whatever is due (raised_at = the
// instant evaluated, as a timer firing at due_at would), arms the next timer,
// jumps to it, and so on until nothing is left or `until` is passed. Checks
// on the way that nothing is due a microsecond before the timer.
std::vector<Step> Climb(const v1::Ladder& ladder, LadderSubject& subject, absl::Time now,
                        absl::Time until, const WorkingDays& wd) {
  std::vector<Step> steps;
  for (int guard = 0; guard < 100; ++guard) {
    for (const DueRung& d : DueRungs(ladder, subject, now, wd)) {
      steps.push_back({d.rung_id, d.due_at});
      subject.raised.push_back({d.rung_id, now});
    }
    std::optional<absl::Time> next = NextTriggerAt(ladder, subject, now, wd);
    if (!next.has_value() || *next > until) break;
    EXPECT_GT(*next, now);
    EXPECT_THAT(DueRungs(ladder, subject, *next - absl::Microseconds(1), wd), IsEmpty())
        << "early at " << absl::FormatTime(*next, kChina);
    now = *next;
    std::vector<DueRung> due = DueRungs(ladder, subject, now, wd);
    EXPECT_FALSE(due.empty());
    if (!due.empty()) {
      EXPECT_EQ(due.front().due_at, now);
    }
  }
  return steps;
}

// A 38-working-day item received Monday 4 March 2024 at 10:00. With weekends
// alone off, the 38th working day after 4 March is Thursday 25 April, so it is
// late from Friday 26 April 00:00.
LadderSubject ThirtyEightDaySubject() {
  LadderSubject s;
  s.start = At(2024, 3, 4, 10);
  s.due = At(2024, 4, 26);
  return s;
}

// ---------------------------------------------------------------------------
// Loading.

TEST(LadderLoadTest, ExampleLaddersLoad) {
  v1::Ladder luohe = MustLoad("luohe-38-day.textproto");
  ASSERT_EQ(luohe.rung_size(), 4);
  EXPECT_EQ(luohe.rung(1).issues(), v1::ISSUE_SUPERVISION_NOTICE);
  EXPECT_EQ(luohe.rung(1).rectification_working_days(), 3);
  EXPECT_EQ(luohe.rung(0).name(), "预警提示");

  v1::Ladder slips = MustLoad("slips-blue-orange-red.textproto");
  ASSERT_EQ(slips.rung_size(), 3);
  EXPECT_EQ(slips.rung(0).slip_colour(), v1::SLIP_COLOUR_BLUE);
  EXPECT_EQ(slips.rung(2).slip_colour(), v1::SLIP_COLOUR_RED);

  v1::Ladder lights = MustLoad("monthly-lights.textproto");
  ASSERT_EQ(lights.rung_size(), 3);
  EXPECT_EQ(lights.rung(2).consecutive_lights().periods(), 3);
}

TEST(LadderLoadTest, MissingFileIsNotFound) {
  absl::StatusOr<v1::Ladder> ladder = LoadLadder(LaddersDir() + "no-such-ladder.textproto");
  EXPECT_EQ(ladder.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(ladder.status().message(), HasSubstr("no-such-ladder.textproto"));
}

TEST(LadderLoadTest, ParseErrorNamesFileLineAndColumn) {
  absl::StatusOr<v1::Ladder> ladder =
      ParseLadder("bad.textproto", "name: \"x\"\nrung {\n  id: \"a\"\n  colour: 3\n}\n");
  EXPECT_EQ(ladder.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ladder.status().message(), HasSubstr("bad.textproto:4:"));
  EXPECT_THAT(ladder.status().message(), HasSubstr("colour"));
}

TEST(LadderLoadTest, ValidateWithoutTextHasNoLine) {
  v1::Ladder ladder;
  ladder.set_name("built");
  v1::Rung* rung = ladder.add_rung();
  rung->set_id("a");
  rung->set_working_days_before_due(1);
  rung->set_issues(v1::ISSUE_WARNING);
  absl::Status status = ValidateLadder(ladder, "policy");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("policy: rung 'a' (#1): no recipients"));

  rung->add_recipients(v1::ROLE_RESPONSIBLE_UNIT);
  EXPECT_TRUE(ValidateLadder(ladder, "policy").ok());
}

TEST(LadderLoadTest, EveryProblemIsReported) {
  absl::Status status =
      ParseLadder("two.textproto", R"pb(
        name: "x"
        rung { id: "a" share_of_limit_used: 2 recipients: ROLE_UNIT_HEAD issues: ISSUE_WARNING }
        rung { id: "b" working_days_before_due: 1 issues: ISSUE_WARNING }
      )pb")
          .status();
  EXPECT_THAT(status.message(), HasSubstr("two.textproto:3: rung 'a' (#1): share_of_limit_used"));
  EXPECT_THAT(status.message(), HasSubstr("two.textproto:4: rung 'b' (#2): no recipients"));
}

// ---------------------------------------------------------------------------
// Validation: one case per rule. The offending line is marked "# <--"; the
// error must name the file, that line, the rung and the reason.

struct BadLadder {
  std::string test_name;
  std::string text;
  std::string subject;  // e.g. "rung 'a' (#1)"
  std::string reason;
};

class LadderValidationTest : public ::testing::TestWithParam<BadLadder> {};

TEST_P(LadderValidationTest, IsRefusedWithFileLineRungAndReason) {
  const BadLadder& bad = GetParam();
  absl::StatusOr<v1::Ladder> ladder = ParseLadder("policy.textproto", bad.text);
  ASSERT_FALSE(ladder.ok());
  EXPECT_EQ(ladder.status().code(), absl::StatusCode::kInvalidArgument);
  std::string where = "policy.textproto";
  std::vector<std::string> lines = absl::StrSplit(bad.text, '\n');
  for (size_t i = 0; i < lines.size(); ++i) {
    if (absl::StrContains(lines[i], "# <--")) where = absl::StrCat(where, ":", i + 1);
  }
  EXPECT_THAT(ladder.status().message(), HasSubstr(absl::StrCat(where, ": ", bad.subject, ": ")));
  EXPECT_THAT(ladder.status().message(), HasSubstr(bad.reason));
}

// A good rung to put before or after a bad one.
constexpr char kWarning[] =
    "rung { id: \"warning\" working_days_before_due: 1 recipients: ROLE_RESPONSIBLE_UNIT "
    "issues: ISSUE_WARNING }\n";

std::string Ladder(const std::string& rungs) { return absl::StrCat("name: \"t\"\n", rungs); }

INSTANTIATE_TEST_SUITE_P(
    LadderRules, LadderValidationTest,
    ::testing::Values(
        BadLadder{"EmptyName", absl::StrCat("name: \"\"  # <--\n", kWarning), "ladder",
                  "name is empty"},
        BadLadder{"NoRungs", "name: \"t\"\n", "ladder", "no rungs"},
        BadLadder{"EmptyId",
                  Ladder("rung {  # <--\n"
                         "  working_days_before_due: 1\n"
                         "  recipients: ROLE_RESPONSIBLE_UNIT issues: ISSUE_WARNING\n}\n"),
                  "rung #1", "id is empty"},
        BadLadder{"IdWithBadCharacters",
                  Ladder("rung {\n"
                         "  id: \"预警 1\"  # <--\n"
                         "  working_days_before_due: 1\n"
                         "  recipients: ROLE_RESPONSIBLE_UNIT issues: ISSUE_WARNING\n}\n"),
                  "rung '预警 1' (#1)", "id may contain only"},
        BadLadder{"DuplicateId",
                  Ladder(absl::StrCat(kWarning,
                                      "rung {\n"
                                      "  id: \"warning\"  # <--\n"
                                      "  days_overdue { days: 0 }\n"
                                      "  recipients: ROLE_RESPONSIBLE_UNIT issues: ISSUE_WARNING\n"
                                      "}\n")),
                  "rung 'warning' (#2)", "duplicate id, already used by rung #1"},
        BadLadder{"NoTrigger",
                  Ladder("rung {  # <--\n"
                         "  id: \"a\"\n"
                         "  recipients: ROLE_RESPONSIBLE_UNIT issues: ISSUE_WARNING\n}\n"),
                  "rung 'a' (#1)", "no trigger"},
        BadLadder{"ShareZero",
                  Ladder("rung {\n"
                         "  id: \"a\"\n"
                         "  share_of_limit_used: 0  # <--\n"
                         "  recipients: ROLE_RESPONSIBLE_UNIT issues: ISSUE_WARNING\n}\n"),
                  "rung 'a' (#1)", "share_of_limit_used is 0, not in (0, 1]"},
        BadLadder{"ShareAboveOne",
                  Ladder("rung {\n"
                         "  id: \"a\"\n"
                         "  share_of_limit_used: 1.5  # <--\n"
                         "  recipients: ROLE_RESPONSIBLE_UNIT issues: ISSUE_WARNING\n}\n"),
                  "rung 'a' (#1)", "share_of_limit_used is 1.5, not in (0, 1]"},
        BadLadder{"NegativeWorkingDaysBeforeDue",
                  Ladder("rung {\n"
                         "  id: \"a\"\n"
                         "  working_days_before_due: -1  # <--\n"
                         "  recipients: ROLE_RESPONSIBLE_UNIT issues: ISSUE_WARNING\n}\n"),
                  "rung 'a' (#1)", "working_days_before_due is -1, must be >= 0"},
        BadLadder{"NegativeDaysOverdue",
                  Ladder("rung {\n"
                         "  id: \"a\"\n"
                         "  days_overdue {\n"
                         "    days: -2  # <--\n"
                         "  }\n"
                         "  recipients: ROLE_RESPONSIBLE_UNIT issues: ISSUE_WARNING\n}\n"),
                  "rung 'a' (#1)", "days_overdue.days is -2, must be >= 0"},
        BadLadder{"PreviousUnansweredUnknownRung",
                  Ladder(absl::StrCat(kWarning,
                                      "rung {\n"
                                      "  id: \"b\"\n"
                                      "  previous_unanswered {\n"
                                      "    rung_id: \"notice\"  # <--\n"
                                      "    working_days: 3\n"
                                      "  }\n"
                                      "  recipients: ROLE_UNIT_HEAD issues: ISSUE_LISTING\n}\n")),
                  "rung 'b' (#2)", "refers to 'notice', which is not an earlier rung"},
        BadLadder{"PreviousUnansweredLaterRung",
                  Ladder(absl::StrCat("rung {\n"
                                      "  id: \"b\"\n"
                                      "  previous_unanswered {\n"
                                      "    rung_id: \"warning\"  # <--\n"
                                      "    working_days: 3\n"
                                      "  }\n"
                                      "  recipients: ROLE_UNIT_HEAD issues: ISSUE_LISTING\n}\n",
                                      kWarning)),
                  "rung 'b' (#1)", "refers to 'warning', which is not an earlier rung"},
        BadLadder{"PreviousUnansweredItself",
                  Ladder("rung {\n"
                         "  id: \"b\"\n"
                         "  previous_unanswered { rung_id: \"b\" working_days: 3 }  # <--\n"
                         "  recipients: ROLE_UNIT_HEAD issues: ISSUE_LISTING\n}\n"),
                  "rung 'b' (#1)", "refers to the rung itself"},
        BadLadder{"PreviousUnansweredNegativeDays",
                  Ladder(absl::StrCat(kWarning,
                                      "rung {\n"
                                      "  id: \"b\"\n"
                                      "  previous_unanswered {\n"
                                      "    rung_id: \"warning\"\n"
                                      "    working_days: -3  # <--\n"
                                      "  }\n"
                                      "  recipients: ROLE_UNIT_HEAD issues: ISSUE_LISTING\n}\n")),
                  "rung 'b' (#2)", "previous_unanswered.working_days is -3"},
        BadLadder{"GreenLights",
                  Ladder("rung {\n"
                         "  id: \"a\"\n"
                         "  consecutive_lights {\n"
                         "    light: LIGHT_GREEN  # <--\n"
                         "    periods: 2\n"
                         "  }\n"
                         "  recipients: ROLE_UNIT_HEAD issues: ISSUE_WARNING\n}\n"),
                  "rung 'a' (#1)", "must be LIGHT_YELLOW or LIGHT_RED"},
        BadLadder{"ZeroPeriods",
                  Ladder("rung {\n"
                         "  id: \"a\"\n"
                         "  consecutive_lights {\n"
                         "    light: LIGHT_YELLOW\n"
                         "    periods: 0  # <--\n"
                         "  }\n"
                         "  recipients: ROLE_UNIT_HEAD issues: ISSUE_WARNING\n}\n"),
                  "rung 'a' (#1)", "consecutive_lights.periods is 0, must be >= 1"},
        BadLadder{"NoRecipients",
                  Ladder("rung {  # <--\n"
                         "  id: \"a\"\n"
                         "  working_days_before_due: 1\n"
                         "  issues: ISSUE_WARNING\n}\n"),
                  "rung 'a' (#1)", "no recipients"},
        BadLadder{"UnspecifiedRecipient",
                  Ladder("rung {\n"
                         "  id: \"a\"\n"
                         "  working_days_before_due: 1\n"
                         "  recipients: ROLE_UNIT_HEAD\n"
                         "  recipients: ROLE_UNSPECIFIED  # <--\n"
                         "  issues: ISSUE_WARNING\n}\n"),
                  "rung 'a' (#1)", "recipient #2 is not a role"},
        BadLadder{"RepeatedRecipient",
                  Ladder("rung {\n"
                         "  id: \"a\"\n"
                         "  working_days_before_due: 1\n"
                         "  recipients: ROLE_UNIT_HEAD\n"
                         "  recipients: ROLE_UNIT_HEAD  # <--\n"
                         "  issues: ISSUE_WARNING\n}\n"),
                  "rung 'a' (#1)", "recipient ROLE_UNIT_HEAD is listed twice"},
        BadLadder{"NoIssues",
                  Ladder("rung {  # <--\n"
                         "  id: \"a\"\n"
                         "  working_days_before_due: 1\n"
                         "  recipients: ROLE_UNIT_HEAD\n}\n"),
                  "rung 'a' (#1)", "issues is missing"},
        BadLadder{"NoticeWithoutRectificationLimit",
                  Ladder("rung {\n"
                         "  id: \"notice\"\n"
                         "  days_overdue { days: 0 }\n"
                         "  recipients: ROLE_UNIT_HEAD\n"
                         "  issues: ISSUE_SUPERVISION_NOTICE  # <--\n}\n"),
                  "rung 'notice' (#1)", "a supervision notice needs a rectification limit"},
        BadLadder{"NegativeRectificationLimit",
                  Ladder("rung {\n"
                         "  id: \"notice\"\n"
                         "  days_overdue { days: 0 }\n"
                         "  recipients: ROLE_UNIT_HEAD\n"
                         "  issues: ISSUE_SUPERVISION_NOTICE\n"
                         "  rectification_working_days: -3  # <--\n}\n"),
                  "rung 'notice' (#1)", "rectification_working_days is -3, must be >= 0"}),
    [](const ::testing::TestParamInfo<BadLadder>& info) { return info.param.test_name; });

// ---------------------------------------------------------------------------
// Climbing the 38-day ladder.

TEST(LadderClimbTest, WalksWarningNoticeListingInterviewOnceEach) {
  const v1::Ladder ladder = MustLoad("luohe-38-day.textproto");
  const TestWorkingDays wd;
  ASSERT_EQ(wd.AddWorkingDays(absl::CivilDay(2024, 3, 4), 38), absl::CivilDay(2024, 4, 25));
  LadderSubject s = ThirtyEightDaySubject();

  EXPECT_EQ(NextTriggerAt(ladder, s, s.start, wd), At(2024, 4, 25));
  const std::vector<Step> steps = Climb(ladder, s, s.start, At(2025, 1, 1), wd);
  // Warning on the last day; notice at the limit; listing when the notice's
  // 3 working days (Mon 29, Tue 30 Apr, Wed 1 May) have passed; interview
  // after the listing's 5 (3, 6, 7, 8, 9 May).
  EXPECT_THAT(steps,
              ElementsAre(Step{"warning", At(2024, 4, 25)}, Step{"notice", At(2024, 4, 26)},
                          Step{"listing", At(2024, 5, 2)}, Step{"interview", At(2024, 5, 10)}));
  // Each exactly once: with everything fed back, nothing more, ever.
  EXPECT_THAT(DueRungs(ladder, s, At(2030, 1, 1), wd), IsEmpty());
  EXPECT_EQ(NextTriggerAt(ladder, s, At(2024, 5, 10), wd), std::nullopt);
}

TEST(LadderClimbTest, HolidaysAndMakeUpDaysAreCounted) {
  const v1::Ladder ladder = MustLoad("luohe-38-day.textproto");
  const TestWorkingDays wd = MayDay2024();
  LadderSubject s = ThirtyEightDaySubject();
  const std::vector<Step> steps = Climb(ladder, s, s.start, At(2025, 1, 1), wd);
  // The notice's 3 working days: Sun 28 Apr (made working), Mon 29, Tue 30;
  // the listing's 5: 6–10 May (1–5 May off).
  EXPECT_THAT(steps,
              ElementsAre(Step{"warning", At(2024, 4, 25)}, Step{"notice", At(2024, 4, 26)},
                          Step{"listing", At(2024, 5, 1)}, Step{"interview", At(2024, 5, 11)}));
}

TEST(LadderClimbTest, WarningBeforeAHolidaySkipsIt) {
  const v1::Ladder ladder = MustParse(absl::StrCat("name: \"w\"\n", kWarning));
  LadderSubject s;
  s.start = At(2024, 4, 1);
  s.due = At(2024, 5, 4);  // last day Fri 3 May, a holiday in 2024
  EXPECT_THAT(Steps(DueRungs(ladder, s, At(2024, 6, 1), TestWorkingDays())),
              ElementsAre(Step{"warning", At(2024, 5, 3)}));
  EXPECT_THAT(Steps(DueRungs(ladder, s, At(2024, 6, 1), MayDay2024())),
              ElementsAre(Step{"warning", At(2024, 4, 30)}));
}

TEST(LadderClimbTest, DueAtDependsOnTheSubjectNotOnNow) {
  const v1::Ladder ladder = MustLoad("luohe-38-day.textproto");
  const TestWorkingDays wd;
  LadderSubject s = ThirtyEightDaySubject();
  EXPECT_THAT(DueRungs(ladder, s, At(2024, 4, 25) - absl::Microseconds(1), wd), IsEmpty());
  for (absl::Time now : {At(2024, 4, 25), At(2024, 4, 25, 12), At(2024, 4, 25, 23, 59)}) {
    EXPECT_THAT(Steps(DueRungs(ladder, s, now, wd)), ElementsAre(Step{"warning", At(2024, 4, 25)}));
  }
  // After an outage: both time rungs at once, in order, with their own
  // instants; the listing waits for the notice to be raised.
  EXPECT_THAT(Steps(DueRungs(ladder, s, At(2024, 4, 29, 10), wd)),
              ElementsAre(Step{"warning", At(2024, 4, 25)}, Step{"notice", At(2024, 4, 26)}));
  EXPECT_EQ(NextTriggerAt(ladder, s, At(2024, 4, 29, 10), wd), std::nullopt);

  // Raised late (Mon 29 Apr, 10:00): the notice's days count from then.
  s.raised = {{"warning", At(2024, 4, 29, 10)}, {"notice", At(2024, 4, 29, 10)}};
  const v1::Rung& notice = ladder.rung(1);
  EXPECT_EQ(RectificationDue(notice, At(2024, 4, 29, 10), wd), At(2024, 5, 3));
  EXPECT_EQ(NextTriggerAt(ladder, s, At(2024, 4, 29, 10), wd), At(2024, 5, 3));
  for (absl::Time now : {At(2024, 5, 3), At(2024, 5, 6, 9), At(2024, 5, 9)}) {
    EXPECT_THAT(Steps(DueRungs(ladder, s, now, wd)), ElementsAre(Step{"listing", At(2024, 5, 3)}));
  }
}

TEST(LadderClimbTest, ListingFallsDueWithTheNoticesRectificationLimit) {
  const v1::Ladder ladder = MustLoad("luohe-38-day.textproto");
  const TestWorkingDays wd;
  LadderSubject s = ThirtyEightDaySubject();
  s.raised = {{"warning", At(2024, 4, 25)}, {"notice", At(2024, 4, 26)}};
  EXPECT_EQ(NextTriggerAt(ladder, s, At(2024, 4, 26), wd),
            RectificationDue(ladder.rung(1), At(2024, 4, 26), wd));
  EXPECT_EQ(RectificationDue(ladder.rung(0), At(2024, 4, 25), wd), std::nullopt);
}

TEST(LadderClimbTest, NoLimitNoTimeRungs) {
  const v1::Ladder ladder = MustLoad("luohe-38-day.textproto");
  LadderSubject s;
  s.start = At(2024, 3, 4, 10);
  EXPECT_THAT(DueRungs(ladder, s, At(2030, 1, 1), TestWorkingDays()), IsEmpty());
  EXPECT_EQ(NextTriggerAt(ladder, s, s.start, TestWorkingDays()), std::nullopt);
}

// ---------------------------------------------------------------------------
// Stopping: resolution and answers.

TEST(LadderStopTest, ResolutionStopsFurtherRungs) {
  const v1::Ladder ladder = MustLoad("luohe-38-day.textproto");
  const TestWorkingDays wd;
  LadderSubject s = ThirtyEightDaySubject();
  s.raised = {{"warning", At(2024, 4, 25)}};
  s.resolved = true;
  s.resolved_at = At(2024, 4, 25, 15);
  EXPECT_THAT(DueRungs(ladder, s, At(2030, 1, 1), wd), IsEmpty());
  EXPECT_EQ(NextTriggerAt(ladder, s, At(2024, 4, 25, 16), wd), std::nullopt);
}

TEST(LadderStopTest, NothingIsRaisedAfterResolutionEvenIfItFellDueBefore) {
  const v1::Ladder ladder = MustLoad("luohe-38-day.textproto");
  LadderSubject s = ThirtyEightDaySubject();
  s.resolved = true;
  s.resolved_at = At(2024, 4, 27);  // the warning and notice fell due, unraised
  EXPECT_THAT(DueRungs(ladder, s, At(2024, 4, 27), TestWorkingDays()), IsEmpty());
}

TEST(LadderStopTest, ResolutionStampedAfterNowIsNotYetEffective) {
  const v1::Ladder ladder = MustLoad("luohe-38-day.textproto");
  const TestWorkingDays wd;
  LadderSubject s = ThirtyEightDaySubject();
  s.raised = {{"warning", At(2024, 4, 25)}};
  s.resolved = true;
  s.resolved_at = At(2024, 4, 29);
  EXPECT_EQ(NextTriggerAt(ladder, s, At(2024, 4, 25, 12), wd), At(2024, 4, 26));
  EXPECT_THAT(Steps(DueRungs(ladder, s, At(2024, 4, 26), wd)),
              ElementsAre(Step{"notice", At(2024, 4, 26)}));
  s.raised.push_back({"notice", At(2024, 4, 26)});
  // The listing (2 May) would come after the resolution (29 April).
  EXPECT_EQ(NextTriggerAt(ladder, s, At(2024, 4, 26), wd), std::nullopt);
}

TEST(LadderStopTest, AnsweredNoticeStopsTheUnansweredRung) {
  const v1::Ladder ladder = MustLoad("luohe-38-day.textproto");
  const TestWorkingDays wd;
  LadderSubject s = ThirtyEightDaySubject();
  s.raised = {{"warning", At(2024, 4, 25)}, {"notice", At(2024, 4, 26), true, At(2024, 4, 30, 9)}};
  EXPECT_THAT(DueRungs(ladder, s, At(2030, 1, 1), wd), IsEmpty());
  EXPECT_EQ(NextTriggerAt(ladder, s, At(2024, 4, 30, 10), wd), std::nullopt);
  // Even judged before the answer, no timer: the answer (30 April) comes
  // before the listing would (2 May).
  EXPECT_EQ(NextTriggerAt(ladder, s, At(2024, 4, 26), wd), std::nullopt);
}

TEST(LadderStopTest, LateAnswerStillStopsAnUnraisedRung) {
  const v1::Ladder ladder = MustLoad("luohe-38-day.textproto");
  const TestWorkingDays wd;
  LadderSubject s = ThirtyEightDaySubject();
  // Answered 6 May, after the listing fell due (2 May) but before anyone
  // evaluated: state wins, no listing.
  s.raised = {{"warning", At(2024, 4, 25)}, {"notice", At(2024, 4, 26), true, At(2024, 5, 6)}};
  EXPECT_THAT(DueRungs(ladder, s, At(2024, 5, 7), wd), IsEmpty());
  // Judged before the answer, the listing was due and the timer is armed.
  EXPECT_EQ(NextTriggerAt(ladder, s, At(2024, 4, 29), wd), At(2024, 5, 2));
  EXPECT_THAT(Steps(DueRungs(ladder, s, At(2024, 5, 2), wd)),
              ElementsAre(Step{"listing", At(2024, 5, 2)}));
}

TEST(LadderStopTest, SlipsStopWhenAnswered) {
  const v1::Ladder ladder = MustLoad("slips-blue-orange-red.textproto");
  const TestWorkingDays wd;
  LadderSubject s = ThirtyEightDaySubject();
  std::vector<Step> steps = Climb(ladder, s, s.start, At(2024, 4, 30), wd);
  EXPECT_THAT(steps, ElementsAre(Step{"blue", At(2024, 4, 26)}));
  s.raised[0].answered = true;
  s.raised[0].answered_at = At(2024, 4, 30, 10);
  EXPECT_THAT(Climb(ladder, s, At(2024, 4, 30, 10), At(2030, 1, 1), wd), IsEmpty());

  LadderSubject ignored = ThirtyEightDaySubject();
  // Blue at the limit; orange 3 working days later (29, 30 Apr, 1 May); red 2
  // working days after that (Fri 3, Mon 6 May).
  EXPECT_THAT(Climb(ladder, ignored, ignored.start, At(2030, 1, 1), wd),
              ElementsAre(Step{"blue", At(2024, 4, 26)}, Step{"orange", At(2024, 5, 2)},
                          Step{"red", At(2024, 5, 7)}));
}

// ---------------------------------------------------------------------------
// Lights.

// Monthly results of 2024: the period for month m closes at 00:00 on the 1st
// of month m + 1.
std::vector<PeriodLight> Months(const std::vector<v1::Light>& lights) {
  std::vector<PeriodLight> out;
  for (size_t i = 0; i < lights.size(); ++i) {
    out.push_back({At(2024, static_cast<int>(i) + 2, 1), lights[i]});
  }
  return out;
}

constexpr v1::Light G = v1::LIGHT_GREEN;
constexpr v1::Light Y = v1::LIGHT_YELLOW;
constexpr v1::Light R = v1::LIGHT_RED;

TEST(LadderLightsTest, TwoYellowsClimbARungAndThreeRedsList) {
  const v1::Ladder ladder = MustLoad("monthly-lights.textproto");
  const TestWorkingDays wd;
  const std::vector<PeriodLight> year = Months({G, Y, Y, R, R, R});
  LadderSubject s;
  std::vector<Step> steps;
  // Periods arrive one by one; the caller evaluates when each closes.
  for (const PeriodLight& period : year) {
    s.lights.push_back(period);
    EXPECT_EQ(NextTriggerAt(ladder, s, period.closed_at, wd), std::nullopt);
    for (const DueRung& d : DueRungs(ladder, s, period.closed_at, wd)) {
      steps.push_back({d.rung_id, d.due_at});
      s.raised.push_back({d.rung_id, period.closed_at});
    }
  }
  EXPECT_THAT(steps, ElementsAre(Step{"yellow", At(2024, 3, 1)}, Step{"notice", At(2024, 4, 1)},
                                 Step{"listing", At(2024, 7, 1)}));
}

TEST(LadderLightsTest, RedCountsTowardsARunOfYellows) {
  const v1::Ladder ladder = MustLoad("monthly-lights.textproto");
  LadderSubject s;
  s.lights = Months({R, R});
  EXPECT_THAT(Steps(DueRungs(ladder, s, At(2024, 3, 15), TestWorkingDays())),
              ElementsAre(Step{"yellow", At(2024, 2, 1)}, Step{"notice", At(2024, 3, 1)}));
}

TEST(LadderLightsTest, ABrokenRunDoesNotClimb) {
  const v1::Ladder ladder = MustLoad("monthly-lights.textproto");
  const TestWorkingDays wd;
  LadderSubject s;
  s.lights = Months({Y, G, Y});
  s.raised = {{"yellow", At(2024, 2, 1)}};
  EXPECT_THAT(DueRungs(ladder, s, At(2024, 4, 2), wd), IsEmpty());
  // A yellow month never raised whose run is broken by now is not raised.
  LadderSubject late;
  late.lights = Months({Y, G});
  EXPECT_THAT(DueRungs(ladder, late, At(2024, 3, 2), wd), IsEmpty());
}

TEST(LadderLightsTest, KnownLaterPeriodsArmTheTimer) {
  const v1::Ladder ladder = MustLoad("monthly-lights.textproto");
  const TestWorkingDays wd;
  LadderSubject s;
  s.lights = Months({G, G, Y, Y});
  EXPECT_EQ(NextTriggerAt(ladder, s, At(2024, 3, 15), wd), At(2024, 4, 1));
  EXPECT_THAT(DueRungs(ladder, s, At(2024, 3, 15), wd), IsEmpty());  // April not yet closed
  s.raised = {{"yellow", At(2024, 4, 1)}};
  EXPECT_EQ(NextTriggerAt(ladder, s, At(2024, 4, 1), wd), At(2024, 5, 1));
}

// ---------------------------------------------------------------------------
// Time triggers' arithmetic.

v1::Ladder OneRung(const std::string& trigger) {
  return MustParse(absl::StrCat("name: \"one\" rung { id: \"r\" ", trigger,
                                " recipients: ROLE_UNIT_HEAD issues: ISSUE_WARNING }"));
}

std::optional<absl::Time> DueAt(const v1::Ladder& ladder, const LadderSubject& s) {
  std::vector<DueRung> due = DueRungs(ladder, s, absl::InfiniteFuture(), TestWorkingDays());
  if (due.empty()) return std::nullopt;
  return due.front().due_at;
}

TEST(LadderArithmeticTest, ShareOfLimitUsedCountsWorkingDays) {
  // 20 working days from Mon 4 March 2024: the last is Mon 1 April.
  LadderSubject s;
  s.start = At(2024, 3, 4, 10);
  s.due = At(2024, 4, 2);
  // Half: 10 working days used (5–8, 11–15, 18 March).
  EXPECT_EQ(DueAt(OneRung("share_of_limit_used: 0.5"), s), At(2024, 3, 19));
  // 5%: one working day.
  EXPECT_EQ(DueAt(OneRung("share_of_limit_used: 0.05"), s), At(2024, 3, 6));
  // 51%: rounds up to 11 working days.
  EXPECT_EQ(DueAt(OneRung("share_of_limit_used: 0.51"), s), At(2024, 3, 20));
  // All of it: the limit itself.
  EXPECT_EQ(DueAt(OneRung("share_of_limit_used: 1"), s), At(2024, 4, 2));
  EXPECT_EQ(NextTriggerAt(OneRung("share_of_limit_used: 0.5"), s, s.start, TestWorkingDays()),
            At(2024, 3, 19));
}

TEST(LadderArithmeticTest, ShareOfLimitUsedIgnoresBinaryRounding) {
  // 10 working days (the last Mon 18 March); 0.7 * 10 is 7.000000000000001 in
  // binary, still 7 working days: 5–8, 11–13 March.
  LadderSubject s;
  s.start = At(2024, 3, 4, 10);
  s.due = At(2024, 3, 19);
  EXPECT_EQ(DueAt(OneRung("share_of_limit_used: 0.7"), s), At(2024, 3, 14));
}

TEST(LadderArithmeticTest, ShareOfASameDayLimitIsProportional) {
  LadderSubject s;
  s.start = At(2024, 3, 4, 10);
  s.due = At(2024, 3, 5);  // no working day after the start day
  EXPECT_EQ(DueAt(OneRung("share_of_limit_used: 0.5"), s), At(2024, 3, 4, 17));
}

TEST(LadderArithmeticTest, WorkingDaysBeforeDue) {
  LadderSubject s;
  s.start = At(2024, 3, 4, 10);
  s.due = At(2024, 3, 16);  // last day Fri 15 March
  EXPECT_EQ(DueAt(OneRung("working_days_before_due: 1"), s), At(2024, 3, 15));
  EXPECT_EQ(DueAt(OneRung("working_days_before_due: 3"), s), At(2024, 3, 13));
  EXPECT_EQ(DueAt(OneRung("working_days_before_due: 0"), s), At(2024, 3, 16));
  // More working days than the limit has: at the start, never before it.
  EXPECT_EQ(DueAt(OneRung("working_days_before_due: 20"), s), At(2024, 3, 4, 10));
}

TEST(LadderArithmeticTest, DaysOverdueCalendarOrWorking) {
  LadderSubject s;
  s.start = At(2024, 3, 4, 10);
  s.due = At(2024, 3, 16);  // late from Saturday 16 March
  EXPECT_EQ(DueAt(OneRung("days_overdue { days: 0 }"), s), At(2024, 3, 16));
  EXPECT_EQ(DueAt(OneRung("days_overdue { days: 2 calendar_days: true }"), s), At(2024, 3, 18));
  // Two working days (Mon 18, Tue 19) have passed.
  EXPECT_EQ(DueAt(OneRung("days_overdue { days: 2 }"), s), At(2024, 3, 20));
}

}  // namespace
}  // namespace taizhang::engine
