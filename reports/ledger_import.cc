#include "reports/ledger_import.h"

#include <openssl/sha.h>

#include <map>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "base/status_macros.h"
#include "engine/aggregate.h"
#include "engine/calendar.h"
#include "engine/state_digest.h"
#include "reports/labels.h"
#include "reports/ledger_columns.h"
#include "reports/sheet_table.h"
#include "workflows/project_code.h"

namespace taizhang::reports {
namespace {

using internal::Column;
using internal::Field;
using internal::HeaderRow;

// The hex SHA-256 of the parts, each followed by a NUL.
std::string DigestHex(std::initializer_list<absl::string_view> parts) {
  std::string joined;
  for (absl::string_view p : parts) {
    joined.append(p.data(), p.size());
    joined.push_back('\0');
  }
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(joined.data()), joined.size(), digest);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
}

// See the header: kind, stream, command, and the state a change changes.
std::string RequestIdOf(absl::string_view kind, absl::string_view stream,
                        const google::protobuf::Message& command,
                        const google::protobuf::Message* state) {
  const std::string state_digest =
      state == nullptr ? "" : DigestHex({engine::DeterministicBytes(*state)});
  return absl::StrCat("import:", DigestHex({"taizhang-import-v1", kind, stream,
                                            engine::DeterministicBytes(command), state_digest}));
}

// One data row being planned: its cells by field, and what is said of it.
class RowPlan {
 public:
  RowPlan(const SheetRow& row, const HeaderRow& header, v1::ImportRow* out)
      : row_(row), header_(header), out_(out) {
    out_->set_row(row.number);
  }

  bool Has(Field f) const { return !Get(f).empty(); }
  std::string Get(Field f) const {
    const Column* c = header_.Find(f);
    return c == nullptr ? "" : internal::TrimCell(row_.Cell(c->index));
  }
  const Column* ColumnOf(Field f) const { return header_.Find(f); }

  // A problem of the cell of `f` (the whole row when the file has no such
  // column: the message then names the column it wants).
  void Problem(Field f, const std::string& message) { Add(out_->add_problems(), f, message); }
  void Note(Field f, const std::string& message) { Add(out_->add_notes(), f, message); }
  bool HasProblems() const { return out_->problems_size() > 0; }

  // A required cell.
  std::string Required(Field f) {
    std::string v = Get(f);
    if (v.empty()) Problem(f, "必填，不能为空");
    return v;
  }

  // Every cell of the row empty but those of no fact (序号).
  bool Blank() const {
    for (const Column& c : header_.columns) {
      if (c.field != Field::kIgnored && !internal::TrimCell(row_.Cell(c.index)).empty()) {
        return false;
      }
    }
    return true;
  }
  // A 合计 / 小计 row of a ledger.
  bool IsTotal() const {
    for (const std::string& cell : row_.cells) {
      std::string t = absl::StrReplaceAll(internal::TrimCell(cell), {{" ", ""}, {"\u3000", ""}});
      if (t == "合计" || t == "小计" || t == "总计") return true;
    }
    return false;
  }

  v1::ImportRow* out() { return out_; }

 private:
  void Add(v1::ImportProblem* p, Field f, const std::string& message) {
    p->set_row(row_.number);
    const Column* c = f == Field::kIgnored ? nullptr : header_.Find(f);
    if (c != nullptr) {
      p->set_column(c->header);
      p->set_message(message);
    } else if (f != Field::kIgnored) {
      p->set_message(absl::StrCat("“", internal::CanonicalHeader(f), "”：", message));
    } else {
      p->set_message(message);
    }
  }

