// Start campaigns (集中开工; proto/taizhang/v1/campaign.proto).
//
// Campaign, "campaign/<campaign_id>": declared once by a supervision office
// with its day and projects, then never changed (a campaign's list is what
// was announced; the rate on the day is judged against it). Decide checks the
// list's shape only: a Decide sees its own stream, and a project may be
// registered after the campaign is announced.
//
// The engine joins each listed project to the campaign (JoinCommand, sent by
// the Ledger's reactions with request id "campaign-join:<campaign_id>:<code>",
// actor system:scheduler, on the declaration, on a listed project's
// registration, and in CatchUp after a restart). On the project's stream the
// campaign is the supervised subject "campaign/<campaign_id>" (project.h):
// due at the end of the campaign day — the named day, also on a weekend or a
// holiday, since a campaign is an event and not a working-day limit —
// resolved when the project starts, chased by the project policy's campaign
// ladder. So a late starter gets its light, slips and alerts on the one
// supervision path, from its own stream's timer.
//
// CampaignRecord computes a campaign's record (each project's status, the
// counts, the start rates on the day and now) from the projects' standings;
// FillCampaignFigures does so for a bulletin's month.
//
// Thread-safety: Decide, Apply, NextWakeup and View are const and pure.
#ifndef TAIZHANG_WORKFLOWS_CAMPAIGN_H_
#define TAIZHANG_WORKFLOWS_CAMPAIGN_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "engine/aggregate.h"
#include "engine/calendar.h"
#include "engine/upcaster.h"
#include "taizhang/v1/bulletin.pb.h"
#include "taizhang/v1/campaign.pb.h"
#include "taizhang/v1/project.pb.h"

namespace taizhang::workflows {

std::string CampaignStream(absl::string_view campaign_id);

// At most this many projects in one campaign (Chengdu's largest day in
// 2019 started a few hundred).
inline constexpr int kMaxCampaignProjects = 2000;

class Campaign {
 public:
  using State = v1::CampaignState;
  using Command = v1::CampaignCommand;
  using Event = v1::CampaignEvent;
  static constexpr uint32_t kStateSchema = 1;
  static constexpr uint32_t kEventSchema = 1;

  // No deadline of its own: the calendar matters on the projects' streams.
  void SetCalendar(std::shared_ptr<const engine::WorkingDayCalendar>) {}

  std::string EventType(const Event& event) const;  // "campaign.Declared"
  absl::StatusOr<std::vector<Event>> Decide(const State& state, const Command& command,
                                            const engine::DecideContext& ctx) const;
  void Apply(State* state, const Event& event, const engine::EventContext& ctx) const;
  const engine::UpcasterRegistry* upcasters() const { return nullptr; }
  std::optional<absl::Time> NextWakeup(const State&) const { return std::nullopt; }
  // The campaign as declared, every project shown pending or (after the
  // day) not started: the status is the projects' (see CampaignRecord).
  v1::CampaignView View(const State& state, absl::Time now) const;

  // The command the engine sends to a listed project's stream.
  static v1::JoinStartCampaign JoinCommand(const v1::StartCampaignDeclared& c);
};

// A listed project's standing in the campaign at `now`: nullopt when the
// project is not registered (or has not joined yet).
using CampaignStandingFn =
    std::function<std::optional<v1::CampaignProjectView>(const std::string& code)>;

// The record of campaign `c` at `now`: each listed project as `standing`
// gives it (an unknown one: 未登记, counted not started once the day is
// over), the counts and the rates.
v1::CampaignView CampaignRecord(const v1::StartCampaignDeclared& c,
                                const CampaignStandingFn& standing, absl::Time now);

// Fills bulletin->campaigns (bulletin.proto): every campaign declared by the
// month's close whose day is in the month, or earlier in the same year with a
// project still not started at the close, as of the close. `standing` must
// read the projects as they stood at the close (or later: a start after the
// close is not counted). Shared by Ledger::BulletinFor and
// BulletinAtPosition, so both compute the same figures.
void FillCampaignFigures(const std::vector<v1::CampaignState>& campaigns,
                         const std::function<std::optional<v1::CampaignProjectView>(
                             const std::string& campaign_id, const std::string& code)>& standing,
                         v1::Bulletin* bulletin);

}  // namespace taizhang::workflows

#endif  // TAIZHANG_WORKFLOWS_CAMPAIGN_H_
