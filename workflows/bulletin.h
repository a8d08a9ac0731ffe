// The monthly bulletin (一月一通报): the figures the supervision office
// publishes for a month, computed from the aggregates' states.
//
// BulletinBuilder takes states (projects now; cases, tasks and problems will
// be added the same way: one Add method per aggregate, folding what the
// bulletin needs into the builder) and builds a v1::Bulletin for one month:
//   - projects on the ledger: registered by the month's last day and not
//     completed before the year began;
//   - projects by stage as of the month's last day (by the days stages were
//     entered, so a late-keyed start counts in the month it happened);
//   - new starts (新开工) and completions (竣工投产): of the projects planned to
//     start (finish) in the year and by the month's end, how many did by the
//     month's end (rate_bp), and the same against the whole year's plan
//     (annual_rate_bp, the documents' "开工率");
//   - investment: the year's plans summed, the cumulative reports for months
//     up to this one summed (reports are cumulative for the year), completion
//     against plan and against time progress (month ÷ 12), and the light by
//     the InvestmentLightRule given;
//   - the same figures per project level (省/市/区);
//   - a ranking of lead units by investment completion rate: higher rate
//     first (compared exactly), then more yuan completed, then unit name
//     (bytewise); units without a plan last, by name;
//   - listed projects (点名): 应开工未开工, 应竣工未竣工, a red month, a
//     supervision notice raised in the month, a listing (挂牌督办) raised by
//     its end; by code.
// The result does not depend on the order states are added in.
//
// BuildBulletinFromLog computes the same "from the log alone": it scans the
// global log (store::EventLog::Scan), folds every project stream's events with
// AggregateStore::ApplyRecord, and builds the bulletin; through_position
// bounds the scan, so a past bulletin can be recomputed as it was.
//
// Thread-safety: a BulletinBuilder is not synchronised (one thread at a
// time); BuildBulletinFromLog may run concurrently with appends (it reads up
// to the head at its start).
#ifndef TAIZHANG_WORKFLOWS_BULLETIN_H_
#define TAIZHANG_WORKFLOWS_BULLETIN_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "engine/aggregate.h"
#include "taizhang/v1/bulletin.pb.h"
#include "taizhang/v1/project.pb.h"
#include "workflows/project.h"

namespace taizhang::workflows {

struct BulletinOptions {
  absl::CivilMonth month;
  // The rule for the investment lights (overall, per level, per unit); none:
  // lights UNSPECIFIED and gaps in percentage points.
  std::optional<v1::InvestmentLightRule> investment_rule;
};

// "69.81%" for 6981 basis points.
std::string FormatBp(int32_t bp);

class BulletinBuilder {
 public:
  explicit BulletinBuilder(BulletinOptions options);

  // Folds one project in. A state that is not registered, was registered
  // after the month, or was completed before the month's year is ignored.
  // Adding the same project twice counts it twice (the caller's error).
  void AddProject(const v1::ProjectState& state);

  // Recorded in the bulletin (the log position its figures include).
  void set_through_position(uint64_t position) { through_position_ = position; }

  v1::Bulletin Build() const;

 private:
  // What one project contributes, as of the month's end.
  struct ProjectFacts {
    std::string code, name, lead_unit, leader;
    v1::ProjectLevel level = v1::PROJECT_LEVEL_UNSPECIFIED;
    v1::ProjectStage stage = v1::PROJECT_STAGE_UNSPECIFIED;
    bool start_planned_in_year = false, start_planned_to_date = false;
    bool started = false, started_in_year = false;
    bool finish_planned_in_year = false, finish_planned_to_date = false;
    bool completed = false, completed_in_year = false;
    int64_t total_yuan = 0, plan_yuan = 0, cumulative_yuan = 0;
    bool reported = false;
    std::vector<v1::BulletinListReason> reasons;
    v1::Light light = v1::LIGHT_UNSPECIFIED;
  };
  using Facts = std::vector<const ProjectFacts*>;

  void FillStarts(const Facts& facts, v1::BulletinPlanRate* starts,
                  v1::BulletinPlanRate* completions) const;
  void FillInvestment(const Facts& facts, v1::BulletinInvestment* out) const;

  BulletinOptions options_;
  uint64_t through_position_ = 0;
  std::vector<ProjectFacts> projects_;
};

// Builds the bulletin for options.month from the project streams in the log
// behind `projects` (AggregateStore::log()), including events at positions
// <= through_position (0: up to the head at the start of the scan).
// DATA_LOSS / FAILED_PRECONDITION when an event cannot be read or decoded.
absl::StatusOr<v1::Bulletin> BuildBulletinFromLog(engine::AggregateStore<Project>& projects,
                                                  const BulletinOptions& options,
                                                  uint64_t through_position = 0);

}  // namespace taizhang::workflows

#endif  // TAIZHANG_WORKFLOWS_BULLETIN_H_
