// The assessment computed from the log (assessment.h): a fold that notes the
// deciding events, the counting of subjects, rungs and investment per unit,
// the scores and the ranking.
#include "workflows/assessment.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "base/status_macros.h"
#include "engine/calendar.h"
#include "workflows/assessment_policy.h"
#include "workflows/enum_label.h"
#include "workflows/ledger_as_of.h"
#include "workflows/project.h"

namespace taizhang::workflows {
namespace {

// ---------------------------------------------------------------------------
// The fold: each stream's state beside the ledger's own fold, and the
// positions of the events that changed what the assessment reads.

std::string SubjectKey(const SupervisedSubject& s) {
  return absl::StrCat(s.stream, "\x1f", s.id, "\x1f", s.episode);
}

struct SubjectMarks {
  uint64_t resolved = 0;  // the event after which it was resolved
  uint64_t red = 0;       // the event that turned its light red
  uint64_t limit = 0;     // the event that last set its limit
  bool was_resolved = false;
  v1::Light light = v1::LIGHT_UNSPECIFIED;
  int64_t due_us = 0;
  bool seen = false;
};

struct RungMarks {
  uint64_t raised = 0;
  uint64_t answered = 0;
};

template <class L>
struct ShadowsOf;
template <class... A>
struct ShadowsOf<WorkflowList<A...>> {
  using type = std::tuple<std::map<std::string, typename engine::AggregateStore<A>::Loaded>...>;
};

class Marks {
 public:
  explicit Marks(const Ledger& ledger) : ledger_(ledger) {}

  absl::Status OnRecord(const store::RecordedEvent& e) {
    absl::Status status;
    bool owned = false;
    auto one = [&](auto& streams, auto& workflow) {
      if (owned || !workflow.Owns(e.record.stream())) return;
      owned = true;
      auto& loaded = streams[e.record.stream()];
      status = workflow.store().ApplyRecord(e, &loaded);
      if (status.ok()) Observe(workflow.aggregate(), loaded.state, e.record.position());
    };
    Apply(one);
    return status;
  }

  template <class F>
  void Apply(F&& f) {
    ApplyAll(f, RegisteredWorkflows{});
  }

  // Every stream's state, as folded, with its aggregate.
  template <class F>
  void ForEachState(F&& f) const {
    ForEachAll(f, RegisteredWorkflows{});
  }

  const SubjectMarks* Subject(const SupervisedSubject& s) const {
    auto it = subjects_.find(SubjectKey(s));
    return it == subjects_.end() ? nullptr : &it->second;
  }
  RungMarks Rung(const std::string& slip) const {
    auto it = rungs_.find(slip);
    return it == rungs_.end() ? RungMarks{} : it->second;
  }
  uint64_t Report(const std::string& code, const std::string& month) const {
    auto it = reports_.find(absl::StrCat(code, "|", month));
    return it == reports_.end() ? 0 : it->second.second;
  }
  // The event that appended a project's `index`-th judged visit period, or
  // its `index`-th rating.
  uint64_t VisitPeriod(const std::string& code, int index) const {
    return Nth(periods_, code, index);
  }
  uint64_t Rating(const std::string& code, int index) const { return Nth(ratings_, code, index); }
  // The unit `person` recorded a visit in person for
  // ("department:<unit>:<person>"), the latest in the log read; "" when
  // none.
  std::string PersonUnit(const std::string& person) const {
    auto it = person_units_.find(person);
    return it == person_units_.end() ? "" : it->second;
  }

 private:
  template <class F, class... A>
  void ApplyAll(F& f, WorkflowList<A...>) {
    std::apply([&](auto&... streams) { (f(streams, ledger_.workflow<A>()), ...); }, shadows_);
  }
  template <class F, class... A>
  void ForEachAll(F& f, WorkflowList<A...>) const {
    auto each = [&](const auto& streams, const auto& aggregate) {
      for (const auto& [stream, loaded] : streams) f(stream, aggregate, loaded.state);
    };
    std::apply(
        [&](const auto&... streams) { (each(streams, ledger_.workflow<A>().aggregate()), ...); },
        shadows_);
  }

