#include "workflows/ledger.h"

#include <algorithm>
#include <map>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/status_macros.h"
#include "engine/deadline_scheduler.h"
#include "engine/state_digest.h"
#include "store/sha256.h"
#include "workflows/attachments.h"
#include "workflows/backdating.h"
#include "workflows/bulletin.h"
#include "workflows/bulletin_assessment.h"
#include "workflows/bulletin_log.h"
#include "workflows/bulletin_visits.h"
#include "workflows/campaign.h"
#include "workflows/principal.h"
#include "workflows/supervision.h"

namespace taizhang::workflows {
namespace {

std::string Join(const std::string& a, const std::string& b) { return absl::StrCat(a, "/", b); }

}  // namespace

// Delivers task completions to the tasks that wait for them, raises the
// problems found on a visit as problem streams, and delivers a meeting's
// record to its decided matters' tasks and to its series.
class Ledger::Reactions final : public engine::LogConsumer {
 public:
  explicit Reactions(Ledger& ledger) : ledger_(ledger) {}

  // It keeps nothing between events: CatchUp, after the start's replay,
  // finds what is left to do from the projections.
  std::string CheckpointName() const override { return "reactions"; }
  absl::Status Save(const Emit&) const override { return absl::OkStatus(); }

  absl::Status OnEvent(const store::RecordedEvent& e, bool replaying) override {
    const std::string& type = e.record.type();
    if (type == "project.VisitRecorded") {
      if (replaying) return absl::OkStatus();  // CatchUp, after the replay
      v1::ProjectEvent event;
      if (!event.ParseFromString(e.record.payload())) return absl::OkStatus();
      auto project = ledger_.GetProject(CodeOf(e.record.stream()));
      if (!project.has_value()) return absl::OkStatus();
      return RaiseVisitProblems(*project, event.visit_recorded());
    }
    if (type == "meeting.Recorded") {
      if (replaying) return absl::OkStatus();
      auto meeting = meetings().projection().Get(e.record.stream());
      if (!meeting.has_value()) return absl::OkStatus();
      return DeliverMeeting(meeting->state.meeting());
    }
    if (type == "campaign.Declared") {
      if (replaying) return absl::OkStatus();
      auto campaign = campaigns().projection().Get(e.record.stream());
      if (!campaign.has_value()) return absl::OkStatus();
      return DeliverCampaign(campaign->state.campaign());
    }
    if (type == "project.Registered") {
      if (replaying) return absl::OkStatus();
      const std::string code = CodeOf(e.record.stream());
      for (const auto& loaded : campaigns().projection().List()) {
        const v1::StartCampaignDeclared& c = loaded.state.campaign();
        if (std::find(c.project_codes().begin(), c.project_codes().end(), code) !=
            c.project_codes().end()) {
          RETURN_IF_ERROR(JoinCampaign(c, code));
        }
      }
      return absl::OkStatus();
    }
    if (type != "task.Created" && type != "task.Completed") return absl::OkStatus();
    // Replay only rebuilds; what a crash left undone is sent once the runtime
    // follows (Start calls CatchUpReactions after the replay).
    if (replaying) return absl::OkStatus();
    const std::string stream = e.record.stream();
    auto state = tasks().projection().Get(stream);
    if (!state.has_value()) return absl::OkStatus();
    if (type == "task.Completed") return DeliverCompletion(state->state);
    return DeliverPending(state->state);
  }

  // Every waiting task whose prerequisites have completed gets them; every
  // problem found on a visit and not yet raised is raised.
  absl::Status CatchUp() {
    const auto waiting = [](const auto& loaded) {
      return !Task::PendingPrerequisites(loaded.state).empty();
    };
    for (const auto& loaded : tasks().projection().List(waiting)) {
      RETURN_IF_ERROR(DeliverPending(loaded.state));
    }
    for (const auto& project : ledger_.ListProjects()) {
      for (const auto& visit : project.visits()) {
        RETURN_IF_ERROR(RaiseVisitProblems(project, visit.recorded()));
      }
    }
    // A meeting whose matters' tasks or series delivery a crash left undone.
    for (const auto& loaded : meetings().projection().List()) {
      RETURN_IF_ERROR(DeliverMeeting(loaded.state.meeting()));
    }
    // A campaign whose projects' joins a crash left undone.
    for (const auto& loaded : campaigns().projection().List()) {
      RETURN_IF_ERROR(DeliverCampaign(loaded.state.campaign()));
    }
    return absl::OkStatus();
  }

