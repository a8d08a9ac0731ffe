#include "workflows/meeting.h"

#include <algorithm>
#include <filesystem>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "engine/deadline_rule.h"
#include "engine/event_type.h"
#include "engine/ladder.h"
#include "engine/text_proto.h"
#include "workflows/principal.h"
#include "workflows/project_code.h"

namespace taizhang::workflows {
namespace {

using engine::DecideContext;
using engine::EventContext;

absl::Time FromUs(int64_t us) { return absl::FromUnixMicros(us); }
int64_t Us(absl::Time t) { return absl::ToUnixMicros(t); }
bool Blank(const std::string& s) { return absl::StripAsciiWhitespace(s).empty(); }

absl::StatusOr<Principal> ActorOf(const DecideContext& ctx) {
  absl::StatusOr<Principal> p = ParseActor(ctx.actor);
  if (!p.ok()) return absl::PermissionDeniedError(p.status().message());
  return p;
}

absl::Status RequireOfficeRole(const Principal& p, absl::string_view what) {
  if (p.Is(Role::kSupervision)) return absl::OkStatus();
  return absl::PermissionDeniedError(
      absl::StrCat("only a supervision office may ", what, "; you are ", p.ToActor()));
}

absl::Status CheckUnits(const google::protobuf::RepeatedPtrField<std::string>& units,
                        const std::string& field, bool required) {
  if (required && units.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": at least one is required"));
  }
  for (int i = 0; i < units.size(); ++i) {
    if (Blank(units[i])) return absl::InvalidArgumentError(absl::StrCat(field, "[", i, "]: empty"));
    for (int j = 0; j < i; ++j) {
      if (units[i] == units[j]) {
        return absl::InvalidArgumentError(
            absl::StrCat(field, "[", i, "]: '", units[i], "' is listed twice"));
      }
    }
  }
  return absl::OkStatus();
}

bool IsRed(const v1::MeetingSeriesPeriod& p) { return p.light() == v1::LIGHT_RED; }

}  // namespace

std::string SeriesStream(absl::string_view id) { return absl::StrCat("series/", id); }
std::string MeetingStream(absl::string_view id) { return absl::StrCat("meeting/", id); }
std::string MatterTaskId(absl::string_view meeting_id, int n) {
  return absl::StrCat(kMatterTaskPrefix, meeting_id, "-", n);
}
std::string MatterTaskIdOf(const v1::MeetingRecorded& m, int n) {
  if (n >= 1 && n <= m.matter_task_ids_size()) return m.matter_task_ids(n - 1);
  return MatterTaskId(m.meeting_id(), n);
}

// ---------------------------------------------------------------------------
// Rhythms.

RhythmPeriod PeriodOf(const v1::MeetingRhythm& rhythm, absl::CivilDay day) {
  if (rhythm.has_weekly()) {
    // absl::Weekday: monday = 0 ... sunday = 6.
    const int from_monday = static_cast<int>(absl::GetWeekday(day));
    const absl::CivilDay monday = day - from_monday;
    return {monday, monday + 6};
  }
  const int n = std::max(1, rhythm.every_months());
  const absl::CivilMonth month(day);
  const int first = (month.month() - 1) / n * n + 1;
  const absl::CivilMonth start(month.year(), first);
  return {absl::CivilDay(start), absl::CivilDay(start + n) - 1};
}

absl::Status ValidateRhythm(const v1::MeetingRhythm& rhythm, absl::string_view field) {
  switch (rhythm.kind_case()) {
    case v1::MeetingRhythm::kWeekly:
      if (rhythm.weekly().weekday() < 1 || rhythm.weekly().weekday() > 7) {
        return absl::InvalidArgumentError(
            absl::StrCat(field, ".weekly.weekday: ", rhythm.weekly().weekday(),
                         " is not 1 (Monday) .. 7 (Sunday)"));
      }
      return absl::OkStatus();
    case v1::MeetingRhythm::kEveryMonths: {
      const int n = rhythm.every_months();
      if (n < 1 || n > 12 || 12 % n != 0) {
        return absl::InvalidArgumentError(
            absl::StrCat(field, ".every_months: ", n, " must divide 12 (1, 2, 3, 4, 6 or 12)"));
      }
      return absl::OkStatus();
    }
    default:
      return absl::InvalidArgumentError(absl::StrCat(field, ": set weekly or every_months"));
  }
}