  template <class Aggregate, class State>
  void Observe(const Aggregate& aggregate, const State& state, uint64_t position) {
    // A workflow that supervises nothing of its own (a meeting: its matters
    // are tasks) has no subjects and no rungs.
    if constexpr (requires { aggregate.Subjects(state); })
      ObserveSubjects(aggregate, state, position);
    if constexpr (requires { state.rungs(); }) ObserveRungs(state, position);
    ObserveProject(state, position);
  }

  template <class Aggregate, class State>
  void ObserveSubjects(const Aggregate& aggregate, const State& state, uint64_t position) {
    for (const SupervisedSubject& s : aggregate.Subjects(state)) {
      SubjectMarks& m = subjects_[SubjectKey(s)];
      const int64_t due_us = s.due_date.empty() ? 0 : absl::ToUnixMicros(s.due_at);
      if (!m.seen || due_us != m.due_us) m.limit = position;
      if (s.resolved && !m.was_resolved) m.resolved = position;
      if (s.light == v1::LIGHT_RED && m.light != v1::LIGHT_RED) m.red = position;
      m.seen = true;
      m.was_resolved = s.resolved;
      m.light = s.light;
      m.due_us = due_us;
    }
  }

  template <class State>
  void ObserveRungs(const State& state, uint64_t position) {
    for (const v1::SupervisionRung& r : state.rungs()) {
      RungMarks& m = rungs_[r.raised().slip_number()];
      if (m.raised == 0) m.raised = position;
      if (r.answered() && m.answered == 0) m.answered = position;
    }
  }

  static uint64_t Nth(const std::map<std::string, std::vector<uint64_t>>& m,
                      const std::string& code, int index) {
    auto it = m.find(code);
    return it == m.end() || index >= static_cast<int>(it->second.size()) ? 0 : it->second[index];
  }

  template <class State>
  void ObserveProject(const State& state, uint64_t position) {
    if constexpr (std::is_same_v<State, v1::ProjectState>) {
      // Visits, judged periods and ratings are only ever appended: the new
      // ones are those past the counts seen.
      const std::string& code = state.info().code();
      std::vector<uint64_t>& periods = periods_[code];
      while (static_cast<int>(periods.size()) < state.visit_periods_size()) {
        periods.push_back(position);
      }
      std::vector<uint64_t>& ratings = ratings_[code];
      while (static_cast<int>(ratings.size()) < state.ratings_size()) ratings.push_back(position);
      int& visits = visits_seen_[code];
      for (; visits < state.visits_size(); ++visits) {
        const v1::ProjectVisitRecorded& v = state.visits(visits).recorded();
        if (!v.visitor_unit().empty()) person_units_[v.visitor()] = v.visitor_unit();
      }
      for (const v1::ProjectInvestmentEntry& r : state.reports()) {
        auto& [recorded, at] = reports_[absl::StrCat(state.info().code(), "|", r.month())];
        if (at == 0 || recorded != r.recorded_at_us()) {
          recorded = r.recorded_at_us();
          at = position;
        }
      }
    }
  }

