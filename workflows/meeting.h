// Dispatch meetings (调度会, 例会, 推进会) and their series
// (proto/taizhang/v1/meeting.proto).
//
// MeetingSeries, "series/<series_id>": declared by a supervision office
// with a rhythm (weekly, every N months; a shipped rhythm of
// policies/meetings/ by name, or its own). The series is a periodic
// supervised subject ("rhythm"): each period of its rhythm is judged once,
// at 00:00 the day after it ends (by the series' own timer), green when a
// meeting of the series was held on one of its days, red when none was. A
// red period starts a new episode of the series ladder (policy
// meetings/series.textproto names it), so each missed period climbs it once
// and the rung goes to the office. A meeting recorded after its period was
// judged does not change that judgement (the period was missed when it
// ended). The engine delivers every meeting naming the series
// (SeriesMeetingHeld, actor system:scheduler, request id
// "meeting-held:<meeting_id>").
//
// Meeting, "meeting/<meeting_id>": recorded once by a supervision office
// (the day held is the command's occurred_at, so a paper record keyed in
// later keeps its day). Its decided matters are checked here (text, units,
// project code's shape, limit) so that the task the engine makes of each
// ("task/<meeting_id>-<n>", origin set, actor system:scheduler, request id
// "matter:<meeting_id>:<n>") can never be refused. Project codes are checked
// for their shape only: a Decide sees its own stream, and a meeting may
// discuss a project not yet registered.
//
// Thread-safety: Decide, Apply, NextWakeup and View are const; SetCalendar
// may be called at any time.
#ifndef TAIZHANG_WORKFLOWS_MEETING_H_
#define TAIZHANG_WORKFLOWS_MEETING_H_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "engine/aggregate.h"
#include "engine/calendar.h"
#include "engine/calendar_holder.h"
#include "engine/upcaster.h"
#include "taizhang/v1/bulletin.pb.h"
#include "taizhang/v1/ladder.pb.h"
#include "taizhang/v1/meeting.pb.h"
#include "taizhang/v1/task.pb.h"
#include "workflows/supervision.h"
#include "workflows/task.h"

namespace taizhang::workflows {

std::string SeriesStream(absl::string_view series_id);
std::string MeetingStream(absl::string_view meeting_id);
// The task of a meeting's n-th decided matter (n from 1), in the matters'
// own namespace (kMatterTaskPrefix, workflows/task.h): "matter-<id>-<n>".
std::string MatterTaskId(absl::string_view meeting_id, int n);
// The task of the recorded meeting's n-th matter: the id its record carries
// (matter_task_ids), else MatterTaskId.
std::string MatterTaskIdOf(const v1::MeetingRecorded& m, int n);

// A rhythm's period: its first and last day.
struct RhythmPeriod {
  absl::CivilDay start;
  absl::CivilDay end;
};
// The period of `rhythm` that contains `day` (the rhythm must be valid).
RhythmPeriod PeriodOf(const v1::MeetingRhythm& rhythm, absl::CivilDay day);
// INVALID_ARGUMENT naming `field` for a rhythm that is not exactly one of
// weekly (weekday 1..7) and every_months (1, 2, 3, 4, 6 or 12).
absl::Status ValidateRhythm(const v1::MeetingRhythm& rhythm, absl::string_view field);
// "每周五", "每月", "每2个月", "每季度", "每半年", "每年".
std::string RhythmText(const v1::MeetingRhythm& rhythm);

// The shipped rhythms and the series ladder, loaded from
// <policies>/meetings/ (every *.textproto but series.textproto is a rhythm
// whose name must match its file) and the ladders directory.
struct MeetingPolicies {
  std::map<std::string, v1::MeetingRhythmPolicy> rhythms;
  v1::Ladder series_ladder;
};
absl::StatusOr<MeetingPolicies> LoadMeetingPolicies(const std::string& meetings_dir,
                                                    const std::string& ladders_dir);

class MeetingSeries {
 public:
  using State = v1::MeetingSeriesState;
  using Command = v1::MeetingSeriesCommand;
  using Event = v1::MeetingSeriesEvent;
  static constexpr uint32_t kStateSchema = 1;
  static constexpr uint32_t kEventSchema = 1;
  static constexpr char kSubject[] = "rhythm";