std::string RhythmText(const v1::MeetingRhythm& rhythm) {
  static const char* const kDays[] = {"", "一", "二", "三", "四", "五", "六", "日"};
  if (rhythm.has_weekly()) {
    const int d = rhythm.weekly().weekday();
    return absl::StrCat("每周", d >= 1 && d <= 7 ? kDays[d] : "");
  }
  switch (rhythm.every_months()) {
    case 1:
      return "每月";
    case 3:
      return "每季度";
    case 6:
      return "每半年";
    case 12:
      return "每年";
    default:
      return absl::StrCat("每", rhythm.every_months(), "个月");
  }
}

absl::StatusOr<MeetingPolicies> LoadMeetingPolicies(const std::string& meetings_dir,
                                                    const std::string& ladders_dir) {
  MeetingPolicies out;
  const std::string series_path = meetings_dir + "/series.textproto";
  v1::MeetingSeriesPolicy series;
  RETURN_IF_ERROR(engine::LoadTextProtoFile(series_path, &series));
  if (series.series_ladder().empty()) {
    return absl::InvalidArgumentError(absl::StrCat(series_path, ": series_ladder: required"));
  }
  const std::string ladder_path = ladders_dir + "/" + series.series_ladder() + ".textproto";
  ASSIGN_OR_RETURN(out.series_ladder, engine::LoadLadder(ladder_path));
  std::error_code ec;
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(meetings_dir, ec)) {
    const std::filesystem::path& path = entry.path();
    if (path.extension() == ".textproto" && path.filename() != "series.textproto") {
      files.push_back(path);
    }
  }
  if (ec) {
    return absl::NotFoundError(absl::StrCat(meetings_dir, ": cannot be read: ", ec.message()));
  }
  std::sort(files.begin(), files.end());
  for (const auto& path : files) {
    v1::MeetingRhythmPolicy rhythm;
    RETURN_IF_ERROR(engine::LoadTextProtoFile(path.string(), &rhythm));
    const std::string stem = path.stem().string();
    if (rhythm.name() != stem) {
      return absl::InvalidArgumentError(absl::StrCat(path.string(), ": name: '", rhythm.name(),
                                                     "' must be the file's name '", stem, "'"));
    }
    if (absl::Status v = ValidateRhythm(rhythm.rhythm(), "rhythm"); !v.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(path.string(), ": ", v.message()));
    }
    if (rhythm.kind() == v1::MEETING_KIND_UNSPECIFIED) {
      return absl::InvalidArgumentError(absl::StrCat(path.string(), ": kind: required"));
    }
    out.rhythms.emplace(stem, std::move(rhythm));
  }
  return out;
}

// ---------------------------------------------------------------------------
// MeetingSeries.

MeetingSeries::MeetingSeries(MeetingPolicies policies,
                             std::shared_ptr<const engine::WorkingDayCalendar> calendar)
    : policies_(std::move(policies)),
      supervisor_(policies_.series_ladder, 0),
      calendar_(std::move(calendar), "MeetingSeries") {}

absl::StatusOr<std::unique_ptr<MeetingSeries>> MeetingSeries::Load(
    const std::string& meetings_dir, const std::string& ladders_dir,
    const std::string& calendar_dir) {
  ASSIGN_OR_RETURN(MeetingPolicies policies, LoadMeetingPolicies(meetings_dir, ladders_dir));
  RETURN_IF_ERROR(engine::ValidateLadder(policies.series_ladder, "series ladder"));
  ASSIGN_OR_RETURN(engine::WorkingDayCalendar calendar,
                   engine::WorkingDayCalendar::LoadDirectory(calendar_dir));
  return std::make_unique<MeetingSeries>(
      std::move(policies), std::make_shared<const engine::WorkingDayCalendar>(std::move(calendar)));
}

std::string MeetingSeries::EventType(const Event& event) const {
  return engine::EventTypeName("series", event);
}

