#include "workflows/supervision.h"

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/calendar_working_days.h"
#include "engine/deadline_rule.h"
#include "workflows/enum_label.h"

namespace taizhang::workflows {
namespace {

absl::Time FromUs(int64_t us) { return absl::FromUnixMicros(us); }
int64_t Us(absl::Time t) { return absl::ToUnixMicros(t); }

bool Blank(const std::string& s) { return absl::StripAsciiWhitespace(s).empty(); }

bool HasLimit(const SupervisedSubject& s) { return !s.due_date.empty(); }

void AddRecipient(std::vector<v1::SupervisionRecipient>* out, v1::Role role,
                  const std::string& unit, const std::string& person) {
  for (const auto& r : *out) {
    if (r.role() == role && r.unit() == unit) return;
  }
  v1::SupervisionRecipient& r = out->emplace_back();
  r.set_role(role);
  r.set_unit(unit);
  r.set_person(person);
}

// The rung `raised` stands for in its ladder: itself for an automatic rung.
const std::string& LadderIdOf(const v1::SupervisionRungRaised& raised) {
  return raised.manual() ? raised.stands_for_rung_id() : raised.rung_id();
}

// Fills what every raised rung carries, automatic or manual.
void FillCommon(const SupervisedSubject& subject, const std::string& rung_id, absl::Time raised_at,
                v1::SupervisionRungRaised* e) {
  e->set_subject(subject.id);
  e->set_episode(subject.episode);
  e->set_rung_id(rung_id);
  e->set_raised_at_us(Us(raised_at));
  e->set_slip_number(SlipNumber(subject.stream, subject.id, subject.episode, rung_id));
  e->set_matter(subject.matter);
  e->set_due_date(subject.due_date);
  e->set_month(subject.month);
  e->set_project_code(subject.project_code);
  *e->mutable_parties() = subject.parties;
}

void SetRectification(int32_t working_days, absl::Time raised_at,
                      const engine::WorkingDayCalendar& cal, v1::SupervisionRungRaised* e) {
  if (working_days <= 0) return;
  const engine::DayResult last = cal.AddWorkingDays(engine::DayOf(raised_at), working_days);
  e->set_rectification_working_days(working_days);
  e->set_rectification_due_on(engine::FormatDate(last.day));
  e->set_rectification_due_at_us(Us(engine::DueInstant(last.day)));
  e->set_provisional(last.provisional);
}

bool Addressed(const v1::SupervisionRungRaised& raised, const Principal& who) {
  const std::string& role = raised.parties().unit_role().empty() ? std::string("department")
                                                                 : raised.parties().unit_role();
  if (role != RoleName(who.role)) return false;
  for (const std::string& u : raised.parties().units()) {
    if (u == who.unit) return true;
  }
  return false;
}

std::string AddressedTo(const v1::SupervisionRungRaised& raised) {
  const std::string role =
      raised.parties().unit_role().empty() ? "department" : raised.parties().unit_role();
  std::vector<std::string> who;
  for (const std::string& u : raised.parties().units()) who.push_back(absl::StrCat(role, ":", u));
  return who.empty() ? "nobody" : absl::StrJoin(who, ", ");
}

v1::SupervisionRung* MutableBySlip(SupervisionRungs* rungs, const std::string& slip) {
  for (v1::SupervisionRung& r : *rungs) {
    if (r.raised().slip_number() == slip) return &r;
  }
  return nullptr;
}

}  // namespace

std::string SlipNumber(absl::string_view stream, absl::string_view subject, int32_t episode,
                       absl::string_view rung_id) {
  if (subject.empty()) return absl::StrCat(stream, "/", episode, "/", rung_id);
  return absl::StrCat(stream, "/", subject, "/", episode, "/", rung_id);
}

engine::LadderSubject LadderSubjectOf(const SupervisedSubject& s, const SupervisionRungs& rungs) {
  engine::LadderSubject out;
  out.start = s.start;
  if (HasLimit(s)) out.due = s.due_at;
  out.resolved = s.resolved;
  out.resolved_at = s.resolved_at;
  out.lights = s.lights;
  for (const v1::SupervisionRung& r : rungs) {
    if (r.raised().subject() != s.id || r.raised().episode() != s.episode) continue;
    const std::string& id = LadderIdOf(r.raised());
    if (id.empty()) continue;  // a manual rung that stands for no ladder rung
    engine::RaisedRung raised;
    raised.rung_id = id;
    raised.raised_at = FromUs(r.raised().raised_at_us());
    raised.answered = r.answered();
    if (r.answered()) raised.answered_at = FromUs(r.answered_at_us());
    out.raised.push_back(std::move(raised));
  }
  return out;
}

std::vector<v1::SupervisionRecipient> RecipientsFor(
    const google::protobuf::RepeatedField<int>& roles, const v1::SupervisionParties& p) {
  std::vector<v1::SupervisionRecipient> out;
  for (int role : roles) {
    switch (role) {
      case v1::ROLE_RESPONSIBLE_UNIT:
        for (int i = 0; i < p.units_size(); ++i) {
          AddRecipient(&out, v1::ROLE_RESPONSIBLE_UNIT, p.units(i),
                       i == 0 ? p.unit_person() : std::string());
        }
        break;
      case v1::ROLE_UNIT_HEAD:
        for (int i = 0; i < p.units_size(); ++i) {
          AddRecipient(&out, v1::ROLE_UNIT_HEAD, p.units(i),
                       i < p.unit_heads_size() ? p.unit_heads(i) : std::string());
        }
        break;
      case v1::ROLE_SUPERVISION_OFFICE:
        if (!p.office().empty()) AddRecipient(&out, v1::ROLE_SUPERVISION_OFFICE, p.office(), "");
        break;
      case v1::ROLE_RESPONSIBLE_LEADER:
        if (!p.leader().empty()) {
          AddRecipient(&out, v1::ROLE_RESPONSIBLE_LEADER, p.leader(), "");
        }
        break;
      default:
        break;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// Supervisor.

std::optional<absl::Time> Supervisor::YellowFrom(const SupervisedSubject& s,
                                                 const engine::WorkingDayCalendar& cal) const {
  if (yellow_working_days_ <= 0 || !HasLimit(s)) return std::nullopt;
  absl::StatusOr<absl::CivilDay> due_day = engine::ParseDate(s.due_date);
  if (!due_day.ok()) return std::nullopt;
  // The day on which N working days remain, the due day itself included: the
  // N-th working day strictly before due_day + 1.
  const absl::CivilDay day = cal.SubtractWorkingDays(*due_day + 1, yellow_working_days_).day;
  const absl::Time at = std::max(engine::StartOfDay(day), s.start);
  if (at >= s.due_at) return std::nullopt;
  return at;
}

v1::Light Supervisor::LightAt(const SupervisedSubject& s, absl::Time t,
                              const engine::WorkingDayCalendar& cal) const {
  if (!HasLimit(s)) return v1::LIGHT_UNSPECIFIED;
  if (t >= s.due_at) return v1::LIGHT_RED;
  std::optional<absl::Time> yellow = YellowFrom(s, cal);
  if (yellow.has_value() && t >= *yellow) return v1::LIGHT_YELLOW;
  return v1::LIGHT_GREEN;
}

std::optional<v1::SupervisionLightChanged> Supervisor::LightChangeAt(
    const SupervisedSubject& s, absl::Time now, const engine::WorkingDayCalendar& cal) const {
  if (s.resolved || !HasLimit(s) || !s.records_light) return std::nullopt;
  const v1::Light to = LightAt(s, now, cal);
  if (to == s.light) return std::nullopt;
  v1::SupervisionLightChanged e;
  e.set_subject(s.id);
  e.set_from(s.light);
  e.set_to(to);
  e.set_changed_at_us(Us(now));
  e.set_due_date(s.due_date);
  return e;
}

SupervisionDue Supervisor::Evaluate(const SupervisedSubject& s, const SupervisionRungs& rungs,
                                    absl::Time now, const engine::WorkingDayCalendar& cal,
                                    std::optional<absl::Time> as_of) const {
  SupervisionDue out;
  if (s.resolved) return out;
  if (HasLimit(s) && s.records_light) {
    const v1::Light to = LightAt(s, now, cal);
    if (to != s.light) {
      absl::Time at = now;
      if (to > s.light) {
        // Stamped with the threshold crossed, not with when the timer ran.
        absl::Time threshold = s.due_at;
        if (to == v1::LIGHT_YELLOW) threshold = YellowFrom(s, cal).value_or(now);
        if (to == v1::LIGHT_GREEN) threshold = now;
        at = std::min(now, std::max(threshold, s.light_changed_at));
      }
      v1::SupervisionLightChanged& e = out.light.emplace();
      e.set_subject(s.id);
      e.set_from(s.light);
      e.set_to(to);
      e.set_changed_at_us(Us(at));
      e.set_due_date(s.due_date);
    }
  }
  if (ladder_.rung().empty()) return out;
  const engine::CalendarWorkingDays wd(cal);
  for (const engine::DueRung& due :
       engine::DueRungs(ladder_, LadderSubjectOf(s, rungs), as_of.value_or(now), wd)) {
    const v1::Rung& rung = ladder_.rung(due.index);
    v1::SupervisionRungRaised& e = out.rungs.emplace_back();
    FillCommon(s, rung.id(), now, &e);
    e.set_rung_name(rung.name());
    e.set_issues(rung.issues());
    e.set_slip_colour(rung.slip_colour());
    for (auto& r : RecipientsFor(rung.recipients(), s.parties)) *e.add_recipients() = std::move(r);
    e.set_due_at_us(Us(due.due_at));
    e.set_issued_by(kSystemActor);
    SetRectification(rung.rectification_working_days(), now, cal, &e);
  }
  return out;
}

std::optional<absl::Time> Supervisor::NextWakeup(const SupervisedSubject& s,
                                                 const SupervisionRungs& rungs,
                                                 const engine::WorkingDayCalendar& cal) const {
  if (s.resolved) return std::nullopt;
  std::optional<absl::Time> next;
  if (HasLimit(s) && s.records_light) {
    if (s.light < v1::LIGHT_YELLOW) {
      next = std::min(YellowFrom(s, cal).value_or(s.due_at), s.due_at);
    } else if (s.light == v1::LIGHT_YELLOW) {
      next = s.due_at;
    }
  }
  if (ladder_.rung().empty()) return next;
  // Evaluated with every fact in the state taken as having happened: the
  // first rung not raised, with the instant it falls due (independent of
  // now). A Tick after the state's latest event sees the same facts.
  const engine::CalendarWorkingDays wd(cal);
  std::vector<engine::DueRung> due =
      engine::DueRungs(ladder_, LadderSubjectOf(s, rungs), absl::InfiniteFuture(), wd);
  if (!due.empty()) {
    next = next.has_value() ? std::min(*next, due.front().due_at) : due.front().due_at;
  }
  return next;
}

// ---------------------------------------------------------------------------
// The office's hand and the unit's answer.

absl::StatusOr<v1::SupervisionRungRaised> RaiseByHand(const v1::RaiseSupervisionRung& c,
                                                      const SupervisedSubject& s,
                                                      const SupervisionRungs& rungs,
                                                      const v1::Ladder* ladder,
                                                      const Principal& who, absl::Time at,
                                                      const engine::WorkingDayCalendar& cal) {
  const std::string& office = s.parties.office();
  if (!who.Is(Role::kSupervision) || (!office.empty() && who.unit != office)) {
    return absl::PermissionDeniedError(
        absl::StrCat("only the supervision office",
                     office.empty() ? "" : absl::StrCat(" (supervision:", office, ")"),
                     " may raise a rung by hand on ", s.stream,
                     s.id.empty() ? "" : absl::StrCat(" ", s.id), "; you are ", who.ToActor()));
  }
  if (office.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat(s.stream, " has no supervision office yet (assign it first)"));
  }
  if (s.resolved) {
    return absl::FailedPreconditionError(absl::StrCat(s.stream,
                                                      s.id.empty() ? "" : absl::StrCat(" ", s.id),
                                                      " is done: nothing left to supervise"));
  }
  if (c.issues() == v1::ISSUE_UNSPECIFIED || !v1::Issue_IsValid(c.issues())) {
    return absl::InvalidArgumentError(
        "issues: required (WARNING, REMINDER_SLIP, ASSIGNMENT_SLIP, SUPERVISION_NOTICE, "
        "BULLETIN, LISTING, INTERVIEW or ACCOUNTABILITY)");
  }
  if (!v1::SlipColour_IsValid(c.slip_colour())) {
    return absl::InvalidArgumentError(
        absl::StrCat("slip_colour: ", c.slip_colour(), " is unknown"));
  }
  if (c.rectification_working_days() < 0 || c.rectification_working_days() > 250) {
    return absl::InvalidArgumentError(absl::StrCat(
        "rectification_working_days: ", c.rectification_working_days(), " is not in 0..250"));
  }
  if (c.issues() == v1::ISSUE_SUPERVISION_NOTICE && c.rectification_working_days() == 0) {
    return absl::InvalidArgumentError(
        "rectification_working_days: required (> 0) for a supervision notice (督办通知单)");
  }
  google::protobuf::RepeatedField<int> roles = c.recipients();
  if (roles.empty()) {
    roles.Add(v1::ROLE_RESPONSIBLE_UNIT);
    roles.Add(v1::ROLE_SUPERVISION_OFFICE);
  }
  for (int i = 0; i < roles.size(); ++i) {
    if (roles[i] == v1::ROLE_UNSPECIFIED || !v1::Role_IsValid(roles[i])) {
      return absl::InvalidArgumentError(absl::StrCat("recipients[", i, "]: not a role"));
    }
    for (int j = 0; j < i; ++j) {
      if (roles[i] == roles[j]) {
        return absl::InvalidArgumentError(
            absl::StrCat("recipients[", i, "]: ", v1::Role_Name(roles[i]), " listed twice"));
      }
    }
  }
  v1::SupervisionRungRaised e;
  FillCommon(s, absl::StrCat("manual-", ManualRungs(rungs) + 1), at, &e);
  e.set_rung_name(Blank(c.rung_name()) ? SlipKindLabel(c.issues(), c.slip_colour())
                                       : c.rung_name());
  e.set_issues(c.issues());
  e.set_slip_colour(c.slip_colour());
  for (auto& r : RecipientsFor(roles, s.parties)) *e.add_recipients() = std::move(r);
  e.set_due_at_us(Us(at));
  if (!Blank(c.matter())) e.set_matter(c.matter());
  e.set_manual(true);
  e.set_issued_by(who.ToActor());
  e.set_document_number(c.document_number());
  SetRectification(c.rectification_working_days(), at, cal, &e);
  if (ladder != nullptr) {
    const engine::LadderSubject raised = LadderSubjectOf(s, rungs);
    for (const v1::Rung& rung : ladder->rung()) {
      if (rung.issues() != c.issues()) continue;
      const bool taken =
          std::any_of(raised.raised.begin(), raised.raised.end(),
                      [&](const engine::RaisedRung& r) { return r.rung_id == rung.id(); });
      if (taken) continue;
      e.set_stands_for_rung_id(rung.id());
      break;
    }
  }
  return e;
}

absl::StatusOr<v1::SupervisionRungAnswered> AnswerRung(const v1::AnswerSupervisionRung& c,
                                                       const SupervisionRungs& rungs,
                                                       absl::string_view default_subject,
                                                       int32_t default_episode,
                                                       const Principal& who, absl::Time at) {
  const v1::SupervisionRung* rung = nullptr;
  if (c.slip_number().empty()) {
    for (int i = rungs.size() - 1; i >= 0 && rung == nullptr; --i) {
      const v1::SupervisionRung& r = rungs.Get(i);
      if (r.raised().subject() == default_subject && r.raised().episode() == default_episode &&
          !r.answered()) {
        rung = &r;
      }
    }
    if (rung == nullptr) {
      return absl::FailedPreconditionError(
          "slip_number: no slip of the current episode is waiting for an answer; name the slip "
          "to answer");
    }
  } else {
    rung = FindRungBySlip(rungs, c.slip_number());
    if (rung == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("slip_number: no slip '", c.slip_number(), "' was issued here"));
    }
  }
  const v1::SupervisionRungRaised& raised = rung->raised();
  if (!Addressed(raised, who)) {
    return absl::PermissionDeniedError(absl::StrCat("slip '", raised.slip_number(),
                                                    "' is answered by ", AddressedTo(raised),
                                                    "; you are ", who.ToActor()));
  }
  if (Blank(c.text())) {
    return absl::InvalidArgumentError("text: required (the rectification report)");
  }
  if (rung->answered()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "slip '", raised.slip_number(), "' was already answered by ", rung->answered_by()));
  }
  if (at < FromUs(raised.raised_at_us())) {
    return absl::InvalidArgumentError(
        absl::StrCat("occurred_at: before slip '", raised.slip_number(), "' was issued"));
  }
  v1::SupervisionRungAnswered e;
  e.set_subject(raised.subject());
  e.set_episode(raised.episode());
  e.set_rung_id(raised.rung_id());
  e.set_slip_number(raised.slip_number());
  e.set_answer(c.text());
  e.set_answered_by(who.ToActor());
  e.set_answered_at_us(Us(at));
  e.set_late(raised.rectification_due_at_us() != 0 && Us(at) >= raised.rectification_due_at_us());
  return e;
}