  const Ledger& ledger_;
  ShadowsOf<RegisteredWorkflows>::type shadows_;
  std::map<std::string, SubjectMarks> subjects_;
  std::map<std::string, RungMarks> rungs_;
  std::map<std::string, std::pair<int64_t, uint64_t>> reports_;  // code|month -> (recorded, pos)
  std::map<std::string, std::vector<uint64_t>> periods_;         // code -> position of each period
  std::map<std::string, std::vector<uint64_t>> ratings_;         // code -> position of each rating
  std::map<std::string, int> visits_seen_;                       // code -> visits read
  std::map<std::string, std::string> person_units_;              // person -> unit
};

// ---------------------------------------------------------------------------
// Counting.

struct Tally {
  int64_t numerator = 0;
  int64_t denominator = 0;
  int32_t count = 0;  // periods judged, ratings given
};

struct UnitWork {
  std::map<std::string, Tally> indicators;  // by id
  std::map<std::string, int32_t> deductions;
  std::vector<v1::AssessmentCounted> counted;
};

bool Selects(const v1::Indicator& x, const SupervisedSubject& s) {
  for (const auto& sel : x.subjects()) {
    const bool origin = sel.origin_prefix().empty()
                            ? s.origin.empty()
                            : absl::StartsWith(s.origin, sel.origin_prefix());
    if (absl::StartsWith(s.stream, sel.stream_prefix()) &&
        absl::StartsWith(s.id, sel.subject_prefix()) && origin) {
      return true;
    }
  }
  return false;
}

std::string DayText(absl::CivilDay d) { return absl::FormatCivilTime(d); }

// The first day of a visit or rating period ("YYYY-MM", "YYYY-MM-1",
// "YYYY-MM-2"), read by its shape so that a period of an earlier policy
// still reads.
// "county_leader" for VISIT_CAPACITY_COUNTY_LEADER, as the visit periods'
// supervised subjects name them ("visits/<capacity>/<period>").
std::string CapacitySlug(v1::VisitCapacity c) {
  std::string name(absl::StripPrefix(v1::VisitCapacity_Name(c), "VISIT_CAPACITY_"));
  return absl::AsciiStrToLower(name);
}

std::optional<absl::CivilDay> PeriodFirstDay(const std::string& key) {
  const v1::VisitPeriodKind kind =
      key.size() == 9 ? v1::VISIT_PERIOD_KIND_HALF_MONTH : v1::VISIT_PERIOD_KIND_MONTH;
  auto p = ParseVisitPeriod(kind, key);
  if (!p.ok()) return std::nullopt;
  return p->first;
}

class Counter {
 public:
  Counter(const v1::AssessmentRule& rule, const Marks& marks, absl::Time open, absl::Time close,
          absl::CivilDay from, absl::CivilDay to)
      : policy_(rule.policy()),
        rule_(rule),
        marks_(marks),
        open_(open),
        close_(close),
        from_(from),
        to_(to) {
    for (const auto& g : policy_.groups()) {
      for (const auto& u : g.units()) units_[u];
    }
  }

  void AddSubject(const SupervisedSubject& s) {
    if (s.due_date.empty() || s.parties.unit_role() == "enterprise") return;
    const bool on_time = s.resolved && s.resolved_at < s.due_at;
    if (!s.resolved && (s.suspended || s.due_at > close_)) return;  // waits
    const absl::Time decided = on_time ? s.resolved_at : s.due_at;
    if (decided < open_ || decided > close_) return;
    const SubjectMarks* m = marks_.Subject(s);
    v1::AssessmentCounted c;
    c.set_stream(s.stream);
    c.set_subject(s.id);
    c.set_matter(s.matter);
    c.set_due_on(s.due_date);
    if (on_time) {
      c.set_outcome(v1::COUNTED_OUTCOME_ON_TIME);
      if (m != nullptr) c.set_position(m->resolved);
    } else if (s.resolved) {
      c.set_outcome(v1::COUNTED_OUTCOME_LATE_DONE);
      if (m != nullptr) c.set_position(m->resolved);
    } else {
      c.set_outcome(v1::COUNTED_OUTCOME_LATE_OPEN);
      if (m != nullptr) c.set_position(m->red != 0 ? m->red : m->limit);
    }
    for (const auto& x : policy_.indicators()) {
      if (x.kind() != v1::INDICATOR_KIND_ON_TIME_RATE || !Selects(x, s)) continue;
      c.set_indicator(x.id());
      for (const std::string& unit : Distinct(s.parties.units())) {
        UnitWork* u = Find(unit);
        if (u == nullptr) continue;
        Tally& t = u->indicators[x.id()];
        ++t.denominator;
        if (on_time) ++t.numerator;
        u->counted.push_back(c);
      }
    }
  }

