// A city of Chengdu's size on a log, built through the workflows' commands
// (the deciders, the deadlines and the ladder all run): the benchmarks of what
// people hold in their hands read it.
//
// By default 1,105 projects (the Chengdu 2019 figure) over 40 lead units and
// 20 leaders, each with 20 tasks, through one year: an annual plan per
// project, a cumulative investment report every month, a progress report on
// every open task every week; most tasks complete on time, some late (so the
// ladder raises warnings, notices and listings), some projects start late.
// About 1.2 million events at full size.
//
// Built in-process on a manual clock that moves a week at a time; commands go
// through ExecuteAsync with a bounded number in flight.
#ifndef TAIZHANG_BENCH_CITY_H_
#define TAIZHANG_BENCH_CITY_H_

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/civil_time.h"
#include "base/clock.h"
#include "engine/calendar.h"
#include "workflows/ledger.h"

namespace taizhang::bench {

struct CityOptions {
  int projects = 1105;
  int tasks_per_project = 20;
  int units = 40;
  int leaders = 20;
  int year = 2019;
  int weeks = 52;           // of weekly progress, from the year's first Monday
  int max_in_flight = 512;  // commands outstanding at once
  // Goes on with a city built up to this week (its projects and tasks
  // exist): only the weeks from it to `weeks` are sent.
  int first_week = 0;
};

inline constexpr char kCityOffice[] = "supervision:市重大项目办";

inline std::string CityProjectCode(int i) {
  static const char* kRegions[] = {"510104", "510105", "510106", "510107", "510108",
                                   "510112", "510113", "510114", "510115", "510116"};
  return absl::StrFormat("2019-%s-47-01-%06d", kRegions[i % 10], i + 1);
}
inline std::string CityUnit(int i) { return absl::StrCat("责任单位", i + 1, "局"); }
inline std::string CityLeader(int i) { return absl::StrCat("分包领导", i + 1); }
inline std::string CityTaskId(int project, int task) {
  return absl::StrFormat("t%04d-%02d", project + 1, task + 1);
}

// Sends commands with at most `max_in_flight` outstanding; counts failures.
class InFlight {
 public:
  // Request ids are `prefix` and a count.
  InFlight(int max, std::string prefix) : max_(max), prefix_(std::move(prefix)) {}

  template <class A>
  void Send(workflows::Ledger& ledger, const std::string& id, const typename A::Command& command,
            const std::string& actor) {
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(this, &InFlight::HasRoom));
      ++outstanding_;
    }
    engine::CommandMeta meta{.request_id = absl::StrCat(prefix_, ++sent_), .actor = actor};
    ledger.workflow<A>().ExecuteAsync(id, command, meta, [this](const auto& outcome) {
      absl::MutexLock lock(&mu_);
      if (!outcome.ok()) {
        if (failed_++ < 5) {
          std::fprintf(stderr, "city: a command failed: %s\n",
                       std::string(outcome.status().message()).c_str());
        }
      }
      --outstanding_;
    });
  }

  void Drain() {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(this, &InFlight::Empty));
  }
  int64_t sent() const { return sent_; }
  int64_t failed() const {
    absl::MutexLock lock(&mu_);
    return failed_;
  }

 private:
  bool HasRoom() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return outstanding_ < max_; }
  bool Empty() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return outstanding_ == 0; }

  const int max_;
  const std::string prefix_;
  mutable absl::Mutex mu_;
  int outstanding_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t failed_ ABSL_GUARDED_BY(mu_) = 0;
  std::atomic<int64_t> sent_{0};
};

