// Project: the key-project aggregate (重点项目), one stream "project/<code>".
//
// What it knows (proto/taizhang/v1/project.proto):
//   - Registration by the supervision office or an admin: code, name, level,
//     owner, amounts (int64 元), leader, lead unit, 三级服务员, planned start
//     and finish dates, the stage it enters at.
//   - Lifecycle: reserve sub-stages → new start (新开工) → under construction
//     (在建) → completed (竣工投产), one step forward at a time, by the lead
//     unit or the supervision office; each step keeps the day it happened
//     (the command's occurred_at, possibly keyed in later).
//   - Node plan (节点计划): named nodes with due dates; the node ladder from the
//     policy (e.g. a 督办通知单 at the due date) is climbed for a node not
//     reported done, with engine::DueRungs.
//   - Monthly investment reports by the lead unit, CUMULATIVE for the year
//     (年度累计), held against the year's plan and time progress (months
//     elapsed ÷ 12) by the policy's InvestmentLightRule.
//   - Month closes. At each month end (00:00 China time on the 1st), Tick
//     fixes the month's result (ProjectMonthClosed): the investment light,
//     应开工未开工 and 应竣工未竣工 (yellow in the first month the planned date
//     is missed, red from the policy's N-th month running), and their worst.
//     Months are judged from the registration month until the project is
//     completed. A change of the worst light is a ProjectLightChanged. The
//     monthly-lights ladder is climbed on the kept history (LadderSubject.lights,
//     closed_at = the month's close) at each close; a run of non-green months
//     is one episode, and a green month ends it (the next yellow starts a new
//     climb). A report keyed in after its month closed does not change the
//     closed result (it counts for later months and for the bulletin).
//   - Photos (图片库): RecordProjectImageProgress (the lead unit or the
//     office) adds photos of the image progress; a node report and a visit
//     may carry photos and documents. Their bytes are blobs of the log
//     (BlobDigests).
//     Each month close judges a project under construction on them (the
//     policy's photo_* months without a new photo: yellow, red), kept in the
//     month's result (photo_light, not part of its light) and climbed by the
//     policy's photo ladder as the subject "photos".
//   - Visits (走访) and ratings (visit.proto, project_visits.cc, docs/visits.md):
//     a visit by the responsible leader or a service contact (or keyed in by
//     the office for them) is matched against the project's people; its
//     problems are raised as problem streams by the Ledger's reactions. Each
//     quota of the visit policy is judged per period at the period's end by
//     Tick (ProjectVisitPeriodClosed); a period below quota is a supervised
//     subject "visits/<capacity>/<period>" with its light and its rungs. The
//     owner rates each service contact once per rating period.
//   - Slips (ProjectRungRaised) with recipients resolved to units and people,
//     a deterministic slip number and a rectification limit; the recipient
//     unit answers with AnswerProjectSlip.
//
// Who may do what: RegisterProject and SetProjectAnnualPlan: supervision or
// admin. AdvanceProjectStage, PlanProjectNode: the lead unit
// ("department:<lead_unit>") or supervision. ReportProjectNodeDone: the node's
// responsible unit, the lead unit or supervision. ReportProjectInvestment: the
// lead unit. AnswerProjectSlip: the slip's recipient unit. RecordProjectVisit:
// the visitor ("leader:<name>", "<role>:<unit>:<name>") or the project's
// office. RateProjectServiceContact: the owner ("enterprise:<owner>"). ProjectTick:
// system:scheduler. RecomputeProjectDeadlines: system or admin.
//
// Thread-safety: Decide, Apply, NextWakeup and View are const and may run
// concurrently; SetCalendar may be called at any time (Decide uses the
// calendar current when it starts).
#ifndef TAIZHANG_WORKFLOWS_PROJECT_H_
#define TAIZHANG_WORKFLOWS_PROJECT_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "engine/aggregate.h"
#include "engine/calendar.h"
#include "engine/calendar_holder.h"
#include "engine/upcaster.h"
#include "taizhang/v1/ladder.pb.h"
#include "taizhang/v1/project.pb.h"
#include "workflows/supervision.h"