  void AddRungs(const std::string& stream, const SupervisionRungs& rungs) {
    for (const v1::SupervisionRung& r : rungs) {
      const v1::SupervisionRungRaised& raised = r.raised();
      if (raised.parties().unit_role() == "enterprise") continue;
      // The units that answered for the subject when it was raised: a rung
      // addressed to a unit's head (约谈) counts against the unit.
      const std::set<std::string> to = Distinct(raised.parties().units());
      const RungMarks m = marks_.Rung(raised.slip_number());
      v1::AssessmentCounted c;
      c.set_stream(stream);
      c.set_subject(raised.slip_number());
      c.set_matter(absl::StrCat(raised.rung_name(), "：", raised.matter()));
      // The answer, when it has a limit: decided on time at the answer, late
      // when the limit passes.
      std::optional<v1::CountedOutcome> answer;
      if (raised.rectification_due_at_us() != 0) {
        const absl::Time due = absl::FromUnixMicros(raised.rectification_due_at_us());
        const absl::Time answered = absl::FromUnixMicros(r.answered_at_us());
        const bool on_time = r.answered() && !r.answered_late();
        const absl::Time decided = on_time ? answered : due;
        if (decided >= open_ && decided <= close_ && (on_time || due <= close_)) {
          answer = on_time        ? v1::COUNTED_OUTCOME_ANSWERED_ON_TIME
                   : r.answered() ? v1::COUNTED_OUTCOME_ANSWERED_LATE
                                  : v1::COUNTED_OUTCOME_UNANSWERED;
        }
      }
      const absl::Time raised_at = absl::FromUnixMicros(raised.raised_at_us());
      const bool raised_in = raised_at >= open_ && raised_at <= close_;
      for (const std::string& unit : to) {
        UnitWork* u = Find(unit);
        if (u == nullptr) continue;
        if (answer.has_value()) {
          v1::AssessmentCounted a = c;
          a.set_outcome(*answer);
          a.set_due_on(raised.rectification_due_on());
          a.set_position(*answer == v1::COUNTED_OUTCOME_UNANSWERED ? m.raised : m.answered);
          const bool late = *answer != v1::COUNTED_OUTCOME_ANSWERED_ON_TIME;
          for (const auto& x : policy_.indicators()) {
            if (x.kind() != v1::INDICATOR_KIND_RUNG_ANSWER_RATE) continue;
            Tally& t = u->indicators[x.id()];
            ++t.denominator;
            if (!late) ++t.numerator;
            a.set_indicator(x.id());
            u->counted.push_back(a);
          }
          for (const auto& d : policy_.deductions()) {
            if (d.kind() != v1::DEDUCTION_KIND_LATE_ANSWER || !late) continue;
            ++u->deductions[d.id()];
            a.set_indicator(d.id());
            u->counted.push_back(a);
          }
        }
        if (!raised_in) continue;
        for (const auto& d : policy_.deductions()) {
          if (d.kind() != v1::DEDUCTION_KIND_RUNG_RAISED || raised.issues() != d.issue()) continue;
          ++u->deductions[d.id()];
          v1::AssessmentCounted x = c;
          x.set_indicator(d.id());
          x.set_outcome(v1::COUNTED_OUTCOME_RUNG_RAISED);
          x.set_position(m.raised);
          u->counted.push_back(std::move(x));
        }
      }
    }
  }

  void AddProject(const v1::ProjectState& s) {
    UnitWork* u = Find(s.info().lead_unit());
    if (u == nullptr) return;
    const absl::CivilDay last_read = std::min(to_, engine::DayOf(close_));
    for (int year = static_cast<int>(from_.year()); year <= static_cast<int>(to_.year()); ++year) {
      int64_t plan = 0;
      for (const auto& p : s.plans()) {
        if (p.year() == year) plan = p.amount_yuan();
      }
      if (plan <= 0) continue;
      const std::string last_month = absl::FormatCivilTime(
          absl::CivilMonth(std::min(last_read, absl::CivilDay(year, 12, 31))));
      if (last_month < absl::StrCat(year, "-01")) continue;
      int64_t done = 0;
      std::string month;
      for (const auto& r : s.reports()) {
        if (absl::StartsWith(r.month(), absl::StrCat(year, "-")) && r.month() <= last_month) {
          done = r.cumulative_yuan();
          month = r.month();
        }
      }
      done = std::min(done, plan);
      for (const auto& x : policy_.indicators()) {
        if (x.kind() != v1::INDICATOR_KIND_INVESTMENT_COMPLETION) continue;
        Tally& t = u->indicators[x.id()];
        t.numerator += done;
        t.denominator += plan;
        v1::AssessmentCounted c;
        c.set_indicator(x.id());
        c.set_stream(absl::StrCat(WorkflowTraits<Project>::kPrefix, s.info().code()));
        c.set_subject(month.empty() ? absl::StrCat("plan/", year) : absl::StrCat("report/", month));
        c.set_outcome(v1::COUNTED_OUTCOME_INVESTMENT);
        c.set_matter(s.info().name());
        c.set_amount_yuan(done);
        c.set_plan_yuan(plan);
        if (!month.empty()) c.set_position(marks_.Report(s.info().code(), month));
        u->counted.push_back(std::move(c));
      }
    }
  }