SupervisedSubject MeetingSeries::SubjectOf(const State& s) const {
  SupervisedSubject subject;
  subject.stream = SeriesStream(s.series_id());
  subject.id = kSubject;
  subject.matter = absl::StrCat(s.name(), " (", RhythmText(s.rhythm()), ") 未按期召开");
  subject.episode = std::max(1, s.episode());
  subject.start = FromUs(s.declared_at_us());
  for (const auto& p : s.periods()) {
    subject.lights.push_back(engine::PeriodLight{FromUs(p.closed_at_us()), p.light()});
  }
  if (!s.periods().empty()) subject.month = s.periods(s.periods_size() - 1).start();
  subject.light = s.light();
  subject.records_light = false;  // the period's close records it
  subject.parties.add_units(s.office());
  subject.parties.add_unit_heads("");
  subject.parties.set_unit_role("supervision");
  subject.parties.set_office(s.office());
  return subject;
}

std::vector<SupervisedSubject> MeetingSeries::Subjects(const State& s) const {
  if (s.series_id().empty()) return {};
  return {SubjectOf(s)};
}

namespace {

// The first day of the next period to judge.
absl::CivilDay NextPeriodStart(const v1::MeetingSeriesState& s) {
  if (s.periods().empty()) return *engine::ParseDate(s.first_period_start());
  return *engine::ParseDate(s.periods(s.periods_size() - 1).end()) + 1;
}

}  // namespace

absl::StatusOr<std::vector<MeetingSeries::Event>> MeetingSeries::DecideDeclare(
    const State& s, const v1::DeclareMeetingSeries& c, const DecideContext& ctx) const {
  ASSIGN_OR_RETURN(const Principal p, ActorOf(ctx));
  RETURN_IF_ERROR(RequireOfficeRole(p, "declare a meeting series"));
  if (!s.series_id().empty()) {
    return absl::AlreadyExistsError(absl::StrCat("series '", s.series_id(), "' already exists"));
  }
  if (c.series_id().empty()) return absl::InvalidArgumentError("series_id: required");
  if (ctx.stream != SeriesStream(c.series_id())) {
    return absl::InvalidArgumentError(absl::StrCat(
        "series_id: '", c.series_id(), "' does not match the stream '", ctx.stream, "'"));
  }
  if (Blank(c.name())) return absl::InvalidArgumentError("name: required (会议名称)");
  v1::MeetingRhythm rhythm = c.rhythm();
  v1::MeetingKind kind = c.kind();
  if (!c.rhythm_policy().empty()) {
    if (c.has_rhythm()) {
      return absl::InvalidArgumentError("rhythm: give either rhythm_policy or rhythm, not both");
    }
    auto it = policies_.rhythms.find(c.rhythm_policy());
    if (it == policies_.rhythms.end()) {
      std::string known;
      for (const auto& [name, r] : policies_.rhythms) absl::StrAppend(&known, " ", name);
      return absl::InvalidArgumentError(
          absl::StrCat("rhythm_policy: no rhythm '", c.rhythm_policy(), "' (known:", known, ")"));
    }
    rhythm = it->second.rhythm();
    if (kind == v1::MEETING_KIND_UNSPECIFIED) kind = it->second.kind();
  } else {
    RETURN_IF_ERROR(ValidateRhythm(rhythm, "rhythm"));
  }
  if (kind == v1::MEETING_KIND_UNSPECIFIED) return absl::InvalidArgumentError("kind: required");
  absl::CivilDay start = engine::DayOf(ctx.occurred_at);
  if (!c.start_date().empty()) {
    absl::StatusOr<absl::CivilDay> parsed = engine::ParseDate(c.start_date());
    if (!parsed.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("start_date: ", parsed.status().message()));
    }
    start = *parsed;
  }
  std::vector<Event> events;
  v1::MeetingSeriesDeclared* e = events.emplace_back().mutable_declared();
  e->set_series_id(c.series_id());
  e->set_name(c.name());
  e->set_kind(kind);
  e->set_rhythm_policy(c.rhythm_policy());
  *e->mutable_rhythm() = rhythm;
  e->set_office(p.unit);
  e->set_chair(c.chair());
  e->set_first_period_start(engine::FormatDate(PeriodOf(rhythm, start).start));
  e->set_declared_at_us(Us(ctx.occurred_at));
  return events;
}