 private:
  static std::string CodeOf(const std::string& stream) {
    return stream.substr(std::string(WorkflowTraits<Project>::kPrefix).size());
  }

  // Each problem of the visit not yet raised, as "problem/<code>-V<n>-<i>",
  // by the system, with a request id naming the visit and the line: a second
  // attempt (a replayed reaction, a crash between) finds the first.
  absl::Status RaiseVisitProblems(const v1::ProjectState& project,
                                  const v1::ProjectVisitRecorded& visit) {
    for (int i = 0; i < visit.problem_ids_size() && i < visit.problems_size(); ++i) {
      const std::string& id = visit.problem_ids(i);
      if (ledger_.GetProblem(id).has_value()) continue;
      v1::ProblemCommand command;
      v1::RaiseProblem* raise = command.mutable_raise();
      raise->set_problem_id(id);
      raise->set_project_code(project.info().code());
      raise->set_title(visit.problems(i));
      raise->set_description(absl::StrCat(visit.on(), " ", visit.visitor(), " 走访发现（走访第 ",
                                          visit.number(), " 次）：", visit.findings()));
      raise->mutable_source()->set_kind(v1::PROBLEM_SOURCE_KIND_INSPECTION);
      raise->mutable_source()->set_name(absl::StrCat(visit.visitor(), "走访"));
      raise->set_responsible_leader(project.info().responsible_leader());
      engine::CommandMeta meta;
      meta.request_id =
          absl::StrCat("visit-problem:", project.info().code(), ":", visit.number(), ":", i + 1);
      meta.actor = kSystemActor;
      auto out = ledger_.workflow<Problem>().Execute(id, command, meta);
      if (!out.ok() && out.status().code() != absl::StatusCode::kAlreadyExists) {
        return out.status();
      }
    }
    return absl::OkStatus();
  }

  WorkflowOf<Task>& tasks() { return ledger_.workflow<Task>(); }
  WorkflowOf<Meeting>& meetings() { return ledger_.workflow<Meeting>(); }
  WorkflowOf<MeetingSeries>& series() { return ledger_.workflow<MeetingSeries>(); }
  WorkflowOf<Campaign>& campaigns() { return ledger_.workflow<Campaign>(); }

  // Every listed project that is registered joins the campaign; one that
  // has joined is left alone; one not registered joins when it is.
  absl::Status DeliverCampaign(const v1::StartCampaignDeclared& c) {
    for (const std::string& code : c.project_codes()) RETURN_IF_ERROR(JoinCampaign(c, code));
    return absl::OkStatus();
  }

  absl::Status JoinCampaign(const v1::StartCampaignDeclared& c, const std::string& code) {
    auto project = ledger_.GetProject(code);
    if (!project.has_value()) return absl::OkStatus();
    for (const auto& joined : project->campaigns()) {
      if (joined.joined().campaign_id() == c.campaign_id()) return absl::OkStatus();
    }
    v1::ProjectCommand command;
    *command.mutable_join_campaign() = Campaign::JoinCommand(c);
    engine::CommandMeta meta;
    meta.request_id = absl::StrCat("campaign-join:", c.campaign_id(), ":", code);
    meta.actor = kSystemActor;
    auto out = ledger_.workflow<Project>().Execute(code, command, meta);
    if (!out.ok() && !absl::IsAlreadyExists(out.status())) return out.status();
    return absl::OkStatus();
  }

  // Each decided matter becomes its task, and a meeting of a series is
  // delivered to it; what is there already is left alone (the request ids
  // make a repeat harmless, the checks spare the writes). A series that
  // does not exist gets nothing.
  absl::Status DeliverMeeting(const v1::MeetingRecorded& m) {
    for (int n = 1; n <= m.matters_size(); ++n) {
      const std::string id = MatterTaskIdOf(m, n);
      if (tasks().Get(id).has_value()) continue;
      v1::TaskCommand command;
      *command.mutable_create() = Meeting::MatterTask(m, n);
      engine::CommandMeta meta;
      meta.request_id = absl::StrCat("matter:", m.meeting_id(), ":", n);
      meta.actor = kSystemActor;
      auto out = tasks().Execute(id, command, meta);
      if (!out.ok() && !absl::IsAlreadyExists(out.status())) return out.status();
    }
    if (m.series_id().empty()) return absl::OkStatus();
    auto s = series().Get(m.series_id());
    if (!s.has_value()) return absl::OkStatus();
    for (const auto& held : s->meetings()) {
      if (held.meeting_id() == m.meeting_id()) return absl::OkStatus();
    }
    v1::MeetingSeriesCommand command;
    command.mutable_meeting_held()->set_meeting_id(m.meeting_id());
    command.mutable_meeting_held()->set_held_on(m.held_on());
    engine::CommandMeta meta;
    meta.request_id = absl::StrCat("meeting-held:", m.meeting_id());
    meta.actor = kSystemActor;
    return series().Execute(m.series_id(), command, meta).status();
  }