namespace taizhang::workflows {

// "project/<code>".
std::string ProjectStream(absl::string_view code);

// Parses "YYYY-MM"; INVALID_ARGUMENT quoting the text otherwise.
absl::StatusOr<absl::CivilMonth> ParseMonth(absl::string_view text);
std::string FormatMonth(absl::CivilMonth month);

// The instant a month closes: 00:00 China time on the 1st of the next month.
absl::Time MonthClose(absl::CivilMonth month);

// Holds `cumulative_yuan` completed by the end of month `month_index` (1..12)
// against `plan_yuan` for the year, by `rule`. A plan <= 0 gives a judgement
// with light UNSPECIFIED (not judged). Exact integer arithmetic.
v1::ProjectInvestmentJudgement JudgeInvestment(int64_t plan_yuan, int64_t cumulative_yuan,
                                               int month_index,
                                               const v1::InvestmentLightRule& rule);

// num ÷ den in basis points, rounded half away from zero (den > 0).
int32_t RatioBp(int64_t num, int64_t den);

// Policy (workflows/policies/investment/*.textproto). Parse/Load validate:
// a name; the investment rule (a measure, 1 <= yellow_from_bp <=
// red_above_bp); plan_date_red_from_month >= 1; node_yellow_working_days >=
// 0; a valid node_ladder. INVALID_ARGUMENT "name:line: reason" (parse errors
// "name:line:col: reason"); NOT_FOUND when the file cannot be read.
absl::StatusOr<v1::ProjectPolicy> ParseProjectPolicy(const std::string& name,
                                                     const std::string& text);
absl::StatusOr<v1::ProjectPolicy> LoadProjectPolicy(const std::string& path);
absl::Status ValidateProjectPolicy(const v1::ProjectPolicy& policy, const std::string& name);

// Visits (走访) and ratings (workflows/project_visits.cc; visit.proto).
//
// A quota period: a month ("YYYY-MM") or a half month ("YYYY-MM-1" the 1st to
// the 15th, "YYYY-MM-2" the 16th to the month's last day). It closes at 00:00
// China time of the day after its last day; a visit on the last day counts
// for it, one on the next day for the next.
struct VisitPeriod {
  v1::VisitPeriodKind kind = v1::VISIT_PERIOD_KIND_MONTH;
  absl::CivilDay first;
  absl::CivilDay last;
  std::string key;
};
VisitPeriod VisitPeriodOf(v1::VisitPeriodKind kind, absl::CivilDay day);
VisitPeriod NextVisitPeriod(const VisitPeriod& period);
absl::Time VisitPeriodClose(const VisitPeriod& period);
// INVALID_ARGUMENT quoting the text when it is not a period of `kind`.
absl::StatusOr<VisitPeriod> ParseVisitPeriod(v1::VisitPeriodKind kind, absl::string_view text);

// The person the project's registration names in `capacity` ("" for none or
// OTHER).
std::string VisitCapacityPerson(const v1::ProjectInfo& info, v1::VisitCapacity capacity);
// Every capacity `person` holds on the project, in enum order.
std::vector<v1::VisitCapacity> VisitCapacitiesOf(const v1::ProjectInfo& info,
                                                 absl::string_view person);

// The visits of a project per person per month (by month, then person), as
// the bulletin and the assessment read them; visits keyed in after their
// period was judged count here too.
std::vector<v1::ProjectVisitTally> VisitTallies(const v1::ProjectState& state);

// Visit policy (workflows/policies/visits/*.textproto). Validated: a name;
// each quota with a capacity (not OTHER, each once), a period kind and
// at_least >= 1; a valid ladder when there are quotas; a rating scale with
// min < max, grades ascending from min_score within the scale, a period kind.
// INVALID_ARGUMENT "name:line: reason"; NOT_FOUND when it cannot be read.
absl::StatusOr<v1::VisitPolicy> ParseVisitPolicy(const std::string& name, const std::string& text);
absl::StatusOr<v1::VisitPolicy> LoadVisitPolicy(const std::string& path);
absl::Status ValidateVisitPolicy(const v1::VisitPolicy& policy, const std::string& name);

class Project {
 public:
  using State = v1::ProjectState;
  using Command = v1::ProjectCommand;
  using Event = v1::ProjectEvent;
  static constexpr uint32_t kStateSchema = 1;
  static constexpr uint32_t kEventSchema = 1;

