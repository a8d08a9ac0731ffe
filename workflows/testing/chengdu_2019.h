// Test support: Chengdu's key projects of 2019 (seeds/004) as the commands
// that build them through the project aggregate, for the tests that check
// the figures the document gives against the bulletin computed from the log
// (workflows/investment_scenario_test.cc) and against the bulletin's PDF
// (reports/bulletin_pdf_test.cc):
//
//   "全市2019年重点项目1105个,总投资35834.65亿元,年度计划投资4606.99亿元,1—8月完成
//   投资3568.05亿元,占年度计划的77.45%。其中,144个省重点项目完成投资1338.3亿元。2019年
//   计划新开工项目308个,截至目前,…215个项目开工建设,开工率69.81%。33个省重点新开工
//   项目已开工27个,开工率81.82%。在110个储备项目中,71个项目处于签订投资协议阶段,18个
//   …编制项目建议书及可研报告,11个…办理立项用地规划许可,3个…初步设计及施工图设计,
//   7个…施工前准备工作。…47个项目已竣工投产".
//
// The document gives totals only, so each project's share is a synthetic
// split that sums to the document's totals (arithmetic below, not typed-in
// answers). The reserve projects enter the ledger at the agreement stage and
// move through the sub-stages by commands.
//
// Header-only; for tests only.
#ifndef TAIZHANG_WORKFLOWS_TESTING_CHENGDU_2019_H_
#define TAIZHANG_WORKFLOWS_TESTING_CHENGDU_2019_H_

#include <atomic>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "engine/aggregate.h"
#include "engine/calendar.h"
#include "workflows/principal.h"
#include "workflows/project.h"
#include "workflows/testing/china_hour.h"