// Builds the city on `ledger` (started, on `clock` at or before the year's
// first day). Returns the number of commands sent; an error when any failed.
inline absl::StatusOr<int64_t> BuildCity(workflows::Ledger& ledger, ManualClock& clock,
                                         const CityOptions& o) {
  const absl::TimeZone china = engine::ChinaTime();
  auto at = [&](absl::CivilDay day, int hour) {
    return absl::FromCivil(absl::CivilHour(day.year(), day.month(), day.day(), hour), china);
  };
  const absl::CivilDay jan1(o.year, 1, 1);
  InFlight flight(o.max_in_flight, absl::StrCat("city-w", o.first_week, "-"));
  if (o.first_week == 0) {
    clock.AdvanceTo(at(jan1 + 1, 9));

    // Projects: registered with the year's plan; about a quarter planned to
    // start in the year, of which one in six starts late.
    for (int p = 0; p < o.projects; ++p) {
      v1::ProjectCommand c;
      v1::ProjectInfo* info = c.mutable_register_()->mutable_info();
      info->set_code(CityProjectCode(p));
      info->set_name(absl::StrCat("重点项目", p + 1, "号"));
      info->set_level(p % 8 == 0   ? v1::PROJECT_LEVEL_PROVINCIAL
                      : p % 3 == 0 ? v1::PROJECT_LEVEL_MUNICIPAL
                                   : v1::PROJECT_LEVEL_DISTRICT);
      info->set_industry("先进制造");
      info->set_owner(absl::StrCat("业主单位", p + 1));
      info->set_total_investment_yuan(int64_t{3'000'000'000} + int64_t{p} * 10'000'000);
      info->set_plan_year(o.year);
      info->set_annual_plan_yuan(int64_t{400'000'000} + int64_t{p % 50} * 5'000'000);
      info->set_responsible_leader(CityLeader(p % o.leaders));
      info->set_lead_unit(CityUnit(p % o.units));
      info->set_lead_person(absl::StrCat("责任人", p % 97 + 1));
      if (p % 4 == 0) {
        info->set_planned_start_on(absl::FormatCivilTime(absl::CivilDay(o.year, 3 + p % 8, 15)));
      }
      flight.Send<workflows::Project>(ledger, CityProjectCode(p), c, kCityOffice);
    }
    flight.Drain();
    // Stages move one step at a time: those planned to start wait at 施工前准备,
    // the others are under construction already.
    for (int step = v1::PROJECT_STAGE_RESERVE_FEASIBILITY;
         step <= v1::PROJECT_STAGE_UNDER_CONSTRUCTION; ++step) {
      for (int p = 0; p < o.projects; ++p) {
        if (p % 4 == 0 && step > v1::PROJECT_STAGE_RESERVE_SITE_PREPARATION) continue;
        v1::ProjectCommand c;
        c.mutable_advance_stage()->set_to(static_cast<v1::ProjectStage>(step));
        flight.Send<workflows::Project>(ledger, CityProjectCode(p), c, kCityOffice);
      }
      flight.Drain();
    }

    // Tasks: fixed dates through the year.
    for (int p = 0; p < o.projects; ++p) {
      for (int t = 0; t < o.tasks_per_project; ++t) {
        v1::TaskCommand c;
        v1::CreateTask* task = c.mutable_create();
        task->set_task_id(CityTaskId(p, t));
        task->set_project_code(CityProjectCode(p));
        task->set_title(absl::StrCat("重点项目", p + 1, "号 第", t + 1, "项任务"));
        task->add_responsible_units(CityUnit((p + t) % o.units));
        task->set_responsible_leader(CityLeader(p % o.leaders));
        task->mutable_deadline()->mutable_rule()->set_kind(v1::DeadlineRule::FIXED_DATE);
        absl::CivilDay due(o.year, 2 + (p + t) % 11, 1 + (p * 7 + t) % 27);
        task->mutable_deadline()->mutable_rule()->set_fixed_date(absl::FormatCivilTime(due));
        flight.Send<workflows::Task>(ledger, CityTaskId(p, t), c, kCityOffice);
      }
    }
    flight.Drain();
  }

  // The year, a week at a time: progress on every open task (a task is done
  // in the week of its limit, or three weeks after it for one in seven), a
  // monthly investment report in the first week of the next month, the
  // planned starts (late for one in six).
  absl::CivilDay monday = jan1;
  while (absl::GetWeekday(monday) != absl::Weekday::monday) ++monday;
  for (int w = o.first_week; w < o.weeks; ++w) {
    const absl::CivilDay day = monday + 7 * w;
    clock.AdvanceTo(at(day, 10));
    ledger.runtime().Quiesce();
    for (int p = 0; p < o.projects; ++p) {
      for (int t = 0; t < o.tasks_per_project; ++t) {
        absl::CivilDay due(o.year, 2 + (p + t) % 11, 1 + (p * 7 + t) % 27);
        const bool late = (p + 3 * t) % 7 == 0;
        const absl::CivilDay done_on = due + (late ? 21 : -2);
        if (done_on < day) continue;  // completed in an earlier week
        v1::TaskCommand c;
        if (done_on < day + 7) {
          c.mutable_complete()->set_text("已完成");
        } else {
          const int percent = static_cast<int>(
              std::min<int64_t>(95, 100 * (day - jan1) / std::max<int64_t>(1, done_on - jan1)));
          c.mutable_report_progress()->set_percent(percent);
          c.mutable_report_progress()->set_text(absl::StrCat("第", w + 1, "周推进中"));
        }
        const std::string actor = absl::StrCat("department:", CityUnit((p + t) % o.units));
        flight.Send<workflows::Task>(ledger, CityTaskId(p, t), c, actor);
      }
      if (day.day() <= 7 && day.month() > 1) {
        v1::ProjectCommand c;
        const int month = static_cast<int>(day.month()) - 1;
        c.mutable_report_investment()->set_month(
            absl::FormatCivilTime(absl::CivilMonth(o.year, month)));
        const int64_t plan = int64_t{400'000'000} + int64_t{p % 50} * 5'000'000;
        // Most keep pace with time; one in five falls behind.
        const int64_t pace = p % 5 == 0 ? 60 : 95 + p % 10;
        c.mutable_report_investment()->set_cumulative_yuan(plan * month * pace / 1200);
        flight.Send<workflows::Project>(ledger, CityProjectCode(p), c,
                                        absl::StrCat("department:", CityUnit(p % o.units)));
      }
      if (p % 4 == 0) {
        absl::CivilDay planned(o.year, 3 + p % 8, 15);
        absl::CivilDay started = planned + (p % 6 == 0 ? 40 : -3);
        if (started >= day && started < day + 7) {
          v1::ProjectCommand c;
          c.mutable_advance_stage()->set_to(v1::PROJECT_STAGE_NEW_START);
          flight.Send<workflows::Project>(ledger, CityProjectCode(p), c, kCityOffice);
        }
      }
    }
    flight.Drain();
    if (w % 8 == 7) {
      std::fprintf(stderr, "city: week %d, %lld commands\n", w + 1,
                   static_cast<long long>(flight.sent()));
    }
  }
  ledger.runtime().Quiesce();
  if (flight.failed() > 0) {
    return absl::InternalError(
        absl::StrCat(flight.failed(), " of ", flight.sent(), " commands building the city failed"));
  }
  return flight.sent();
}

}  // namespace taizhang::bench

#endif  // TAIZHANG_BENCH_CITY_H_