std::vector<MeetingSeries::Event> MeetingSeries::DecideTick(const State& s,
                                                            const DecideContext& ctx) const {
  std::vector<Event> events;
  State next = s;
  EventContext ectx;
  ectx.occurred_at = ctx.now;
  ectx.recorded_at = ctx.now;
  for (absl::CivilDay start = NextPeriodStart(s);;) {
    const RhythmPeriod period = PeriodOf(s.rhythm(), start);
    const absl::Time closes = engine::StartOfDay(period.end + 1);
    if (closes > ctx.now) break;
    v1::MeetingSeriesPeriod* p = events.emplace_back().mutable_period_closed()->mutable_period();
    p->set_start(engine::FormatDate(period.start));
    p->set_end(engine::FormatDate(period.end));
    for (const auto& m : s.meetings()) {
      auto held = engine::ParseDate(m.held_on());
      if (held.ok() && *held >= period.start && *held <= period.end) {
        p->add_meeting_ids(m.meeting_id());
      }
    }
    p->set_light(p->meeting_ids().empty() ? v1::LIGHT_RED : v1::LIGHT_GREEN);
    p->set_closed_at_us(Us(closes));
    Apply(&next, events.back(), ectx);
    // Each missed period is its own episode: the ladder is judged at its
    // close, so two missed periods in a row are flagged twice.
    if (IsRed(*p)) {
      auto due =
          supervisor_.Evaluate(SubjectOf(next), next.rungs(), ctx.now, *calendar_.Get(), closes);
      for (auto& r : due.rungs) {
        *events.emplace_back().mutable_rung_raised() = std::move(r);
        Apply(&next, events.back(), ectx);
      }
    }
    start = period.end + 1;
  }
  // Rungs that fall due later (e.g. one unanswered for N working days).
  auto due = supervisor_.Evaluate(SubjectOf(next), next.rungs(), ctx.now, *calendar_.Get());
  for (auto& r : due.rungs) *events.emplace_back().mutable_rung_raised() = std::move(r);
  return events;
}

absl::StatusOr<std::vector<MeetingSeries::Event>> MeetingSeries::Decide(
    const State& s, const Command& c, const DecideContext& ctx) const {
  ASSIGN_OR_RETURN(const Principal p, ActorOf(ctx));
  if (c.action_case() == Command::ACTION_NOT_SET) {
    return absl::InvalidArgumentError("command: no action set");
  }
  if (c.has_declare()) return DecideDeclare(s, c.declare(), ctx);
  if (s.series_id().empty()) {
    return absl::NotFoundError(
        absl::StrCat("'", ctx.stream, "' does not exist; the supervision office declares it"));
  }
  std::vector<Event> events;
  switch (c.action_case()) {
    case Command::kMeetingHeld: {
      RETURN_IF_ERROR(RequireSystem(p, "a meeting held in a series"));
      for (const auto& m : s.meetings()) {
        if (m.meeting_id() == c.meeting_held().meeting_id()) return events;  // delivered
      }
      ASSIGN_OR_RETURN(absl::CivilDay held, engine::ParseDate(c.meeting_held().held_on()));
      v1::MeetingSeriesMeetingRecorded* e = events.emplace_back().mutable_meeting_recorded();
      e->set_meeting_id(c.meeting_held().meeting_id());
      e->set_held_on(engine::FormatDate(held));
      return events;
    }
    case Command::kTick:
      RETURN_IF_ERROR(RequireSystem(p, "a series tick"));
      return DecideTick(s, ctx);
    case Command::kRecomputeDeadlines:
      RETURN_IF_ERROR(RequireSystemOrAdmin(p, "a recomputation"));
      AppendRecomputed(RecomputeRectifications(s.rungs(), *calendar_.Get()), &events);
      return events;
    default: {
      auto decided =
          DecideOwnLimitSupervision<Event>(c, SubjectOf(s), s.rungs(), policies_.series_ladder, p,
                                           ctx.occurred_at, *calendar_.Get());
      if (decided.has_value()) return *std::move(decided);
      return absl::InvalidArgumentError("command: unknown action");
    }
  }
}