namespace taizhang::workflows::testing {

inline constexpr char kScenarioOffice[] = "supervision:重点办";
inline constexpr int64_t kYi = 100'000'000;  // 亿元 in 元

// One command to one project, by an actor, possibly dated earlier.
struct ScenarioCommand {
  std::string code;
  v1::ProjectCommand command;
  std::string actor;
  std::optional<absl::Time> occurred;
};

// Splits `total` into `n` integer parts as equal as possible (the first
// total % n parts one larger).
inline std::vector<int64_t> Split(int64_t total, int n) {
  std::vector<int64_t> parts(n, total / n);
  for (int64_t i = 0; i < total % n; ++i) ++parts[i];
  return parts;
}

inline ScenarioCommand Register(const v1::ProjectInfo& info) {
  ScenarioCommand c{info.code(), {}, kScenarioOffice, std::nullopt};
  *c.command.mutable_register_()->mutable_info() = info;
  return c;
}
inline ScenarioCommand Advance(const v1::ProjectInfo& info, v1::ProjectStage to,
                               absl::Time occurred) {
  ScenarioCommand c{info.code(), {}, absl::StrCat("department:", info.lead_unit()), occurred};
  c.command.mutable_advance_stage()->set_to(to);
  return c;
}
inline ScenarioCommand Report(const v1::ProjectInfo& info, const std::string& month,
                              int64_t cumulative) {
  ScenarioCommand c{info.code(), {}, absl::StrCat("department:", info.lead_unit()), std::nullopt};
  c.command.mutable_report_investment()->set_month(month);
  c.command.mutable_report_investment()->set_cumulative_yuan(cumulative);
  return c;
}
inline ScenarioCommand Tick(const v1::ProjectInfo& info) {
  ScenarioCommand c{info.code(), {}, kSystemActor, std::nullopt};
  c.command.mutable_tick();
  return c;
}

inline v1::ProjectInfo ProjectInfoOf(int year, const std::string& region, int n,
                                     const std::string& unit, int64_t total, int64_t plan) {
  v1::ProjectInfo info;
  info.set_code(absl::StrFormat("%04d-%s-47-01-%06d", year, region, n));
  info.set_name(absl::StrCat("重点项目", n));
  info.set_level(v1::PROJECT_LEVEL_MUNICIPAL);
  info.set_owner(absl::StrCat("业主", n));
  info.set_total_investment_yuan(total);
  info.set_plan_year(year);
  info.set_annual_plan_yuan(plan);
  info.set_responsible_leader(absl::StrCat("县领导", n % 20));
  info.set_lead_unit(unit);
  return info;
}

// Runs the commands through `store` (request ids "<prefix>-<n>"), stopping
// at the first refusal. Commands for one project run in the order given;
// different projects run on a few threads (different streams, so the log's
// group commit gathers their appends).
inline absl::Status RunScenario(engine::AggregateStore<Project>& store,
                                const std::vector<ScenarioCommand>& commands,
                                const std::string& prefix) {
  std::vector<std::vector<size_t>> groups;  // command indexes per project
  {
    std::map<std::string, size_t> group_of;
    for (size_t i = 0; i < commands.size(); ++i) {
      auto [it, fresh] = group_of.emplace(commands[i].code, groups.size());
      if (fresh) groups.emplace_back();
      groups[it->second].push_back(i);
    }
  }
  constexpr int kThreads = 4;
  std::atomic<size_t> next{0};
  absl::Mutex mu;
  absl::Status first = absl::OkStatus();
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (size_t g; (g = next.fetch_add(1)) < groups.size();) {
        for (size_t i : groups[g]) {
          const ScenarioCommand& c = commands[i];
          engine::CommandMeta meta;
          meta.request_id = absl::StrCat(prefix, "-", i);
          meta.actor = c.actor;
          meta.occurred_at = c.occurred;
          auto out = store.Execute(ProjectStream(c.code), c.command, meta);
          if (!out.ok()) {
            absl::MutexLock lock(&mu);
            if (first.ok())
              first = absl::Status(out.status().code(),
                                   absl::StrCat(c.code, ": ", out.status().message()));
            break;
          }
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  return first;
}

// The scenario's commands: registrations (recorded on 2019-01-03), then the
// stage moves and August's investment reports (recorded on 2019-09-20).
struct Chengdu2019 {
  static constexpr int kProjects = 1105;
  // Groups, by index:
  static constexpr int kStarted = 215;      // [0, 215): planned new starts, started
  static constexpr int kNotStarted = 93;    // [215, 308): planned new starts, in reserve
  static constexpr int kReserveLater = 17;  // [308, 325): reserve, planned for 2020
  static constexpr int kCompleted = 47;     // [325, 372): continuing, completed by August
  static constexpr int kFinishLater = 107;  // [372, 479): continuing, due to finish Sep–Dec
  static constexpr int kReserveFirst = kStarted;
  static constexpr int kContinuingFirst = kStarted + kNotStarted + kReserveLater;

  absl::Time registered_at = ChinaHour(2019, 1, 3, 9);
  absl::Time reported_at = ChinaHour(2019, 9, 20, 9);  // August's figures, keyed in September
  std::vector<ScenarioCommand> registrations, progress;
};

inline Chengdu2019 Chengdu2019Commands() {
  using C = Chengdu2019;
  static_assert(C::kContinuingFirst + C::kCompleted + C::kFinishLater <= C::kProjects);
  Chengdu2019 out;
  // Provincial: 27 started + 6 not started (33 planned new starts) + 111
  // continuing = 144.
  auto provincial = [](int i) {
    return i < 27 || (i >= C::kReserveFirst && i < C::kReserveFirst + 6) || (i >= 479 && i < 590);
  };
  // Reserve sub-stages of [215, 325), in order: 71, 18, 11, 3, 7.
  const std::vector<std::pair<v1::ProjectStage, int>> reserve = {
      {v1::PROJECT_STAGE_RESERVE_AGREEMENT, 71},
      {v1::PROJECT_STAGE_RESERVE_FEASIBILITY, 18},
      {v1::PROJECT_STAGE_RESERVE_LAND_PLANNING, 11},
      {v1::PROJECT_STAGE_RESERVE_DESIGN, 3},
      {v1::PROJECT_STAGE_RESERVE_SITE_PREPARATION, 7}};
  std::vector<v1::ProjectStage> reserve_stage;
  for (const auto& [stage, n] : reserve) reserve_stage.insert(reserve_stage.end(), n, stage);

  const std::vector<std::string> units = {"天府新区",     "高新区",   "温江区",   "双流区",
                                          "郫都区",       "青白江区", "龙泉驿区", "新都区",
                                          "市交通运输局", "市住建局", "市卫健委", "市教育局"};
  const std::vector<int64_t> totals = Split(3583465 * kYi / 100, C::kProjects);  // 35834.65 亿元
  const std::vector<int64_t> plans = Split(460699 * kYi / 100, C::kProjects);    // 4606.99 亿元
  // 3568.05 亿元 completed by the projects under way, 1338.3 of it by the
  // provincial ones.
  std::vector<int> provincial_active, other_active;
  for (int i = 0; i < C::kProjects; ++i) {
    const bool active = i < C::kStarted || i >= C::kContinuingFirst;
    if (active) (provincial(i) ? provincial_active : other_active).push_back(i);
  }
  const std::vector<int64_t> provincial_done =
      Split(13383 * kYi / 10, static_cast<int>(provincial_active.size()));
  const std::vector<int64_t> other_done =
      Split((356805 - 133830) * kYi / 100, static_cast<int>(other_active.size()));

  std::vector<v1::ProjectInfo> infos(C::kProjects);
  for (int i = 0; i < C::kProjects; ++i) {
    v1::ProjectInfo& info = infos[i] =
        ProjectInfoOf(2019, "510100", i + 1, units[i % units.size()], totals[i], plans[i]);
    info.set_level(provincial(i) ? v1::PROJECT_LEVEL_PROVINCIAL : v1::PROJECT_LEVEL_MUNICIPAL);
    if (i < C::kStarted) {
      const absl::CivilDay planned(2019, 1 + i % 8, 15);  // January to August
      info.set_planned_start_on(engine::FormatDate(planned));
      info.set_initial_stage(v1::PROJECT_STAGE_RESERVE_SITE_PREPARATION);
      out.progress.push_back(
          Advance(info, v1::PROJECT_STAGE_NEW_START, engine::StartOfDay(planned)));
    } else if (i < C::kContinuingFirst) {
      const int r = i - C::kReserveFirst;
      if (i < C::kStarted + C::kNotStarted) {
        // Planned for 2019: the first 60 by August, the rest September on.
        info.set_planned_start_on(r < 60 ? "2019-06-30" : "2019-11-30");
      } else {
        info.set_planned_start_on("2020-03-31");
        info.set_annual_plan_yuan(0);  // nothing planned in 2019 …
      }
      info.set_initial_stage(v1::PROJECT_STAGE_RESERVE_AGREEMENT);
      for (int s = v1::PROJECT_STAGE_RESERVE_AGREEMENT + 1; s <= reserve_stage[r]; ++s) {
        out.progress.push_back(
            Advance(info, static_cast<v1::ProjectStage>(s), ChinaHour(2019, 2 + s, 1)));
      }
    } else {
      info.set_initial_stage(v1::PROJECT_STAGE_UNDER_CONSTRUCTION);
      info.set_started_on("2018-03-01");
      if (i < C::kContinuingFirst + C::kCompleted) {
        const absl::CivilDay planned(2019, 1 + i % 8, 20);
        info.set_planned_finish_on(engine::FormatDate(planned));
        out.progress.push_back(
            Advance(info, v1::PROJECT_STAGE_COMPLETED, engine::StartOfDay(planned)));
      } else if (i < C::kContinuingFirst + C::kCompleted + C::kFinishLater) {
        info.set_planned_finish_on(absl::StrFormat("2019-%02d-15", 9 + i % 4));
      } else {
        info.set_planned_finish_on("2020-12-31");
      }
    }
  }
  // … so the 17 projects planned for 2020 hand their 2019 plan to the others.
  int64_t freed = 0;
  for (int i = C::kStarted + C::kNotStarted; i < C::kContinuingFirst; ++i) freed += plans[i];
  const std::vector<int64_t> extra = Split(freed, C::kProjects - C::kReserveLater);
  for (int i = 0, k = 0; i < C::kProjects; ++i) {
    if (infos[i].annual_plan_yuan() == 0) continue;
    infos[i].set_annual_plan_yuan(infos[i].annual_plan_yuan() + extra[k++]);
  }
  for (const auto& info : infos) out.registrations.push_back(Register(info));
  for (size_t k = 0; k < provincial_active.size(); ++k) {
    out.progress.push_back(Report(infos[provincial_active[k]], "2019-08", provincial_done[k]));
  }
  for (size_t k = 0; k < other_active.size(); ++k) {
    out.progress.push_back(Report(infos[other_active[k]], "2019-08", other_done[k]));
  }
  return out;
}

}  // namespace taizhang::workflows::testing

#endif  // TAIZHANG_WORKFLOWS_TESTING_CHENGDU_2019_H_
