#include "reports/ledger_sheets.h"

#include <algorithm>
#include <functional>
#include <iterator>
#include <map>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "engine/calendar.h"
#include "reports/labels.h"
#include "workflows/meeting.h"
#include "workflows/project.h"
#include "workflows/supervision.h"

namespace taizhang::reports {
namespace {

using workflows::ApprovalCase;
using workflows::Problem;
using workflows::Project;
using workflows::Task;

constexpr CellType kText = CellType::kText;
constexpr CellType kInteger = CellType::kInteger;
constexpr CellType kMoney = CellType::kMoney;
constexpr CellType kPercent = CellType::kPercent;
constexpr CellType kDate = CellType::kDate;

// A row being made, cell by cell, in the columns' order.
class Row {
 public:
  explicit Row(size_t columns) { cells_.reserve(columns); }
  Row& Text(std::string s) {
    cells_.push_back(Cell::Text(std::move(s)));
    return *this;
  }
  Row& Number(int64_t n) {
    cells_.push_back(Cell::Number(n));
    return *this;
  }
  Row& Empty() {
    cells_.push_back(Cell::Empty());
    return *this;
  }
  // A light by its label, filled with its colour.
  Row& Light(v1::Light light) {
    Cell c = Cell::Text(LightLabel(light));
    c.fill = light;
    cells_.push_back(std::move(c));
    return *this;
  }
  Row& Flag(bool yes) { return Text(yes ? "是" : ""); }
  std::vector<Cell> Done() && { return std::move(cells_); }

