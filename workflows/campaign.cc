#include "workflows/campaign.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "engine/calendar.h"
#include "engine/deadline_rule.h"
#include "engine/event_type.h"
#include "workflows/principal.h"
#include "workflows/project_code.h"

namespace taizhang::workflows {
namespace {

absl::Time FromUs(int64_t us) { return absl::FromUnixMicros(us); }
bool Blank(const std::string& s) { return absl::StripAsciiWhitespace(s).empty(); }

int32_t RateBp(int32_t part, int32_t total) {
  if (total <= 0) return 0;
  return static_cast<int32_t>((static_cast<int64_t>(part) * 10000) / total);
}

}  // namespace

std::string CampaignStream(absl::string_view campaign_id) {
  return absl::StrCat("campaign/", campaign_id);
}

std::string Campaign::EventType(const Event& event) const {
  return engine::EventTypeName("campaign", event);
}

absl::StatusOr<std::vector<Campaign::Event>> Campaign::Decide(
    const State& s, const Command& command, const engine::DecideContext& ctx) const {
  absl::StatusOr<Principal> who = ParseActor(ctx.actor);
  if (!who.ok()) return absl::PermissionDeniedError(who.status().message());
  std::vector<Event> events;
  if (command.has_tick() || command.has_recompute_deadlines()) return events;  // nothing timed
  if (!command.has_declare()) return absl::InvalidArgumentError("command: no action set");
  const v1::DeclareStartCampaign& c = command.declare();
  if (!who->Is(Role::kSupervision)) {
    return absl::PermissionDeniedError(absl::StrCat(
        "only a supervision office may declare a start campaign; you are ", who->ToActor()));
  }
  if (s.has_campaign()) {
    return absl::AlreadyExistsError(
        absl::StrCat("campaign '", s.campaign().campaign_id(), "' was declared already"));
  }
  if (c.campaign_id().empty()) return absl::InvalidArgumentError("campaign_id: required");
  if (ctx.stream != CampaignStream(c.campaign_id())) {
    return absl::InvalidArgumentError(absl::StrCat(
        "campaign_id: '", c.campaign_id(), "' does not match the stream '", ctx.stream, "'"));
  }
  if (Blank(c.name())) return absl::InvalidArgumentError("name: required (活动名称)");
  if (c.kind() == v1::CAMPAIGN_KIND_UNSPECIFIED || !v1::CampaignKind_IsValid(c.kind())) {
    return absl::InvalidArgumentError(
        "kind: required (省级、全市、分行业、产业功能区、区县集中开工)");
  }
  if (c.day().empty())
    return absl::InvalidArgumentError("day: required (集中开工日期, YYYY-MM-DD)");
  absl::StatusOr<absl::CivilDay> day = engine::ParseDate(c.day());
  if (!day.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("day: '", c.day(), "' is not a date (YYYY-MM-DD)"));
  }
  if (c.project_codes().empty()) {
    return absl::InvalidArgumentError("project_codes: at least one project is required");
  }
  if (c.project_codes_size() > kMaxCampaignProjects) {
    return absl::InvalidArgumentError(absl::StrCat("project_codes: ", c.project_codes_size(),
                                                   " projects; at most ", kMaxCampaignProjects));
  }
  std::set<std::string> seen;
  for (int i = 0; i < c.project_codes_size(); ++i) {
    const std::string field = absl::StrCat("project_codes[", i, "]");
    RETURN_IF_ERROR(CheckProjectCode(field, c.project_codes(i)));
    if (!seen.insert(c.project_codes(i)).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": '", c.project_codes(i), "' is listed twice"));
    }
  }
  Event e;
  v1::StartCampaignDeclared* d = e.mutable_declared();
  d->set_campaign_id(c.campaign_id());
  d->set_name(c.name());
  d->set_kind(c.kind());
  d->set_day(engine::FormatDate(*day));
  *d->mutable_project_codes() = c.project_codes();
  d->set_venue(c.venue());
  d->set_note(c.note());
  d->set_office(who->unit);
  d->set_declared_at_us(absl::ToUnixMicros(ctx.occurred_at));
  d->set_due_at_us(absl::ToUnixMicros(engine::DueInstant(*day)));
  events.push_back(std::move(e));
  return events;
}

void Campaign::Apply(State* s, const Event& e, const engine::EventContext&) const {
  if (e.has_declared()) *s->mutable_campaign() = e.declared();
}

v1::CampaignView Campaign::View(const State& s, absl::Time now) const {
  return CampaignRecord(
      s.campaign(), [](const std::string&) { return std::nullopt; }, now);
}

v1::JoinStartCampaign Campaign::JoinCommand(const v1::StartCampaignDeclared& c) {
  v1::JoinStartCampaign j;
  j.set_campaign_id(c.campaign_id());
  j.set_name(c.name());
  j.set_kind(c.kind());
  j.set_day(c.day());
  j.set_office(c.office());
  return j;
}