  // The judged quota periods of the project's people whose last day is in
  // the period (a period is judged at its close, 00:00 the day after: one
  // ending on the period's last day is counted once the log read has it).
  // A person counts for the unit they record their own visits for
  // ("department:<unit>:<name>"), else (a leader, or a contact the log has
  // never seen visit in person) for the project's lead unit, whom the
  // supervision path addresses for the project's people.
  void AddVisitPeriods(const v1::ProjectState& s) {
    if (!rule_.visit_quotas()) return;
    const std::string stream = absl::StrCat(WorkflowTraits<Project>::kPrefix, s.info().code());
    for (int i = 0; i < s.visit_periods_size(); ++i) {
      const v1::ProjectVisitPeriodResult& r = s.visit_periods(i);
      auto last = engine::ParseDate(r.last_day());
      if (!last.ok() || *last < from_ || *last > to_) continue;
      UnitWork* u = Find(UnitOfPerson(s, r.person()));
      if (u == nullptr) continue;
      const bool met = r.visits() >= r.required();
      for (const auto& x : policy_.indicators()) {
        if (x.kind() != v1::INDICATOR_KIND_VISITS_MADE) continue;
        Tally& t = u->indicators[x.id()];
        ++t.denominator;
        ++t.count;
        if (met) ++t.numerator;
        v1::AssessmentCounted c;
        c.set_indicator(x.id());
        c.set_stream(stream);
        c.set_subject(absl::StrCat("visits/", CapacitySlug(r.capacity()), "/", r.period()));
        c.set_matter(absl::StrCat(EnumLabel(r.capacity()), r.person(), " ", r.period(), " 走访 ",
                                  r.visits(), " 次（应 ", r.required(), " 次） — ",
                                  s.info().name()));
        c.set_due_on(r.last_day());
        c.set_outcome(met ? v1::COUNTED_OUTCOME_VISITS_MET : v1::COUNTED_OUTCOME_VISITS_SHORT);
        c.set_position(marks_.VisitPeriod(s.info().code(), i));
        c.set_person(r.person());
        c.set_visits(r.visits());
        c.set_required(r.required());
        u->counted.push_back(std::move(c));
      }
    }
  }

  // The ratings of the project's service contacts for periods beginning in
  // the period, given by the log read; on the rule's scale.
  void AddRatings(const v1::ProjectState& s) {
    const v1::VisitRatingScale& scale = rule_.rating();
    if (scale.max_score() <= scale.min_score()) return;
    const std::string stream = absl::StrCat(WorkflowTraits<Project>::kPrefix, s.info().code());
    for (int i = 0; i < s.ratings_size(); ++i) {
      const v1::ProjectServiceRated& r = s.ratings(i);
      const std::optional<absl::CivilDay> first = PeriodFirstDay(r.period());
      if (!first.has_value() || *first < from_ || *first > to_) continue;
      UnitWork* u = Find(UnitOfPerson(s, r.contact()));
      if (u == nullptr) continue;
      const int32_t score = std::clamp(r.score(), scale.min_score(), scale.max_score());
      for (const auto& x : policy_.indicators()) {
        if (x.kind() != v1::INDICATOR_KIND_ENTERPRISE_RATING) continue;
        Tally& t = u->indicators[x.id()];
        t.numerator += score - scale.min_score();
        t.denominator += scale.max_score() - scale.min_score();
        ++t.count;
        v1::AssessmentCounted c;
        c.set_indicator(x.id());
        c.set_stream(stream);
        c.set_subject(absl::StrCat("rating/", CapacitySlug(r.capacity()), "/", r.period()));
        c.set_matter(absl::StrCat(EnumLabel(r.capacity()), r.contact(), " ", r.period(), " 评分 ",
                                  r.score(), "（", r.grade(), "） — ", s.info().name()));
        c.set_outcome(v1::COUNTED_OUTCOME_RATED);
        c.set_position(marks_.Rating(s.info().code(), i));
        c.set_person(r.contact());
        c.set_score(r.score());
        u->counted.push_back(std::move(c));
      }
    }
  }

