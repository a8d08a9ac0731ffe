// Visits (走访) and the enterprises' ratings of their service contacts, on
// the project's stream: the visit policy, quota periods, deciding a visit and
// a rating, judging a period, and the tallies the bulletin and the
// assessment read (visit.proto; docs/visits.md).
#include <algorithm>
#include <fstream>
#include <initializer_list>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "base/status_macros.h"
#include "engine/calendar.h"
#include "engine/deadline_rule.h"
#include "engine/ladder.h"
#include "engine/text_proto.h"
#include "google/protobuf/text_format.h"
#include "workflows/attachments.h"
#include "workflows/enum_label.h"
#include "workflows/project.h"
#include "workflows/project_internal.h"

namespace taizhang::workflows {
namespace {

using engine::DayOf;
using engine::FormatDate;

bool Blank(const std::string& text) { return absl::StripAsciiWhitespace(text).empty(); }

// ---------------------------------------------------------------------------
// Policy validation with line numbers.

int FieldLine(const google::protobuf::TextFormat::ParseInfoTree* tree, const char* field,
              int index = -1, const char* nested = nullptr) {
  if (tree == nullptr) return 0;
  const google::protobuf::Descriptor* d = v1::VisitPolicy::descriptor();
  const google::protobuf::FieldDescriptor* f = d->FindFieldByName(field);
  if (f == nullptr) return 0;
  int line = tree->GetLocation(f, index).line;
  if (nested != nullptr && f->message_type() != nullptr) {
    const auto* sub = tree->GetTreeForNested(f, index);
    const auto* nf = f->message_type()->FindFieldByName(nested);
    if (sub != nullptr && nf != nullptr) {
      const int l = sub->GetLocation(nf, nf->is_repeated() ? 0 : -1).line;
      if (l >= 0) line = l;
    }
  }
  return line + 1;
}

bool ValidKind(v1::VisitPeriodKind k) {
  return k == v1::VISIT_PERIOD_KIND_MONTH || k == v1::VISIT_PERIOD_KIND_HALF_MONTH;
}

bool QuotaCapacity(v1::VisitCapacity c) {
  return c >= v1::VISIT_CAPACITY_RESPONSIBLE_LEADER && c <= v1::VISIT_CAPACITY_DEPARTMENT_CADRE;
}

bool RatedCapacity(v1::VisitCapacity c) {
  return c >= v1::VISIT_CAPACITY_COUNTY_LEADER && c <= v1::VISIT_CAPACITY_DEPARTMENT_CADRE;
}

absl::Status Validate(const v1::VisitPolicy& policy, const std::string& name,
                      const google::protobuf::TextFormat::ParseInfoTree* tree) {
  std::vector<std::string> problems;
  auto add = [&](int line, absl::string_view reason) {
    problems.push_back(line > 0 ? absl::StrCat(name, ":", line, ": ", reason)
                                : absl::StrCat(name, ": ", reason));
  };
  if (policy.name().empty()) add(FieldLine(tree, "name"), "name is empty");
  std::set<int> seen;
  for (int i = 0; i < policy.quotas_size(); ++i) {
    const v1::VisitQuota& q = policy.quotas(i);
    const int line = FieldLine(tree, "quotas", i);
    if (!QuotaCapacity(q.capacity())) {
      add(line, absl::StrCat("quotas #", i + 1,
                             ": capacity must be RESPONSIBLE_LEADER, COUNTY_LEADER, TOWN_MEMBER or "
                             "DEPARTMENT_CADRE"));
    } else if (!seen.insert(q.capacity()).second) {
      add(line, absl::StrCat("quotas #", i + 1, ": capacity ", v1::VisitCapacity_Name(q.capacity()),
                             " is given twice"));
    }
    if (!ValidKind(q.period())) {
      add(line, absl::StrCat("quotas #", i + 1,
                             ": period must be VISIT_PERIOD_KIND_MONTH or _HALF_MONTH"));
    }
    if (q.at_least() < 1) {
      add(line, absl::StrCat("quotas #", i + 1, ": at_least is ", q.at_least(), ", must be >= 1"));
    }
  }
  if (policy.quotas_size() > 0) {
    if (!policy.has_ladder()) {
      add(FieldLine(tree, "quotas", 0),
          "ladder is missing: give the ladder for a period below quota");
    } else if (absl::Status s = engine::ValidateLadder(policy.ladder(), "ladder"); !s.ok()) {
      add(FieldLine(tree, "ladder"), s.message());
    }
  }
  if (!policy.has_rating()) {
    add(0, "rating is missing: give the enterprises' rating scale");
  } else {
    const v1::VisitRatingScale& r = policy.rating();
    const int line = FieldLine(tree, "rating");
    if (r.max_score() <= r.min_score()) {
      add(line, absl::StrCat("rating: max_score ", r.max_score(), " must be > min_score ",
                             r.min_score()));
    }
    if (!ValidKind(r.period())) {
      add(FieldLine(tree, "rating", -1, "period"),
          "rating.period must be VISIT_PERIOD_KIND_MONTH or _HALF_MONTH");
    }
    if (r.grades_size() == 0) add(line, "rating: give at least one grade");
    for (int i = 0; i < r.grades_size(); ++i) {
      const auto& g = r.grades(i);
      const int gl = FieldLine(tree, "rating", -1, "grades");
      if (g.name().empty()) add(gl, absl::StrCat("rating.grades #", i + 1, ": name is empty"));
      if (i == 0 && g.from_score() != r.min_score()) {
        add(gl, absl::StrCat("rating.grades #1: from_score ", g.from_score(), " must be min_score ",
                             r.min_score()));
      }
      if (i > 0 && g.from_score() <= r.grades(i - 1).from_score()) {
        add(gl, absl::StrCat("rating.grades #", i + 1, ": from_score ", g.from_score(),
                             " must be above the previous grade's"));
      }
      if (g.from_score() > r.max_score()) {
        add(gl, absl::StrCat("rating.grades #", i + 1, ": from_score ", g.from_score(),
                             " is above max_score ", r.max_score()));
      }
    }
  }
  if (problems.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrJoin(problems, "; "));
}

// "county_leader" for VISIT_CAPACITY_COUNTY_LEADER: the capacity in a
// subject id.
std::string CapacitySlug(v1::VisitCapacity c) {
  constexpr absl::string_view kPrefix = "VISIT_CAPACITY_";
  std::string name = v1::VisitCapacity_Name(c);
  if (absl::StartsWith(name, kPrefix)) name = name.substr(kPrefix.size());
  return absl::AsciiStrToLower(name);
}

// The acting person: a leader is its unit ("leader:<name>"), anyone else its
// person part ("department:<unit>:<name>").
std::string ActingPerson(const Principal& p) { return p.Is(Role::kLeader) ? p.unit : p.person; }

}  // namespace

// ---------------------------------------------------------------------------
// Policy.

absl::Status ValidateVisitPolicy(const v1::VisitPolicy& policy, const std::string& name) {
  return Validate(policy, name, nullptr);
}

absl::StatusOr<v1::VisitPolicy> ParseVisitPolicy(const std::string& name, const std::string& text) {
  v1::VisitPolicy policy;
  RETURN_IF_ERROR(engine::ParseTextProto(name, text, &policy));
  google::protobuf::TextFormat::ParseInfoTree tree;
  google::protobuf::TextFormat::Parser parser;
  parser.WriteLocationsTo(&tree);
  v1::VisitPolicy located;
  const bool located_ok = parser.ParseFromString(text, &located);
  RETURN_IF_ERROR(Validate(policy, name, located_ok ? &tree : nullptr));
  return policy;
}

absl::StatusOr<v1::VisitPolicy> LoadVisitPolicy(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open"));
  std::stringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) return absl::NotFoundError(absl::StrCat(path, ": cannot read"));
  return ParseVisitPolicy(path, buffer.str());
}