 private:
  std::vector<Cell> cells_;
};

std::string DayOfMicros(int64_t us) {
  if (us == 0) return "";
  return absl::FormatTime("%Y-%m-%d", absl::FromUnixMicros(us), engine::ChinaTime());
}

std::string Joined(const google::protobuf::RepeatedPtrField<std::string>& list) {
  return absl::StrJoin(list, "、");
}

const std::string& ProjectName(const LedgerSelection& s, const std::string& code) {
  static const std::string* const kNone = new std::string();
  const v1::ProjectState* p = s.ledger != nullptr ? s.ledger->FindProject(code) : nullptr;
  return p != nullptr ? p->info().name() : *kNone;
}

// 督办情况: the rungs raised on a stream (or one subject of it), counted by
// what they issue, and how many still wait for an answer.
// "督办通知单1件（未回复1件）；挂牌督办1件".
std::string SupervisionSummary(const google::protobuf::RepeatedPtrField<v1::SupervisionRung>& rungs,
                               const std::string* subject = nullptr) {
  std::map<std::string, std::pair<int, int>> by_kind;  // label -> (raised, unanswered)
  for (const auto& r : rungs) {
    if (subject != nullptr && r.raised().subject() != *subject) continue;
    auto& [raised, open] =
        by_kind[workflows::SlipKindLabel(r.raised().issues(), r.raised().slip_colour())];
    ++raised;
    if (!r.answered() && !r.delisted() && !r.raised().rectification_due_on().empty()) ++open;
  }
  std::string out;
  for (const auto& [label, n] : by_kind) {
    absl::StrAppend(&out, out.empty() ? "" : "；", label, n.first, "件");
    if (n.second > 0) absl::StrAppend(&out, "（未回复", n.second, "件）");
  }
  return out;
}

// Days left as a cell: the number, negative when overdue.
Row& DaysLeftCell(Row& row, bool shown, int64_t days) {
  return shown ? row.Number(days) : row.Empty();
}

// ---------------------------------------------------------------------------
// 重点项目台账

// The year's plan, the latest cumulative report of the year up to the day,
// and the months of the year elapsed by the day.
struct Investment {
  bool planned = false;  // the year has a plan
  int64_t plan_yuan = 0;
  bool reported = false;
  int64_t cumulative_yuan = 0;
  std::string month;  // of the report
  int months_elapsed = 0;
};

Investment InvestmentOn(const v1::ProjectState& s, absl::CivilDay day) {
  Investment out;
  const int year = static_cast<int>(day.year());
  if (s.info().plan_year() == year) {
    out.planned = true;
    out.plan_yuan = s.info().annual_plan_yuan();
  }
  for (const auto& p : s.plans()) {
    if (p.year() == year) {
      out.planned = true;
      out.plan_yuan = p.amount_yuan();
    }
  }
  const std::string first = absl::StrFormat("%04d-01", year);
  const std::string last = absl::StrFormat("%04d-%02d", year, day.month());
  for (const auto& r : s.reports()) {
    if (r.month() >= first && r.month() <= last) {
      out.reported = true;
      out.cumulative_yuan = r.cumulative_yuan();
      out.month = r.month();
    }
  }
  const bool month_ended = absl::CivilDay(absl::CivilMonth(day) + 1) - 1 == day;
  out.months_elapsed = day.month() - (month_ended ? 0 : 1);
  return out;
}

std::string NodesRemark(const v1::ProjectView& v) {
  if (v.nodes().empty()) return "";
  int done = 0, late = 0;
  for (const auto& n : v.nodes()) {
    done += n.done();
    late += n.late();
  }
  std::string out = absl::StrCat("节点", done, "/", v.nodes_size(), "完成");
  if (late > 0) absl::StrAppend(&out, "，逾期", late, "个");
  return out;
}

Sheet ProjectsSheet(const LedgerSelection& sel) {
  Sheet sheet;
  sheet.columns = {
      {"序号", 6, kInteger},
      {"项目代码", 26, kText},
      {"项目名称", 24, kText},
      {"项目级别", 10, kText},
      {"业主单位", 16, kText},
      {"总投资（万元）", 12, kMoney},
      // The year named, so that the ledger imported again plans that year.
      {absl::StrCat(sel.day.year(), "年计划投资（万元）"), 12, kMoney},
      {"累计完成投资（万元）", 12, kMoney},
      {"填报截至", 10, kText},
      {"投资完成率", 10, kPercent},
      {"时间进度", 10, kPercent},
      {"亮灯", 8, kText},
      {"项目进展", 14, kText},
      {"计划开工", 12, kDate},
      {"计划竣工", 12, kDate},
      {"应开工未开工", 8, kText},
      {"应竣工未竣工", 8, kText},
      {"责任单位", 16, kText},
      {"责任人", 10, kText},
      {"分包领导", 10, kText},
      {"督办情况", 20, kText},
      {"备注", 20, kText},
  };
  const size_t n = sheet.columns.size();
  int64_t number = 0;
  for (const auto& [state, view] : sel.of<Project>()) {
    const v1::ProjectInfo& info = state->info();
    const Investment inv = InvestmentOn(*state, sel.day);
    Row row(n);
    row.Number(++number).Text(info.code()).Text(info.name()).Text(Label(info.level()));
    row.Text(info.owner()).Number(YuanToWanHundredths(info.total_investment_yuan()));
    if (inv.planned) {
      row.Number(YuanToWanHundredths(inv.plan_yuan));
    } else {
      row.Empty();
    }
    if (inv.reported) {
      row.Number(YuanToWanHundredths(inv.cumulative_yuan)).Text(inv.month);
    } else {
      row.Empty().Empty();
    }
    if (inv.plan_yuan > 0 && inv.reported) {
      row.Number(workflows::RatioBp(inv.cumulative_yuan, inv.plan_yuan));
    } else {
      row.Empty();
    }
    row.Number(workflows::RatioBp(inv.months_elapsed, 12));
    if (view.light() != v1::LIGHT_UNSPECIFIED) {
      row.Light(view.light());
    } else {
      row.Empty();
    }
    row.Text(Label(view.stage())).Text(info.planned_start_on()).Text(info.planned_finish_on());
    row.Flag(view.start_overdue()).Flag(view.finish_overdue());
    row.Text(info.lead_unit()).Text(info.lead_person()).Text(info.responsible_leader());
    row.Text(SupervisionSummary(state->rungs())).Text(NodesRemark(view));
    sheet.rows.push_back(std::move(row).Done());
  }
  return sheet;
}

// ---------------------------------------------------------------------------
// 联审联批台账

std::string LimitText(const v1::DeadlineRule& rule) {
  switch (rule.kind()) {
    case v1::DeadlineRule::WORKING_DAYS:
      return absl::StrCat(rule.n(), "个工作日");
    case v1::DeadlineRule::CALENDAR_DAYS:
      return absl::StrCat(rule.n(), "个自然日");
    case v1::DeadlineRule::FIXED_DATE:
      return rule.fixed_date();
    default:
      return Label(rule.kind());
  }
}

bool ItemMatches(const v1::ListRequest& f, const v1::CaseItemView& item) {
  if (!f.unit().empty() && item.department() != f.unit()) return false;
  if (f.light() != v1::LIGHT_UNSPECIFIED && item.clock().light() != f.light()) return false;
  return !f.overdue_only() || item.clock().overdue();
}

Sheet CaseItemsSheet(const LedgerSelection& sel) {
  Sheet sheet;
  sheet.columns = {
      {"序号", 6, kInteger},       {"案件编号", 14, kText},     {"项目代码", 26, kText},
      {"项目名称", 24, kText},     {"审批事项", 20, kText},     {"审批部门", 16, kText},
      {"受理日期", 12, kDate},     {"办理时限", 12, kText},     {"截止日期", 12, kDate},
      {"已用工作日", 8, kInteger}, {"暂停工作日", 8, kInteger}, {"剩余工作日", 8, kInteger},
      {"亮灯", 8, kText},          {"办理状态", 12, kText},     {"案件状态", 10, kText},
      {"分包领导", 10, kText},     {"督办情况", 20, kText},     {"备注", 20, kText},
  };
  const size_t n = sheet.columns.size();
  int64_t number = 0;
  for (const auto& [state, view] : sel.of<ApprovalCase>()) {
    for (int i = 0; i < view.items_size(); ++i) {
      const v1::CaseItemView& item = view.items(i);
      if (!ItemMatches(sel.filter, item)) continue;
      const v1::CaseItem* st =
          i < state->items_size() && state->items(i).item_id() == item.item_id() ? &state->items(i)
                                                                                 : nullptr;
      const bool clocked = item.has_clock();
      Row row(n);
      row.Number(++number).Text(view.case_id()).Text(view.project_code());
      row.Text(view.project_name().empty() ? ProjectName(sel, view.project_code())
                                           : view.project_name());
      row.Text(item.name()).Text(item.department());
      row.Text(clocked ? item.clock().start_date() : "");
      row.Text(st != nullptr ? LimitText(st->clock().deadline().rule()) : "");
      row.Text(clocked ? item.clock().due_date() : "");
      if (clocked) {
        row.Number(item.clock().working_days_used()).Number(item.clock().working_days_suspended());
        if (item.clock().ended()) {
          row.Empty();
        } else {
          row.Number(item.clock().working_days_left());
        }
      } else {
        row.Empty().Empty().Empty();
      }
      if (clocked && item.clock().light() != v1::LIGHT_UNSPECIFIED) {
        row.Light(item.clock().light());
      } else {
        row.Empty();
      }
      row.Text(Label(item.status())).Text(Label(view.status())).Text(state->responsible_leader());
      const std::string subject = absl::StrCat("item/", item.item_id());
      row.Text(SupervisionSummary(state->rungs(), &subject));
      std::string remark;
      if (clocked && item.clock().overdue()) remark = "逾期";
      if (clocked && item.clock().late()) remark = "逾期办结";
      if (!item.missing_documents().empty()) {
        absl::StrAppend(&remark, remark.empty() ? "" : "；", "容缺：",
                        Joined(item.missing_documents()),
                        item.commitment_date().empty() ? "" : "，承诺", item.commitment_date());
      }
      row.Text(std::move(remark));
      sheet.rows.push_back(std::move(row).Done());
    }
  }
  return sheet;
}

// ---------------------------------------------------------------------------
// 任务台账 and 问题台账, which share their shape: 序号, the id, 项目代码,
// 项目名称, the matter; the ledger's own columns; 亮灯, 督办情况, 备注.

template <class A>
struct FollowUpLedger {
  Column id;      // 任务编号
  Column matter;  // 任务名称
  std::vector<Column> own;
  // The own columns' cells of a row, in their order.
  std::function<void(Row&, const typename A::State&, const ViewOf<A>&)> own_cells;
  // 备注's parts, joined by "；".
  std::function<std::vector<std::string>(const typename A::State&, const ViewOf<A>&)> remarks;
};

template <class A>
Sheet FollowUpSheet(const LedgerSelection& sel, const FollowUpLedger<A>& ledger) {
  using Traits = workflows::WorkflowTraits<A>;
  Sheet sheet;
  sheet.columns = {{"序号", 6, kInteger},
                   ledger.id,
                   {"项目代码", 26, kText},
                   {"项目名称", 24, kText},
                   ledger.matter};
  sheet.columns.insert(sheet.columns.end(), ledger.own.begin(), ledger.own.end());
  sheet.columns.push_back({"亮灯", 8, kText});
  sheet.columns.push_back({"督办情况", 20, kText});
  sheet.columns.push_back({"备注", 20, kText});
  const size_t n = sheet.columns.size();
  int64_t number = 0;
  for (const auto& [state, view] : sel.of<A>()) {
    const std::string& code = Traits::ProjectCode(*state);
    Row row(n);
    row.Number(++number).Text(Traits::Id(*state)).Text(code);
    row.Text(ProjectName(sel, code)).Text(view.title());
    ledger.own_cells(row, *state, view);
    if (view.light() != v1::LIGHT_UNSPECIFIED) {
      row.Light(view.light());
    } else {
      row.Empty();
    }
    row.Text(SupervisionSummary(state->rungs()));
    row.Text(absl::StrJoin(ledger.remarks(*state, view), "；"));
    sheet.rows.push_back(std::move(row).Done());
  }
  return sheet;
}

Sheet TasksSheet(const LedgerSelection& sel) {
  FollowUpLedger<Task> ledger;
  ledger.id = {"任务编号", 14, kText};
  ledger.matter = {"任务名称", 24, kText};
  ledger.own = {
      {"责任单位", 16, kText},     {"分包领导", 10, kText}, {"时限", 12, kDate},
      {"剩余工作日", 8, kInteger}, {"进展", 8, kPercent},   {"办理状态", 10, kText},
      {"完成日期", 12, kDate},
  };
  ledger.own_cells = [](Row& row, const v1::TaskState& state, const v1::TaskView& view) {
    const bool open = view.status() == v1::TASK_STATUS_OPEN;
    row.Text(Joined(view.responsible_units())).Text(state.responsible_leader());
    row.Text(view.due_date());
    DaysLeftCell(row, open && view.has_deadline() && !view.due_pending(), view.working_days_left());
    row.Number(static_cast<int64_t>(view.percent()) * 100);
    row.Text(Label(view.status())).Text(state.completed_on());
  };
  ledger.remarks = [](const v1::TaskState& state, const v1::TaskView& view) {
    std::vector<std::string> out;
    if (view.status() != v1::TASK_STATUS_OPEN && state.completed_late()) {
      out.push_back("逾期完成");
    } else if (view.overdue()) {
      out.push_back("逾期");
    }
    if (!view.waiting_for().empty())
      out.push_back(absl::StrCat("等待：", Joined(view.waiting_for())));
    if (view.extension_pending()) out.push_back("延期申请中");
    if (view.provisional()) out.push_back("时限暂定");
    return out;
  };
  return FollowUpSheet(sel, ledger);
}

Sheet ProblemsSheet(const LedgerSelection& sel) {
  FollowUpLedger<Problem> ledger;
  ledger.id = {"问题编号", 14, kText};
  ledger.matter = {"问题描述", 30, kText};
  ledger.own = {
      {"问题来源", 10, kText}, {"责任单位", 16, kText}, {"分包领导", 10, kText},
      {"解决措施", 24, kText}, {"时限", 12, kDate},     {"剩余工作日", 8, kInteger},
      {"办理状态", 12, kText},
  };
  ledger.own_cells = [](Row& row, const v1::ProblemState& state, const v1::ProblemView& view) {
    std::string source = Label(state.source().kind());
    if (!state.source().name().empty()) absl::StrAppend(&source, "（", state.source().name(), "）");
    row.Text(std::move(source)).Text(view.unit()).Text(state.responsible_leader());
    row.Text(state.measures()).Text(view.due_date());
    DaysLeftCell(row, view.status() == v1::PROBLEM_STATUS_ASSIGNED && !view.due_date().empty(),
                 view.working_days_left());
    row.Text(Label(view.status()));
  };
  ledger.remarks = [](const v1::ProblemState& state, const v1::ProblemView& view) {
    std::vector<std::string> out;
    if (state.resolved_late()) {
      out.push_back("逾期解决");
    } else if (view.overdue()) {
      out.push_back("逾期");
    }
    if (view.reopen_count() > 0) out.push_back(absl::StrCat("重新交办", view.reopen_count(), "次"));
    if (!state.resolution().empty()) out.push_back(absl::StrCat("解决情况：", state.resolution()));
    return out;
  };
  return FollowUpSheet(sel, ledger);
}

// ---------------------------------------------------------------------------
// 督办单台账

const char* StreamLabel(const std::string& kind) {
  if (kind == "case") return "联审联批";
  if (kind == "task") return "任务";
  if (kind == "problem") return "问题";
  if (kind == "project") return "项目";
  if (kind == "series") return "会议";
  return "";
}

// 督办对象: what the rung is about, by name as the other ledgers show it (the
// subject's id when the state no longer names it).
//   a case:    the item's department and matter ("区自然资源局：用地预审"), its
//              容缺 commitment, or the whole case;
//   a task:    its title;
//   a problem: its summary (title);
//   a project: its monthly light, a node by its name, or the project.
std::string SubjectText(const v1::ApprovalCaseState& s, absl::string_view subject) {
  if (subject.empty()) return "全案（各审批事项）";
  absl::string_view item_id = subject;
  const bool commitment = absl::ConsumePrefix(&item_id, "commitment/");
  if (!commitment && !absl::ConsumePrefix(&item_id, "item/")) return std::string(subject);
  for (const v1::CaseItem& item : s.items()) {
    if (item.item_id() != item_id) continue;
    std::string text = item.department().empty()
                           ? item.name()
                           : absl::StrCat(item.department(), "：", item.name());
    if (commitment) absl::StrAppend(&text, "（容缺承诺）");
    return text;
  }
  return std::string(subject);
}
std::string SubjectText(const v1::TaskState& s, absl::string_view) { return s.title(); }
std::string SubjectText(const v1::ProblemState& s, absl::string_view) { return s.title(); }
std::string SubjectText(const v1::MeetingSeriesState& s, absl::string_view) {
  return absl::StrCat(s.name(), "（未按期召开）");
}
std::string SubjectText(const v1::ProjectState& s, absl::string_view subject) {
  if (subject == "monthly") return "月度亮灯";
  if (subject == "photos") return "图片库更新（形象进度）";
  absl::string_view node_id = subject;
  if (absl::ConsumePrefix(&node_id, "node/")) {
    for (const v1::ProjectNode& node : s.nodes()) {
      if (node.node_id() == node_id) return absl::StrCat("节点：", node.name());
    }
    return std::string(subject);
  }
  absl::string_view campaign_id = subject;
  if (absl::ConsumePrefix(&campaign_id, "campaign/")) {
    for (const v1::ProjectCampaign& c : s.campaigns()) {
      if (c.joined().campaign_id() == campaign_id) {
        return absl::StrCat("集中开工：", c.joined().name(), "（", c.joined().day(), "）");
      }
    }
    return std::string(subject);
  }
  return s.info().name();
}

class SlipRows {
 public:
  SlipRows(const LedgerSelection& sel, Sheet* sheet) : sel_(sel), sheet_(sheet) {}

