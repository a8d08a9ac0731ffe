#include "workflows/bulletin.h"

#include <algorithm>
#include <map>
#include <utility>

#include "absl/numeric/int128.h"
#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "engine/calendar.h"

namespace taizhang::workflows {
namespace {

absl::CivilDay DayOrMax(const std::string& text) {
  auto day = engine::ParseDate(text);
  return day.ok() ? *day : absl::CivilDay::max();
}

bool OnOrBefore(const std::string& date, absl::CivilDay day) {
  return !date.empty() && DayOrMax(date) <= day;
}

bool Within(const std::string& date, absl::CivilDay first, absl::CivilDay last) {
  if (date.empty()) return false;
  const absl::CivilDay d = DayOrMax(date);
  return d >= first && d <= last;
}

std::optional<int32_t> Rate(int64_t num, int64_t den) {
  if (den <= 0) return std::nullopt;
  return RatioBp(num, den);
}

}  // namespace

std::string FormatBp(int32_t bp) {
  const int64_t v = bp;
  const int64_t a = v < 0 ? -v : v;
  return absl::StrFormat("%s%d.%02d%%", v < 0 ? "-" : "", a / 100, a % 100);
}

BulletinBuilder::BulletinBuilder(BulletinOptions options) : options_(std::move(options)) {}

void BulletinBuilder::AddProject(const v1::ProjectState& s) {
  if (s.info().code().empty()) return;
  const absl::CivilMonth month = options_.month;
  const absl::CivilDay last = absl::CivilDay(month + 1) - 1;
  const absl::CivilDay year_start(month.year(), 1, 1);
  const absl::CivilDay year_end(month.year(), 12, 31);
  if (!OnOrBefore(s.registered_on(), last)) return;
  if (!s.completed_on().empty() && DayOrMax(s.completed_on()) < year_start) return;

  ProjectFacts f;
  f.code = s.info().code();
  f.name = s.info().name();
  f.lead_unit = s.info().lead_unit();
  f.leader = s.info().responsible_leader();
  f.level = s.info().level();
  f.stage = s.stages().empty() ? s.stage() : s.stages(0).stage();
  for (const auto& entry : s.stages()) {
    if (OnOrBefore(entry.on(), last)) f.stage = entry.stage();
  }
  const std::string& planned_start = s.info().planned_start_on();
  const std::string& planned_finish = s.info().planned_finish_on();
  f.start_planned_in_year = Within(planned_start, year_start, year_end);
  f.start_planned_to_date = Within(planned_start, year_start, last);
  f.started = OnOrBefore(s.started_on(), last);
  f.started_in_year = Within(s.started_on(), year_start, last);
  f.finish_planned_in_year = Within(planned_finish, year_start, year_end);
  f.finish_planned_to_date = Within(planned_finish, year_start, last);
  f.completed = OnOrBefore(s.completed_on(), last);
  f.completed_in_year = Within(s.completed_on(), year_start, last);

  f.total_yuan = s.info().total_investment_yuan();
  for (const auto& plan : s.plans()) {
    if (plan.year() == month.year()) f.plan_yuan = plan.amount_yuan();
  }
  const std::string key = FormatMonth(month);
  for (const auto& report : s.reports()) {
    auto m = ParseMonth(report.month());
    if (!m.ok() || m->year() != month.year() || *m > month) continue;
    f.cumulative_yuan = report.cumulative_yuan();  // ascending: the latest wins
    if (report.month() == key) f.reported = true;
  }

  // Why the project is named in the bulletin.
  if (OnOrBefore(planned_start, last) && !f.started) {
    f.reasons.push_back(v1::BULLETIN_LIST_REASON_NOT_STARTED_AS_PLANNED);
  }
  if (OnOrBefore(planned_finish, last) && !f.completed) {
    f.reasons.push_back(v1::BULLETIN_LIST_REASON_NOT_COMPLETED_AS_PLANNED);
  }
  v1::Light latest = v1::LIGHT_UNSPECIFIED;  // of the last month closed by this one
  for (const auto& result : s.months()) {
    if (result.month() == key) f.light = result.light();
    if (result.month() <= key) latest = result.light();
  }
  if (f.light == v1::LIGHT_RED) f.reasons.push_back(v1::BULLETIN_LIST_REASON_RED_LIGHT);
  const absl::Time opens = engine::StartOfDay(absl::CivilDay(month));
  const absl::Time closes = MonthClose(month);
  bool listed = false, notice = false;
  for (const auto& slip : s.rungs()) {
    const auto& r = slip.raised();
    const absl::Time raised = absl::FromUnixMicros(r.raised_at_us());
    // A monthly slip belongs to the month whose close raised it, and a
    // listing holds while the run of non-green months goes on; a node's slip
    // belongs to the month it was raised in, and holds until answered.
    const bool monthly = !r.month().empty();
    const bool in_month = monthly ? r.month() == key : (raised >= opens && raised < closes);
    const bool holds =
        monthly ? r.month() <= key && latest >= v1::LIGHT_YELLOW
                : raised < closes &&
                      (!slip.answered() || absl::FromUnixMicros(slip.answered_at_us()) >= closes);
    if (r.issues() == v1::ISSUE_LISTING && holds && !f.completed) listed = true;
    if (r.issues() == v1::ISSUE_SUPERVISION_NOTICE && in_month) notice = true;
  }
  if (listed) f.reasons.push_back(v1::BULLETIN_LIST_REASON_LISTED_SUPERVISION);
  if (notice) f.reasons.push_back(v1::BULLETIN_LIST_REASON_SUPERVISION_NOTICE);
  std::sort(f.reasons.begin(), f.reasons.end());
  projects_.push_back(std::move(f));
}

void BulletinBuilder::FillStarts(const Facts& facts, v1::BulletinPlanRate* starts,
                                 v1::BulletinPlanRate* completions) const {
  for (const ProjectFacts* f : facts) {
    if (f->start_planned_to_date) {
      starts->set_planned_to_date(starts->planned_to_date() + 1);
      if (f->started) starts->set_done_of_planned_to_date(starts->done_of_planned_to_date() + 1);
    }
    if (f->start_planned_in_year) {
      starts->set_planned_in_year(starts->planned_in_year() + 1);
      if (f->started) starts->set_done_of_planned_in_year(starts->done_of_planned_in_year() + 1);
    }
    if (f->started_in_year) starts->set_done_in_year(starts->done_in_year() + 1);
    if (f->finish_planned_to_date) {
      completions->set_planned_to_date(completions->planned_to_date() + 1);
      if (f->completed) {
        completions->set_done_of_planned_to_date(completions->done_of_planned_to_date() + 1);
      }
    }
    if (f->finish_planned_in_year) {
      completions->set_planned_in_year(completions->planned_in_year() + 1);
      if (f->completed) {
        completions->set_done_of_planned_in_year(completions->done_of_planned_in_year() + 1);
      }
    }
    if (f->completed_in_year) completions->set_done_in_year(completions->done_in_year() + 1);
  }
  for (v1::BulletinPlanRate* r : {starts, completions}) {
    if (auto rate = Rate(r->done_of_planned_to_date(), r->planned_to_date())) r->set_rate_bp(*rate);
    if (auto rate = Rate(r->done_of_planned_in_year(), r->planned_in_year())) {
      r->set_annual_rate_bp(*rate);
    }
  }
}

void BulletinBuilder::FillInvestment(const Facts& facts, v1::BulletinInvestment* out) const {
  int64_t plan = 0, completed = 0;
  for (const ProjectFacts* f : facts) {
    plan += f->plan_yuan;
    completed += f->cumulative_yuan;
    if (f->plan_yuan > 0) out->set_projects_with_plan(out->projects_with_plan() + 1);
    if (f->reported) out->set_projects_reported(out->projects_reported() + 1);
  }
  out->set_annual_plan_yuan(plan);
  out->set_completed_yuan(completed);
  v1::InvestmentLightRule rule;
  rule.set_measure(v1::INVESTMENT_GAP_MEASURE_POINTS);
  if (options_.investment_rule.has_value()) rule = *options_.investment_rule;
  const v1::ProjectInvestmentJudgement j =
      JudgeInvestment(plan, completed, options_.month.month(), rule);
  out->set_time_progress_bp(j.time_progress_bp());
  if (plan > 0) {
    out->set_completion_bp(j.completion_bp());
    out->set_gap_bp(j.gap_bp());
    if (options_.investment_rule.has_value()) out->set_light(j.light());
  }
}

v1::Bulletin BulletinBuilder::Build() const {
  v1::Bulletin b;
  const absl::CivilMonth month = options_.month;
  b.set_month(FormatMonth(month));
  b.set_year(static_cast<int32_t>(month.year()));
  b.set_month_index(month.month());
  b.set_closes_at_us(absl::ToUnixMicros(MonthClose(month)));
  b.set_through_position(through_position_);

  // Facts in code order, so that nothing depends on the order of Add calls.
  Facts all;
  for (const ProjectFacts& f : projects_) all.push_back(&f);
  std::stable_sort(all.begin(), all.end(),
                   [](const ProjectFacts* a, const ProjectFacts* b) { return a->code < b->code; });
  b.set_project_count(static_cast<int32_t>(all.size()));
  int64_t total = 0;
  for (const ProjectFacts* f : all) total += f->total_yuan;
  b.set_total_investment_yuan(total);

  for (int stage = v1::PROJECT_STAGE_RESERVE_AGREEMENT; stage <= v1::PROJECT_STAGE_COMPLETED;
       ++stage) {
    auto* count = b.add_stages();
    count->set_stage(static_cast<v1::ProjectStage>(stage));
    count->set_count(static_cast<int32_t>(std::count_if(
        all.begin(), all.end(), [&](const ProjectFacts* f) { return f->stage == stage; })));
  }
  FillStarts(all, b.mutable_starts(), b.mutable_completions());
  FillInvestment(all, b.mutable_investment());

  for (int level = v1::PROJECT_LEVEL_PROVINCIAL; level <= v1::PROJECT_LEVEL_DISTRICT; ++level) {
    Facts of_level;
    for (const ProjectFacts* f : all) {
      if (f->level == level) of_level.push_back(f);
    }
    if (of_level.empty()) continue;
    auto* figures = b.add_by_level();
    figures->set_level(static_cast<v1::ProjectLevel>(level));
    figures->set_project_count(static_cast<int32_t>(of_level.size()));
    FillStarts(of_level, figures->mutable_starts(), figures->mutable_completions());
    FillInvestment(of_level, figures->mutable_investment());
  }

  // Unit ranking.
  std::map<std::string, Facts> by_unit;  // ordered by name
  for (const ProjectFacts* f : all) by_unit[f->lead_unit].push_back(f);
  struct Unit {
    std::string name;
    int64_t plan = 0, completed = 0;
    const Facts* facts = nullptr;
  };
  std::vector<Unit> units;
  for (const auto& [name, facts] : by_unit) {
    Unit u{name, 0, 0, &facts};
    for (const ProjectFacts* f : facts) {
      u.plan += f->plan_yuan;
      u.completed += f->cumulative_yuan;
    }
    units.push_back(std::move(u));
  }
  std::sort(units.begin(), units.end(), [](const Unit& a, const Unit& b) {
    if ((a.plan > 0) != (b.plan > 0)) return a.plan > 0;
    if (a.plan > 0) {
      // a.completed / a.plan vs b.completed / b.plan, exactly.
      const absl::int128 lhs = absl::int128(a.completed) * b.plan;
      const absl::int128 rhs = absl::int128(b.completed) * a.plan;
      if (lhs != rhs) return lhs > rhs;
      if (a.completed != b.completed) return a.completed > b.completed;
    }
    return a.name < b.name;
  });
  for (size_t i = 0; i < units.size(); ++i) {
    auto* rank = b.add_unit_ranking();
    rank->set_rank(static_cast<int32_t>(i + 1));
    rank->set_unit(units[i].name);
    rank->set_project_count(static_cast<int32_t>(units[i].facts->size()));
    FillInvestment(*units[i].facts, rank->mutable_investment());
    for (const ProjectFacts* f : *units[i].facts) {
      if (f->light == v1::LIGHT_GREEN) rank->set_green(rank->green() + 1);
      if (f->light == v1::LIGHT_YELLOW) rank->set_yellow(rank->yellow() + 1);
      if (f->light == v1::LIGHT_RED) rank->set_red(rank->red() + 1);
    }
  }

  for (const ProjectFacts* f : all) {
    if (f->reasons.empty()) continue;
    auto* listed = b.add_listed();
    listed->set_code(f->code);
    listed->set_name(f->name);
    listed->set_lead_unit(f->lead_unit);
    listed->set_responsible_leader(f->leader);
    for (auto reason : f->reasons) listed->add_reasons(reason);
    listed->set_light(f->light);
  }
  return b;
}

absl::StatusOr<v1::Bulletin> BuildBulletinFromLog(engine::AggregateStore<Project>& projects,
                                                  const BulletinOptions& options,
                                                  uint64_t through_position) {
  store::EventLog& log = projects.log();
  const uint64_t through = through_position == 0 ? log.HeadPosition() : through_position;
  std::map<std::string, engine::AggregateStore<Project>::Loaded> states;
  uint64_t last = 0;
  bool reached = false;
  absl::Status scanned = log.Scan(1, [&](const store::RecordedEvent& e) -> absl::Status {
    if (e.record.position() > through) {
      reached = true;
      return absl::CancelledError("through_position reached");
    }
    last = e.record.position();
    if (!absl::StartsWith(e.record.stream(), "project/")) return absl::OkStatus();
    return projects.ApplyRecord(e, &states[e.record.stream()]);
  });
  if (!scanned.ok() && !reached) return scanned;
  BulletinBuilder builder(options);
  for (const auto& [stream, loaded] : states) builder.AddProject(loaded.state);
  builder.set_through_position(last);
  return builder.Build();
}

}  // namespace taizhang::workflows