  absl::Status DeliverCompletion(const v1::TaskState& done) {
    // Only the tasks waiting for `done` are copied out of the projection.
    auto waits_for_done = [&](const auto& loaded) {
      for (const auto& pre : loaded.state.prerequisites()) {
        if (!pre.completed() && pre.task_id() == done.task_id()) return true;
      }
      return false;
    };
    for (const auto& loaded : tasks().projection().List(waits_for_done)) {
      RETURN_IF_ERROR(Deliver(loaded.state, done));
    }
    return absl::OkStatus();
  }

  absl::Status DeliverPending(const v1::TaskState& waiting) {
    for (const std::string& id : Task::PendingPrerequisites(waiting)) {
      auto prerequisite = tasks().projection().Get(WorkflowOf<Task>::Stream(id));
      if (prerequisite.has_value() && prerequisite->state.status() == v1::TASK_STATUS_COMPLETED) {
        RETURN_IF_ERROR(Deliver(waiting, prerequisite->state));
      }
    }
    return absl::OkStatus();
  }

  absl::Status Deliver(const v1::TaskState& waiting, const v1::TaskState& done) {
    v1::TaskCommand command;
    command.mutable_prerequisite_completed()->set_task_id(done.task_id());
    command.mutable_prerequisite_completed()->set_completed_on(done.completed_on());
    engine::CommandMeta meta;
    meta.request_id = absl::StrCat("prerequisite:", waiting.task_id(), ":", done.task_id());
    meta.actor = kSystemActor;
    auto out = tasks().Execute(waiting.task_id(), command, meta);
    return out.status();
  }