void MeetingSeries::Apply(State* s, const Event& e, const EventContext&) const {
  if (ApplyRungEvent(e, s->mutable_rungs())) return;
  switch (e.event_case()) {
    case Event::kDeclared: {
      const auto& d = e.declared();
      s->set_series_id(d.series_id());
      s->set_name(d.name());
      s->set_kind(d.kind());
      s->set_rhythm_policy(d.rhythm_policy());
      *s->mutable_rhythm() = d.rhythm();
      s->set_office(d.office());
      s->set_chair(d.chair());
      s->set_first_period_start(d.first_period_start());
      s->set_declared_at_us(d.declared_at_us());
      break;
    }
    case Event::kMeetingRecorded:
      *s->add_meetings() = e.meeting_recorded();
      break;
    case Event::kPeriodClosed:
      *s->add_periods() = e.period_closed().period();
      s->set_light(e.period_closed().period().light());
      if (IsRed(e.period_closed().period())) s->set_episode(s->episode() + 1);
      break;
    default:
      break;
  }
}

std::optional<absl::Time> MeetingSeries::NextWakeup(const State& s) const {
  if (s.series_id().empty()) return std::nullopt;
  const RhythmPeriod next = PeriodOf(s.rhythm(), NextPeriodStart(s));
  absl::Time wake = engine::StartOfDay(next.end + 1);
  if (auto rung = supervisor_.NextWakeup(SubjectOf(s), s.rungs(), *calendar_.Get())) {
    wake = std::min(wake, *rung);
  }
  return wake;
}

v1::MeetingSeriesView MeetingSeries::View(const State& s, absl::Time now) const {
  v1::MeetingSeriesView v;
  v.set_series_id(s.series_id());
  v.set_name(s.name());
  v.set_kind(s.kind());
  v.set_rhythm_text(RhythmText(s.rhythm()));
  v.set_office(s.office());
  v.set_meetings(s.meetings_size());
  v.set_periods_closed(s.periods_size());
  v.set_periods_missed(
      static_cast<int32_t>(std::count_if(s.periods().begin(), s.periods().end(), IsRed)));
  v.set_light(s.light());
  if (s.series_id().empty()) return v;
  const RhythmPeriod current = PeriodOf(s.rhythm(), engine::DayOf(now));
  v.set_current_period_start(engine::FormatDate(current.start));
  v.set_current_period_end(engine::FormatDate(current.end));
  for (const auto& m : s.meetings()) {
    auto held = engine::ParseDate(m.held_on());
    if (held.ok() && *held >= current.start && *held <= current.end)
      v.set_current_period_held(true);
  }
  v.set_open_rungs(OpenRungs(s.rungs(), kSubject, std::max(1, s.episode())));
  return v;
}

// ---------------------------------------------------------------------------
// Meeting.

absl::StatusOr<std::unique_ptr<Meeting>> Meeting::Load(const std::string& calendar_dir) {
  ASSIGN_OR_RETURN(engine::WorkingDayCalendar calendar,
                   engine::WorkingDayCalendar::LoadDirectory(calendar_dir));
  return std::make_unique<Meeting>(
      std::make_shared<const engine::WorkingDayCalendar>(std::move(calendar)));
}

std::string Meeting::EventType(const Event& event) const {
  return engine::EventTypeName("meeting", event);
}