  // `policy` must pass ValidateProjectPolicy and `monthly_ladder` (e.g.
  // workflows/policies/ladders/monthly-lights.textproto) engine::ValidateLadder
  // (CHECKed). `calendar` must not be null.
  // `visits` (when it has a name) must pass ValidateVisitPolicy; without
  // one no visit quota is judged and ratings are refused.
  Project(v1::ProjectPolicy policy, v1::Ladder monthly_ladder,
          std::shared_ptr<const engine::WorkingDayCalendar> calendar,
          v1::VisitPolicy visits = v1::VisitPolicy());

  // Loads the policy file, the ladder file and the calendar directory.
  static absl::StatusOr<std::unique_ptr<Project>> Load(const std::string& policy_path,
                                                       const std::string& monthly_ladder_path,
                                                       const std::string& calendar_dir,
                                                       const std::string& visit_policy_path = "");

  // Takes a new calendar into use (e.g. after a year's file was added); then
  // send RecomputeProjectDeadlines to each project.
  void SetCalendar(std::shared_ptr<const engine::WorkingDayCalendar> calendar);

  std::string EventType(const Event& event) const;
  absl::StatusOr<std::vector<Event>> Decide(const State& state, const Command& command,
                                            const engine::DecideContext& ctx) const;
  void Apply(State* state, const Event& event, const engine::EventContext& ctx) const;
  const engine::UpcasterRegistry* upcasters() const { return nullptr; }
  // The blobs an event stands on: the photos and documents of a node report
  // or a visit, or of an image-progress record (图片库).
  std::vector<std::string> BlobDigests(const Event& event) const;

  // The earliest instant at which a Tick could emit something new: the next
  // month close (until completion), the next rung of a node not done, or a
  // rung already due and not raised. nullopt for an unregistered project or
  // when nothing is pending.
  std::optional<absl::Time> NextWakeup(const State& state) const;

  // What depends on `now`: overdue flags, nodes' working days left and
  // lights, open slips' working days to their rectification limit.
  v1::ProjectView View(const State& state, absl::Time now) const;

  // The subjects it supervises: the monthly judgement ("monthly"), each
  // node ("node/<node_id>"), the photo library's monthly judgement
  // ("photos"), each visit period judged below quota
  // ("visits/<capacity>/<period>") and each start campaign it is in
  // ("campaign/<campaign_id>"); empty before registration.
  std::vector<SupervisedSubject> Subjects(const State& state) const;

  const v1::ProjectPolicy& policy() const { return policy_; }
  const v1::Ladder& monthly_ladder() const { return monthly_ladder_; }
  const Supervisor& monthly() const { return monthly_; }
  const Supervisor& nodes() const { return nodes_; }
  const Supervisor& photos() const { return photos_; }
  const v1::VisitPolicy& visit_policy() const { return visit_policy_; }
  const Supervisor& visits() const { return visits_; }
  const Supervisor& campaigns() const { return campaigns_; }

  // The project's standing in start campaign `campaign_id` at `now` (from
  // its state as it is then): status, light, rungs; nullopt when it has not
  // joined that campaign.
  std::optional<v1::CampaignProjectView> CampaignStanding(const State& state,
                                                          absl::string_view campaign_id,
                                                          absl::Time now) const;

 private:
  std::shared_ptr<const engine::WorkingDayCalendar> calendar() const;

  const v1::ProjectPolicy policy_;
  const v1::Ladder monthly_ladder_;
  const Supervisor monthly_;  // the monthly-lights ladder
  const Supervisor nodes_;    // the policy's node ladder
  const Supervisor photos_;   // the policy's photo ladder (图片库)
  const v1::VisitPolicy visit_policy_;
  const Supervisor visits_;     // the visit policy's ladder, per period below quota
  const Supervisor campaigns_;  // the policy's campaign ladder (集中开工)
  engine::CalendarHolder calendar_;
};

}  // namespace taizhang::workflows

#endif  // TAIZHANG_WORKFLOWS_PROJECT_H_