  const SheetRow& row_;
  const HeaderRow& header_;
  v1::ImportRow* out_;
};

// The column a decider's refusal is about ("info.name: required" names
// info.name), so that it is reported where the row says it.
Field FieldOfRefusal(absl::string_view message) {
  static const auto* const kFields = new std::vector<std::pair<absl::string_view, Field>>{
      {"info.code", Field::kProjectCode},
      {"info.name", Field::kProjectName},
      {"info.level", Field::kLevel},
      {"info.owner", Field::kOwner},
      {"info.total_investment_yuan", Field::kTotalInvestment},
      {"info.plan_year", Field::kPlanYear},
      {"info.annual_plan_yuan", Field::kAnnualPlan},
      {"info.responsible_leader", Field::kResponsibleLeader},
      {"info.lead_unit", Field::kLeadUnit},
      {"info.planned_start_on", Field::kPlannedStart},
      {"info.planned_finish_on", Field::kPlannedFinish},
      {"info.supervision_office", Field::kSupervisionOffice},
      {"info.initial_stage", Field::kStage},
      {"info.started_on", Field::kStartedOn},
      {"year", Field::kPlanYear},
      {"amount_yuan", Field::kAnnualPlan},
      {"task_id", Field::kTaskId},
      {"project_code", Field::kProjectCode},
      {"title", Field::kTaskTitle},
      {"responsible_units", Field::kResponsibleUnits},
      {"deadline", Field::kDeadline},
      {"supervision_office", Field::kSupervisionOffice},
  };
  // A path from the command names its action first.
  for (absl::string_view action : {"register.", "set_annual_plan.", "create."}) {
    if (absl::StartsWith(message, action)) message.remove_prefix(action.size());
  }
  for (const auto& [prefix, field] : *kFields) {
    if (absl::StartsWith(message, prefix)) {
      const char next = message.size() > prefix.size() ? message[prefix.size()] : ':';
      if (next == ':' || next == '.' || next == '[') return field;
    }
  }
  return Field::kIgnored;
}

void Refused(RowPlan& row, const absl::Status& status, Field fallback_for_year) {
  Field f = FieldOfRefusal(status.message());
  if (f == Field::kPlanYear && row.ColumnOf(f) == nullptr) f = fallback_for_year;
  if (f == Field::kDeadline && row.ColumnOf(f) == nullptr) f = Field::kDeadlineRule;
  row.Problem(f, absl::StrCat("系统不接受：", status.message()));
}

// The API's checks of a request (ImportContext::check_fields); false with
// the row's problem when they refuse.
bool CheckFields(const ImportContext& ctx, RowPlan& row, const google::protobuf::Message& command) {
  if (!ctx.check_fields) return true;
  absl::Status s = ctx.check_fields(command);
  if (s.ok()) return true;
  Refused(row, s, Field::kIgnored);
  return false;
}

engine::DecideContext DecideAt(const ImportContext& ctx, std::string stream, uint64_t version) {
  engine::DecideContext d;
  d.stream = std::move(stream);
  d.now = ctx.now;
  d.occurred_at = ctx.now;
  d.actor = ctx.actor;
  d.version = version;
  return d;
}

std::string BadCode(const std::string& code) {
  std::string hint;
  for (char c : code) {
    if (c >= 'a' && c <= 'z') hint = "；校验位字母须大写";
  }
  return absl::StrCat("“", code, "”格式不对：项目代码为 24 位 YYYY-RRRRRR-DD-TT-NNNNNC（如 ",
                      "2020-530115-47-01-012345）", hint);
}

std::string LevelText(v1::ProjectLevel level) { return Label(level); }

// ---------------------------------------------------------------------------
// Projects.

class ProjectPlanner {
 public:
  ProjectPlanner(const HeaderRow& header, const ImportContext& ctx, ImportPlan* plan)
      : header_(header), ctx_(ctx), plan_(plan) {}

  void Plan(const SheetRow& sheet_row, v1::ImportRow* out) {
    RowPlan row(sheet_row, header_, out);
    v1::ProjectInfo info;
    Amounts amounts;
    const bool read = Read(row, &info, &amounts);
    if (!info.code().empty()) out->set_stream(workflows::ProjectStream(info.code()));
    if (!read) return Error(row);
    const std::optional<v1::ProjectState> existing = ctx_.find_project(info.code());
    if (!existing.has_value()) return Create(row, std::move(info));
    Existing(row, info, amounts, *existing);
  }

 private:
  // The row's money as written, with its precision.
  struct Amounts {
    internal::Money total;
    std::optional<internal::Money> annual;
  };