absl::StatusOr<std::vector<Meeting::Event>> Meeting::Decide(const State& s, const Command& c,
                                                            const DecideContext& ctx) const {
  ASSIGN_OR_RETURN(const Principal p, ActorOf(ctx));
  std::vector<Event> events;
  if (c.has_tick() || c.has_recompute_deadlines()) return events;  // nothing timed here
  if (!c.has_record()) return absl::InvalidArgumentError("command: no action set");
  const v1::RecordMeeting& r = c.record();
  RETURN_IF_ERROR(RequireOfficeRole(p, "record a meeting"));
  if (s.has_meeting()) {
    return absl::AlreadyExistsError(
        absl::StrCat("meeting '", s.meeting().meeting_id(), "' was recorded already"));
  }
  if (r.meeting_id().empty()) return absl::InvalidArgumentError("meeting_id: required");
  if (ctx.stream != MeetingStream(r.meeting_id())) {
    return absl::InvalidArgumentError(absl::StrCat(
        "meeting_id: '", r.meeting_id(), "' does not match the stream '", ctx.stream, "'"));
  }
  if (r.kind() == v1::MEETING_KIND_UNSPECIFIED) {
    return absl::InvalidArgumentError("kind: required (周调度会, 例会, 推进会 ...)");
  }
  RETURN_IF_ERROR(CheckUnits(r.units_present(), "units_present", false));
  for (int i = 0; i < r.projects_discussed_size(); ++i) {
    RETURN_IF_ERROR(
        CheckProjectCode(absl::StrCat("projects_discussed[", i, "]"), r.projects_discussed(i)));
  }
  const absl::CivilDay held = engine::DayOf(ctx.occurred_at);
  const auto cal = calendar_.Get();
  for (int i = 0; i < r.matters_size(); ++i) {
    const v1::DecidedMatter& m = r.matters(i);
    const std::string f = absl::StrCat("matters[", i, "]");
    if (Blank(m.text())) return absl::InvalidArgumentError(f + ".text: required (商定事项)");
    RETURN_IF_ERROR(CheckUnits(m.responsible_units(), f + ".responsible_units", true));
    if (!m.project_code().empty()) {
      RETURN_IF_ERROR(CheckProjectCode(f + ".project_code", m.project_code()));
    }
    if (absl::Status v = engine::ValidateRule(m.limit()); !v.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(f, ".limit: ", v.message()));
    }
    if (m.limit().kind() == v1::DeadlineRule::FIXED_DATE &&
        *engine::ParseDate(m.limit().fixed_date()) < held) {
      return absl::InvalidArgumentError(
          absl::StrCat(f, ".limit.fixed_date: ", m.limit().fixed_date(),
                       " is before the meeting's day (", engine::FormatDate(held), ")"));
    }
    if (m.limit().kind() != v1::DeadlineRule::NONE) {
      // The same computation the task makes; refused here, not there.
      RETURN_IF_ERROR(engine::ComputeDeadline(m.limit(), held, {}, 0, *cal).status());
    }
  }
  v1::MeetingRecorded* e = events.emplace_back().mutable_recorded();
  e->set_meeting_id(r.meeting_id());
  e->set_kind(r.kind());
  e->set_series_id(r.series_id());
  e->set_title(r.title());
  e->set_chair(r.chair());
  *e->mutable_units_present() = r.units_present();
  *e->mutable_projects_discussed() = r.projects_discussed();
  e->set_minutes(r.minutes());
  *e->mutable_matters() = r.matters();
  e->set_office(p.unit);
  e->set_held_on(engine::FormatDate(held));
  e->set_held_at_us(Us(ctx.occurred_at));
  for (int i = 0; i < r.matters_size(); ++i)
    e->add_matter_task_ids(MatterTaskId(r.meeting_id(), i + 1));
  return events;
}

void Meeting::Apply(State* s, const Event& e, const EventContext&) const {
  if (e.has_recorded()) *s->mutable_meeting() = e.recorded();
}

v1::CreateTask Meeting::MatterTask(const v1::MeetingRecorded& m, int n) {
  const v1::DecidedMatter& matter = m.matters(n - 1);
  v1::CreateTask c;
  c.set_task_id(MatterTaskIdOf(m, n));
  c.set_project_code(matter.project_code());
  c.set_title(matter.text());
  c.set_description(absl::StrCat(m.title().empty() ? m.meeting_id() : m.title(), " (", m.held_on(),
                                 ") 商定事项第", n, "项"));
  *c.mutable_responsible_units() = matter.responsible_units();
  c.set_supervision_office(m.office());
  c.set_responsible_leader(matter.leader());
  *c.mutable_deadline()->mutable_rule() = matter.limit();
  const bool counted = matter.limit().kind() == v1::DeadlineRule::WORKING_DAYS ||
                       matter.limit().kind() == v1::DeadlineRule::CALENDAR_DAYS;
  if (counted) c.mutable_deadline()->set_start_date(m.held_on());
  v1::MatterOrigin* o = c.mutable_origin();
  o->set_meeting_id(m.meeting_id());
  o->set_matter_no(n);
  o->set_series_id(m.series_id());
  o->set_held_on(m.held_on());
  return c;
}