  template <class A>
  void AddAll() {
    using Traits = workflows::WorkflowTraits<A>;
    for (const auto& [state, view] : sel_.of<A>()) {
      for (const auto& rung : state->rungs()) {
        Add(Traits::kKind, SubjectText(*state, rung.raised().subject()),
            Traits::ProjectCode(*state), rung);
      }
    }
  }

 private:
  void Add(const std::string& kind, const std::string& subject, const std::string& stream_code,
           const v1::SupervisionRung& rung) {
    const v1::SupervisionRungRaised& r = rung.raised();
    const std::string& code = r.project_code().empty() ? stream_code : r.project_code();
    const std::string today = absl::FormatCivilTime(sel_.day);
    Row row(sheet_->columns.size());
    row.Number(++number_).Text(r.slip_number()).Text(r.document_number());
    row.Text(workflows::SlipKindLabel(r.issues(), r.slip_colour())).Text(r.matter());
    row.Text(StreamLabel(kind)).Text(subject).Text(code);
    row.Text(ProjectName(sel_, code)).Text(Joined(r.parties().units()));
    std::vector<std::string> heads;
    for (const auto& h : r.parties().unit_heads()) {
      if (!h.empty()) heads.push_back(h);
    }
    row.Text(absl::StrJoin(heads, "、")).Text(r.parties().leader());
    row.Text(DayOfMicros(r.raised_at_us())).Text(r.rectification_due_on());
    row.Text(rung.answered() ? DayOfMicros(rung.answered_at_us()) : "");
    row.Flag(rung.answered() && rung.answered_late());
    row.Text(rung.delisted() ? DayOfMicros(rung.delisted_at_us()) : "");
    // An unanswered slip past its rectification limit is red.
    const bool overdue = !rung.answered() && !rung.delisted() &&
                         !r.rectification_due_on().empty() && r.rectification_due_on() < today;
    Cell status = Cell::Text(rung.delisted()                    ? "已销号"
                             : rung.answered()                  ? "已回复"
                             : overdue                          ? "逾期未回复"
                             : r.rectification_due_on().empty() ? "已下发"
                                                                : "待回复");
    if (overdue) status.fill = v1::LIGHT_RED;
    std::vector<Cell> cells = std::move(row).Done();
    cells.push_back(std::move(status));
    cells.push_back(Cell::Text(rung.answered() ? rung.answer() : ""));
    sheet_->rows.push_back(std::move(cells));
  }

