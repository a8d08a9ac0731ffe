// Internal to the key project (project*.cc): other modules include
// workflows/project.h only.
//
// The project is written in three files along its seams: project.cc (the
// aggregate: construction, Decide's dispatch, Apply, NextWakeup, the
// supervised subjects and the view), project_decide.cc (deciding each
// command, and Tick) and project_policy.cc (the policy, months and the
// investment judgement). This header holds what they share: the small
// helpers, the supervised subjects and the deciders Decide dispatches to.
#ifndef TAIZHANG_WORKFLOWS_PROJECT_INTERNAL_H_
#define TAIZHANG_WORKFLOWS_PROJECT_INTERNAL_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "engine/aggregate.h"
#include "engine/calendar.h"
#include "taizhang/v1/project.pb.h"
#include "workflows/principal.h"
#include "workflows/project.h"
#include "workflows/supervision.h"

namespace taizhang::workflows::project_internal {

using v1::ProjectEvent;
using v1::ProjectState;
using Events = std::vector<ProjectEvent>;

inline constexpr char kMonthlySubject[] = "monthly";
inline constexpr char kNodeSubjectPrefix[] = "node/";
inline constexpr char kPhotoSubject[] = "photos";
inline constexpr char kVisitSubjectPrefix[] = "visits/";
inline constexpr char kCampaignSubjectPrefix[] = "campaign/";

inline absl::Time FromUs(int64_t us) { return absl::FromUnixMicros(us); }
inline int64_t ToUs(absl::Time t) { return absl::ToUnixMicros(t); }

// A date from the state: validated when its event was decided (an empty or
// bad one, which Decide never writes, reads as 1970-01-01).
absl::CivilDay MustDay(const std::string& text);

// PERMISSION_DENIED: `what` may be done only by `who`, not by `p`.
absl::Status Denied(absl::string_view what, absl::string_view who, const Principal& p);

// The month the next Tick would close.
absl::CivilMonth NextMonthToClose(const ProjectState& s);

// The supervised subjects of a project: the monthly judgement ("monthly"; a
// run of non-green months is an episode), its slips naming `month` (the
// latest closed one when empty), and each node ("node/<node_id>", one
// episode).
SupervisedSubject MonthlySubject(const ProjectState& s, const std::string& month);
SupervisedSubject NodeSubject(const ProjectState& s, const v1::ProjectNode& node);
// The photo library's monthly judgement ("photos"; a run of months without a
// photo is an episode), its slips naming `month` (the latest when empty).
SupervisedSubject PhotoSubject(const ProjectState& s, const std::string& month);

// A start campaign the project is in ("campaign/<campaign_id>", one
// episode): due at the end of the campaign day, resolved when the project
// started (from the start of that day), its clock from when it joined.
SupervisedSubject CampaignSubject(const ProjectState& s, const v1::ProjectCampaign& c);
const v1::ProjectCampaign* FindCampaign(const ProjectState& s, absl::string_view campaign_id);

// The deciders Decide dispatches to, once the actor is parsed and (but for
// Register) the project is known to be registered.
absl::StatusOr<Events> Register(const ProjectState& s, const v1::RegisterProject& c,
                                const engine::DecideContext& ctx, const Principal& p);
absl::StatusOr<Events> SetPlan(const ProjectState& s, const v1::SetProjectAnnualPlan& c,
                               const Principal& p);
absl::StatusOr<Events> Advance(const ProjectState& s, const v1::AdvanceProjectStage& c,
                               const engine::DecideContext& ctx, const Principal& p);
absl::StatusOr<Events> PlanNode(const ProjectState& s, const v1::PlanProjectNode& c,
                                const engine::DecideContext& ctx, const Principal& p);
absl::StatusOr<Events> NodeDone(const ProjectState& s, const v1::ReportProjectNodeDone& c,
                                const engine::DecideContext& ctx, const Principal& p);
absl::StatusOr<Events> RecordImage(const ProjectState& s, const v1::RecordProjectImageProgress& c,
                                   const engine::DecideContext& ctx, const Principal& p);
absl::StatusOr<Events> Report(const ProjectState& s, const v1::ReportProjectInvestment& c,
                              const engine::DecideContext& ctx, const Principal& p);
absl::StatusOr<Events> Answer(const ProjectState& s, const v1::AnswerSupervisionRung& c,
                              const engine::DecideContext& ctx, const Principal& p);
absl::StatusOr<Events> RaiseRung(const Project& project, const ProjectState& s,
                                 const v1::RaiseSupervisionRung& c,
                                 const engine::DecideContext& ctx, const Principal& p,
                                 const engine::WorkingDayCalendar& calendar);
absl::StatusOr<Events> Delist(const ProjectState& s, const v1::DelistSupervisionRung& c,
                              const engine::DecideContext& ctx, const Principal& p);
absl::StatusOr<Events> Recompute(const ProjectState& s, const engine::WorkingDayCalendar& calendar,
                                 const Principal& p);

// The engine joins the project to a start campaign listing it.
absl::StatusOr<Events> JoinCampaign(const ProjectState& s, const v1::JoinStartCampaign& c,
                                    const engine::DecideContext& ctx, const Principal& p);

// Visits (project_visits.cc).
absl::StatusOr<Events> RecordVisit(const ProjectState& s, const v1::RecordProjectVisit& c,
                                   const engine::DecideContext& ctx, const Principal& p);
absl::StatusOr<Events> Rate(const Project& project, const ProjectState& s,
                            const v1::RateProjectServiceContact& c,
                            const engine::DecideContext& ctx, const Principal& p);
// The next period of `quota` to judge: the one after the last judged, or the
// first that begins on or after the registration day; nullopt when the
// project names nobody in the quota's capacity.
std::optional<VisitPeriod> NextVisitPeriodToClose(const ProjectState& s,
                                                  const v1::VisitQuota& quota);
// The result of `period` for `quota`: the visits in its days recorded before
// it closed.
v1::ProjectVisitPeriodResult JudgeVisitPeriod(const ProjectState& s, const v1::VisitQuota& quota,
                                              const VisitPeriod& period);
// A period judged below quota as a supervised subject
// ("visits/<capacity>/<period>", one episode, one period light).
SupervisedSubject VisitSubject(const ProjectState& s, const v1::ProjectVisitPeriodResult& r);
// Whether the project completed on or before `day`.
bool CompletedOnOrBefore(const ProjectState& s, absl::CivilDay day);

// Tick (the caller checked it is the system's): closes each month due at
// ctx.now, then climbs the ladders, on a copy of `s` to which each event is
// applied as it is emitted, so that each step sees the ones before.
Events Tick(const Project& project, const ProjectState& s, const engine::DecideContext& ctx,
            const engine::WorkingDayCalendar& calendar);

}  // namespace taizhang::workflows::project_internal

#endif  // TAIZHANG_WORKFLOWS_PROJECT_INTERNAL_H_