  // Reads the row into `info`; false when a cell has a problem.
  bool Read(RowPlan& row, v1::ProjectInfo* info, Amounts* amounts) {
    const std::string code = row.Required(Field::kProjectCode);
    if (!code.empty()) {
      if (!workflows::CheckProjectCode("项目代码", code).ok()) {
        row.Problem(Field::kProjectCode, BadCode(code));
      } else if (auto [it, inserted] = seen_.emplace(code, row.out()->row()); !inserted) {
        row.Problem(Field::kProjectCode, absl::StrCat("与第 ", it->second, " 行的项目代码重复"));
      }
    }
    info->set_code(code);
    info->set_name(row.Required(Field::kProjectName));
    info->set_owner(row.Required(Field::kOwner));
    const std::string lead = row.Required(Field::kLeadUnit);
    if (absl::StrContains(lead, ':')) {
      row.Problem(Field::kLeadUnit, "单位名称中不能有冒号“:”");
    }
    info->set_lead_unit(lead);
    info->set_responsible_leader(row.Required(Field::kResponsibleLeader));
    info->set_lead_person(row.Get(Field::kLeadPerson));
    info->set_lead_unit_head(row.Get(Field::kLeadUnitHead));
    info->set_region_name(row.Get(Field::kRegion));
    info->set_industry(row.Get(Field::kIndustry));
    info->set_supervision_office(row.Get(Field::kSupervisionOffice));
    info->mutable_service_contacts()->set_county_leader(row.Get(Field::kCountyLeader));
    info->mutable_service_contacts()->set_town_member(row.Get(Field::kTownMember));
    info->mutable_service_contacts()->set_department_cadre(row.Get(Field::kDepartmentCadre));
    if (info->service_contacts().ByteSizeLong() == 0) info->clear_service_contacts();

    if (std::string level = row.Required(Field::kLevel); !level.empty()) {
      absl::StatusOr<v1::ProjectLevel> l = internal::ParseLevel(level);
      if (l.ok()) {
        info->set_level(*l);
      } else {
        row.Problem(Field::kLevel, std::string(l.status().message()));
      }
    }
    if (std::string total = row.Required(Field::kTotalInvestment); !total.empty()) {
      absl::StatusOr<internal::Money> y =
          internal::ParseAmount(total, row.ColumnOf(Field::kTotalInvestment)->unit);
      if (!y.ok()) {
        row.Problem(Field::kTotalInvestment, std::string(y.status().message()));
      } else if (y->yuan <= 0) {
        row.Problem(Field::kTotalInvestment, "总投资须大于 0");
      } else {
        amounts->total = *y;
        info->set_total_investment_yuan(y->yuan);
      }
    }
    // The year: its own column, else the plan column's header ("2024年计划
    //投资"), else this year.
    int year = engine::DayOf(ctx_.now).year();
    const Column* plan_col = row.ColumnOf(Field::kAnnualPlan);
    if (plan_col != nullptr && plan_col->year != 0) year = plan_col->year;
    if (std::string y = row.Get(Field::kPlanYear); !y.empty()) {
      absl::StatusOr<int> parsed = internal::ParseYear(y);
      if (!parsed.ok()) {
        row.Problem(Field::kPlanYear, std::string(parsed.status().message()));
      } else if (plan_col != nullptr && plan_col->year != 0 && *parsed != plan_col->year) {
        row.Problem(Field::kPlanYear,
                    absl::StrCat("与列“", plan_col->header, "”的年份 ", plan_col->year, " 不一致"));
      } else {
        year = *parsed;
      }
    }
    info->set_plan_year(year);
    if (std::string a = row.Get(Field::kAnnualPlan); !a.empty()) {
      absl::StatusOr<internal::Money> y = internal::ParseAmount(a, plan_col->unit);
      if (!y.ok()) {
        row.Problem(Field::kAnnualPlan, std::string(y.status().message()));
      } else if (info->total_investment_yuan() > 0 && y->yuan > info->total_investment_yuan()) {
        row.Problem(
            Field::kAnnualPlan,
            absl::StrCat("年度计划投资 ", internal::FormatWanYuan(y->yuan), " 万元大于总投资 ",
                         internal::FormatWanYuan(info->total_investment_yuan()), " 万元"));
      } else {
        amounts->annual = *y;
        info->set_annual_plan_yuan(y->yuan);
      }
    }
    std::optional<std::string> start, finish;
    if (std::string t = row.Get(Field::kPlannedStart); !t.empty()) {
      absl::StatusOr<std::string> d = internal::ParseDay(t);
      if (d.ok())
        start = *d;
      else
        row.Problem(Field::kPlannedStart, std::string(d.status().message()));
    }
    if (std::string t = row.Get(Field::kPlannedFinish); !t.empty()) {
      absl::StatusOr<std::string> d = internal::ParseDay(t);
      if (d.ok())
        finish = *d;
      else
        row.Problem(Field::kPlannedFinish, std::string(d.status().message()));
    }
    if (start && finish && *finish < *start) {
      row.Problem(Field::kPlannedFinish,
                  absl::StrCat("计划竣工 ", *finish, " 早于计划开工 ", *start));
    }
    if (start) info->set_planned_start_on(*start);
    if (finish) info->set_planned_finish_on(*finish);

    v1::ProjectStage stage = v1::PROJECT_STAGE_UNSPECIFIED;
    const int problems_before_stage = row.out()->problems_size();
    if (std::string t = row.Get(Field::kStage); !t.empty()) {
      absl::StatusOr<v1::ProjectStage> s = internal::ParseStage(t);
      if (!s.ok()) {
        row.Problem(Field::kStage, std::string(s.status().message()));
      } else if (*s == v1::PROJECT_STAGE_COMPLETED) {
        row.Problem(Field::kStage, "已竣工投产的项目不导入（项目在竣工前进入台账）");
      } else {
        stage = *s;
        info->set_initial_stage(stage);
      }
    }
    const bool started = stage >= v1::PROJECT_STAGE_NEW_START;
    if (row.out()->problems_size() > problems_before_stage) {
      // The stage is wrong: whether a start day belongs is not known.
    } else if (std::string t = row.Get(Field::kStartedOn); !t.empty()) {
      absl::StatusOr<std::string> d = internal::ParseDay(t);
      if (!d.ok()) {
        row.Problem(Field::kStartedOn, std::string(d.status().message()));
      } else if (!started && stage != v1::PROJECT_STAGE_UNSPECIFIED) {
        row.Problem(Field::kStartedOn,
                    absl::StrCat("阶段为“", Label(stage), "”的项目还没有开工，不填开工日期"));
      } else if (!started) {
        row.Problem(Field::kStartedOn, "填了开工日期，须同时在“阶段”中写明 新开工 或 在建");
      } else {
        info->set_started_on(*d);
      }
    } else if (started) {
      row.Problem(Field::kStartedOn, absl::StrCat("阶段为“", Label(stage), "”的项目须填开工日期"));
    }
    return !row.HasProblems();
  }