absl::StatusOr<v1::SupervisionRungDelisted> DelistRung(const v1::DelistSupervisionRung& c,
                                                       const SupervisionRungs& rungs,
                                                       const Principal& who, absl::Time at) {
  if (c.slip_number().empty()) return absl::InvalidArgumentError("slip_number: required");
  const v1::SupervisionRung* rung = FindRungBySlip(rungs, c.slip_number());
  if (rung == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("slip_number: no slip '", c.slip_number(), "' was issued here"));
  }
  const std::string& office = rung->raised().parties().office();
  if (!who.Is(Role::kSupervision) || who.unit != office) {
    return absl::PermissionDeniedError(
        absl::StrCat("only the supervision office (supervision:", office, ") may delist slip '",
                     c.slip_number(), "'; you are ", who.ToActor()));
  }
  if (Blank(c.note())) return absl::InvalidArgumentError("note: required (what was verified)");
  if (!rung->answered()) {
    return absl::FailedPreconditionError(
        absl::StrCat("slip '", c.slip_number(),
                     "' is not answered yet: the unit reports its rectification first"));
  }
  if (rung->delisted()) {
    return absl::FailedPreconditionError(
        absl::StrCat("slip '", c.slip_number(), "' was already delisted by ", rung->delisted_by()));
  }
  if (at < FromUs(rung->answered_at_us())) {
    return absl::InvalidArgumentError(
        absl::StrCat("occurred_at: before slip '", c.slip_number(), "' was answered"));
  }
  v1::SupervisionRungDelisted e;
  e.set_subject(rung->raised().subject());
  e.set_episode(rung->raised().episode());
  e.set_rung_id(rung->raised().rung_id());
  e.set_slip_number(c.slip_number());
  e.set_note(c.note());
  e.set_delisted_by(who.ToActor());
  e.set_delisted_at_us(Us(at));
  return e;
}