v1::CampaignView CampaignRecord(const v1::StartCampaignDeclared& c,
                                const CampaignStandingFn& standing, absl::Time now) {
  v1::CampaignView v;
  v.set_campaign_id(c.campaign_id());
  v.set_name(c.name());
  v.set_kind(c.kind());
  v.set_day(c.day());
  v.set_venue(c.venue());
  v.set_office(c.office());
  v.set_as_of_us(absl::ToUnixMicros(now));
  const bool day_over = now >= FromUs(c.due_at_us());
  v.set_day_over(day_over);
  int32_t started_now = 0;
  for (const std::string& code : c.project_codes()) {
    std::optional<v1::CampaignProjectView> p = standing(code);
    v1::CampaignProjectView* row = v.add_projects();
    if (p.has_value()) {
      *row = std::move(*p);
    } else {
      row->set_campaign_id(c.campaign_id());
      row->set_campaign_name(c.name());
      row->set_campaign_day(c.day());
      row->set_project_code(code);
      row->set_status(v1::CAMPAIGN_START_STATUS_UNREGISTERED);
    }
    switch (row->status()) {
      case v1::CAMPAIGN_START_STATUS_ON_TIME:
        v.set_started_on_time(v.started_on_time() + 1);
        ++started_now;
        break;
      case v1::CAMPAIGN_START_STATUS_LATE:
        v.set_started_late(v.started_late() + 1);
        ++started_now;
        break;
      case v1::CAMPAIGN_START_STATUS_NOT_STARTED:
        v.set_not_started(v.not_started() + 1);
        break;
      case v1::CAMPAIGN_START_STATUS_UNREGISTERED:
        v.set_unregistered(v.unregistered() + 1);
        if (day_over) {
          v.set_not_started(v.not_started() + 1);
        } else {
          v.set_pending(v.pending() + 1);
        }
        break;
      default:
        v.set_pending(v.pending() + 1);
        break;
    }
  }
  v.set_projects_total(c.project_codes_size());
  v.set_start_rate_on_day_bp(RateBp(v.started_on_time(), v.projects_total()));
  v.set_start_rate_now_bp(RateBp(started_now, v.projects_total()));
  return v;
}

void FillCampaignFigures(const std::vector<v1::CampaignState>& campaigns,
                         const std::function<std::optional<v1::CampaignProjectView>(
                             const std::string& campaign_id, const std::string& code)>& standing,
                         v1::Bulletin* bulletin) {
  const absl::Time close = FromUs(bulletin->closes_at_us());
  const std::string& month = bulletin->month();  // "YYYY-MM"
  const std::string year = month.substr(0, 4);
  std::vector<const v1::StartCampaignDeclared*> shown;
  for (const auto& s : campaigns) {
    if (!s.has_campaign() || FromUs(s.campaign().declared_at_us()) >= close) continue;
    const std::string& day = s.campaign().day();
    if (day.substr(0, 4) != year || day.substr(0, 7) > month) continue;
    shown.push_back(&s.campaign());
  }
  std::sort(shown.begin(), shown.end(), [](const auto* a, const auto* b) {
    if (a->day() != b->day()) return a->day() < b->day();
    return a->campaign_id() < b->campaign_id();
  });
  std::map<int, int32_t> kinds;
  v1::BulletinCampaignYear* year_tally = bulletin->mutable_campaign_year();
  for (const v1::StartCampaignDeclared* c : shown) {
    const v1::CampaignView v = CampaignRecord(
        *c, [&](const std::string& code) { return standing(c->campaign_id(), code); }, close);
    year_tally->set_campaigns(year_tally->campaigns() + 1);
    ++kinds[c->kind()];
    year_tally->set_projects(year_tally->projects() + v.projects_total());
    year_tally->set_started(year_tally->started() + v.started_on_time() + v.started_late());
    const bool in_month = c->day().substr(0, 7) == month;
    if (!in_month && v.not_started() == 0) continue;
    v1::BulletinCampaign* b = bulletin->add_campaigns();
    b->set_campaign_id(v.campaign_id());
    b->set_name(v.name());
    b->set_kind(v.kind());
    b->set_day(v.day());
    b->set_projects(v.projects_total());
    b->set_started_on_time(v.started_on_time());
    b->set_started_late(v.started_late());
    b->set_not_started(v.not_started());
    b->set_pending(v.pending());
    b->set_start_rate_on_day_bp(v.start_rate_on_day_bp());
    b->set_start_rate_now_bp(v.start_rate_now_bp());
    for (const auto& p : v.projects()) {
      const bool late = p.status() == v1::CAMPAIGN_START_STATUS_LATE ||
                        p.status() == v1::CAMPAIGN_START_STATUS_NOT_STARTED ||
                        (v.day_over() && p.status() == v1::CAMPAIGN_START_STATUS_UNREGISTERED);
      if (late) *b->add_late_starters() = p;
    }
  }
  for (const auto& [kind, n] : kinds) {
    v1::BulletinCampaignKindCount* k = year_tally->add_by_kind();
    k->set_kind(static_cast<v1::CampaignKind>(kind));
    k->set_campaigns(n);
  }
  if (year_tally->campaigns() == 0) bulletin->clear_campaign_year();
}

}  // namespace taizhang::workflows
