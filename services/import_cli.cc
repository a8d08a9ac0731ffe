#include "services/import_cli.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "reports/labels.h"
#include "services/text_table.h"
#include "taizhang/v1/service.grpc.pb.h"

namespace taizhang::services {
namespace {

struct ImportFlags {
  std::string file;
  bool apply = false;
};

// "列“总投资（万元）”：message" or the message alone for the whole row.
std::string ProblemText(const v1::ImportProblem& p) {
  return p.column().empty() ? p.message() : absl::StrCat("【", p.column(), "】", p.message());
}

void PrintPlan(CliContext& ctx, const v1::ImportLedgerResponse& r, bool apply) {
  TextTable table({"行", "操作", "对象", "说明"}, {TextTable::Align::kRight});
  for (const v1::ImportRow& row : r.rows()) {
    std::string stream = row.stream();
    std::vector<std::string> lines;
    for (const std::string& c : row.commands()) lines.push_back(c);
    for (const v1::ImportProblem& p : row.problems()) lines.push_back(ProblemText(p));
    for (const v1::ImportProblem& n : row.notes()) {
      lines.push_back(absl::StrCat("注：", ProblemText(n)));
    }
    if (lines.empty()) lines.push_back("");
    const std::string action = reports::Label(row.action());
    for (size_t i = 0; i < lines.size(); ++i) {
      table.AddRow({i == 0 ? absl::StrCat(row.row()) : "", i == 0 ? action : "",
                    i == 0 ? stream : "", lines[i]});
    }
  }
  std::string out =
      absl::StrCat("表头在第 ", r.header_row(), " 行（", reports::Label(r.format()), "）\n");
  absl::StrAppend(&out, table.Render());
  for (const v1::ImportProblem& n : r.notes()) {
    absl::StrAppend(&out, "注：第 ", n.row(), " 行 ", ProblemText(n), "\n");
  }
  absl::StrAppend(&out, "新建 ", r.created(), "，变更 ", r.changed(), "，无变化 ", r.unchanged(),
                  "，错误 ", r.errors(), "\n");
  if (r.applied() && r.created() + r.changed() == 0) {
    absl::StrAppend(&out, "无需写入：系统中的台账已与文件一致\n");
  } else if (r.applied()) {
    absl::StrAppend(&out, "已写入（日志位置至 ", r.last_position(), "）\n");
  } else if (apply) {
    absl::StrAppend(&out, "有错误，未写入任何内容：改正后重新导入\n");
  } else {
    absl::StrAppend(&out, "试运行，未写入；确认无误后加 --apply 写入\n");
  }
  std::fputs(out.c_str(), ctx.out);
}

void AddImport(CLI::App& parent, CliContext& ctx, const char* name, v1::LedgerKind kind,
               const char* what) {
  auto* cmd = parent.add_subcommand(name, what);
  ImportFlags& flags = ctx.Own<ImportFlags>();
  cmd->add_option("file", flags.file, "CSV or XLSX file")->required();
  cmd->add_flag("--apply", flags.apply, "write (default: a dry run that writes nothing)");
  cmd->callback([&ctx, &flags, kind] {
    std::ifstream in(flags.file, std::ios::binary);
    if (!in) return ctx.Fail(absl::StrCat("cannot read ", flags.file));
    std::stringstream buffer;
    buffer << in.rdbuf();
    v1::ImportLedgerRequest request;
    request.set_kind(kind);
    request.set_filename(std::filesystem::path(flags.file).filename().string());
    request.set_content(buffer.str());
    request.set_apply(flags.apply);
    v1::Reports::Stub stub(ctx.Channel());
    grpc::ClientContext call;
    ctx.Prepare(&call);
    v1::ImportLedgerResponse reply;
    grpc::Status status = stub.ImportLedger(&call, request, &reply);
    if (!status.ok()) return ctx.Fail(status);
    if (ctx.json) {
      ctx.PrintJson(reply);
    } else {
      PrintPlan(ctx, reply, flags.apply);
    }
    if (reply.errors() > 0) ctx.exit_code = 1;
  });
}

}  // namespace

void AddImportCommands(CLI::App& app, CliContext& ctx) {
  auto* cmd = app.add_subcommand(
      "import", "bring in an office's ledger (CSV or XLSX; docs/import.md); a dry run by default");
  cmd->require_subcommand(1);
  AddImport(*cmd, ctx, "projects", v1::LEDGER_KIND_PROJECTS, "the project ledger (重点项目台账)");
  AddImport(*cmd, ctx, "tasks", v1::LEDGER_KIND_TASKS, "the task ledger (任务台账)");
}

}  // namespace taizhang::services