// ---------------------------------------------------------------------------
// Periods.

VisitPeriod VisitPeriodOf(v1::VisitPeriodKind kind, absl::CivilDay day) {
  VisitPeriod p;
  p.kind = kind;
  const absl::CivilMonth month(day);
  const absl::CivilDay first(month);
  const absl::CivilDay last = absl::CivilDay(month + 1) - 1;
  if (kind == v1::VISIT_PERIOD_KIND_HALF_MONTH) {
    const bool second = day.day() >= 16;
    p.first = second ? first + 15 : first;
    p.last = second ? last : first + 14;
    p.key = absl::StrCat(FormatMonth(month), second ? "-2" : "-1");
  } else {
    p.first = first;
    p.last = last;
    p.key = FormatMonth(month);
  }
  return p;
}

VisitPeriod NextVisitPeriod(const VisitPeriod& period) {
  return VisitPeriodOf(period.kind, period.last + 1);
}

absl::Time VisitPeriodClose(const VisitPeriod& period) {
  return engine::StartOfDay(period.last + 1);
}

absl::StatusOr<VisitPeriod> ParseVisitPeriod(v1::VisitPeriodKind kind, absl::string_view text) {
  const bool half = kind == v1::VISIT_PERIOD_KIND_HALF_MONTH;
  auto bad = [&] {
    return absl::InvalidArgumentError(
        absl::StrCat("period: '", text, "' 不是",
                     half ? "半月（YYYY-MM-1 上半月 或 YYYY-MM-2 下半月）" : "月份（YYYY-MM）"));
  };
  if (text.size() != (half ? 9u : 7u)) return bad();
  auto month = ParseMonth(text.substr(0, 7));
  if (!month.ok()) return bad();
  if (!half) return VisitPeriodOf(kind, absl::CivilDay(*month));
  if (text[7] != '-' || (text[8] != '1' && text[8] != '2')) return bad();
  return VisitPeriodOf(kind, absl::CivilDay(*month) + (text[8] == '2' ? 15 : 0));
}