std::vector<v1::SupervisionDeadlineRecomputed> RecomputeRectifications(
    const SupervisionRungs& rungs, const engine::WorkingDayCalendar& cal) {
  std::vector<v1::SupervisionDeadlineRecomputed> out;
  for (const v1::SupervisionRung& rung : rungs) {
    const v1::SupervisionRungRaised& r = rung.raised();
    if (rung.answered() || r.rectification_working_days() <= 0) continue;
    const absl::CivilDay raised_on = engine::DayOf(FromUs(r.raised_at_us()));
    const engine::DayResult day = cal.AddWorkingDays(raised_on, r.rectification_working_days());
    const std::string due_on = engine::FormatDate(day.day);
    if (due_on == r.rectification_due_on() && day.provisional == r.provisional()) continue;
    v1::SupervisionDeadlineRecomputed& d = out.emplace_back();
    d.set_subject(r.subject());
    d.set_slip_number(r.slip_number());
    d.mutable_old_deadline()->set_due_date(r.rectification_due_on());
    d.mutable_old_deadline()->set_due_at_us(r.rectification_due_at_us());
    d.mutable_old_deadline()->set_provisional(r.provisional());
    d.mutable_new_deadline()->set_due_date(due_on);
    d.mutable_new_deadline()->set_due_at_us(Us(engine::DueInstant(day.day)));
    d.mutable_new_deadline()->set_provisional(day.provisional);
    absl::CivilDay last = day.day;
    if (auto old_day = engine::ParseDate(r.rectification_due_on()); old_day.ok()) {
      last = std::max(last, *old_day);
    }
    d.set_calendar_version(cal.VersionOf(raised_on, last));
    d.set_reason(day.provisional
                     ? "rectification limit recomputed; the calendar still lacks a "
                       "year it spans"
                     : "rectification limit recomputed with the calendar as now loaded");
  }
  return out;
}

