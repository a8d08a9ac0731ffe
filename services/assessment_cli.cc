#include "services/assessment_cli.h"

#include <cstdio>
#include <string>

#include "absl/strings/str_cat.h"
#include "reports/labels.h"
#include "services/text_table.h"
#include "taizhang/v1/service.grpc.pb.h"
#include "workflows/assessment.h"

namespace taizhang::services {
namespace {

struct AssessmentFlags {
  int year = 0;
  std::string from, to, as_of, unit;
  bool breakdown = false;
};

std::string IndicatorCell(const v1::IndicatorScore& x) {
  if (!x.computed()) {
    return x.not_computed_reason().empty()
               ? "未计算"
               : absl::StrCat("未计算（", x.not_computed_reason(), "）");
  }
  if (!x.has_data()) return absl::StrCat("无数据（", reports::Label(x.no_data()), "）");
  return absl::StrCat(workflows::CentiText(x.score_centi()), " (", x.numerator(), "/",
                      x.denominator(), ")");
}

}  // namespace

std::string AssessmentText(const v1::Assessment& a) {
  std::string out = absl::StrCat(a.policy_name(), "  ", a.from(), " 至 ", a.to(), "  (",
                                 a.as_of().empty() ? "截至当前" : absl::StrCat("截至 ", a.as_of()),
                                 "，日志位置 ", a.through_position(), ")\n");
  std::string group;
  TextTable* table = nullptr;
  std::vector<TextTable> tables;
  std::vector<std::string> titles;
  for (const auto& u : a.units()) {
    if (table == nullptr || u.group() != group) {
      group = u.group();
      titles.push_back(group);
      tables.emplace_back(
          std::vector<std::string>{"名次", "单位", "得分", "指标得分", "扣分", "评定"},
          std::vector<TextTable::Align>{TextTable::Align::kRight, TextTable::Align::kLeft,
                                        TextTable::Align::kRight, TextTable::Align::kRight,
                                        TextTable::Align::kRight, TextTable::Align::kLeft});
      table = &tables.back();
    }
    table->AddRow({u.unscored() ? "-" : absl::StrCat(u.rank()), u.unit(),
                   u.unscored() ? "无可考核数据" : workflows::CentiText(u.score_centi()),
                   workflows::CentiText(u.gross_centi()), workflows::CentiText(u.deducted_centi()),
                   absl::StrCat(reports::Label(u.standing()), u.floored() ? "（保底分）" : "")});
  }
  for (size_t i = 0; i < tables.size(); ++i) {
    absl::StrAppend(&out, "\n【", titles[i], "】\n", tables[i].Render());
  }
  for (const auto& u : a.units()) {
    if (u.counted().empty() && a.units_size() > 1) continue;
    absl::StrAppend(&out, "\n", u.unit(), "：得分 ", workflows::CentiText(u.score_centi()),
                    "，名次 ", u.rank(), "\n");
    TextTable ind({"指标", "权重", "折算权重", "得分"},
                  {TextTable::Align::kLeft, TextTable::Align::kRight, TextTable::Align::kRight,
                   TextTable::Align::kLeft});
    for (const auto& x : u.indicators()) {
      ind.AddRow({x.name(), absl::StrCat(x.weight()), workflows::CentiText(x.weight_centi()),
                  IndicatorCell(x)});
    }
    for (const auto& d : u.deductions()) {
      ind.AddRow({absl::StrCat("扣分：", d.name()), "", absl::StrCat(d.count(), " 次"),
                  absl::StrCat("-", workflows::CentiText(d.points_centi()))});
    }
    absl::StrAppend(&out, ind.Render());
    if (u.counted().empty()) continue;
    TextTable rows({"指标", "事项", "流", "日志位置", "结果", "期限"},
                   {TextTable::Align::kLeft, TextTable::Align::kLeft, TextTable::Align::kLeft,
                    TextTable::Align::kRight, TextTable::Align::kLeft, TextTable::Align::kLeft});
    for (const auto& c : u.counted()) {
      rows.AddRow({c.indicator(), c.subject().empty() ? c.matter() : c.subject(), c.stream(),
                   c.position() == 0 ? "-" : absl::StrCat(c.position()),
                   reports::Label(c.outcome()), c.due_on()});
    }
    absl::StrAppend(&out, "明细：\n", rows.Render());
  }
  return out;
}

void AddAssessmentCommand(CLI::App& app, CliContext& ctx) {
  CLI::App* cmd = app.add_subcommand("assessment", "the yearly assessment of units (考核)");
  auto* f = &ctx.Own<AssessmentFlags>();
  cmd->add_option("--year", f->year, "the year assessed");
  cmd->add_option("--from", f->from, "a period's first day, YYYY-MM-DD (with --to)");
  cmd->add_option("--to", f->to, "the period's last day");
  cmd->add_option("--as-of", f->as_of, "the log as it stood at the end of YYYY-MM-DD");
  cmd->add_option("--unit", f->unit, "one unit, with its breakdown");
  cmd->add_flag("--breakdown", f->breakdown, "every unit's breakdown");
  cmd->callback([&ctx, f] {
    v1::AssessmentRequest request;
    request.set_year(f->year);
    request.set_from(f->from);
    request.set_to(f->to);
    request.set_as_of(f->as_of);
    request.set_unit(f->unit);
    request.set_breakdown(f->breakdown);
    v1::Assessments::Stub stub(ctx.Channel());
    grpc::ClientContext call;
    ctx.Prepare(&call);
    v1::Assessment a;
    grpc::Status status = stub.GetAssessment(&call, request, &a);
    if (!status.ok()) return ctx.Fail(status);
    if (ctx.json) return ctx.PrintJson(a);
    const std::string text = AssessmentText(a);
    std::fputs(text.c_str(), ctx.out);
  });
}

}  // namespace taizhang::services