std::string VisitCapacityPerson(const v1::ProjectInfo& info, v1::VisitCapacity capacity) {
  switch (capacity) {
    case v1::VISIT_CAPACITY_RESPONSIBLE_LEADER:
      return info.responsible_leader();
    case v1::VISIT_CAPACITY_COUNTY_LEADER:
      return info.service_contacts().county_leader();
    case v1::VISIT_CAPACITY_TOWN_MEMBER:
      return info.service_contacts().town_member();
    case v1::VISIT_CAPACITY_DEPARTMENT_CADRE:
      return info.service_contacts().department_cadre();
    default:
      return "";
  }
}

std::vector<v1::VisitCapacity> VisitCapacitiesOf(const v1::ProjectInfo& info,
                                                 absl::string_view person) {
  std::vector<v1::VisitCapacity> out;
  if (person.empty()) return out;
  for (v1::VisitCapacity c :
       {v1::VISIT_CAPACITY_RESPONSIBLE_LEADER, v1::VISIT_CAPACITY_COUNTY_LEADER,
        v1::VISIT_CAPACITY_TOWN_MEMBER, v1::VISIT_CAPACITY_DEPARTMENT_CADRE}) {
    if (VisitCapacityPerson(info, c) == person) out.push_back(c);
  }
  return out;
}

std::vector<v1::ProjectVisitTally> VisitTallies(const v1::ProjectState& state) {
  std::map<std::pair<std::string, std::string>, v1::ProjectVisitTally> by;  // (month, person)
  for (const auto& v : state.visits()) {
    const auto& r = v.recorded();
    auto day = engine::ParseDate(r.on());
    if (!day.ok()) continue;
    const std::string month = FormatMonth(absl::CivilMonth(*day));
    v1::ProjectVisitTally& t = by[{month, r.visitor()}];
    if (t.person().empty()) {
      t.set_person(r.visitor());
      t.set_month(month);
      if (r.capacities().empty()) {
        t.add_capacities(v1::VISIT_CAPACITY_OTHER);
      } else {
        *t.mutable_capacities() = r.capacities();
      }
    }
    t.set_visits(t.visits() + 1);
    if (day->day() <= 15) {
      t.set_first_half(t.first_half() + 1);
    } else {
      t.set_second_half(t.second_half() + 1);
    }
  }
  std::vector<v1::ProjectVisitTally> out;
  for (auto& [key, t] : by) out.push_back(std::move(t));
  return out;
}