  void Create(RowPlan& row, v1::ProjectInfo info) {
    v1::ProjectCommand command;
    *command.mutable_register_()->mutable_info() = std::move(info);
    const std::string code = command.register_().info().code();
    const std::string stream = workflows::ProjectStream(code);
    if (!CheckFields(ctx_, row, command)) return Error(row);
    absl::StatusOr<std::vector<v1::ProjectEvent>> events =
        ctx_.projects->Decide(v1::ProjectState(), command, DecideAt(ctx_, stream, 0));
    if (!events.ok()) {
      Refused(row, events.status(), Field::kAnnualPlan);
      return Error(row);
    }
    Send(row, v1::ImportRow::ACTION_CREATE, code, std::move(command), "project", stream, nullptr);
  }

  // A row of a project that exists. Money is compared at the precision the
  // file writes it to (an exported ledger rounds to 0.01 万元): an amount
  // equal at that precision is no change, and no remark.
  void Existing(RowPlan& row, const v1::ProjectInfo& info, const Amounts& amounts,
                const v1::ProjectState& state) {
    const v1::ProjectInfo& had = state.info();
    auto differs = [&](Field f, const std::string& file, const std::string& system) {
      if (!file.empty() && file != system) {
        row.Note(
            f, absl::StrCat("系统中为“", system, "”，文件为“", file, "”；导入不修改已登记的信息"));
      }
    };
    differs(Field::kProjectName, info.name(), had.name());
    differs(Field::kOwner, info.owner(), had.owner());
    differs(Field::kLeadUnit, info.lead_unit(), had.lead_unit());
    differs(Field::kResponsibleLeader, info.responsible_leader(), had.responsible_leader());
    differs(Field::kLevel, LevelText(info.level()), LevelText(had.level()));
    if (!internal::SameAtPrecision(amounts.total, had.total_investment_yuan())) {
      differs(Field::kTotalInvestment,
              internal::FormatWanYuan(info.total_investment_yuan()) + " 万元",
              internal::FormatWanYuan(had.total_investment_yuan()) + " 万元");
    }
    differs(Field::kPlannedStart, info.planned_start_on(), had.planned_start_on());
    differs(Field::kPlannedFinish, info.planned_finish_on(), had.planned_finish_on());
    row.out()->set_stream(workflows::ProjectStream(had.code()));
    if (!amounts.annual.has_value()) return Unchanged(row);
    for (const v1::ProjectAnnualPlan& p : state.plans()) {
      if (p.year() == info.plan_year() &&
          internal::SameAtPrecision(*amounts.annual, p.amount_yuan())) {
        return Unchanged(row);
      }
    }
    v1::ProjectCommand command;
    command.mutable_set_annual_plan()->set_year(info.plan_year());
    command.mutable_set_annual_plan()->set_amount_yuan(amounts.annual->yuan);
    const std::string stream = workflows::ProjectStream(had.code());
    absl::StatusOr<std::vector<v1::ProjectEvent>> events =
        ctx_.projects->Decide(state, command, DecideAt(ctx_, stream, 1));
    if (!events.ok()) {
      Refused(row, events.status(), Field::kAnnualPlan);
      return Error(row);
    }
    if (events->empty()) return Unchanged(row);
    Send(row, v1::ImportRow::ACTION_CHANGE, had.code(), std::move(command), "project", stream,
         &state);
  }