  MeetingSeries(MeetingPolicies policies,
                std::shared_ptr<const engine::WorkingDayCalendar> calendar);
  static absl::StatusOr<std::unique_ptr<MeetingSeries>> Load(const std::string& meetings_dir,
                                                             const std::string& ladders_dir,
                                                             const std::string& calendar_dir);
  void SetCalendar(std::shared_ptr<const engine::WorkingDayCalendar> calendar) {
    calendar_.Set(std::move(calendar));
  }

  std::string EventType(const Event& event) const;  // "series.Declared", ...
  absl::StatusOr<std::vector<Event>> Decide(const State& state, const Command& command,
                                            const engine::DecideContext& ctx) const;
  void Apply(State* state, const Event& event, const engine::EventContext& ctx) const;
  const engine::UpcasterRegistry* upcasters() const { return nullptr; }
  // The close of the next period to judge, or the next rung due.
  std::optional<absl::Time> NextWakeup(const State& state) const;
  v1::MeetingSeriesView View(const State& state, absl::Time now) const;
  std::vector<SupervisedSubject> Subjects(const State& state) const;

  const MeetingPolicies& policies() const { return policies_; }
  const Supervisor& supervisor() const { return supervisor_; }

 private:
  SupervisedSubject SubjectOf(const State& s) const;
  absl::StatusOr<std::vector<Event>> DecideDeclare(const State& s,
                                                   const v1::DeclareMeetingSeries& c,
                                                   const engine::DecideContext& ctx) const;
  std::vector<Event> DecideTick(const State& s, const engine::DecideContext& ctx) const;

  const MeetingPolicies policies_;
  const Supervisor supervisor_;
  engine::CalendarHolder calendar_;
};

class Meeting {
 public:
  using State = v1::MeetingState;
  using Command = v1::MeetingCommand;
  using Event = v1::MeetingEvent;
  static constexpr uint32_t kStateSchema = 1;
  static constexpr uint32_t kEventSchema = 1;

  explicit Meeting(std::shared_ptr<const engine::WorkingDayCalendar> calendar)
      : calendar_(std::move(calendar), "Meeting") {}
  static absl::StatusOr<std::unique_ptr<Meeting>> Load(const std::string& calendar_dir);
  void SetCalendar(std::shared_ptr<const engine::WorkingDayCalendar> calendar) {
    calendar_.Set(std::move(calendar));
  }

  std::string EventType(const Event& event) const;  // "meeting.Recorded"
  absl::StatusOr<std::vector<Event>> Decide(const State& state, const Command& command,
                                            const engine::DecideContext& ctx) const;
  void Apply(State* state, const Event& event, const engine::EventContext& ctx) const;
  const engine::UpcasterRegistry* upcasters() const { return nullptr; }
  std::optional<absl::Time> NextWakeup(const State&) const { return std::nullopt; }
  // The meeting as recorded, its matters listed without their status (the
  // status is their tasks': see MeetingRecord).
  v1::MeetingView View(const State& state, absl::Time now) const;

  // The CreateTask the engine sends for the n-th matter (from 1) of `m`.
  static v1::CreateTask MatterTask(const v1::MeetingRecorded& m, int n);

 private:
  engine::CalendarHolder calendar_;
};

// A decided matter as it stands on `day` (the end of that day), from its
// task (nullopt when the task is not made yet: shown open). `now` judges the
// light of an open matter.
v1::MatterView MatterAsOf(const v1::MeetingRecorded& m, int n, const v1::TaskState* task,
                          absl::CivilDay day);

// The full record of meeting `m` as of `now`: its matters with their status
// from `tasks` (by task id), the counts, and the matters of `earlier`
// meetings of its series (held before it) still open at the end of the day
// before it was held. `task_view` gives an open task's light and percent.
v1::MeetingView MeetingRecord(const v1::MeetingView& base, const v1::MeetingRecorded& m,
                              const std::vector<const v1::MeetingRecorded*>& earlier,
                              const std::map<std::string, v1::TaskState>& tasks, absl::Time now);

// Fills bulletin->meetings and bulletin->unit_matters (bulletin.proto) from
// every meeting and task as they stood at the month's close (the month and
// close are the bulletin's): shared by Ledger::BulletinFor and
// BulletinAtPosition, so both compute the same figures.
void FillMeetingFigures(const std::vector<v1::MeetingState>& meetings,
                        const std::vector<v1::TaskState>& tasks, v1::Bulletin* bulletin);

}  // namespace taizhang::workflows

#endif  // TAIZHANG_WORKFLOWS_MEETING_H_