  std::map<std::string, UnitWork>& units() { return units_; }

 private:
  std::string UnitOfPerson(const v1::ProjectState& s, const std::string& person) const {
    std::string unit = marks_.PersonUnit(person);
    return unit.empty() ? s.info().lead_unit() : unit;
  }

  UnitWork* Find(const std::string& unit) {
    auto it = units_.find(unit);
    return it == units_.end() ? nullptr : &it->second;
  }
  static std::set<std::string> Distinct(const google::protobuf::RepeatedPtrField<std::string>& v) {
    return std::set<std::string>(v.begin(), v.end());
  }

  const v1::AssessmentPolicy& policy_;
  const v1::AssessmentRule& rule_;
  const Marks& marks_;
  const absl::Time open_, close_;
  const absl::CivilDay from_, to_;
  std::map<std::string, UnitWork> units_;
};

// ---------------------------------------------------------------------------
// Scoring and ranking.

// round_half_up(a / b) for b > 0, a >= 0.
int64_t Rounded(__int128 a, __int128 b) { return static_cast<int64_t>((2 * a + b) / (2 * b)); }

// Why an indicator of `kind` cannot be computed under `rule`; "" when it
// can.
std::string NotComputedReason(const v1::AssessmentRule& rule, v1::IndicatorKind kind) {
  if (kind == v1::INDICATOR_KIND_VISITS_MADE && !rule.visit_quotas()) {
    return absl::StrCat("走访办法（", rule.visit_policy_name(), "）未规定走访次数，不考核走访");
  }
  if (kind == v1::INDICATOR_KIND_ENTERPRISE_RATING &&
      rule.rating().max_score() <= rule.rating().min_score()) {
    return absl::StrCat("走访办法（", rule.visit_policy_name(), "）没有企业评分标准");
  }
  return "";
}

v1::UnitAssessment Score(const v1::AssessmentRule& rule, const v1::UnitGroup& group,
                         const std::string& name, UnitWork& work) {
  const v1::AssessmentPolicy& policy = rule.policy();
  v1::UnitAssessment u;
  u.set_unit(name);
  u.set_group(group.name());
  u.set_kind(group.kind());
  int64_t full = 0, excluded = 0;
  bool any_data = false;
  // An indicator that cannot be computed is left out, its weight shared
  // out, whatever its no-data rule (it has no data for anyone).
  auto left_out = [&](const v1::Indicator& x, const Tally& t) {
    return !NotComputedReason(rule, x.kind()).empty() ||
           (t.denominator == 0 && x.no_data() == v1::NO_DATA_EXCLUDED);
  };
  for (const auto& x : policy.indicators()) {
    full += x.weight();
    const Tally& t = work.indicators[x.id()];
    if (left_out(x, t)) excluded += x.weight();
    any_data = any_data || (t.denominator > 0 && NotComputedReason(rule, x.kind()).empty());
  }
  // Nothing counted at all: nothing to score (full marks for no data would
  // rank a unit that did nothing first).
  const int64_t kept = any_data ? full - excluded : 0;
  u.set_unscored(kept == 0);
  int64_t gross = 0;
  for (const auto& x : policy.indicators()) {
    const Tally& t = work.indicators[x.id()];
    v1::IndicatorScore* s = u.add_indicators();
    s->set_indicator(x.id());
    s->set_name(x.name());
    s->set_kind(x.kind());
    s->set_weight(x.weight());
    const std::string reason = NotComputedReason(rule, x.kind());
    s->set_computed(reason.empty());
    s->set_not_computed_reason(reason);
    s->set_has_data(reason.empty() && t.denominator > 0);
    s->set_numerator(t.numerator);
    s->set_denominator(t.denominator);
    s->set_count(t.count);
    if (!s->has_data()) s->set_no_data(x.no_data());
    if (kept == 0 || left_out(x, t)) continue;
    // weight × full ÷ kept: the excluded weight shared out.
    const __int128 w = static_cast<__int128>(x.weight()) * 100 * full;
    s->set_weight_centi(Rounded(w, kept));
    if (t.denominator > 0) {
      s->set_score_centi(Rounded(w * t.numerator, static_cast<__int128>(kept) * t.denominator));
    } else if (x.no_data() == v1::NO_DATA_FULL_MARKS) {
      s->set_score_centi(s->weight_centi());
    }
    gross += s->score_centi();
  }
  int64_t deducted = 0;
  for (const auto& d : policy.deductions()) {
    const int32_t count = work.deductions[d.id()];
    if (count == 0) continue;
    int64_t points = count * ToCenti(d.points_each());
    if (d.max_points() > 0) points = std::min(points, ToCenti(d.max_points()));
    v1::DeductionScore* s = u.add_deductions();
    s->set_deduction(d.id());
    s->set_name(d.name());
    s->set_count(count);
    s->set_points_centi(points);
    deducted += points;
  }
  u.set_gross_centi(gross);
  u.set_deducted_centi(deducted);
  const int64_t floor = ToCenti(policy.min_score());
  u.set_floored(!u.unscored() && gross - deducted < floor);
  u.set_score_centi(u.unscored() ? 0 : std::max(gross - deducted, floor));
  // The breakdown in policy order (indicators, then deductions), then by
  // stream and subject.
  std::map<std::string, int> order;
  for (const auto& x : policy.indicators()) order.emplace(x.id(), static_cast<int>(order.size()));
  for (const auto& d : policy.deductions()) order.emplace(d.id(), static_cast<int>(order.size()));
  std::stable_sort(work.counted.begin(), work.counted.end(),
                   [&](const v1::AssessmentCounted& a, const v1::AssessmentCounted& b) {
                     return std::make_tuple(order[a.indicator()], a.stream(), a.subject()) <
                            std::make_tuple(order[b.indicator()], b.stream(), b.subject());
                   });
  for (auto& c : work.counted) *u.add_counted() = std::move(c);
  return u;
}

int32_t HowMany(int32_t count, int32_t share_percent, int32_t n) {
  if (count > 0) return count;
  if (share_percent <= 0 || n == 0) return 0;
  return std::max(1, share_percent * n / 100);
}

// Ranks one group's units in place and sets their standing.
void Rank(const v1::UnitGroup& group, std::vector<v1::UnitAssessment>& units) {
  // Equal scores keep the rule's order (units come in it).
  std::stable_sort(units.begin(), units.end(), [](const auto& a, const auto& b) {
    if (a.unscored() != b.unscored()) return !a.unscored();
    return a.score_centi() > b.score_centi();
  });
  std::vector<int64_t> scores;
  for (const auto& u : units) {
    if (!u.unscored()) scores.push_back(u.score_centi());
  }
  const int32_t n = static_cast<int32_t>(scores.size());
  const int32_t advanced = HowMany(group.advanced_count(), group.advanced_share_percent(), n);
  const int32_t last = HowMany(group.last_count(), group.last_share_percent(), n);
  for (auto& u : units) {
    if (u.unscored()) continue;
    int32_t higher = 0, lower = 0;
    for (int64_t s : scores) {
      if (s > u.score_centi()) ++higher;
      if (s < u.score_centi()) ++lower;
    }
    u.set_rank(higher + 1);
    if (u.rank() <= advanced) {
      u.set_standing(v1::ASSESSMENT_STANDING_ADVANCED);
    } else if (lower < last) {
      u.set_standing(v1::ASSESSMENT_STANDING_LAST);
    }
  }
}

}  // namespace

std::string CentiText(int64_t centi) {
  const int64_t a = centi < 0 ? -centi : centi;
  return absl::StrFormat("%s%d.%02d", centi < 0 ? "-" : "", a / 100, a % 100);
}

v1::AssessmentRule AssessmentRuleOf(const Ledger& ledger, const v1::AssessmentPolicy& policy) {
  v1::AssessmentRule rule;
  *rule.mutable_policy() = policy;
  const v1::VisitPolicy& visits = ledger.workflow<Project>().aggregate().visit_policy();
  rule.set_visit_quotas(visits.quotas_size() > 0);
  *rule.mutable_rating() = visits.rating();
  rule.set_visit_policy_name(visits.name());
  return rule;
}

absl::StatusOr<v1::Assessment> ComputeAssessment(const Ledger& ledger,
                                                 const v1::AssessmentPolicy& policy,
                                                 const AssessmentQuery& query, absl::Time now) {
  return ComputeAssessment(ledger, AssessmentRuleOf(ledger, policy), query, now);
}

absl::StatusOr<v1::Assessment> ComputeAssessment(const Ledger& ledger,
                                                 const v1::AssessmentRule& rule,
                                                 const AssessmentQuery& query, absl::Time now) {
  const v1::AssessmentPolicy& policy = rule.policy();
  if (query.to < query.from) {
    return absl::InvalidArgumentError(
        absl::StrCat("考核期间的截止日 ", DayText(query.to), " 早于起始日 ", DayText(query.from)));
  }
  if (query.through_position != 0 && query.as_of.has_value()) {
    return absl::InvalidArgumentError("考核按日志位置或按日期读取，二者只能取一");
  }
  Marks marks(ledger);
  auto hook = [&marks](const store::RecordedEvent& e) { return marks.OnRecord(e); };
  absl::Time read_end = query.as_of.has_value() ? EndOfChinaDay(*query.as_of) : now;
  absl::StatusOr<LedgerAsOf> read = query.through_position != 0
                                        ? ReadLedgerThrough(ledger, query.through_position, hook)
                                        : ReadLedgerAsOf(ledger, read_end, now, hook);
  if (!read.ok()) return read.status();
  const LedgerAsOf& at = *read;
  // Read through a position: judged at the period's end.
  if (query.through_position != 0) read_end = EndOfChinaDay(query.to);
  const absl::Time open = engine::StartOfDay(query.from);
  const absl::Time close = std::min(EndOfChinaDay(query.to), read_end);
  Counter counter(rule, marks, open, close, query.from, query.to);
  marks.ForEachState([&](const std::string& stream, const auto& aggregate, const auto& state) {
    if constexpr (requires { aggregate.Subjects(state); }) {
      for (const SupervisedSubject& s : aggregate.Subjects(state)) counter.AddSubject(s);
    }
    if constexpr (requires { state.rungs(); }) counter.AddRungs(stream, state.rungs());
    if constexpr (std::is_same_v<std::decay_t<decltype(state)>, v1::ProjectState>) {
      counter.AddProject(state);
      counter.AddVisitPeriods(state);
      counter.AddRatings(state);
    }
  });

  v1::Assessment out;
  out.set_policy_id(policy.id());
  out.set_policy_name(policy.name());
  out.set_from(DayText(query.from));
  out.set_to(DayText(query.to));
  if (query.as_of.has_value()) out.set_as_of(DayText(*query.as_of));
  out.set_judged_at_us(absl::ToUnixMicros(close));
  out.set_through_position(at.through_position);
  for (const v1::UnitGroup& group : policy.groups()) {
    std::vector<v1::UnitAssessment> units;
    for (const std::string& name : group.units()) {
      units.push_back(Score(rule, group, name, counter.units()[name]));
    }
    Rank(group, units);
    for (auto& u : units) *out.add_units() = std::move(u);
  }
  return out;
}

}  // namespace taizhang::workflows