  void Send(RowPlan& row, v1::ImportRow::Action action, const std::string& id,
            v1::ProjectCommand command, absl::string_view kind, const std::string& stream,
            const v1::ProjectState* state) {
    PlannedCommand c;
    c.row = row.out()->row();
    c.id = id;
    c.request_id = RequestIdOf(kind, stream, command, state);
    c.command = std::move(command);
    row.out()->set_action(action);
    row.out()->add_commands(DescribeCommand(c));
    plan_->commands.push_back(std::move(c));
  }
  void Unchanged(RowPlan& row) { row.out()->set_action(v1::ImportRow::ACTION_UNCHANGED); }
  void Error(RowPlan& row) { row.out()->set_action(v1::ImportRow::ACTION_ERROR); }

  const HeaderRow& header_;
  const ImportContext& ctx_;
  ImportPlan* plan_;
  std::map<std::string, int> seen_;  // code -> its row
};

// ---------------------------------------------------------------------------
// Tasks.

std::string DeadlineText(const v1::TaskDeadline& d) {
  if (d.kind_case() != v1::TaskDeadline::kRule) return "无时限";
  const v1::DeadlineRule& r = d.rule();
  switch (r.kind()) {
    case v1::DeadlineRule::FIXED_DATE:
      return r.fixed_date();
    case v1::DeadlineRule::WORKING_DAYS:
    case v1::DeadlineRule::CALENDAR_DAYS:
      return absl::StrCat(
          r.n(), "个", Label(r.kind()),
          d.start_date().empty() ? "" : absl::StrCat("（自 ", d.start_date(), " 起）"));
    default:
      return "无时限";
  }
}

class TaskPlanner {
 public:
  TaskPlanner(const HeaderRow& header, const ImportContext& ctx, ImportPlan* plan)
      : header_(header), ctx_(ctx), plan_(plan) {}