v1::MeetingView Meeting::View(const State& s, absl::Time) const {
  v1::MeetingView v;
  const v1::MeetingRecorded& m = s.meeting();
  v.set_meeting_id(m.meeting_id());
  v.set_kind(m.kind());
  v.set_series_id(m.series_id());
  v.set_title(m.title());
  v.set_held_on(m.held_on());
  v.set_office(m.office());
  v.set_chair(m.chair());
  for (int n = 1; n <= m.matters_size(); ++n) {
    *v.add_matters() = MatterAsOf(m, n, nullptr, absl::CivilDay());
  }
  v.set_matters_total(m.matters_size());
  v.set_matters_open(m.matters_size());
  return v;
}

// ---------------------------------------------------------------------------
// A meeting's record, from its matters' tasks.

v1::MatterView MatterAsOf(const v1::MeetingRecorded& m, int n, const v1::TaskState* task,
                          absl::CivilDay day) {
  const v1::DecidedMatter& matter = m.matters(n - 1);
  v1::MatterView v;
  v.set_meeting_id(m.meeting_id());
  v.set_matter_no(n);
  v.set_task_id(MatterTaskIdOf(m, n));
  v.set_held_on(m.held_on());
  v.set_text(matter.text());
  *v.mutable_responsible_units() = matter.responsible_units();
  v.set_project_code(matter.project_code());
  v.set_leader(matter.leader());
  v.set_status(v1::MATTER_STATUS_OPEN);
  if (task == nullptr) return v;
  v.set_due_date(task->due_date());
  v.set_rungs(task->rungs_size());
  v.set_percent(task->percent());
  const bool done = task->status() == v1::TASK_STATUS_COMPLETED &&
                    *engine::ParseDate(task->completed_on()) <= day;
  if (done) {
    v.set_done_on(task->completed_on());
    v.set_status(task->completed_late() ? v1::MATTER_STATUS_DONE_LATE
                                        : v1::MATTER_STATUS_DONE_ON_TIME);
  } else if (!task->due_date().empty() && *engine::ParseDate(task->due_date()) < day) {
    v.set_status(v1::MATTER_STATUS_OVERDUE);
  }
  return v;
}

namespace {

void Count(const v1::MatterView& m, v1::MeetingView* v) {
  switch (m.status()) {
    case v1::MATTER_STATUS_DONE_ON_TIME:
      v->set_matters_done(v->matters_done() + 1);
      v->set_matters_on_time(v->matters_on_time() + 1);
      break;
    case v1::MATTER_STATUS_DONE_LATE:
      v->set_matters_done(v->matters_done() + 1);
      v->set_matters_late(v->matters_late() + 1);
      break;
    case v1::MATTER_STATUS_OVERDUE:
      v->set_matters_open(v->matters_open() + 1);
      v->set_matters_late(v->matters_late() + 1);
      break;
    default:
      v->set_matters_open(v->matters_open() + 1);
      break;
  }
}

}  // namespace