// ---------------------------------------------------------------------------
// State.

void ApplyRaised(SupervisionRungs* rungs, const v1::SupervisionRungRaised& e) {
  *rungs->Add()->mutable_raised() = e;
}

void ApplyAnswered(SupervisionRungs* rungs, const v1::SupervisionRungAnswered& e) {
  if (v1::SupervisionRung* r = MutableBySlip(rungs, e.slip_number())) {
    r->set_answered(true);
    r->set_answered_at_us(e.answered_at_us());
    r->set_answer(e.answer());
    r->set_answered_by(e.answered_by());
    r->set_answered_late(e.late());
  }
}

void ApplyDelisted(SupervisionRungs* rungs, const v1::SupervisionRungDelisted& e) {
  if (v1::SupervisionRung* r = MutableBySlip(rungs, e.slip_number())) {
    r->set_delisted(true);
    r->set_delisted_at_us(e.delisted_at_us());
    r->set_delisted_by(e.delisted_by());
    r->set_delist_note(e.note());
  }
}

void ApplyRectificationRecomputed(SupervisionRungs* rungs,
                                  const v1::SupervisionDeadlineRecomputed& e) {
  if (v1::SupervisionRung* r = MutableBySlip(rungs, e.slip_number())) {
    v1::SupervisionRungRaised* raised = r->mutable_raised();
    raised->set_rectification_due_on(e.new_deadline().due_date());
    raised->set_rectification_due_at_us(e.new_deadline().due_at_us());
    raised->set_provisional(e.new_deadline().provisional());
  }
}

