#include "reports/assessment_sheets.h"

#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "reports/labels.h"
#include "taizhang/v1/api_reports.pb.h"

namespace taizhang::reports {
namespace {

constexpr CellType kText = CellType::kText;
constexpr CellType kInteger = CellType::kInteger;
constexpr CellType kPoints = CellType::kMoney;  // hundredths, two decimals
constexpr CellType kDate = CellType::kDate;

}  // namespace

Sheet AssessmentSheet(const v1::Assessment& a, absl::CivilDay day) {
  Sheet sheet;
  sheet.title = Label(v1::LEDGER_KIND_ASSESSMENT);
  sheet.as_of = day;
  sheet.columns = {
      {"考核组", 10, kText}, {"名次", 6, kInteger}, {"单位", 20, kText}, {"得分", 10, kPoints}};
  // The indicators' columns, in the rule's order (every unit has them all).
  if (!a.units().empty()) {
    for (const auto& x : a.units(0).indicators()) {
      sheet.columns.push_back({absl::StrCat(x.name(), "（", x.weight(), "分）"), 16, kPoints});
    }
  }
  sheet.columns.push_back({"指标合计", 10, kPoints});
  sheet.columns.push_back({"扣分", 8, kPoints});
  sheet.columns.push_back({"扣分事项", 24, kText});
  sheet.columns.push_back({"评定", 8, kText});
  sheet.columns.push_back({"说明", 20, kText});
  for (const auto& u : a.units()) {
    std::vector<Cell> row = {
        Cell::Text(u.group()), u.unscored() ? Cell::Empty() : Cell::Number(u.rank()),
        Cell::Text(u.unit()), u.unscored() ? Cell::Empty() : Cell::Number(u.score_centi())};
    std::string notes;
    for (const auto& x : u.indicators()) {
      const bool scored = x.has_data() || x.no_data() != v1::NO_DATA_EXCLUDED;
      row.push_back(scored && !u.unscored() ? Cell::Number(x.score_centi()) : Cell::Empty());
      if (!x.computed()) {
        absl::StrAppend(&notes, notes.empty() ? "" : "；", x.name(), "未计算",
                        x.not_computed_reason().empty()
                            ? ""
                            : absl::StrCat("（", x.not_computed_reason(), "）"));
      } else if (!x.has_data()) {
        absl::StrAppend(&notes, notes.empty() ? "" : "；", x.name(), "无数据（", Label(x.no_data()),
                        "）");
      }
    }
    std::string deductions;
    for (const auto& d : u.deductions()) {
      absl::StrAppend(&deductions, deductions.empty() ? "" : "；", d.name(), d.count(), "次");
    }
    if (u.floored()) absl::StrAppend(&notes, notes.empty() ? "" : "；", "保底分");
    if (u.unscored()) notes = absl::StrCat("无可考核数据；", notes);
    row.push_back(Cell::Number(u.gross_centi()));
    row.push_back(Cell::Number(u.deducted_centi()));
    row.push_back(Cell::Text(deductions));
    row.push_back(Cell::Text(Label(u.standing())));
    row.push_back(Cell::Text(notes));
    sheet.rows.push_back(std::move(row));
  }
  return sheet;
}

Sheet AssessmentDetailSheet(const v1::Assessment& a, absl::CivilDay day) {
  Sheet sheet;
  sheet.title = Label(v1::LEDGER_KIND_ASSESSMENT_DETAIL);
  sheet.as_of = day;
  sheet.columns = {{"序号", 6, kInteger},
                   {"单位", 20, kText},
                   {"指标", 20, kText},
                   {"流", 30, kText},
                   {"事项编号", 24, kText},
                   {"事项", 24, kText},
                   {"日志位置", 10, kInteger},
                   {"结果", 12, kText},
                   {"期限", 12, kDate},
                   {"完成投资（元）", 16, kInteger},
                   {"计划投资（元）", 16, kInteger}};
  int n = 0;
  for (const auto& u : a.units()) {
    std::map<std::string, std::string> names;
    for (const auto& x : u.indicators()) names[x.indicator()] = x.name();
    for (const auto& d : u.deductions()) names[d.deduction()] = absl::StrCat("扣分：", d.name());
    for (const auto& c : u.counted()) {
      auto name = names.find(c.indicator());
      const bool money = c.outcome() == v1::COUNTED_OUTCOME_INVESTMENT;
      sheet.rows.push_back({Cell::Number(++n), Cell::Text(u.unit()),
                            Cell::Text(name == names.end() ? c.indicator() : name->second),
                            Cell::Text(c.stream()), Cell::Text(c.subject()), Cell::Text(c.matter()),
                            c.position() == 0 ? Cell::Empty() : Cell::Number(c.position()),
                            Cell::Text(Label(c.outcome())), Cell::Text(c.due_on()),
                            money ? Cell::Number(c.amount_yuan()) : Cell::Empty(),
                            money ? Cell::Number(c.plan_yuan()) : Cell::Empty()});
    }
  }
  return sheet;
}

}  // namespace taizhang::reports