v1::MeetingView MeetingRecord(const v1::MeetingView& base, const v1::MeetingRecorded& m,
                              const std::vector<const v1::MeetingRecorded*>& earlier,
                              const std::map<std::string, v1::TaskState>& tasks, absl::Time now) {
  v1::MeetingView v = base;
  v.clear_matters();
  v.set_matters_open(0);
  const absl::CivilDay today = engine::DayOf(now);
  auto task_of = [&](const std::string& id) -> const v1::TaskState* {
    auto it = tasks.find(id);
    return it == tasks.end() ? nullptr : &it->second;
  };
  for (int n = 1; n <= m.matters_size(); ++n) {
    v1::MatterView mv = MatterAsOf(m, n, task_of(MatterTaskIdOf(m, n)), today);
    if (const v1::TaskState* t = task_of(mv.task_id())) mv.set_light(t->light());
    Count(mv, &v);
    *v.add_matters() = std::move(mv);
  }
  // Open on the meeting's day: not done by the end of the day before.
  const absl::CivilDay before = *engine::ParseDate(m.held_on()) - 1;
  for (const v1::MeetingRecorded* e : earlier) {
    for (int n = 1; n <= e->matters_size(); ++n) {
      v1::MatterView mv = MatterAsOf(*e, n, task_of(MatterTaskIdOf(*e, n)), before);
      if (mv.status() == v1::MATTER_STATUS_OPEN || mv.status() == v1::MATTER_STATUS_OVERDUE) {
        *v.add_carried_over() = std::move(mv);
      }
    }
  }
  return v;
}

// ---------------------------------------------------------------------------
// The bulletin's meeting figures.

void FillMeetingFigures(const std::vector<v1::MeetingState>& meetings,
                        const std::vector<v1::TaskState>& tasks, v1::Bulletin* bulletin) {
  const absl::Time close = FromUs(bulletin->closes_at_us());
  const absl::CivilDay last_day = engine::DayOf(close) - 1;
  const std::string month = bulletin->month();
  std::map<std::string, const v1::TaskState*> by_id;
  for (const auto& t : tasks) {
    if (t.has_origin()) by_id.emplace(t.task_id(), &t);
  }
  std::vector<const v1::MeetingRecorded*> held;
  for (const auto& m : meetings) {
    if (m.has_meeting() && FromUs(m.meeting().held_at_us()) < close) held.push_back(&m.meeting());
  }
  std::sort(held.begin(), held.end(), [](const auto* a, const auto* b) {
    if (a->held_at_us() != b->held_at_us()) return a->held_at_us() < b->held_at_us();
    return a->meeting_id() < b->meeting_id();
  });
  std::map<std::string, v1::BulletinUnitMatters> units;
  for (const v1::MeetingRecorded* m : held) {
    const bool in_month = absl::StartsWith(m->held_on(), month);
    v1::BulletinMeeting* bm = in_month ? bulletin->add_meetings() : nullptr;
    if (bm != nullptr) {
      bm->set_meeting_id(m->meeting_id());
      bm->set_title(m->title());
      bm->set_kind(m->kind());
      bm->set_held_on(m->held_on());
      bm->set_matters(m->matters_size());
    }
    for (int n = 1; n <= m->matters_size(); ++n) {
      auto it = by_id.find(MatterTaskIdOf(*m, n));
      const v1::MatterView mv =
          MatterAsOf(*m, n, it == by_id.end() ? nullptr : it->second, last_day);
      const bool open =
          mv.status() == v1::MATTER_STATUS_OPEN || mv.status() == v1::MATTER_STATUS_OVERDUE;
      const bool late =
          mv.status() == v1::MATTER_STATUS_OVERDUE || mv.status() == v1::MATTER_STATUS_DONE_LATE;
      if (bm != nullptr) {
        bm->set_done(bm->done() + (open ? 0 : 1));
        bm->set_late(bm->late() + (late ? 1 : 0));
        bm->set_open(bm->open() + (open ? 1 : 0));
      }
      const bool done_in_month = !open && absl::StartsWith(mv.done_on(), month);
      if (!open && !done_in_month) continue;
      for (const std::string& unit : mv.responsible_units()) {
        v1::BulletinUnitMatters& u = units[unit];
        u.set_unit(unit);
        if (open) u.set_open(u.open() + 1);
        if (mv.status() == v1::MATTER_STATUS_OVERDUE) u.set_overdue(u.overdue() + 1);
        if (done_in_month) u.set_done_in_month(u.done_in_month() + 1);
        if (done_in_month && mv.status() == v1::MATTER_STATUS_DONE_LATE) {
          u.set_done_late_in_month(u.done_late_in_month() + 1);
        }
      }
    }
  }
  for (auto& [name, u] : units) *bulletin->add_unit_matters() = std::move(u);
}

}  // namespace taizhang::workflows
