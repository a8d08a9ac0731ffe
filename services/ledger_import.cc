#include "services/ledger_import.h"

#include <string>
#include <variant>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "reports/ledger_import.h"
#include "services/field_checks.h"

namespace taizhang::services {

absl::Status ImportLedger(workflows::Ledger& ledger, Clock& clock, const Caller& caller,
                          const v1::ImportLedgerRequest& request, v1::ImportLedgerResponse* reply) {
  reports::ImportContext ctx;
  ctx.projects = &ledger.project();
  ctx.tasks = &ledger.task();
  ctx.find_project = [&ledger](const std::string& code) { return ledger.GetProject(code); };
  ctx.find_task = [&ledger](const std::string& id) { return ledger.GetTask(id); };
  // The same checks as every request of the API, with the default limits
  // (the Reports service is not given the configured ones).
  ctx.check_fields = [](const google::protobuf::Message& command) {
    return CheckRequestFields(command, EffectiveTextLimits({}));
  };
  ctx.now = clock.Now();
  ctx.actor = caller.actor;
  absl::StatusOr<reports::ImportPlan> plan =
      reports::PlanImport(request.kind(), request.content(), ctx);
  if (!plan.ok()) {
    const std::string name = request.filename().empty() ? "导入的文件" : request.filename();
    return absl::Status(plan.status().code(), absl::StrCat(name, "：", plan.status().message()));
  }
  *reply = std::move(plan->response);
  reply->set_last_position(ledger.AppliedPosition());
  if (!request.apply() || reply->errors() > 0) return absl::OkStatus();

  uint64_t last = 0;
  int written = 0;
  for (const reports::PlannedCommand& c : plan->commands) {
    engine::CommandMeta meta;
    meta.request_id = c.request_id;
    meta.actor = caller.actor;
    absl::Status status;
    if (const auto* p = std::get_if<v1::ProjectCommand>(&c.command)) {
      auto outcome = ledger.ExecuteProject(c.id, *p, meta);
      status = outcome.status();
      if (outcome.ok()) last = std::max(last, outcome->append.last_position);
    } else {
      auto outcome = ledger.ExecuteTask(c.id, std::get<v1::TaskCommand>(c.command), meta);
      status = outcome.status();
      if (outcome.ok()) last = std::max(last, outcome->append.last_position);
    }
    if (!status.ok()) {
      return absl::Status(
          status.code(),
          absl::StrCat("第 ", c.row, " 行写入时被拒绝（", status.message(), "）；此前已写入 ",
                       written, " 条命令。再次导入同一文件会补全其余，已写入的不会重复"));
    }
    ++written;
  }
  if (last > 0) ledger.WaitForApplied(last);
  reply->set_applied(true);
  reply->set_last_position(std::max<uint64_t>(last, ledger.AppliedPosition()));
  return absl::OkStatus();
}

}  // namespace taizhang::services