  void Plan(const SheetRow& sheet_row, v1::ImportRow* out) {
    RowPlan row(sheet_row, header_, out);
    v1::CreateTask create;
    if (!Read(row, &create)) return Error(row);
    const std::string stream = workflows::TaskStream(create.task_id());
    out->set_stream(stream);
    const std::optional<v1::TaskState> existing = ctx_.find_task(create.task_id());
    if (existing.has_value()) return Existing(row, create, *existing);
    v1::TaskCommand command;
    *command.mutable_create() = std::move(create);
    if (!CheckFields(ctx_, row, command)) return Error(row);
    absl::StatusOr<std::vector<v1::TaskEvent>> events =
        ctx_.tasks->Decide(v1::TaskState(), command, DecideAt(ctx_, stream, 0));
    if (!events.ok()) {
      Refused(row, events.status(), Field::kIgnored);
      return Error(row);
    }
    PlannedCommand c;
    c.row = out->row();
    c.id = command.create().task_id();
    c.request_id = RequestIdOf("task", stream, command, nullptr);
    c.command = std::move(command);
    out->set_action(v1::ImportRow::ACTION_CREATE);
    out->add_commands(DescribeCommand(c));
    plan_->commands.push_back(std::move(c));
  }

 private:
  bool Read(RowPlan& row, v1::CreateTask* c) {
    const std::string code = row.Required(Field::kProjectCode);
    if (!code.empty()) {
      if (!workflows::CheckProjectCode("项目代码", code).ok()) {
        row.Problem(Field::kProjectCode, BadCode(code));
      } else if (!ctx_.find_project(code).has_value()) {
        row.Problem(
            Field::kProjectCode,
            absl::StrCat("项目 ", code, " 尚未登记：请先导入项目台账（taizhang import projects）"));
      }
    }
    c->set_project_code(code);
    c->set_title(row.Required(Field::kTaskTitle));
    const std::string units = row.Required(Field::kResponsibleUnits);
    for (const std::string& unit : internal::SplitUnits(units)) {
      bool twice = false;
      for (const std::string& u : c->responsible_units()) twice = twice || u == unit;
      if (twice) {
        row.Problem(Field::kResponsibleUnits, absl::StrCat("“", unit, "”写了两次"));
      } else if (absl::StrContains(unit, ':')) {
        row.Problem(Field::kResponsibleUnits, absl::StrCat("“", unit, "”中不能有冒号“:”"));
      } else {
        c->add_responsible_units(unit);
      }
    }
    c->set_responsible_leader(row.Get(Field::kResponsibleLeader));
    c->set_supervision_office(row.Get(Field::kSupervisionOffice));
    std::vector<std::string> description;
    if (std::string d = row.Get(Field::kTaskDescription); !d.empty()) description.push_back(d);
    if (std::string p = row.Get(Field::kResponsiblePerson); !p.empty()) {
      description.push_back(absl::StrCat("责任人：", p));
    }
    if (std::string r = row.Get(Field::kRemark); !r.empty()) {
      description.push_back(absl::StrCat("备注：", r));
    }
    c->set_description(absl::StrJoin(description, "\n"));

    // The deadline: 时限 (a day or a rule) or 时限规则, counted from 起算日期.
    const std::string limit = row.Get(Field::kDeadline);
    const std::string rule_text = row.Get(Field::kDeadlineRule);
    if (!limit.empty() && !rule_text.empty()) {
      row.Problem(Field::kDeadlineRule,
                  absl::StrCat("与“", row.ColumnOf(Field::kDeadline)->header, "”只填一项"));
    } else if (!limit.empty() || !rule_text.empty()) {
      const Field f = limit.empty() ? Field::kDeadlineRule : Field::kDeadline;
      absl::StatusOr<v1::DeadlineRule> rule =
          internal::ParseDeadlineRule(limit.empty() ? rule_text : limit);
      if (!rule.ok()) {
        row.Problem(f, std::string(rule.status().message()));
      } else {
        const bool counted = rule->kind() == v1::DeadlineRule::WORKING_DAYS ||
                             rule->kind() == v1::DeadlineRule::CALENDAR_DAYS;
        if (rule->kind() == v1::DeadlineRule::FIXED_DATE) {
          const std::string today = engine::FormatDate(engine::DayOf(ctx_.now));
          if (rule->fixed_date() < today) {
            row.Problem(f, absl::StrCat(rule->fixed_date(), " 早于今天（", today,
                                        "），不能新建已过时限的任务"));
          }
        }
        *c->mutable_deadline()->mutable_rule() = *rule;
        if (std::string start = row.Get(Field::kDeadlineStart); !start.empty()) {
          absl::StatusOr<std::string> d = internal::ParseDay(start);
          if (!d.ok()) {
            row.Problem(Field::kDeadlineStart, std::string(d.status().message()));
          } else if (!counted) {
            row.Problem(Field::kDeadlineStart, "只有按天数计的时限（如 15个工作日）才有起算日期");
          } else {
            c->mutable_deadline()->set_start_date(*d);
          }
        }
      }
    } else if (row.Has(Field::kDeadlineStart)) {
      row.Problem(Field::kDeadlineStart, "填了起算日期却没有时限");
    }

    // The id: 任务编号, else one derived from the project and the matter, so
    // that the same row always names the same task.
    std::string id = row.Get(Field::kTaskId);
    if (id.empty() && !code.empty() && !c->title().empty()) {
      id = absl::StrCat(code, "-", DigestHex({c->title()}).substr(0, 8));
    }
    if (row.Has(Field::kTaskId)) {
      bool control = false;
      for (unsigned char ch : id) control = control || ch < 0x20 || ch == 0x7f;
      if (id.size() > 120 || absl::StrContains(id, '/') || control) {
        row.Problem(Field::kTaskId, "至多 120 字节，不能有“/”或控制字符");
      }
    }
    if (!id.empty()) {
      if (auto [it, inserted] = seen_.emplace(id, row.out()->row()); !inserted) {
        row.Problem(row.Has(Field::kTaskId) ? Field::kTaskId : Field::kTaskTitle,
                    absl::StrCat("与第 ", it->second, " 行是同一任务（", id, "）"));
      }
    }
    c->set_task_id(id);
    return !row.HasProblems();
  }

