// The aggregate itself: construction, Load, Decide's dispatch, Apply,
// NextWakeup, the supervised subjects and the view; the shared helpers of
// project_internal.h.
#include "workflows/project.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "engine/deadline_rule.h"
#include "engine/event_type.h"
#include "engine/ladder.h"
#include "workflows/attachments.h"
#include "workflows/principal.h"
#include "workflows/project_internal.h"

namespace taizhang::workflows {
namespace project_internal {

// ---------------------------------------------------------------------------
// Small helpers.

absl::CivilDay MustDay(const std::string& text) {
  auto day = engine::ParseDate(text);
  return day.ok() ? *day : absl::CivilDay();
}

absl::Status Denied(absl::string_view what, absl::string_view who, const Principal& p) {
  return absl::PermissionDeniedError(
      absl::StrCat(what, " may be done only by ", who, "; '", p.ToActor(), "' may not"));
}

namespace {

absl::CivilMonth FirstMonth(const ProjectState& s) {
  return absl::CivilMonth(MustDay(s.registered_on()));
}

}  // namespace

absl::CivilMonth NextMonthToClose(const ProjectState& s) {
  if (s.months().empty()) return FirstMonth(s);
  auto last = ParseMonth(s.months(s.months_size() - 1).month());
  return (last.ok() ? *last : FirstMonth(s)) + 1;
}

// ---------------------------------------------------------------------------
// Supervised subjects: the monthly judgement ("monthly", a run of non-green
// months is an episode) and each node ("node/<node_id>", one episode).

namespace {

v1::SupervisionParties PartiesFor(const ProjectState& s, const std::string& unit) {
  v1::SupervisionParties p;
  p.add_units(unit);
  const bool lead = unit == s.info().lead_unit();
  p.add_unit_heads(lead ? s.info().lead_unit_head() : "");
  if (lead) p.set_unit_person(s.info().lead_person());
  p.set_leader(s.info().responsible_leader());
  p.set_office(s.info().supervision_office());
  return p;
}

}  // namespace

SupervisedSubject MonthlySubject(const ProjectState& s, const std::string& month) {
  SupervisedSubject subject;
  subject.stream = ProjectStream(s.info().code());
  subject.id = kMonthlySubject;
  subject.matter = absl::StrCat(s.info().name(), " (", s.info().code(), ") 月度亮灯");
  subject.project_code = s.info().code();
  subject.episode = s.episode();
  subject.start = FromUs(s.registered_at_us());
  subject.resolved = !s.completed_on().empty();
  subject.resolved_at = FromUs(s.completed_at_us());
  for (const auto& m : s.months()) {
    subject.lights.push_back(engine::PeriodLight{FromUs(m.closed_at_us()), m.light()});
  }
  subject.month =
      month.empty() && !s.months().empty() ? s.months(s.months_size() - 1).month() : month;
  subject.light = s.light();
  subject.records_light = false;  // the month's close records it
  subject.parties = PartiesFor(s, s.info().lead_unit());
  return subject;
}

SupervisedSubject NodeSubject(const ProjectState& s, const v1::ProjectNode& node) {
  SupervisedSubject subject;
  subject.stream = ProjectStream(s.info().code());
  subject.id = absl::StrCat(kNodeSubjectPrefix, node.node_id());
  subject.matter = absl::StrCat(node.name(), " — ", s.info().name(), " (", s.info().code(), ")");
  subject.project_code = s.info().code();
  subject.episode = 1;
  subject.due_date = node.due_on();
  subject.due_at = FromUs(node.due_at_us());
  subject.start = FromUs(node.planned_at_us());
  if (node.done()) {
    subject.resolved = true;
    subject.resolved_at = FromUs(node.done_at_us());
  } else if (!s.completed_on().empty()) {
    subject.resolved = true;
    subject.resolved_at = FromUs(s.completed_at_us());
  }
  subject.records_light = false;  // a node's light is judged in the view
  subject.parties = PartiesFor(s, node.responsible_unit());
  return subject;
}

SupervisedSubject CampaignSubject(const ProjectState& s, const v1::ProjectCampaign& c) {
  const v1::ProjectJoinedStartCampaign& j = c.joined();
  SupervisedSubject subject;
  subject.stream = ProjectStream(s.info().code());
  subject.id = absl::StrCat(kCampaignSubjectPrefix, j.campaign_id());
  subject.matter = absl::StrCat(j.name(), "（", j.day(), "）集中开工 — ", s.info().name(), " (",
                                s.info().code(), ")");
  subject.project_code = s.info().code();
  subject.episode = 1;
  subject.due_date = j.day();
  subject.due_at = FromUs(j.due_at_us());
  subject.start = FromUs(j.joined_at_us());
  if (!s.started_on().empty()) {
    subject.resolved = true;
    subject.resolved_at = engine::StartOfDay(MustDay(s.started_on()));
  }
  subject.records_light = false;  // judged in the view, as a node's is
  subject.parties = PartiesFor(s, s.info().lead_unit());
  return subject;
}

const v1::ProjectCampaign* FindCampaign(const ProjectState& s, absl::string_view campaign_id) {
  for (const auto& c : s.campaigns()) {
    if (c.joined().campaign_id() == campaign_id) return &c;
  }
  return nullptr;
}

SupervisedSubject PhotoSubject(const ProjectState& s, const std::string& month) {
  SupervisedSubject subject;
  subject.stream = ProjectStream(s.info().code());
  subject.id = kPhotoSubject;
  subject.matter = absl::StrCat(s.info().name(), " (", s.info().code(), ") 图片库更新（形象进度）");
  subject.project_code = s.info().code();
  subject.episode = s.photo_episode();
  subject.start = FromUs(s.registered_at_us());
  subject.resolved = !s.completed_on().empty();
  subject.resolved_at = FromUs(s.completed_at_us());
  for (const auto& m : s.months()) {
    subject.lights.push_back(engine::PeriodLight{FromUs(m.closed_at_us()), m.photo_light()});
  }
  subject.month =
      month.empty() && !s.months().empty() ? s.months(s.months_size() - 1).month() : month;
  subject.light =
      s.months().empty() ? v1::LIGHT_UNSPECIFIED : s.months(s.months_size() - 1).photo_light();
  subject.records_light = false;  // the month's close records it
  subject.parties = PartiesFor(s, s.info().lead_unit());
  return subject;
}

}  // namespace project_internal

using namespace project_internal;  // NOLINT(build/namespaces): this module's own helpers

namespace {

using engine::DayOf;

absl::Status NotRegistered(const engine::DecideContext& ctx) {
  return absl::NotFoundError(
      absl::StrCat("'", ctx.stream, "' is not registered; register the project first"));
}

}  // namespace

std::string ProjectStream(absl::string_view code) { return absl::StrCat("project/", code); }

// ---------------------------------------------------------------------------
// Project.

Project::Project(v1::ProjectPolicy policy, v1::Ladder monthly_ladder,
                 std::shared_ptr<const engine::WorkingDayCalendar> calendar, v1::VisitPolicy visits)
    : policy_(std::move(policy)),
      monthly_ladder_(std::move(monthly_ladder)),
      monthly_(monthly_ladder_, 0),
      nodes_(policy_.node_ladder(), 0),
      photos_(policy_.photo_ladder(), 0),
      visit_policy_(std::move(visits)),
      visits_(visit_policy_.ladder(), 0),
      campaigns_(policy_.campaign_ladder(), policy_.campaign_yellow_working_days()),
      calendar_(std::move(calendar), "Project") {
  // Broken invariants of the caller: policies are validated when loaded.
  absl::Status valid = ValidateProjectPolicy(policy_, "project policy");
  if (valid.ok()) valid = engine::ValidateLadder(monthly_ladder_, "monthly ladder");
  if (valid.ok() && !visit_policy_.name().empty()) {
    valid = ValidateVisitPolicy(visit_policy_, "visit policy");
  }
  if (!valid.ok()) {
    std::fprintf(stderr, "Project: %s\n", std::string(valid.message()).c_str());
    std::abort();
  }
}

absl::StatusOr<std::unique_ptr<Project>> Project::Load(const std::string& policy_path,
                                                       const std::string& monthly_ladder_path,
                                                       const std::string& calendar_dir,
                                                       const std::string& visit_policy_path) {
  ASSIGN_OR_RETURN(v1::ProjectPolicy policy, LoadProjectPolicy(policy_path));
  v1::VisitPolicy visits;
  if (!visit_policy_path.empty()) {
    ASSIGN_OR_RETURN(visits, LoadVisitPolicy(visit_policy_path));
  }
  ASSIGN_OR_RETURN(v1::Ladder ladder, engine::LoadLadder(monthly_ladder_path));
  ASSIGN_OR_RETURN(engine::WorkingDayCalendar calendar,
                   engine::WorkingDayCalendar::LoadDirectory(calendar_dir));
  return std::make_unique<Project>(
      std::move(policy), std::move(ladder),
      std::make_shared<const engine::WorkingDayCalendar>(std::move(calendar)), std::move(visits));
}

void Project::SetCalendar(std::shared_ptr<const engine::WorkingDayCalendar> calendar) {
  calendar_.Set(std::move(calendar));
}

std::shared_ptr<const engine::WorkingDayCalendar> Project::calendar() const {
  return calendar_.Get();
}

std::vector<std::string> Project::BlobDigests(const Event& event) const {
  if (event.has_node_done()) return BlobDigestsOf(event.node_done().attachments());
  if (event.has_image_progress_recorded()) {
    return BlobDigestsOf(event.image_progress_recorded().attachments());
  }
  if (event.has_visit_recorded()) return BlobDigestsOf(event.visit_recorded().attachments());
  return {};
}

std::string Project::EventType(const Event& event) const {
  return engine::EventTypeName("project", event);
}

absl::StatusOr<std::vector<Project::Event>> Project::Decide(
    const State& state, const Command& command, const engine::DecideContext& ctx) const {
  auto principal = ParseActor(ctx.actor);
  if (!principal.ok()) {
    return absl::PermissionDeniedError(
        absl::StrCat("no acting principal: ", principal.status().message()));
  }
  const Principal& p = *principal;
  if (command.action_case() == Command::kRegister) {
    return Register(state, command.register_(), ctx, p);
  }
  if (command.action_case() == Command::ACTION_NOT_SET) {
    return absl::InvalidArgumentError("action: no action given");
  }
  if (command.action_case() == Command::kTick && !p.Is(Role::kSystem)) {
    return Denied("Tick", kSystemActor, p);
  }
  if (ctx.version == 0) return NotRegistered(ctx);
  switch (command.action_case()) {
    case Command::kSetAnnualPlan:
      return SetPlan(state, command.set_annual_plan(), p);
    case Command::kAdvanceStage:
      return Advance(state, command.advance_stage(), ctx, p);
    case Command::kPlanNode:
      return PlanNode(state, command.plan_node(), ctx, p);
    case Command::kReportNodeDone:
      return NodeDone(state, command.report_node_done(), ctx, p);
    case Command::kReportInvestment:
      return Report(state, command.report_investment(), ctx, p);
    case Command::kRecordImageProgress:
      return RecordImage(state, command.record_image_progress(), ctx, p);
    case Command::kAnswerRung:
      return Answer(state, command.answer_rung(), ctx, p);
    case Command::kRaiseRung:
      return RaiseRung(*this, state, command.raise_rung(), ctx, p, *calendar());
    case Command::kDelistRung:
      return Delist(state, command.delist_rung(), ctx, p);
    case Command::kTick:
      return Tick(*this, state, ctx, *calendar());
    case Command::kRecomputeDeadlines:
      return Recompute(state, *calendar(), p);
    case Command::kVisit:
      return RecordVisit(state, command.visit(), ctx, p);
    case Command::kRate:
      return Rate(*this, state, command.rate(), ctx, p);
    case Command::kJoinCampaign:
      return JoinCampaign(state, command.join_campaign(), ctx, p);
    default:
      return absl::InvalidArgumentError("action: unknown action");
  }
}

void Project::Apply(State* s, const Event& event, const engine::EventContext& ctx) const {
  if (ApplyRungEvent(event, s->mutable_rungs())) return;  // supervision: one fold
  switch (event.kind_case()) {
    case Event::kRegistered: {
      const auto& r = event.registered();
      *s->mutable_info() = r.info();
      s->set_region_code(r.region_code());
      s->set_registered_on(r.registered_on());
      s->set_registered_at_us(r.registered_at_us());
      s->set_stage(r.info().initial_stage());
      auto* entry = s->add_stages();
      entry->set_stage(r.info().initial_stage());
      entry->set_on(r.info().initial_stage() >= v1::PROJECT_STAGE_NEW_START ? r.info().started_on()
                                                                            : r.registered_on());
      entry->set_recorded_at_us(r.registered_at_us());
      if (r.info().initial_stage() >= v1::PROJECT_STAGE_NEW_START) {
        s->set_started_on(r.info().started_on());
      }
      auto* plan = s->add_plans();
      plan->set_year(r.info().plan_year());
      plan->set_amount_yuan(r.info().annual_plan_yuan());
      s->set_light(v1::LIGHT_GREEN);
      break;
    }
    case Event::kAnnualPlanSet: {
      const auto& a = event.annual_plan_set();
      auto* plans = s->mutable_plans();
      auto it = std::find_if(plans->begin(), plans->end(),
                             [&](const v1::ProjectAnnualPlan& p) { return p.year() >= a.year(); });
      if (it != plans->end() && it->year() == a.year()) {
        it->set_amount_yuan(a.amount_yuan());
      } else {
        v1::ProjectAnnualPlan plan;
        plan.set_year(a.year());
        plan.set_amount_yuan(a.amount_yuan());
        const int at = static_cast<int>(it - plans->begin());
        plans->Add(std::move(plan));
        for (int i = plans->size() - 1; i > at; --i) plans->SwapElements(i, i - 1);
      }
      break;
    }
    case Event::kStageAdvanced: {
      const auto& a = event.stage_advanced();
      s->set_stage(a.to());
      auto* entry = s->add_stages();
      entry->set_stage(a.to());
      entry->set_on(a.on());
      entry->set_recorded_at_us(a.recorded_at_us());
      if (a.to() == v1::PROJECT_STAGE_NEW_START) s->set_started_on(a.on());
      if (a.to() == v1::PROJECT_STAGE_COMPLETED) {
        s->set_completed_on(a.on());
        s->set_completed_at_us(a.occurred_at_us());
      }
      break;
    }
    case Event::kNodePlanned: {
      const auto& n = event.node_planned();
      auto* node = s->add_nodes();
      node->set_node_id(n.node_id());
      node->set_name(n.name());
      node->set_due_on(n.due_on());
      node->set_due_at_us(n.due_at_us());
      node->set_responsible_unit(n.responsible_unit());
      node->set_planned_at_us(n.planned_at_us());
      break;
    }
    case Event::kNodeDone: {
      const auto& d = event.node_done();
      for (auto& node : *s->mutable_nodes()) {
        if (node.node_id() != d.node_id()) continue;
        node.set_done(true);
        node.set_done_on(d.on());
        node.set_done_at_us(d.occurred_at_us());
        node.set_late(d.late());
      }
      for (const auto& a : d.attachments()) {
        auto* photo = s->add_photos();
        *photo->mutable_attachment() = a;
        photo->set_on(d.on());
        photo->set_occurred_at_us(d.occurred_at_us());
        photo->set_source(absl::StrCat(kNodeSubjectPrefix, d.node_id()));
        photo->set_note(d.note());
      }
      break;
    }
    case Event::kImageProgressRecorded: {
      const auto& r = event.image_progress_recorded();
      for (const auto& a : r.attachments()) {
        auto* photo = s->add_photos();
        *photo->mutable_attachment() = a;
        photo->set_on(r.on());
        photo->set_occurred_at_us(r.occurred_at_us());
        photo->set_source("image");
        photo->set_note(r.note());
      }
      break;
    }
    case Event::kInvestmentReported: {
      const auto& r = event.investment_reported();
      auto* reports = s->mutable_reports();
      // "YYYY-MM" strings sort as months do.
      auto it =
          std::find_if(reports->begin(), reports->end(),
                       [&](const v1::ProjectInvestmentEntry& e) { return e.month() >= r.month(); });
      if (it != reports->end() && it->month() == r.month()) {
        it->set_cumulative_yuan(r.cumulative_yuan());
        it->set_recorded_at_us(r.recorded_at_us());
      } else {
        v1::ProjectInvestmentEntry entry;
        entry.set_month(r.month());
        entry.set_cumulative_yuan(r.cumulative_yuan());
        entry.set_recorded_at_us(r.recorded_at_us());
        const int at = static_cast<int>(it - reports->begin());
        reports->Add(std::move(entry));
        for (int i = reports->size() - 1; i > at; --i) reports->SwapElements(i, i - 1);
      }
      break;
    }
    case Event::kMonthClosed: {
      const auto& r = event.month_closed().result();
      const v1::Light previous =
          s->months().empty() ? v1::LIGHT_GREEN : s->months(s->months_size() - 1).light();
      if (r.light() >= v1::LIGHT_YELLOW && previous < v1::LIGHT_YELLOW) {
        s->set_episode(s->episode() + 1);  // a new run of non-green months
      }
      const v1::Light previous_photo = s->months().empty()
                                           ? v1::LIGHT_UNSPECIFIED
                                           : s->months(s->months_size() - 1).photo_light();
      if (r.photo_light() >= v1::LIGHT_YELLOW && previous_photo < v1::LIGHT_YELLOW) {
        s->set_photo_episode(s->photo_episode() + 1);  // a new run of months without a photo
      }
      *s->add_months() = r;
      break;
    }
    case Event::kLightChanged:
      // A visit period's light is its result's; the project's is the month's.
      if (!absl::StartsWith(event.light_changed().subject(), kVisitSubjectPrefix)) {
        s->set_light(event.light_changed().to());
      }
      break;
    case Event::kVisitRecorded: {
      const auto& r = event.visit_recorded();
      auto* v = s->add_visits();
      *v->mutable_recorded() = r;
      for (const auto& a : r.attachments()) {
        auto* photo = s->add_photos();
        *photo->mutable_attachment() = a;
        photo->set_on(r.on());
        photo->set_occurred_at_us(r.occurred_at_us());
        photo->set_source(absl::StrCat("visit/", r.number()));
        photo->set_note(absl::StrCat(r.visitor(), "走访：", r.findings()));
      }
      // Keyed in after a period it falls in was judged: counted in none.
      for (const auto& judged : s->visit_periods()) {
        if (r.on() >= judged.first_day() && r.on() <= judged.last_day() &&
            std::find(r.capacities().begin(), r.capacities().end(), judged.capacity()) !=
                r.capacities().end()) {
          v->set_after_close(true);
        }
      }
      break;
    }
    case Event::kServiceRated:
      *s->add_ratings() = event.service_rated();
      break;
    case Event::kVisitPeriodClosed:
      *s->add_visit_periods() = event.visit_period_closed().result();
      break;
    case Event::kCampaignJoined:
      *s->add_campaigns()->mutable_joined() = event.campaign_joined();
      break;
    case Event::KIND_NOT_SET:
      break;
  }
}

std::optional<absl::Time> Project::NextWakeup(const State& s) const {
  if (s.info().code().empty()) return std::nullopt;
  std::optional<absl::Time> next;
  auto consider = [&](std::optional<absl::Time> t) {
    if (t.has_value() && (!next.has_value() || *t < *next)) next = t;
  };
  if (s.completed_on().empty()) consider(MonthClose(NextMonthToClose(s)));
  auto cal = calendar();
  consider(monthly_.NextWakeup(MonthlySubject(s, ""), s.rungs(), *cal));
  consider(photos_.NextWakeup(PhotoSubject(s, ""), s.rungs(), *cal));
  for (const auto& node : s.nodes()) {
    if (node.done()) continue;
    consider(nodes_.NextWakeup(NodeSubject(s, node), s.rungs(), *cal));
  }
  if (s.started_on().empty()) {
    for (const auto& c : s.campaigns()) {
      consider(campaigns_.NextWakeup(CampaignSubject(s, c), s.rungs(), *cal));
    }
  }
  for (const auto& quota : visit_policy_.quotas()) {
    std::optional<VisitPeriod> period = NextVisitPeriodToClose(s, quota);
    if (period.has_value() && !CompletedOnOrBefore(s, period->last)) {
      consider(VisitPeriodClose(*period));
    }
  }
  for (const auto& r : s.visit_periods()) {
    if (r.light() == v1::LIGHT_GREEN) continue;
    consider(visits_.NextWakeup(VisitSubject(s, r), s.rungs(), *cal));
  }
  return next;
}

std::vector<SupervisedSubject> Project::Subjects(const State& s) const {
  std::vector<SupervisedSubject> out;
  if (s.info().code().empty()) return out;
  out.push_back(MonthlySubject(s, ""));
  for (const auto& node : s.nodes()) out.push_back(NodeSubject(s, node));
  if (policy_.photo_yellow_from_month() > 0) out.push_back(PhotoSubject(s, ""));
  for (const auto& r : s.visit_periods()) {
    if (r.light() != v1::LIGHT_GREEN) out.push_back(VisitSubject(s, r));
  }
  for (const auto& c : s.campaigns()) out.push_back(CampaignSubject(s, c));
  return out;
}

std::optional<v1::CampaignProjectView> Project::CampaignStanding(const State& s,
                                                                 absl::string_view campaign_id,
                                                                 absl::Time now) const {
  const v1::ProjectCampaign* c = FindCampaign(s, campaign_id);
  if (c == nullptr) return std::nullopt;
  const v1::ProjectJoinedStartCampaign& j = c->joined();
  const SupervisedSubject subject = CampaignSubject(s, *c);
  v1::CampaignProjectView v;
  v.set_campaign_id(j.campaign_id());
  v.set_campaign_name(j.name());
  v.set_campaign_day(j.day());
  v.set_project_code(s.info().code());
  v.set_project_name(s.info().name());
  v.set_lead_unit(s.info().lead_unit());
  v.set_region_code(s.region_code());
  // Started as of `now`: a state read later may know of a start after it.
  const bool started = !s.started_on().empty() && engine::StartOfDay(MustDay(s.started_on())) < now;
  if (started) v.set_started_on(s.started_on());
  if (started) {
    v.set_status(s.started_on() <= j.day() ? v1::CAMPAIGN_START_STATUS_ON_TIME
                                           : v1::CAMPAIGN_START_STATUS_LATE);
  } else {
    v.set_status(now >= FromUs(j.due_at_us()) ? v1::CAMPAIGN_START_STATUS_NOT_STARTED
                                              : v1::CAMPAIGN_START_STATUS_PENDING);
  }
  v.set_light(campaigns_.LightAt(subject, now, *calendar()));
  for (const auto& r : s.rungs()) {
    if (r.raised().subject() != subject.id || FromUs(r.raised().raised_at_us()) > now) continue;
    v.set_rungs(v.rungs() + 1);
    if (!r.answered() || FromUs(r.answered_at_us()) > now) v.set_open_rungs(v.open_rungs() + 1);
  }
  return v;
}

v1::ProjectView Project::View(const State& s, absl::Time now) const {
  v1::ProjectView view;
  view.set_code(s.info().code());
  view.set_name(s.info().name());
  view.set_stage(s.stage());
  view.set_light(s.light());
  view.set_as_of_us(ToUs(now));
  if (!s.months().empty()) {
    *view.mutable_latest_month() = s.months(s.months_size() - 1);
    view.set_photo_light(view.latest_month().photo_light());
  }
  // The photo library, newest first (equal days: the later recorded first).
  constexpr int kLatestPhotos = 12;
  for (int i = s.photos_size() - 1; i >= 0; --i) {
    const v1::ProjectPhoto& photo = s.photos(i);
    if (!IsImage(photo.attachment().media_type())) continue;
    if (view.last_photo_on().empty() || photo.on() > view.last_photo_on()) {
      view.set_last_photo_on(photo.on());
    }
    if (view.latest_photos_size() < kLatestPhotos) *view.add_latest_photos() = photo;
  }
  std::stable_sort(view.mutable_latest_photos()->begin(), view.mutable_latest_photos()->end(),
                   [](const v1::ProjectPhoto& a, const v1::ProjectPhoto& b) {
                     return a.occurred_at_us() > b.occurred_at_us();
                   });
  const absl::CivilDay today = DayOf(now);
  auto passed = [&](const std::string& planned) {
    return !planned.empty() && now >= engine::DueInstant(MustDay(planned));
  };
  view.set_start_overdue(s.started_on().empty() && passed(s.info().planned_start_on()));
  view.set_finish_overdue(s.completed_on().empty() && passed(s.info().planned_finish_on()));
  auto cal = calendar();
  for (const auto& node : s.nodes()) {
    auto* v = view.add_nodes();
    v->set_node_id(node.node_id());
    v->set_name(node.name());
    v->set_due_on(node.due_on());
    v->set_responsible_unit(node.responsible_unit());
    v->set_done(node.done());
    const int64_t left = cal->CountWorkingDays(today, MustDay(node.due_on())).count;
    v->set_working_days_left(left);
    const bool overdue = !node.done() && now >= FromUs(node.due_at_us());
    v->set_late(node.late() || overdue);
    if (node.done()) {
      v->set_light(v1::LIGHT_GREEN);
    } else if (overdue) {
      v->set_light(v1::LIGHT_RED);
    } else if (policy_.node_yellow_working_days() > 0 &&
               left <= policy_.node_yellow_working_days()) {
      v->set_light(v1::LIGHT_YELLOW);
    } else {
      v->set_light(v1::LIGHT_GREEN);
    }
  }
  for (v1::ProjectVisitTally& t : VisitTallies(s)) *view.add_visit_tallies() = std::move(t);
  for (const auto& r : s.visit_periods()) {
    if (r.light() != v1::LIGHT_GREEN) view.set_visits_below_quota(view.visits_below_quota() + 1);
  }
  for (const auto& rung : s.rungs()) {
    const auto& r = rung.raised();
    if (rung.answered() || r.rectification_due_at_us() == 0) continue;
    auto* v = view.add_open_slips();
    v->set_slip_number(r.slip_number());
    v->set_rung_name(r.rung_name());
    v->set_issues(r.issues());
    v->set_rectification_due_on(r.rectification_due_on());
    v->set_working_days_left(cal->CountWorkingDays(today, MustDay(r.rectification_due_on())).count);
    v->set_overdue(now >= FromUs(r.rectification_due_at_us()));
    v->set_provisional(r.provisional());
  }
  for (const auto& c : s.campaigns()) {
    if (auto standing = CampaignStanding(s, c.joined().campaign_id(), now); standing.has_value()) {
      *view.add_campaigns() = std::move(*standing);
    }
  }
  return view;
}

}  // namespace taizhang::workflows