namespace project_internal {

bool CompletedOnOrBefore(const ProjectState& s, absl::CivilDay day) {
  return !s.completed_on().empty() && MustDay(s.completed_on()) <= day;
}

// ---------------------------------------------------------------------------
// Deciding a visit.

absl::StatusOr<Events> RecordVisit(const ProjectState& s, const v1::RecordProjectVisit& c,
                                   const engine::DecideContext& ctx, const Principal& p) {
  const v1::ProjectInfo& info = s.info();
  std::string visitor = std::string(absl::StripAsciiWhitespace(c.visitor()));
  if (p.Is(Role::kSupervision)) {
    if (p.unit != info.supervision_office()) {
      return Denied("走访补录",
                    absl::StrCat("本项目的督查室 supervision:", info.supervision_office()), p);
    }
    if (visitor.empty()) {
      return absl::InvalidArgumentError("visitor: 督查室代为录入时须写明走访人");
    }
  } else if (p.Is(Role::kLeader) || p.Is(Role::kDepartment)) {
    const std::string self = ActingPerson(p);
    if (self.empty()) {
      return absl::PermissionDeniedError(
          absl::StrCat("走访由本人记录：", p.ToActor(),
                       " 没有写明本人（部门干部以 department:<单位>:<本人> "
                       "记录自己的走访），他人的走访由督查室补录"));
    }
    if (!visitor.empty() && visitor != self) {
      return absl::PermissionDeniedError(absl::StrCat(p.ToActor(), " 只能记录本人的走访，不能记录 ",
                                                      visitor, " 的走访；他人的走访由督查室补录"));
    }
    visitor = self;
  } else {
    return Denied("记录走访", "走访的领导或服务员本人，或本项目的督查室", p);
  }
  if (Blank(c.findings())) return absl::InvalidArgumentError("findings: 必填（走访了解的情况）");
  for (int i = 0; i < c.problems_size(); ++i) {
    if (Blank(c.problems(i))) {
      return absl::InvalidArgumentError(
          absl::StrCat("problems #", i + 1, ": 空的问题（每条问题写一行，不需要的请删去）"));
    }
  }
  const absl::CivilDay day = DayOf(ctx.occurred_at);
  if (day < MustDay(s.registered_on())) {
    return absl::InvalidArgumentError(
        absl::StrCat("occurred_at: ", FormatDate(day), " 早于项目登记日 ", s.registered_on()));
  }
  // The visit's photos and documents, checked by their bytes before Decide
  // (the service fills them from the request's files).
  RETURN_IF_ERROR(CheckAttachmentRefs(c.attachments(), "attachments"));
  Events events;
  v1::ProjectVisitRecorded* e = events.emplace_back().mutable_visit_recorded();
  const int32_t number = s.visits_size() + 1;
  e->set_number(number);
  e->set_visitor(visitor);
  for (v1::VisitCapacity cap : VisitCapacitiesOf(info, visitor)) e->add_capacities(cap);
  e->set_on(FormatDate(day));
  e->set_occurred_at_us(ToUs(ctx.occurred_at));
  e->set_recorded_at_us(ToUs(ctx.now));
  e->set_findings(c.findings());
  for (int i = 0; i < c.problems_size(); ++i) {
    e->add_problems(c.problems(i));
    e->add_problem_ids(absl::StrCat(info.code(), "-V", number, "-", i + 1));
  }
  e->set_recorded_by(ctx.actor);
  if (!p.Is(Role::kSupervision) && !p.Is(Role::kLeader)) e->set_visitor_unit(p.unit);
  *e->mutable_attachments() = c.attachments();
  return events;
}

// ---------------------------------------------------------------------------
// Deciding a rating.

absl::StatusOr<Events> Rate(const Project& project, const ProjectState& s,
                            const v1::RateProjectServiceContact& c,
                            const engine::DecideContext& ctx, const Principal& p) {
  const v1::ProjectInfo& info = s.info();
  if (!p.Is(Role::kEnterprise) || p.unit != info.owner()) {
    return Denied("对服务员评价", absl::StrCat("本项目的业主单位 enterprise:", info.owner()), p);
  }
  const v1::VisitPolicy& policy = project.visit_policy();
  if (!policy.has_rating()) {
    return absl::FailedPreconditionError("没有服务员评价办法（visit policy 无 rating）");
  }
  if (!RatedCapacity(c.capacity())) {
    return absl::InvalidArgumentError(
        "capacity: 须为 COUNTY_LEADER（县领导）、TOWN_MEMBER（镇班子成员）或 "
        "DEPARTMENT_CADRE（部门干部）");
  }
  const std::string contact = VisitCapacityPerson(info, c.capacity());
  if (contact.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("本项目没有登记", EnumLabel(c.capacity()), "，无从评价"));
  }
  const v1::VisitRatingScale& scale = policy.rating();
  if (c.score() < scale.min_score() || c.score() > scale.max_score()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "score: ", c.score(), " 不在 ", scale.min_score(), "..", scale.max_score(), " 分之间"));
  }
  const absl::CivilDay today = DayOf(ctx.occurred_at);
  const VisitPeriod current = VisitPeriodOf(scale.period(), today);
  VisitPeriod period = current;
  if (!c.period().empty()) {
    ASSIGN_OR_RETURN(period, ParseVisitPeriod(scale.period(), c.period()));
    if (period.first > current.first) {
      return absl::InvalidArgumentError(
          absl::StrCat("period: ", period.key, " 尚未到来（今天属于 ", current.key, "）"));
    }
  }
  if (period.last < MustDay(s.registered_on())) {
    return absl::InvalidArgumentError(
        absl::StrCat("period: ", period.key, " 在项目登记（", s.registered_on(), "）之前"));
  }
  for (const auto& r : s.ratings()) {
    if (r.capacity() == c.capacity() && r.period() == period.key) {
      return absl::FailedPreconditionError(
          absl::StrCat(EnumLabel(c.capacity()), contact, " ", period.key, " 已评价（", r.score(),
                       " 分，", r.grade(), "）：每期每位服务员只评一次，评分一经作出不再改动"));
    }
  }
  std::string grade;
  for (const auto& g : scale.grades()) {
    if (c.score() >= g.from_score()) grade = g.name();
  }
  Events events;
  v1::ProjectServiceRated* e = events.emplace_back().mutable_service_rated();
  e->set_capacity(c.capacity());
  e->set_contact(contact);
  e->set_period(period.key);
  e->set_score(c.score());
  e->set_grade(grade);
  e->set_comment(c.comment());
  e->set_rated_by(ctx.actor);
  e->set_rated_at_us(ToUs(ctx.occurred_at));
  return events;
}