const v1::SupervisionRung* FindRungBySlip(const SupervisionRungs& rungs,
                                          absl::string_view slip_number) {
  for (const v1::SupervisionRung& r : rungs) {
    if (r.raised().slip_number() == slip_number) return &r;
  }
  return nullptr;
}

int32_t OpenRungs(const SupervisionRungs& rungs, absl::string_view subject, int32_t episode) {
  int32_t n = 0;
  for (const v1::SupervisionRung& r : rungs) {
    if (r.raised().subject() == subject && r.raised().episode() == episode && !r.answered()) ++n;
  }
  return n;
}

int32_t ManualRungs(const SupervisionRungs& rungs) {
  return static_cast<int32_t>(
      std::count_if(rungs.begin(), rungs.end(), [](const auto& r) { return r.raised().manual(); }));
}

std::string SlipKindLabel(v1::Issue issue, v1::SlipColour colour) {
  const std::string name = EnumLabel(issue);
  if (name.empty()) return "督办";
  // Slips carry their colour (蓝色催办单); the other rungs have none.
  const bool slip = issue == v1::ISSUE_REMINDER_SLIP || issue == v1::ISSUE_ASSIGNMENT_SLIP ||
                    issue == v1::ISSUE_SUPERVISION_NOTICE;
  return slip ? EnumLabel(colour) + name : name;
}

}  // namespace taizhang::workflows
