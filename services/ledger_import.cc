#include "services/ledger_import.h"

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "base/status_macros.h"
#include "reports/ledger_import.h"
#include "services/field_checks.h"

namespace taizhang::services {
namespace {

// Commands in flight at once while applying: enough for the log to write
// them together, few enough that one import leaves room for other callers.
constexpr int kApplyConcurrency = 16;

struct ApplyResult {
  int written = 0;  // commands the log acknowledged (or answered as retries)
  uint64_t last_position = 0;
  std::map<int, absl::Status> refused;  // by row
};

// Sends `commands` with at most kApplyConcurrency in flight; after a refusal
// starts no more, and waits for those in flight.
ApplyResult Apply(workflows::Ledger& ledger, const Caller& caller,
                  const std::vector<reports::PlannedCommand>& commands) {
  // Shared with the callbacks, which may still be leaving the mutex when
  // the last of them has let this function go on.
  struct Shared {
    absl::Mutex mu;
    int in_flight ABSL_GUARDED_BY(mu) = 0;
    ApplyResult result ABSL_GUARDED_BY(mu);
    void Done(int row, const absl::Status& status, uint64_t position) {
      absl::MutexLock l(&mu);
      --in_flight;
      if (status.ok()) {
        ++result.written;
        result.last_position = std::max(result.last_position, position);
      } else {
        result.refused.emplace(row, status);
      }
    }
  };
  auto shared = std::make_shared<Shared>();
  auto room = [](Shared* s) { return s->in_flight < kApplyConcurrency; };
  auto idle = [](Shared* s) { return s->in_flight == 0; };
  for (const reports::PlannedCommand& c : commands) {
    {
      absl::MutexLock l(&shared->mu);
      shared->mu.Await(absl::Condition(+room, shared.get()));
      if (!shared->result.refused.empty()) break;
      ++shared->in_flight;
    }
    engine::CommandMeta meta;
    meta.request_id = c.request_id;
    meta.actor = caller.actor;
    auto done = [shared, row = c.row](const auto& outcome) {
      shared->Done(row, outcome.status(), outcome.ok() ? outcome->append.last_position : 0);
    };
    if (const auto* p = std::get_if<v1::ProjectCommand>(&c.command)) {
      ledger.workflow<workflows::Project>().ExecuteAsync(c.id, *p, meta, done);
    } else {
      ledger.workflow<workflows::Task>().ExecuteAsync(c.id, std::get<v1::TaskCommand>(c.command),
                                                      meta, done);
    }
  }
  absl::MutexLock l(&shared->mu);
  shared->mu.Await(absl::Condition(+idle, shared.get()));
  return shared->result;
}

}  // namespace

absl::Status ImportLedger(workflows::Ledger& ledger, Clock& clock, const Caller& caller,
                          const v1::TextLimits& limits, const v1::ImportLedgerRequest& request,
                          v1::ImportLedgerResponse* reply) {
  reports::ImportContext ctx;
  ctx.projects = &ledger.project();
  ctx.tasks = &ledger.task();
  ctx.find_project = [&ledger](const std::string& code) { return ledger.GetProject(code); };
  ctx.find_task = [&ledger](const std::string& id) { return ledger.GetTask(id); };
  // The same checks as every request of the API, with the server's limits.
  const v1::TextLimits effective = EffectiveTextLimits(limits);
  ctx.check_fields = [&effective](const google::protobuf::Message& command) {
    return CheckRequestFields(command, effective);
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

  ApplyResult applied = Apply(ledger, caller, plan->commands);
  if (!applied.refused.empty()) {
    std::vector<std::string> refusals;
    for (const auto& [row, status] : applied.refused) {
      refusals.push_back(absl::StrCat("第 ", row, " 行写入时被拒绝（", status.message(), "）"));
    }
    return absl::Status(
        applied.refused.begin()->second.code(),
        absl::StrCat(absl::StrJoin(refusals, "；"), "；已写入 ", applied.written, " 条命令（共 ",
                     plan->commands.size(), " 条）。再次导入同一文件会补全其余，已写入的不会重复"));
  }
  const uint64_t last = applied.last_position;
  if (last > 0) ledger.WaitForApplied(last);
  reply->set_applied(true);
  reply->set_last_position(std::max<uint64_t>(last, ledger.AppliedPosition()));
  return absl::OkStatus();
}

}  // namespace taizhang::services
