#include "workflows/ledger.h"

#include <map>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/status_macros.h"
#include "engine/deadline_scheduler.h"
#include "workflows/backdating.h"
#include "workflows/bulletin.h"
#include "workflows/principal.h"
#include "workflows/supervision.h"

namespace taizhang::workflows {
namespace {

constexpr char kProjectPrefix[] = "project/";
constexpr char kCasePrefix[] = "case/";
constexpr char kTaskPrefix[] = "task/";
constexpr char kProblemPrefix[] = "problem/";

std::string Join(const std::string& a, const std::string& b) { return absl::StrCat(a, "/", b); }

}  // namespace

// Delivers task completions to the tasks that wait for them.
class Ledger::Reactions final : public engine::LogConsumer {
 public:
  explicit Reactions(Ledger& ledger) : ledger_(ledger) {}

  absl::Status OnEvent(const store::RecordedEvent& e, bool replaying) override {
    const std::string& type = e.record.type();
    if (type != "task.Created" && type != "task.Completed") return absl::OkStatus();
    // Replay only rebuilds; what a crash left undone is sent once the runtime
    // follows (Start calls CatchUpReactions after the replay).
    if (replaying) return absl::OkStatus();
    const std::string stream = e.record.stream();
    auto state = ledger_.task_view_->Get(stream);
    if (!state.has_value()) return absl::OkStatus();
    if (type == "task.Completed") return DeliverCompletion(state->state);
    return DeliverPending(state->state);
  }

  // Every waiting task whose prerequisites have completed gets them.
  absl::Status CatchUp() {
    for (const auto& loaded : ledger_.task_view_->List()) {
      RETURN_IF_ERROR(DeliverPending(loaded.state));
    }
    return absl::OkStatus();
  }

 private:
  absl::Status DeliverCompletion(const v1::TaskState& done) {
    for (const auto& loaded : ledger_.task_view_->List()) {
      for (const std::string& id : Task::PendingPrerequisites(loaded.state)) {
        if (id == done.task_id()) RETURN_IF_ERROR(Deliver(loaded.state, done));
      }
    }
    return absl::OkStatus();
  }