  void Existing(RowPlan& row, const v1::CreateTask& c, const v1::TaskState& had) {
    auto differs = [&](Field f, const std::string& file, const std::string& system) {
      if (file != system) {
        row.Note(f, absl::StrCat("系统中为“", system, "”，文件为“", file, "”；导入不修改已有任务"));
      }
    };
    differs(Field::kProjectCode, c.project_code(), had.project_code());
    differs(Field::kTaskTitle, c.title(), had.title());
    differs(Field::kResponsibleUnits, absl::StrJoin(c.responsible_units(), "、"),
            absl::StrJoin(had.responsible_units(), "、"));
    if (row.Has(Field::kResponsibleLeader)) {
      differs(Field::kResponsibleLeader, c.responsible_leader(), had.responsible_leader());
    }
    // A counted rule without a start day counts from creation: compare the
    // rule only.
    v1::TaskDeadline file = c.deadline();
    v1::TaskDeadline system = had.deadline();
    if (file.start_date().empty()) system.clear_start_date();
    const Field f = row.Has(Field::kDeadline) ? Field::kDeadline : Field::kDeadlineRule;
    if (engine::DeterministicBytes(file) != engine::DeterministicBytes(system)) {
      row.Note(f, absl::StrCat("系统中为“", DeadlineText(had.deadline()), "”，文件为“",
                               DeadlineText(c.deadline()),
                               "”；导入不修改已有任务的时限（改时限请走延期申请）"));
    }
    row.out()->set_action(v1::ImportRow::ACTION_UNCHANGED);
  }

  void Error(RowPlan& row) { row.out()->set_action(v1::ImportRow::ACTION_ERROR); }

  const HeaderRow& header_;
  const ImportContext& ctx_;
  ImportPlan* plan_;
  std::map<std::string, int> seen_;  // task id -> its row
};

}  // namespace

