#include "services/bulletin_cli.h"

#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "reports/bulletin_document.h"
#include "reports/labels.h"
#include "services/china_time.h"
#include "services/text_table.h"
#include "taizhang/v1/service.grpc.pb.h"
#include "workflows/bulletin.h"

namespace taizhang::services {
namespace {

// Writes `d` to `path`; false (and the context failed) when it cannot.
bool Save(CliContext& ctx, const v1::Document& d, const std::string& path) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(d.content().data(), static_cast<std::streamsize>(d.content().size()));
  out.close();
  if (!out) {
    ctx.Fail(absl::StrCat("cannot write ", path));
    return false;
  }
  std::fprintf(ctx.err, "%s: %zu 字节, SHA-256 %s (截至日志位置 %llu)\n", path.c_str(),
               d.content().size(), d.sha256_hex().c_str(),
               static_cast<unsigned long long>(d.through_position()));
  return true;
}

std::string BulletinText(const v1::Bulletin& b) {
  const auto& inv = b.investment();
  std::string out = absl::StrCat(
      b.month(), " 月度通报  (截至日志位置 ", b.through_position(), ")\n在库项目 ",
      b.project_count(), " 个，总投资 ", reports::FormatYi(b.total_investment_yuan()),
      " 亿元；年度计划 ", reports::FormatYi(inv.annual_plan_yuan()), " 亿元，完成 ",
      reports::FormatYi(inv.completed_yuan()), " 亿元 (",
      reports::FormatRate(inv.has_completion_bp(), inv.completion_bp()), "，时间进度 ",
      workflows::FormatBp(inv.time_progress_bp()), ")\n开工率 ",
      reports::FormatRate(b.starts().has_annual_rate_bp(), b.starts().annual_rate_bp()), " (",
      b.starts().done_of_planned_in_year(), "/", b.starts().planned_in_year(), ")，竣工率 ",
      reports::FormatRate(b.completions().has_annual_rate_bp(), b.completions().annual_rate_bp()),
      " (", b.completions().done_of_planned_in_year(), "/", b.completions().planned_in_year(),
      ")\n");
  if (b.unit_ranking_size() > 0) {
    TextTable t({"排名", "责任单位", "项目数", "完成率", "灯"},
                {TextTable::Align::kRight, TextTable::Align::kLeft, TextTable::Align::kRight,
                 TextTable::Align::kRight, TextTable::Align::kLeft});
    for (const auto& u : b.unit_ranking()) {
      t.AddRow(
          {absl::StrCat(u.rank()), u.unit(), absl::StrCat(u.project_count()),
           reports::FormatRate(u.investment().has_completion_bp(), u.investment().completion_bp()),
           reports::LightLabel(u.investment().light())});
    }
    absl::StrAppend(&out, "\n", t.Render());
  }
  if (b.unit_supervision_size() > 0) {
    TextTable t({"责任单位", "逾期审批事项", "逾期任务", "逾期问题", "本月督办", "本月挂牌",
                 "未回复督办", "本月补录"},
                {TextTable::Align::kLeft, TextTable::Align::kRight, TextTable::Align::kRight,
                 TextTable::Align::kRight, TextTable::Align::kRight, TextTable::Align::kRight,
                 TextTable::Align::kRight, TextTable::Align::kRight});
    for (const auto& u : b.unit_supervision()) {
      t.AddRow({u.unit(), absl::StrCat(u.overdue_case_items()), absl::StrCat(u.overdue_tasks()),
                absl::StrCat(u.overdue_problems()), absl::StrCat(u.rungs_in_month()),
                absl::StrCat(u.listings_in_month()), absl::StrCat(u.open_rungs()),
                absl::StrCat(u.late_entries_in_month())});
    }
    absl::StrAppend(&out, "\n", t.Render());
  }
  if (b.listed_size() > 0) {
    TextTable t({"点名项目", "名称", "原因", "灯"});
    for (const auto& l : b.listed()) {
      std::string reasons;
      for (int r : l.reasons()) {
        absl::StrAppend(&reasons, reasons.empty() ? "" : "、",
                        reports::Label(static_cast<v1::BulletinListReason>(r)));
      }
      t.AddRow({l.code(), l.name(), reasons, reports::LightLabel(l.light())});
    }
    absl::StrAppend(&out, "\n", t.Render());
  }
  return out;
}

// GetBulletinDocument (or GetSlipDocument) in `format`, saved to `path`.
template <class Request, class Rpc>
bool Fetch(CliContext& ctx, Request request, v1::DocumentFormat format, const std::string& path,
           Rpc rpc) {
  v1::Reports::Stub stub(ctx.Channel());
  grpc::ClientContext call;
  ctx.Prepare(&call);
  request.set_format(format);
  v1::Document d;
  grpc::Status status = (stub.*rpc)(&call, request, &d);
  if (!status.ok()) {
    ctx.Fail(status);
    return false;
  }
  return Save(ctx, d, path);
}

struct DocumentFlags {
  std::string month;
  std::string html, pdf;
};

void AddShow(CLI::App& cmd, CliContext& ctx) {
  auto* f = &ctx.Own<DocumentFlags>();
  cmd.add_option("MONTH", f->month, "YYYY-MM");
  cmd.add_option("--html", f->html, "write the bulletin as an HTML document to FILE");
  cmd.add_option("--pdf", f->pdf, "write the bulletin as a PDF (A4) to FILE");
  cmd.callback([&ctx, &cmd, f] {
    if (!cmd.get_subcommands().empty()) return;  // publish, verify
    if (f->month.empty()) return ctx.Fail("bulletin: MONTH (YYYY-MM) is required", 2);
    v1::BulletinDocumentRequest request;
    request.set_month(f->month);
    if (!f->html.empty() && !Fetch(ctx, request, v1::DOCUMENT_FORMAT_HTML, f->html,
                                   &v1::Reports::Stub::GetBulletinDocument)) {
      return;
    }
    if (!f->pdf.empty() && !Fetch(ctx, request, v1::DOCUMENT_FORMAT_PDF, f->pdf,
                                  &v1::Reports::Stub::GetBulletinDocument)) {
      return;
    }
    if (!f->html.empty() || !f->pdf.empty()) return;
    v1::Ledger::Stub stub(ctx.Channel());
    grpc::ClientContext call;
    ctx.Prepare(&call);
    v1::BulletinRequest figures;
    figures.set_month(f->month);
    v1::Bulletin b;
    grpc::Status status = stub.GetBulletin(&call, figures, &b);
    if (!status.ok()) return ctx.Fail(status);
    if (ctx.json) return ctx.PrintJson(b);
    ctx.Print(BulletinText(b));
  });
}

std::string Publisher(const v1::BulletinPublication& p) {
  return p.published_by_label().empty() ? p.published_by() : p.published_by_label();
}

std::string PublicationText(const v1::BulletinPublication& p) {
  return absl::StrCat(
      p.month(), " 通报", p.duplicate() ? "已发布（重试，未重复写入）" : "已发布", "：日志位置 ",
      p.position(), "，数据截至位置 ", p.through_position(), "\n  发布人 ", Publisher(p), "，",
      FormatChina(absl::FromUnixMicros(p.published_at_us())),
      p.document_number().empty() ? "" : absl::StrCat("，文号 ", p.document_number()),
      "\n  数据摘要 ", p.figures_sha256(), "\n  PDF 摘要 ", p.pdf_sha256(), "（", p.pdf_bytes(),
      " 字节）\n");
}

// The investment light rule as people read it: "慢于时间进度 10.00 个百分点起黄灯，
// 超过 30.00 个百分点红灯".
std::string RuleText(const v1::InvestmentLightRule& rule) {
  std::string yellow = workflows::FormatBp(rule.yellow_from_bp());
  std::string red = workflows::FormatBp(rule.red_above_bp());
  if (rule.measure() == v1::INVESTMENT_GAP_MEASURE_POINTS) {
    yellow.pop_back();  // the '%'
    red.pop_back();
    return absl::StrCat("慢于时间进度 ", yellow, " 个百分点起黄灯，超过 ", red, " 个百分点红灯");
  }
  return absl::StrCat("慢于时间进度的 ", yellow, " 起黄灯，超过 ", red, " 红灯");
}

// VerifyBulletin's answer as lines a person reads.
std::string VerificationText(const v1::VerifyBulletinResponse& r) {
  const auto& p = r.publication();
  std::string out =
      absl::StrCat(p.month(), " 通报核验（发布于日志位置 ", p.position(), "，数据截至位置 ",
                   p.through_position(), "；发布人 ", Publisher(p), "，",
                   FormatChina(absl::FromUnixMicros(p.published_at_us())), "）\n");
  absl::StrAppend(
      &out, "  计算规则：",
      r.rule_recorded() ? "发布时记录的投资亮灯规则" : "发布时未记录规则，按当前加载的政策",
      r.policy_name().empty() ? "" : absl::StrCat("（", r.policy_name(), "）"), "，",
      RuleText(r.investment_rule()), "\n");
  absl::StrAppend(&out, "  数据：",
                  r.figures_match() ? "按日志重算与发布记录一致" : "按日志重算与发布记录不一致",
                  "\n    记录摘要 ", p.figures_sha256(), "\n    重算摘要 ",
                  r.recomputed_figures_sha256(), "\n");
  if (r.differing_field_labels_size() > 0) {
    std::string fields;
    for (const auto& f : r.differing_field_labels()) {
      absl::StrAppend(&fields, fields.empty() ? "" : "、", f);
    }
    absl::StrAppend(&out, "    不一致的数据项：", fields, "\n");
  }
  absl::StrAppend(&out, "  PDF：留存文件", reports::Label(r.pdf_integrity()),
                  "（核对字节与发布时的摘要，未重新打印）\n");
  absl::StrAppend(&out, "  网页：留存文件", reports::Label(r.html_integrity()),
                  "；按记录的数据重新生成", reports::Label(r.html_rerender()), "\n");
  if (r.html_rerender() == v1::HTML_RERENDER_TEMPLATE_CHANGED) {
    absl::StrAppend(&out, "    发布时模板摘要 ", p.template_sha256(), "\n    当前模板摘要 ",
                    r.template_sha256(), "\n");
  }
  absl::StrAppend(&out, "  签名检查点：", reports::Label(r.checkpoint()), "\n");
  if (p.has_checkpoint()) {
    absl::StrAppend(&out, "    分区 ", p.checkpoint().partition(), "，第 1–", p.checkpoint().size(),
                    " 条记录，密钥 ", p.checkpoint().key_id(), "\n    默克尔根 ",
                    p.checkpoint().root(), "\n");
  }
  absl::StrAppend(&out, r.ok() ? "核验通过\n" : "核验未通过\n");
  return out;
}

void AddPublish(CLI::App& bulletin, CliContext& ctx) {
  auto* cmd = bulletin.add_subcommand(
      "publish", "publish a closed month's bulletin: its figures and PDF frozen in the log");
  struct Flags {
    std::string month, request_id, document_number, pdf;
  };
  auto* f = &ctx.Own<Flags>();
  cmd->add_option("MONTH", f->month, "YYYY-MM, a month that has closed")->required();
  cmd->add_option("--document-number", f->document_number,
                  "the office's number, e.g. 督查通报〔2026〕11号");
  cmd->add_option("--request-id", f->request_id, "idempotency key (default: made up and printed)");
  cmd->add_option("--pdf", f->pdf, "also write the published PDF to FILE");
  cmd->callback([&ctx, f] {
    v1::PublishBulletinRequest request;
    request.set_month(f->month);
    request.set_document_number(f->document_number);
    request.mutable_header()->set_request_id(f->request_id.empty() ? NewRequestId()
                                                                   : f->request_id);
    v1::Reports::Stub stub(ctx.Channel());
    grpc::ClientContext call;
    ctx.Prepare(&call);
    v1::PublishBulletinResponse r;
    grpc::Status status = stub.PublishBulletin(&call, request, &r);
    if (!status.ok()) {
      ctx.Fail(status);
      if (status.error_code() == grpc::StatusCode::UNAVAILABLE ||
          status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
        std::fprintf(
            ctx.err,
            "taizhang: it may or may not have been published; retry with --request-id %s\n",
            request.header().request_id().c_str());
      }
      return;
    }
    if (!f->pdf.empty() && !Save(ctx, r.pdf(), f->pdf)) return;
    if (ctx.json) {
      r.mutable_pdf()->clear_content();  // the bytes go to --pdf, not to the terminal
      return ctx.PrintJson(r);
    }
    ctx.Print(PublicationText(r.publication()));
  });
}

void AddVerify(CLI::App& bulletin, CliContext& ctx) {
  auto* cmd = bulletin.add_subcommand(
      "verify", "recompute a published bulletin's figures from the log as it stood, and compare");
  auto* month = &ctx.Own<std::string>();
  cmd->add_option("MONTH", *month, "YYYY-MM, a published month")->required();
  cmd->callback([&ctx, month] {
    v1::VerifyBulletinRequest request;
    request.set_month(*month);
    v1::Reports::Stub stub(ctx.Channel());
    grpc::ClientContext call;
    ctx.Prepare(&call);
    v1::VerifyBulletinResponse r;
    grpc::Status status = stub.VerifyBulletin(&call, request, &r);
    if (!status.ok()) return ctx.Fail(status);
    if (!r.ok()) ctx.exit_code = 1;
    if (ctx.json) return ctx.PrintJson(r);
    ctx.Print(VerificationText(r));
  });
}

void AddSlip(CLI::App& app, CliContext& ctx) {
  auto* cmd =
      app.add_subcommand("slip", "a supervision slip (督办通知单, 催办单...) as a document");
  struct Flags {
    std::string number, html, pdf;
  };
  auto* f = &ctx.Own<Flags>();
  cmd->add_option("SLIP_NUMBER", f->number, "<stream>/<subject>/<episode>/<rung>")->required();
  cmd->add_option("--html", f->html, "write it as HTML to FILE");
  cmd->add_option("--pdf", f->pdf, "write it as a one-page PDF (A4) to FILE");
  cmd->callback([&ctx, f] {
    if (f->html.empty() && f->pdf.empty())
      return ctx.Fail("slip: give --html FILE or --pdf FILE", 2);
    v1::SlipDocumentRequest request;
    request.set_slip_number(f->number);
    if (!f->html.empty() && !Fetch(ctx, request, v1::DOCUMENT_FORMAT_HTML, f->html,
                                   &v1::Reports::Stub::GetSlipDocument)) {
      return;
    }
    if (!f->pdf.empty()) {
      Fetch(ctx, request, v1::DOCUMENT_FORMAT_PDF, f->pdf, &v1::Reports::Stub::GetSlipDocument);
    }
  });
}

}  // namespace

void AddBulletinCommands(CLI::App& app, CliContext& ctx) {
  auto* bulletin = app.add_subcommand("bulletin", "the monthly bulletin (一月一通报)");
  AddShow(*bulletin, ctx);
  AddPublish(*bulletin, ctx);
  AddVerify(*bulletin, ctx);
  AddSlip(app, ctx);
}

}  // namespace taizhang::services