  absl::Status DeliverPending(const v1::TaskState& waiting) {
    for (const std::string& id : Task::PendingPrerequisites(waiting)) {
      auto prerequisite = ledger_.task_view_->Get(Join("task", id));
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
    auto out = ledger_.tasks_->Execute(TaskStream(waiting.task_id()), command, meta);
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
  ASSIGN_OR_RETURN(l->project_,
                   Project::Load(Join(root, options.project_policy),
                                 Join(root, options.project_ladder), root + "/calendars"));
  ASSIGN_OR_RETURN(l->case_, ApprovalCase::Load(Join(root, options.approval_policies),
                                                root + "/ladders", root + "/calendars"));
  ASSIGN_OR_RETURN(l->task_, Task::Load(Join(root, options.task_policy), root + "/ladders",
                                        root + "/calendars"));
  ASSIGN_OR_RETURN(l->problem_, Problem::Load(Join(root, options.task_policy), root + "/ladders",
                                              root + "/calendars"));
  l->project_->SetCalendar(l->files_calendar_);
  l->case_->SetCalendar(l->files_calendar_);
  l->task_->SetCalendar(l->files_calendar_);
  l->problem_->SetCalendar(l->files_calendar_);

  ASSIGN_OR_RETURN(l->backdating_, LoadBackdatingPolicy(Join(root, options.backdating_policy)));
  Ledger* self = l.get();
  // Every command, of every aggregate, is dated within its role's bound.
  engine::StoreOptions store_options;
  store_options.admit = [self](const engine::DecideContext& ctx) {
    return CheckBackdating(self->backdating_, ctx.actor, ctx.occurred_at, ctx.now,
                           *self->calendar());
  };
  l->projects_ =
      std::make_unique<engine::AggregateStore<Project>>(log, clock, *l->project_, store_options);
  l->cases_ =
      std::make_unique<engine::AggregateStore<ApprovalCase>>(log, clock, *l->case_, store_options);
  l->tasks_ = std::make_unique<engine::AggregateStore<Task>>(log, clock, *l->task_, store_options);
  l->problems_ =
      std::make_unique<engine::AggregateStore<Problem>>(log, clock, *l->problem_, store_options);
  l->project_view_ = std::make_unique<engine::StreamProjection<Project>>(
      kProjectPrefix, *l->projects_,
      [self](const v1::ProjectState& s) { return self->project_->NextWakeup(s); });
  l->case_view_ = std::make_unique<engine::StreamProjection<ApprovalCase>>(
      kCasePrefix, *l->cases_,
      [self](const v1::ApprovalCaseState& s) { return self->case_->NextWakeup(s); });
  l->task_view_ = std::make_unique<engine::StreamProjection<Task>>(
      kTaskPrefix, *l->tasks_,
      [self](const v1::TaskState& s) { return self->task_->NextWakeup(s); });
  l->problem_view_ = std::make_unique<engine::StreamProjection<Problem>>(
      kProblemPrefix, *l->problems_,
      [self](const v1::ProblemState& s) { return self->problem_->NextWakeup(s); });
  l->reactions_ = std::make_unique<Reactions>(*l);
  l->runtime_ = std::make_unique<engine::Runtime>(
      log, clock, [self](const std::string& key, absl::Time due) { return self->Fire(key, due); });
  l->project_view_->set_runtime(l->runtime_.get());
  l->case_view_->set_runtime(l->runtime_.get());
  l->task_view_->set_runtime(l->runtime_.get());
  l->problem_view_->set_runtime(l->runtime_.get());
  l->runtime_->AddConsumer(l->project_view_.get());
  l->runtime_->AddConsumer(l->case_view_.get());
  l->runtime_->AddConsumer(l->task_view_.get());
  l->runtime_->AddConsumer(l->problem_view_.get());
  l->runtime_->AddConsumer(l->reactions_.get());
  l->runtime_->AddConsumer(&l->late_entries_);
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
  if (key.rfind(kProjectPrefix, 0) == 0) {
    v1::ProjectCommand c;
    c.mutable_tick();
    return projects_->Execute(key, c, meta).status();
  }
  if (key.rfind(kCasePrefix, 0) == 0) {
    v1::ApprovalCaseCommand c;
    c.mutable_tick();
    return cases_->Execute(key, c, meta).status();
  }
  if (key.rfind(kTaskPrefix, 0) == 0) {
    v1::TaskCommand c;
    c.mutable_tick();
    return tasks_->Execute(key, c, meta).status();
  }
  if (key.rfind(kProblemPrefix, 0) == 0) {
    v1::ProblemCommand c;
    c.mutable_tick();
    return problems_->Execute(key, c, meta).status();
  }
  return absl::OkStatus();  // not ours: nothing to do
}

absl::StatusOr<Ledger::Outcome<Project>> Ledger::ExecuteProject(const std::string& code,
                                                                const v1::ProjectCommand& command,
                                                                const engine::CommandMeta& meta) {
  return projects_->Execute(ProjectStream(code), command, meta);
}

absl::StatusOr<Ledger::Outcome<ApprovalCase>> Ledger::ExecuteCase(
    const std::string& case_id, const v1::ApprovalCaseCommand& command,
    const engine::CommandMeta& meta) {
  return cases_->Execute(CaseStream(case_id), command, meta);
}

absl::StatusOr<Ledger::Outcome<Task>> Ledger::ExecuteTask(const std::string& task_id,
                                                          const v1::TaskCommand& command,
                                                          const engine::CommandMeta& meta) {
  return tasks_->Execute(TaskStream(task_id), command, meta);
}

absl::StatusOr<Ledger::Outcome<Problem>> Ledger::ExecuteProblem(const std::string& problem_id,
                                                                const v1::ProblemCommand& command,
                                                                const engine::CommandMeta& meta) {
  return problems_->Execute(ProblemStream(problem_id), command, meta);
}

void Ledger::ExecuteProjectAsync(const std::string& code, const v1::ProjectCommand& command,
                                 const engine::CommandMeta& meta, Done<Project> done) {
  projects_->ExecuteAsync(ProjectStream(code), command, meta, std::move(done));
}

void Ledger::ExecuteCaseAsync(const std::string& case_id, const v1::ApprovalCaseCommand& command,
                              const engine::CommandMeta& meta, Done<ApprovalCase> done) {
  cases_->ExecuteAsync(CaseStream(case_id), command, meta, std::move(done));
}

void Ledger::ExecuteTaskAsync(const std::string& task_id, const v1::TaskCommand& command,
                              const engine::CommandMeta& meta, Done<Task> done) {
  tasks_->ExecuteAsync(TaskStream(task_id), command, meta, std::move(done));
}

void Ledger::ExecuteProblemAsync(const std::string& problem_id, const v1::ProblemCommand& command,
                                 const engine::CommandMeta& meta, Done<Problem> done) {
  problems_->ExecuteAsync(ProblemStream(problem_id), command, meta, std::move(done));
}

std::optional<v1::ProjectState> Ledger::GetProject(const std::string& code) const {
  auto l = project_view_->Get(ProjectStream(code));
  if (!l.has_value()) return std::nullopt;
  return l->state;
}

std::optional<v1::ApprovalCaseState> Ledger::GetCase(const std::string& case_id) const {
  auto l = case_view_->Get(CaseStream(case_id));
  if (!l.has_value()) return std::nullopt;
  return l->state;
}

std::optional<v1::TaskState> Ledger::GetTask(const std::string& task_id) const {
  auto l = task_view_->Get(TaskStream(task_id));
  if (!l.has_value()) return std::nullopt;
  return l->state;
}

std::optional<v1::ProblemState> Ledger::GetProblem(const std::string& problem_id) const {
  auto l = problem_view_->Get(ProblemStream(problem_id));
  if (!l.has_value()) return std::nullopt;
  return l->state;
}

std::vector<v1::ProjectState> Ledger::ListProjects() const {
  std::vector<v1::ProjectState> out;
  for (auto& l : project_view_->List()) out.push_back(std::move(l.state));
  return out;
}

std::vector<v1::ApprovalCaseState> Ledger::ListCases() const {
  std::vector<v1::ApprovalCaseState> out;
  for (auto& l : case_view_->List()) out.push_back(std::move(l.state));
  return out;
}

std::vector<v1::TaskState> Ledger::ListTasks() const {
  std::vector<v1::TaskState> out;
  for (auto& l : task_view_->List()) out.push_back(std::move(l.state));
  return out;
}

std::vector<v1::ProblemState> Ledger::ListProblems() const {
  std::vector<v1::ProblemState> out;
  for (auto& l : problem_view_->List()) out.push_back(std::move(l.state));
  return out;
}

template <class A>
absl::StatusOr<Ledger::StateAsOf> Ledger::StateAt(engine::AggregateStore<A>& store,
                                                  const A& aggregate, const std::string& stream,
                                                  std::optional<uint64_t> position,
                                                  std::optional<absl::Time> recorded_at) {
  ASSIGN_OR_RETURN(auto loaded,
                   store.LoadAsOf(stream, {.position = position, .recorded_at = recorded_at}));
  if (loaded.version == 0) {
    return absl::NotFoundError(absl::StrCat("stream '", stream, "' had no events by then"));
  }
  StateAsOf out;
  out.version = loaded.version;
  out.position = loaded.position;
  if (recorded_at.has_value()) {
    out.as_of = *recorded_at;
  } else {
    ASSIGN_OR_RETURN(auto last, log_.ReadAll(loaded.position, 1));
    if (last.empty()) {
      return absl::DataLossError(absl::StrCat("position ", loaded.position, " cannot be read"));
    }
    out.as_of = absl::FromUnixMicros(last[0].record.recorded_at_us());
  }
  out.state.PackFrom(loaded.state);
  out.view.PackFrom(aggregate.View(loaded.state, out.as_of));
  return out;
}

absl::StatusOr<Ledger::StateAsOf> Ledger::StateAt(const std::string& stream,
                                                  std::optional<uint64_t> position,
                                                  std::optional<absl::Time> recorded_at) {
  if (absl::StartsWith(stream, kCasePrefix)) {
    return StateAt(*cases_, *case_, stream, position, recorded_at);
  }
  if (absl::StartsWith(stream, kTaskPrefix)) {
    return StateAt(*tasks_, *task_, stream, position, recorded_at);
  }
  if (absl::StartsWith(stream, kProblemPrefix)) {
    return StateAt(*problems_, *problem_, stream, position, recorded_at);
  }
  if (absl::StartsWith(stream, kProjectPrefix)) {
    return StateAt(*projects_, *project_, stream, position, recorded_at);
  }
  return absl::InvalidArgumentError(
      absl::StrCat("stream: '", stream, "' is not a case/, task/, problem/ or project/ stream"));
}

absl::StatusOr<v1::Bulletin> Ledger::BulletinFor(const std::string& month_text) const {
  ASSIGN_OR_RETURN(absl::CivilMonth month, ParseMonth(month_text));
  BulletinOptions options;
  options.month = month;
  options.investment_rule = project_->policy().investment();
  BulletinBuilder builder(options);
  for (const auto& l : project_view_->List()) builder.AddProject(l.state);
  builder.set_through_position(runtime_->applied());
  v1::Bulletin bulletin = builder.Build();

  // Per-unit supervision figures at the month's close, from every supervised
  // subject and every rung of every stream, read one way.
  const int64_t open_us = absl::ToUnixMicros(engine::StartOfDay(absl::CivilDay(month)));
  const absl::Time close = absl::FromUnixMicros(bulletin.closes_at_us());
  std::map<std::string, v1::BulletinUnitSupervision> units;
  auto unit = [&](const std::string& name) -> v1::BulletinUnitSupervision& {
    auto& u = units[name];
    u.set_unit(name);
    return u;
  };
  auto fold_subject = [&](const SupervisedSubject& s) {
    if (s.due_date.empty() || s.suspended || s.start >= close || s.due_at > close) return;
    if (s.resolved && s.resolved_at < close) return;
    if (s.parties.unit_role() == "enterprise") return;  // an enterprise is not a unit
    for (const std::string& name : s.parties.units()) {
      auto& u = unit(name);
      if (absl::StartsWith(s.stream, kTaskPrefix)) {
        u.set_overdue_tasks(u.overdue_tasks() + 1);
      } else if (absl::StartsWith(s.stream, kProblemPrefix)) {
        u.set_overdue_problems(u.overdue_problems() + 1);
      } else if (absl::StartsWith(s.id, "item/")) {
        u.set_overdue_case_items(u.overdue_case_items() + 1);
      }
    }
  };
  auto fold_rungs = [&](const google::protobuf::RepeatedPtrField<v1::SupervisionRung>& rungs) {
    for (const auto& r : rungs) {
      const int64_t raised = r.raised().raised_at_us();
      if (raised >= bulletin.closes_at_us()) continue;
      for (const auto& to : r.raised().recipients()) {
        if (to.role() != v1::ROLE_RESPONSIBLE_UNIT || to.unit().empty()) continue;
        if (r.raised().parties().unit_role() == "enterprise") continue;
        auto& u = unit(to.unit());
        if (raised >= open_us) {
          u.set_rungs_in_month(u.rungs_in_month() + 1);
          if (r.raised().issues() == v1::ISSUE_LISTING) {
            u.set_listings_in_month(u.listings_in_month() + 1);
          }
        }
        if (!r.answered() || r.answered_at_us() >= bulletin.closes_at_us()) {
          u.set_open_rungs(u.open_rungs() + 1);
        }
      }
    }
  };
  for (const auto& l : case_view_->List()) {
    for (const SupervisedSubject& s : case_->Subjects(l.state)) fold_subject(s);
    fold_rungs(l.state.rungs());
  }
  for (const auto& l : task_view_->List()) {
    for (const SupervisedSubject& s : task_->Subjects(l.state)) fold_subject(s);
    fold_rungs(l.state.rungs());
  }
  for (const auto& l : problem_view_->List()) {
    for (const SupervisedSubject& s : problem_->Subjects(l.state)) fold_subject(s);
    fold_rungs(l.state.rungs());
  }
  // Facts keyed in late (补录) during the month, by the unit that keyed them.
  for (const LateEntry& e :
       late_entries_.RecordedBetween(engine::StartOfDay(absl::CivilDay(month)), close)) {
    if (e.unit.empty() || absl::StartsWith(e.actor, "enterprise:")) continue;
    auto& u = unit(e.unit);
    u.set_late_entries_in_month(u.late_entries_in_month() + 1);
  }
  for (auto& [name, u] : units) *bulletin.add_unit_supervision() = std::move(u);
  return bulletin;
}

}  // namespace taizhang::workflows