  Ledger& ledger_;
};

Ledger::Ledger(store::EventLog& log, Clock& clock) : log_(log), clock_(clock) {}

Ledger::~Ledger() { Stop(); }

absl::StatusOr<std::unique_ptr<Ledger>> Ledger::Open(store::EventLog& log, Clock& clock,
                                                     const LedgerOptions& options) {
  std::unique_ptr<Ledger> l(new Ledger(log, clock));
  l->options_ = options;
  const std::string& root = options.policies_dir;
  ASSIGN_OR_RETURN(auto calendar, engine::WorkingDayCalendar::LoadDirectory(root + "/calendars"));
  l->files_calendar_ = std::make_shared<const engine::WorkingDayCalendar>(std::move(calendar));
  ASSIGN_OR_RETURN(l->backdating_, LoadBackdatingPolicy(Join(root, options.backdating_policy)));
  ASSIGN_OR_RETURN(l->attachment_policy_,
                   LoadAttachmentPolicy(Join(root, options.attachment_policy)));
  ASSIGN_OR_RETURN(l->assessment_, LoadAssessmentPolicies(Join(root, options.assessment_policies)));
  Ledger* self = l.get();
  // Every command, of every aggregate, is dated within its role's bound.
  engine::StoreOptions store_options;
  store_options.admit = [self](const engine::DecideContext& ctx) {
    return CheckBackdating(self->backdating_, ctx.actor, ctx.occurred_at, ctx.now,
                           *self->calendar());
  };
  ASSIGN_OR_RETURN(Workflows workflows, Workflows::Open(options, log, clock, store_options));
  l->workflows_ = std::make_unique<Workflows>(std::move(workflows));
  l->UseCalendar(l->files_calendar_, 0);
  l->reactions_ = std::make_unique<Reactions>(*l);
  l->runtime_ = std::make_unique<engine::Runtime>(
      log, clock, [self](const std::string& key, absl::Time due) { return self->Fire(key, due); });
  for (Workflow* w : l->workflows_->all()) {
    w->set_runtime(l->runtime_.get());
    l->runtime_->AddConsumer(&w->consumer());
  }
  l->runtime_->AddConsumer(l->reactions_.get());
  l->runtime_->AddConsumer(&l->late_entries_);
  if (options.checkpoints) {
    l->runtime_->set_checkpoints({.name = "ledger", .every = options.checkpoint_every});
  }
  return l;
}

absl::Status Ledger::Start() {
  {
    absl::MutexLock l(&calendar_mu_);
    ASSIGN_OR_RETURN(calendar_log_, engine::CalendarLog::Open(log_));
    ASSIGN_OR_RETURN(auto loaded,
                     calendar_log_->LoadAll(*files_calendar_, options_.amend_calendars,
                                            {.via = "policies", .actor = kSystemActor}));
    (void)loaded;
    // Before the replay, so that every view and timer it rebuilds is judged on
    // the log's calendar.
    UseCalendar(calendar_log_->calendar(), calendar_log_->version());
  }
  RETURN_IF_ERROR(runtime_->Start());
  RETURN_IF_ERROR(reactions_->CatchUp());
  // Recomputes what a calendar change left undone (a year new in the files,
  // or a crash between a load and its recomputations); nothing when done.
  absl::MutexLock l(&calendar_mu_);
  return RecomputeUnlessDone();
}

Ledger::StateDigest Ledger::DigestAt(uint64_t position) const {
  store::Sha256Hasher hasher;
  engine::StateDigester digester(hasher);
  hasher.Update(engine::kStateDigestHeader);
  digester.U64(position);
  for (const Workflow* w : workflows_->all()) {
    digester.Field(w->prefix());
    w->DigestInto(digester);
  }
  StateDigest out;
  out.position = position;
  out.streams = digester.streams();
  out.digest = hasher.Finish();
  return out;
}

Ledger::StateDigest Ledger::Digest() const {
  StateDigest out;
  // The position applied cannot move while the projections are read.
  ReadProjections([&] { out = DigestAt(runtime_->applied()); });
  return out;
}

absl::StatusOr<Ledger::StateDigest> Ledger::Replay(uint64_t through,
                                                   const std::function<void(uint64_t)>& progress) {
  const uint64_t head = log_.HeadPosition();
  if (through == 0) through = head;
  if (through > head) {
    return absl::InvalidArgumentError(
        absl::StrCat("position ", through, " is beyond the log's head ", head));
  }
  ASSIGN_OR_RETURN(calendar_log_, engine::CalendarLog::Open(log_));
  UseCalendar(calendar_log_->calendar(), calendar_log_->version());
  std::vector<engine::LogConsumer*> consumers;
  for (Workflow* w : workflows_->all()) {
    w->set_runtime(nullptr);  // no timers: nothing will fire
    consumers.push_back(&w->consumer());
  }
  constexpr uint64_t kProgressEvery = 100'000;
  absl::Status stop = absl::CancelledError("through");
  absl::Status s = log_.Scan(1, [&](const store::RecordedEvent& e) -> absl::Status {
    const uint64_t position = e.record.position();
    if (position > through) return stop;
    for (engine::LogConsumer* c : consumers) {
      absl::Status applied = c->OnEvent(e, /*replaying=*/true);
      if (!applied.ok()) {
        return absl::DataLossError(absl::StrCat("position ", position, ": ", applied.message()));
      }
    }
    if (progress && position % kProgressEvery == 0) progress(position);
    return absl::OkStatus();
  });
  if (!s.ok() && s != stop) return s;
  return DigestAt(through);
}

void Ledger::Stop() {
  if (runtime_) runtime_->Stop();
}

// A deadline fell due: the stream's aggregate gets a Tick. The request id is
// the scheduler's, so a second firing (after a crash) writes nothing.
absl::Status Ledger::Fire(const std::string& key, absl::Time due) {
  // First the stream's deadlines on the calendar in use: a timer armed before
  // a calendar change must not judge a limit computed on the old one.
  RETURN_IF_ERROR(RecomputeStream(key).status());
  engine::CommandMeta meta;
  meta.request_id = engine::DeadlineRequestId(key, due);
  meta.actor = kSystemActor;
  Workflow* w = workflows_->ForStream(key);
  if (w != nullptr) return w->Tick(key, meta);
  return absl::OkStatus();  // not ours: nothing to do
}

absl::StatusOr<Ledger::StateAsOf> Ledger::StateAt(const std::string& stream,
                                                  std::optional<uint64_t> position,
                                                  std::optional<absl::Time> recorded_at) {
  if (Workflow* w = workflows_->ForStream(stream)) {
    return w->StateAt(stream, position, recorded_at);
  }
  std::vector<std::string> prefixes;
  for (const Workflow* w : workflows_->all()) prefixes.push_back(w->prefix());
  const std::string last = prefixes.back();
  prefixes.pop_back();
  return absl::InvalidArgumentError(absl::StrCat(
      "stream: '", stream, "' is not a ", absl::StrJoin(prefixes, ", "), " or ", last, " stream"));
}

v1::MeetingView Ledger::MeetingRecordOf(const v1::MeetingState& state, absl::Time now) const {
  const v1::MeetingRecorded& m = state.meeting();
  std::vector<v1::MeetingState> earlier_states;
  if (!m.series_id().empty()) {
    workflow<Meeting>().ForEach([&](const v1::MeetingState& other) {
      if (other.meeting().series_id() == m.series_id() &&
          other.meeting().held_at_us() < m.held_at_us()) {
        earlier_states.push_back(other);
      }
    });
  }
  std::sort(earlier_states.begin(), earlier_states.end(), [](const auto& a, const auto& b) {
    return a.meeting().held_at_us() < b.meeting().held_at_us();
  });
  std::set<std::string> ids = {m.meeting_id()};
  std::vector<const v1::MeetingRecorded*> earlier;
  for (const auto& e : earlier_states) {
    ids.insert(e.meeting().meeting_id());
    earlier.push_back(&e.meeting());
  }
  std::map<std::string, v1::TaskState> tasks;
  workflow<Task>().ForEach([&](const v1::TaskState& t) {
    if (t.has_origin() && ids.count(t.origin().meeting_id()) > 0) tasks.emplace(t.task_id(), t);
  });
  return MeetingRecord(workflow<Meeting>().aggregate().View(state, now), m, earlier, tasks, now);
}

v1::CampaignView Ledger::CampaignRecordOf(const v1::CampaignState& state, absl::Time now) const {
  const Project& aggregate = project();
  return CampaignRecord(
      state.campaign(),
      [&](const std::string& code) -> std::optional<v1::CampaignProjectView> {
        auto p = GetProject(code);
        if (!p.has_value()) return std::nullopt;
        return aggregate.CampaignStanding(*p, state.campaign().campaign_id(), now);
      },
      now);
}

absl::StatusOr<v1::Bulletin> Ledger::BulletinFor(const std::string& month_text) const {
  ASSIGN_OR_RETURN(absl::CivilMonth month, ParseMonth(month_text));
  BulletinOptions options;
  options.month = month;
  options.investment_rule = project().policy().investment();
  BulletinBuilder builder(options);
  for (const auto& s : ListProjects()) builder.AddProject(s);
  builder.set_through_position(runtime_->applied());
  v1::Bulletin bulletin = builder.Build();

  // Per-unit supervision figures at the month's close, from every supervised
  // subject and every rung of every stream, read one way. Projects are judged
  // by the bulletin's own figures above, not here.
  UnitSupervisionFold units(bulletin);
  for (const auto& s : ListCases()) units.Add(approval_case(), s);
  for (const auto& s : ListTasks()) units.Add(task(), s);
  for (const auto& s : ListProblems()) units.Add(problem(), s);
  units.AddLateEntries(late_entries_.RecordedBetween(absl::InfinitePast(), absl::InfiniteFuture()));
  std::move(units).FillIn(&bulletin);
  AddVisitFigures(ListProjects(), month, &bulletin);
  FillMeetingFigures(workflow<Meeting>().List(), ListTasks(), &bulletin);
  const Project& aggregate = project();
  FillCampaignFigures(
      workflow<Campaign>().List(),
      [&](const std::string& campaign_id,
          const std::string& code) -> std::optional<v1::CampaignProjectView> {
        auto p = GetProject(code);
        if (!p.has_value()) return std::nullopt;
        return aggregate.CampaignStanding(*p, campaign_id,
                                          absl::FromUnixMicros(bulletin.closes_at_us()));
      },
      &bulletin);
  if (auto rule = BulletinAssessmentRuleFor(*this, month); rule.has_value()) {
    RETURN_IF_ERROR(
        AddAssessmentRanking(*this, *rule, month, bulletin.through_position(), &bulletin));
  }
  return bulletin;
}

}  // namespace taizhang::workflows