absl::StatusOr<ImportPlan> PlanImport(v1::LedgerKind kind, absl::string_view content,
                                      const ImportContext& ctx) {
  if (kind != v1::LEDGER_KIND_PROJECTS && kind != v1::LEDGER_KIND_TASKS) {
    return absl::InvalidArgumentError("kind: 只能导入项目台账（PROJECTS）或任务台账（TASKS）");
  }
  if (content.size() > ctx.max_bytes) {
    return absl::InvalidArgumentError(absl::StrCat("文件有 ", content.size() >> 20,
                                                   " MiB，超过导入上限 ", ctx.max_bytes >> 20,
                                                   " MiB；请拆分后分批导入"));
  }
  if (content.empty()) return absl::InvalidArgumentError("文件是空的");
  SheetLimits limits;
  limits.max_rows = ctx.max_rows + 50;  // title and header rows above the data
  ASSIGN_OR_RETURN(SheetTable table, ReadSheetTable(content, limits));
  ImportPlan plan;
  v1::ImportLedgerResponse& r = plan.response;
  r.set_format(DetectSheetFormat(content) == SheetFormat::kXlsx ? v1::DOCUMENT_FORMAT_XLSX
                                                                : v1::DOCUMENT_FORMAT_CSV);
  std::vector<v1::ImportProblem> notes;
  ASSIGN_OR_RETURN(HeaderRow header, internal::FindHeaderRow(table, kind, &notes));
  r.set_header_row(header.row);
  for (v1::ImportProblem& n : notes) *r.add_notes() = std::move(n);
  size_t data_rows = 0;
  for (const SheetRow& row : table.rows) data_rows += row.number > header.row ? 1 : 0;
  if (data_rows > ctx.max_rows) {
    return absl::InvalidArgumentError(absl::StrCat("数据有 ", data_rows, " 行，超过导入上限 ",
                                                   ctx.max_rows, " 行；请拆分后分批导入"));
  }
  ProjectPlanner projects(header, ctx, &plan);
  TaskPlanner tasks(header, ctx, &plan);
  for (const SheetRow& sheet_row : table.rows) {
    if (sheet_row.number <= header.row) continue;
    v1::ImportRow scratch;
    RowPlan probe(sheet_row, header, &scratch);
    if (probe.Blank()) continue;
    const Field key = Field::kProjectCode;
    if (probe.IsTotal() && !workflows::CheckProjectCode("", probe.Get(key)).ok()) {
      v1::ImportProblem* n = r.add_notes();
      n->set_row(sheet_row.number);
      n->set_message("合计行，不导入");
      continue;
    }
    v1::ImportRow* out = r.add_rows();
    if (kind == v1::LEDGER_KIND_PROJECTS) {
      projects.Plan(sheet_row, out);
    } else {
      tasks.Plan(sheet_row, out);
    }
    switch (out->action()) {
      case v1::ImportRow::ACTION_CREATE:
        r.set_created(r.created() + 1);
        break;
      case v1::ImportRow::ACTION_CHANGE:
        r.set_changed(r.changed() + 1);
        break;
      case v1::ImportRow::ACTION_UNCHANGED:
        r.set_unchanged(r.unchanged() + 1);
        break;
      default:
        r.set_errors(r.errors() + 1);
        break;
    }
  }
  return plan;
}

std::string DescribeCommand(const PlannedCommand& c) {
  if (const auto* p = std::get_if<v1::ProjectCommand>(&c.command)) {
    if (p->has_register_()) {
      const v1::ProjectInfo& i = p->register_().info();
      std::string text = absl::StrCat("登记项目“", i.name(), "”（", Label(i.level()), "，总投资 ",
                                      internal::FormatWanYuan(i.total_investment_yuan()), " 万元");
      if (i.annual_plan_yuan() > 0) {
        absl::StrAppend(&text, "，", i.plan_year(), " 年计划投资 ",
                        internal::FormatWanYuan(i.annual_plan_yuan()), " 万元");
      }
      absl::StrAppend(&text, "，牵头单位 ", i.lead_unit(), "）");
      return text;
    }
    if (p->has_set_annual_plan()) {
      return absl::StrCat("设定 ", p->set_annual_plan().year(), " 年计划投资 ",
                          internal::FormatWanYuan(p->set_annual_plan().amount_yuan()), " 万元");
    }
    return "项目命令";
  }
  const v1::TaskCommand& t = std::get<v1::TaskCommand>(c.command);
  return absl::StrCat("新建任务“", t.create().title(), "”（",
                      absl::StrJoin(t.create().responsible_units(), "、"), "，时限 ",
                      DeadlineText(t.create().deadline()), "）");
}

}  // namespace taizhang::reports