// ---------------------------------------------------------------------------
// Judging periods.

std::optional<VisitPeriod> NextVisitPeriodToClose(const ProjectState& s,
                                                  const v1::VisitQuota& quota) {
  if (s.info().code().empty() || VisitCapacityPerson(s.info(), quota.capacity()).empty()) {
    return std::nullopt;
  }
  for (int i = s.visit_periods_size() - 1; i >= 0; --i) {
    const auto& r = s.visit_periods(i);
    if (r.capacity() != quota.capacity() || r.kind() != quota.period()) continue;
    return NextVisitPeriod(VisitPeriodOf(quota.period(), MustDay(r.last_day())));
  }
  const absl::CivilDay registered = MustDay(s.registered_on());
  VisitPeriod p = VisitPeriodOf(quota.period(), registered);
  // A period the project entered part-way is not judged.
  if (p.first < registered) p = NextVisitPeriod(p);
  return p;
}

v1::ProjectVisitPeriodResult JudgeVisitPeriod(const ProjectState& s, const v1::VisitQuota& quota,
                                              const VisitPeriod& period) {
  v1::ProjectVisitPeriodResult r;
  r.set_capacity(quota.capacity());
  r.set_person(VisitCapacityPerson(s.info(), quota.capacity()));
  r.set_kind(quota.period());
  r.set_period(period.key);
  r.set_first_day(FormatDate(period.first));
  r.set_last_day(FormatDate(period.last));
  const absl::Time close = VisitPeriodClose(period);
  r.set_closed_at_us(ToUs(close));
  r.set_required(quota.at_least());
  int32_t visits = 0;
  for (const auto& v : s.visits()) {
    const auto& e = v.recorded();
    if (std::find(e.capacities().begin(), e.capacities().end(), quota.capacity()) ==
        e.capacities().end()) {
      continue;
    }
    const absl::CivilDay day = MustDay(e.on());
    if (day < period.first || day > period.last || e.recorded_at_us() >= ToUs(close)) continue;
    ++visits;
  }
  r.set_visits(visits);
  r.set_light(visits >= quota.at_least() ? v1::LIGHT_GREEN
              : visits > 0               ? v1::LIGHT_YELLOW
                                         : v1::LIGHT_RED);
  return r;
}

SupervisedSubject VisitSubject(const ProjectState& s, const v1::ProjectVisitPeriodResult& r) {
  SupervisedSubject subject;
  subject.stream = ProjectStream(s.info().code());
  subject.id = absl::StrCat(kVisitSubjectPrefix, CapacitySlug(r.capacity()), "/", r.period());
  subject.matter = absl::StrCat(EnumLabel(r.capacity()), r.person(), " ", r.period(), " 走访 ",
                                r.visits(), " 次，少于 ", r.required(), " 次 — ", s.info().name(),
                                " (", s.info().code(), ")");
  subject.project_code = s.info().code();
  subject.episode = 1;
  subject.start = engine::StartOfDay(MustDay(r.first_day()));
  subject.lights.push_back(engine::PeriodLight{FromUs(r.closed_at_us()), r.light()});
  subject.month = r.period().substr(0, 7);
  subject.light = r.light();
  subject.records_light = false;  // the period's close records it
  v1::SupervisionParties parties;
  parties.add_units(s.info().lead_unit());
  parties.add_unit_heads(s.info().lead_unit_head());
  parties.set_unit_person(r.person());
  parties.set_leader(r.person());  // the person who fell short is addressed
  parties.set_office(s.info().supervision_office());
  subject.parties = std::move(parties);
  return subject;
}

}  // namespace project_internal
}  // namespace taizhang::workflows