  const LedgerSelection& sel_;
  Sheet* sheet_;
  int64_t number_ = 0;
};

Sheet SlipsSheet(const LedgerSelection& sel) {
  Sheet sheet;
  sheet.columns = {
      {"序号", 6, kInteger},   {"督办单编号", 30, kText}, {"文号", 16, kText},
      {"督办类别", 12, kText}, {"督办事项", 24, kText},   {"台账", 8, kText},
      {"督办对象", 20, kText}, {"项目代码", 26, kText},   {"项目名称", 24, kText},
      {"责任单位", 16, kText}, {"单位负责人", 10, kText}, {"分包领导", 10, kText},
      {"下发日期", 12, kDate}, {"整改时限", 12, kDate},   {"回复日期", 12, kDate},
      {"逾期回复", 8, kText},  {"销号日期", 12, kDate},   {"状态", 10, kText},
      {"整改情况", 24, kText},
  };
  SlipRows rows(sel, &sheet);
  rows.AddAll<Project>();
  rows.AddAll<ApprovalCase>();
  rows.AddAll<Task>();
  rows.AddAll<Problem>();
  rows.AddAll<workflows::MeetingSeries>();
  return sheet;
}

// ---------------------------------------------------------------------------
// 商定事项台账 and 会议台账

// The meetings of the ledger's day by id, and every matter's task.
struct MeetingIndex {
  std::map<std::string, const v1::MeetingRecorded*> meetings;
  std::map<std::string, v1::TaskState> tasks;  // matters' tasks, by task id
  explicit MeetingIndex(const LedgerSelection& sel) {
    for (const auto& m : sel.ledger->of<workflows::Meeting>()) {
      meetings.emplace(m.meeting().meeting_id(), &m.meeting());
    }
    for (const auto& t : sel.ledger->of<Task>()) {
      if (t.has_origin()) tasks.emplace(t.task_id(), t);
    }
  }
  // The earlier meetings of `m`'s series, oldest first.
  std::vector<const v1::MeetingRecorded*> Earlier(const v1::MeetingRecorded& m) const {
    std::vector<const v1::MeetingRecorded*> out;
    if (m.series_id().empty()) return out;
    for (const auto& [id, other] : meetings) {
      if (other->series_id() == m.series_id() && other->held_at_us() < m.held_at_us()) {
        out.push_back(other);
      }
    }
    std::sort(out.begin(), out.end(),
              [](const auto* a, const auto* b) { return a->held_at_us() < b->held_at_us(); });
    return out;
  }
};

Sheet MattersSheet(const LedgerSelection& sel) {
  Sheet sheet;
  sheet.columns = {
      {"序号", 6, kInteger},   {"会议", 24, kText},     {"召开日期", 12, kDate},
      {"事项编号", 14, kText}, {"商定事项", 30, kText}, {"责任单位", 16, kText},
      {"项目代码", 26, kText}, {"项目名称", 24, kText}, {"分包领导", 10, kText},
      {"时限", 12, kDate},     {"办理状态", 10, kText}, {"完成日期", 12, kDate},
      {"是否逾期", 8, kText},  {"亮灯", 8, kText},      {"督办情况", 20, kText},
  };
  const MeetingIndex index(sel);
  int64_t number = 0;
  // The rows: the selected matters' tasks (scope and filters applied), in
  // meeting order then matter order.
  std::vector<std::pair<const v1::MeetingRecorded*, const Selected<Task>*>> matters;
  for (const auto& t : sel.of<Task>()) {
    if (!t.state->has_origin()) continue;
    auto it = index.meetings.find(t.state->origin().meeting_id());
    if (it == index.meetings.end()) continue;
    matters.push_back({it->second, &t});
  }
  std::sort(matters.begin(), matters.end(), [](const auto& a, const auto& b) {
    if (a.first->held_at_us() != b.first->held_at_us()) {
      return a.first->held_at_us() < b.first->held_at_us();
    }
    return a.second->state->origin().matter_no() < b.second->state->origin().matter_no();
  });
  for (const auto& [m, t] : matters) {
    const v1::TaskState& task = *t->state;
    const v1::MatterView mv = workflows::MatterAsOf(*m, task.origin().matter_no(), &task, sel.day);
    Row row(sheet.columns.size());
    row.Number(++number).Text(m->title().empty() ? m->meeting_id() : m->title()).Text(m->held_on());
    row.Text(task.task_id()).Text(mv.text()).Text(Joined(mv.responsible_units()));
    row.Text(mv.project_code()).Text(ProjectName(sel, mv.project_code())).Text(mv.leader());
    row.Text(mv.due_date()).Text(Label(mv.status())).Text(mv.done_on());
    row.Flag(mv.status() == v1::MATTER_STATUS_DONE_LATE ||
             mv.status() == v1::MATTER_STATUS_OVERDUE);
    if (t->view.light() != v1::LIGHT_UNSPECIFIED) {
      row.Light(t->view.light());
    } else {
      row.Empty();
    }
    row.Text(SupervisionSummary(task.rungs()));
    sheet.rows.push_back(std::move(row).Done());
  }
  return sheet;
}

Sheet MeetingsSheet(const LedgerSelection& sel) {
  Sheet sheet;
  sheet.columns = {
      {"序号", 6, kInteger},
      {"会议编号", 14, kText},
      {"会议名称", 24, kText},
      {"会议类型", 10, kText},
      {"召开日期", 12, kDate},
      {"主持", 10, kText},
      {"参会单位", 24, kText},
      {"商定事项", 8, kInteger},
      {"已完成", 8, kInteger},
      {"按时完成", 8, kInteger},
      {"逾期", 8, kInteger},
      {"未完成", 8, kInteger},
      {"以往未完成事项", 10, kInteger},
  };
  const MeetingIndex index(sel);
  const absl::Time end = engine::StartOfDay(sel.day + 1) - absl::Microseconds(1);
  int64_t number = 0;
  for (const auto& [state, base] : sel.of<workflows::Meeting>()) {
    const v1::MeetingRecorded& m = state->meeting();
    const v1::MeetingView v = workflows::MeetingRecord(base, m, index.Earlier(m), index.tasks, end);
    Row row(sheet.columns.size());
    row.Number(++number).Text(m.meeting_id()).Text(m.title()).Text(Label(m.kind()));
    row.Text(m.held_on()).Text(m.chair()).Text(Joined(m.units_present()));
    row.Number(v.matters_total()).Number(v.matters_done()).Number(v.matters_on_time());
    row.Number(v.matters_late()).Number(v.matters_open()).Number(v.carried_over_size());
    sheet.rows.push_back(std::move(row).Done());
  }
  return sheet;
}

// ---------------------------------------------------------------------------
// 走访台账 and 服务评价台账: from the projects selected.

std::string Capacities(const google::protobuf::RepeatedField<int>& capacities) {
  if (capacities.empty()) return Label(v1::VISIT_CAPACITY_OTHER);
  std::vector<std::string> out;
  for (int c : capacities) out.push_back(Label(static_cast<v1::VisitCapacity>(c)));
  return absl::StrJoin(out, "、");
}

Sheet VisitsSheet(const LedgerSelection& sel) {
  Sheet sheet;
  sheet.columns = {
      {"序号", 6, kInteger},   {"项目代码", 26, kText}, {"项目名称", 24, kText},
      {"走访人", 10, kText},   {"身份", 14, kText},     {"走访日期", 12, kDate},
      {"了解情况", 30, kText}, {"发现问题", 30, kText}, {"问题编号", 30, kText},
      {"录入人", 20, kText},   {"录入日期", 12, kDate}, {"计入定额", 8, kText},
  };
  int64_t n = 0;
  for (const Selected<Project>& p : sel.of<Project>()) {
    for (const v1::ProjectVisit& v : p.state->visits()) {
      const v1::ProjectVisitRecorded& r = v.recorded();
      Row row(sheet.columns.size());
      row.Number(++n).Text(p.state->info().code()).Text(p.state->info().name());
      row.Text(r.visitor()).Text(Capacities(r.capacities())).Text(r.on()).Text(r.findings());
      row.Text(Joined(r.problems())).Text(Joined(r.problem_ids()));
      row.Text(r.recorded_by()).Text(DayOfMicros(r.recorded_at_us()));
      row.Text(r.capacities().empty() ? "否" : v.after_close() ? "否（补录晚于考核）" : "是");
      sheet.rows.push_back(std::move(row).Done());
    }
  }
  return sheet;
}

Sheet RatingsSheet(const LedgerSelection& sel) {
  Sheet sheet;
  sheet.columns = {
      {"序号", 6, kInteger},   {"项目代码", 26, kText}, {"项目名称", 24, kText},
      {"业主单位", 20, kText}, {"评价期", 12, kText},   {"服务员", 10, kText},
      {"身份", 12, kText},     {"得分", 8, kInteger},   {"评价", 10, kText},
      {"意见", 30, kText},     {"评价日期", 12, kDate},
  };
  int64_t n = 0;
  for (const Selected<Project>& p : sel.of<Project>()) {
    for (const v1::ProjectServiceRated& r : p.state->ratings()) {
      Row row(sheet.columns.size());
      row.Number(++n).Text(p.state->info().code()).Text(p.state->info().name());
      row.Text(p.state->info().owner()).Text(r.period()).Text(r.contact());
      row.Text(Label(r.capacity())).Number(r.score()).Text(r.grade()).Text(r.comment());
      row.Text(DayOfMicros(r.rated_at_us()));
      sheet.rows.push_back(std::move(row).Done());
    }
  }
  return sheet;
}

// ---------------------------------------------------------------------------
// 集中开工台账: every campaign declared then, by id, with its projects as the
// selected projects' views judged them then (the caller's scope and the
// filters choose the projects); a listed code registered by nobody then is
// 未登记 (shown without a unit filter), one not selected is left out.

Sheet CampaignsSheet(const LedgerSelection& sel) {
  Sheet sheet;
  sheet.columns = {
      {"序号", 6, kInteger},
      {"活动编号", 14, kText},
      {"活动名称", 24, kText},
      {"活动类型", 14, kText},
      {"集中开工日期", 12, kDate},
      {"项目代码", 26, kText},
      {"项目名称", 24, kText},
      {"牵头单位", 16, kText},
      {"实际开工日期", 12, kDate},
      {"开工情况", 10, kText},
      {"灯", 6, kText},
      {"督办次数", 8, kInteger},
      {"未回复", 8, kInteger},
  };
  std::map<std::string, const v1::CampaignProjectView*> standing;  // "<campaign>\n<code>"
  for (const Selected<Project>& p : sel.of<Project>()) {
    for (const v1::CampaignProjectView& c : p.view.campaigns()) {
      standing.emplace(absl::StrCat(c.campaign_id(), "\n", c.project_code()), &c);
    }
  }
  std::set<std::string> registered;
  for (const v1::ProjectState& s : sel.ledger->of<Project>()) registered.insert(s.info().code());
  int64_t n = 0;
  for (const v1::CampaignState& c : sel.ledger->of<workflows::Campaign>()) {
    const v1::StartCampaignDeclared& d = c.campaign();
    for (const std::string& code : d.project_codes()) {
      auto it = standing.find(absl::StrCat(d.campaign_id(), "\n", code));
      if (it == standing.end() && (registered.count(code) > 0 || !sel.filter.unit().empty())) {
        continue;  // not selected
      }
      Row row(sheet.columns.size());
      row.Number(++n).Text(d.campaign_id()).Text(d.name()).Text(Label(d.kind())).Text(d.day());
      if (it == standing.end()) {
        row.Text(code).Empty().Empty().Empty().Text(Label(v1::CAMPAIGN_START_STATUS_UNREGISTERED));
        row.Empty().Empty().Empty();
      } else {
        const v1::CampaignProjectView& v = *it->second;
        row.Text(code).Text(v.project_name()).Text(v.lead_unit()).Text(v.started_on());
        row.Text(Label(v.status())).Light(v.light()).Number(v.rungs()).Number(v.open_rungs());
      }
      sheet.rows.push_back(std::move(row).Done());
    }
  }
  return sheet;
}

}  // namespace

absl::StatusOr<Sheet> BuildLedgerSheet(v1::LedgerKind kind, const LedgerSelection& selection) {
  Sheet sheet;
  switch (kind) {
    case v1::LEDGER_KIND_PROJECTS:
      sheet = ProjectsSheet(selection);
      break;
    case v1::LEDGER_KIND_CASE_ITEMS:
      sheet = CaseItemsSheet(selection);
      break;
    case v1::LEDGER_KIND_TASKS:
      sheet = TasksSheet(selection);
      break;
    case v1::LEDGER_KIND_PROBLEMS:
      sheet = ProblemsSheet(selection);
      break;
    case v1::LEDGER_KIND_SLIPS:
      sheet = SlipsSheet(selection);
      break;
    case v1::LEDGER_KIND_MATTERS:
      sheet = MattersSheet(selection);
      break;
    case v1::LEDGER_KIND_MEETINGS:
      sheet = MeetingsSheet(selection);
      break;
    case v1::LEDGER_KIND_VISITS:
      sheet = VisitsSheet(selection);
      break;
    case v1::LEDGER_KIND_RATINGS:
      sheet = RatingsSheet(selection);
      break;
    case v1::LEDGER_KIND_CAMPAIGNS:
      sheet = CampaignsSheet(selection);
      break;
    default:
      return absl::InvalidArgumentError(absl::StrCat("kind: expected ", LedgerKindNames()));
  }
  sheet.title = Label(kind);
  sheet.as_of = selection.day;
  return sheet;
}

namespace {

// Every ledger kind, in the order people are offered them.
constexpr v1::LedgerKind kLedgerKinds[] = {
    v1::LEDGER_KIND_PROJECTS,  v1::LEDGER_KIND_CASE_ITEMS, v1::LEDGER_KIND_TASKS,
    v1::LEDGER_KIND_PROBLEMS,  v1::LEDGER_KIND_SLIPS,      v1::LEDGER_KIND_MATTERS,
    v1::LEDGER_KIND_MEETINGS,  v1::LEDGER_KIND_VISITS,     v1::LEDGER_KIND_RATINGS,
    v1::LEDGER_KIND_CAMPAIGNS, v1::LEDGER_KIND_ASSESSMENT, v1::LEDGER_KIND_ASSESSMENT_DETAIL,
};

}  // namespace

std::string LedgerKindNames() {
  std::string out;
  const size_t n = std::size(kLedgerKinds);
  for (size_t i = 0; i < n; ++i) {
    if (i > 0) out += i + 1 == n ? " or " : ", ";
    out += LedgerKindName(kLedgerKinds[i]);
  }
  return out;
}

v1::LedgerKind ParseLedgerKind(const std::string& text) {
  const std::string t = absl::AsciiStrToLower(text);
  for (v1::LedgerKind k : kLedgerKinds) {
    if (t == LedgerKindName(k) || t == absl::AsciiStrToLower(v1::LedgerKind_Name(k)) ||
        t == absl::AsciiStrToLower(ShortName(k))) {
      return k;
    }
  }
  return v1::LEDGER_KIND_UNSPECIFIED;
}

std::string LedgerKindName(v1::LedgerKind kind) {
  switch (kind) {
    case v1::LEDGER_KIND_PROJECTS:
      return "projects";
    case v1::LEDGER_KIND_CASE_ITEMS:
      return "cases";
    case v1::LEDGER_KIND_TASKS:
      return "tasks";
    case v1::LEDGER_KIND_PROBLEMS:
      return "problems";
    case v1::LEDGER_KIND_SLIPS:
      return "slips";
    case v1::LEDGER_KIND_MATTERS:
      return "matters";
    case v1::LEDGER_KIND_MEETINGS:
      return "meetings";
    case v1::LEDGER_KIND_VISITS:
      return "visits";
    case v1::LEDGER_KIND_RATINGS:
      return "ratings";
    case v1::LEDGER_KIND_CAMPAIGNS:
      return "campaigns";
    case v1::LEDGER_KIND_ASSESSMENT:
      return "assessment";
    case v1::LEDGER_KIND_ASSESSMENT_DETAIL:
      return "assessment-detail";
    default:
      return "";
  }
}

}  // namespace taizhang::reports
