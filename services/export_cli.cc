#include "services/export_cli.h"

#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "reports/labels.h"
#include "reports/ledger_sheets.h"
#include "taizhang/v1/service.grpc.pb.h"

namespace taizhang::services {
namespace {

struct ExportFlags {
  std::string kind, as_of, xlsx, csv;
  std::string unit, region, stage, light, project;
  bool overdue = false;
};

// Fills `request` from the flags; false (and ctx failed) on a bad one.
bool RequestOf(const ExportFlags& f, CliContext& ctx, v1::ExportLedgerRequest* request) {
  request->set_kind(reports::ParseLedgerKind(f.kind));
  if (request->kind() == v1::LEDGER_KIND_UNSPECIFIED) {
    ctx.Fail(absl::StrCat("export ", f.kind, ": expected ", reports::LedgerKindNames()), 2);
    return false;
  }
  if (f.xlsx.empty() == f.csv.empty()) {
    ctx.Fail("export: give exactly one of --xlsx FILE and --csv FILE", 2);
    return false;
  }
  request->set_format(f.xlsx.empty() ? v1::DOCUMENT_FORMAT_CSV : v1::DOCUMENT_FORMAT_XLSX);
  request->set_as_of(f.as_of);
  v1::ListRequest* filter = request->mutable_filter();
  filter->set_unit(f.unit);
  filter->set_region(f.region);
  filter->set_project_code(f.project);
  filter->set_overdue_only(f.overdue);
  if (!f.light.empty()) {
    const auto* v = reports::ParseEnumValue(v1::Light_descriptor(), f.light);
    if (v == nullptr || v->number() == 0) {
      ctx.Fail(absl::StrCat("--light ", f.light, ": expected green, yellow or red"), 2);
      return false;
    }
    filter->set_light(static_cast<v1::Light>(v->number()));
  }
  if (!f.stage.empty()) {
    const auto* v = reports::ParseEnumValue(v1::ProjectStage_descriptor(), f.stage);
    if (v == nullptr || v->number() == 0) {
      ctx.Fail(absl::StrCat("--stage ", f.stage,
                            ": expected a stage, e.g. new_start, under_construction or 在建"),
               2);
      return false;
    }
    filter->set_stage(static_cast<v1::ProjectStage>(v->number()));
  }
  return true;
}

}  // namespace

void AddExportCommand(CLI::App& app, CliContext& ctx) {
  auto& f = ctx.Own<ExportFlags>();
  auto* cmd = app.add_subcommand("export", "a ledger (台账) as XLSX or CSV, as of a day");
  cmd->add_option("kind", f.kind, "projects, cases, tasks, problems or slips")->required();
  cmd->add_option("--as-of", f.as_of, "the China day it stands as of, YYYY-MM-DD (default: now)");
  cmd->add_option("--xlsx", f.xlsx, "write an Excel workbook to this file");
  cmd->add_option("--csv", f.csv, "write CSV (UTF-8 with BOM) to this file");
  cmd->add_option("--unit", f.unit, "a responsible unit / department / lead unit");
  cmd->add_option("--region", f.region, "the project code's 6-digit region, e.g. 530115");
  cmd->add_option("--stage", f.stage, "the project's stage, e.g. new_start or 在建");
  cmd->add_option("--light", f.light, "green, yellow or red");
  cmd->add_flag("--overdue", f.overdue, "only what is past a limit on that day");
  cmd->add_option("--project", f.project, "the items of one project (its code)");
  cmd->callback([&ctx, &f] {
    v1::ExportLedgerRequest request;
    if (!RequestOf(f, ctx, &request)) return;
    v1::Reports::Stub stub(ctx.Channel());
    grpc::ClientContext call;
    ctx.Prepare(&call);
    v1::Document doc;
    if (grpc::Status s = stub.ExportLedger(&call, request, &doc); !s.ok()) return ctx.Fail(s);
    const std::string& path = f.xlsx.empty() ? f.csv : f.xlsx;
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(doc.content().data(), static_cast<std::streamsize>(doc.content().size()));
    out.close();
    if (!out) return ctx.Fail(absl::StrCat(path, ": cannot write"), 1);
    const size_t bytes = doc.content().size();
    doc.clear_content();
    if (ctx.json) return ctx.PrintJson(doc);
    std::fprintf(ctx.out, "%s -> %s (%zu 字节, 日志位置 %llu, sha256 %s)\n", doc.filename().c_str(),
                 path.c_str(), bytes, static_cast<unsigned long long>(doc.through_position()),
                 doc.sha256_hex().c_str());
  });
}

}  // namespace taizhang::services
