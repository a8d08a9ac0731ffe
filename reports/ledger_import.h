// Ledgers brought in (台账导入): an office's project or task ledger (CSV or
// XLSX, sheet_table.h), read by its Chinese headers (docs/import.md), becomes
// the commands that would register its projects and create its tasks.
//
// PlanImport reads the file, finds the header row, and gives every data row
// an action against the ledger as it stands:
//   新建 (CREATE)     the project or task does not exist: RegisterProject
//                     (with the year's plan) or CreateTask;
//   变更 (CHANGE)     the project exists and the row's annual plan differs
//                     from its plan for that year at the precision the file
//                     writes it to (0.01 万元 at the coarsest, as an export
//                     rounds it; the total investment is compared the same
//                     way): SetProjectAnnualPlan;
//   无变化 (UNCHANGED) it exists and the row asks nothing new (registered
//                     facts that differ are remarked in notes: an import
//                     never rewrites a registration or a task);
//   错误 (ERROR)      every problem of the row, each with its column.
// Every planned command is checked by the aggregate's own Decide against the
// current state, so a row the engine would refuse is an error already in the
// dry run. Within the file: a code (or task id) twice is an error on the later
// row; a task's project must be registered.
//
// Request ids are derived, never random: "import:" + the hex SHA-256 of the
// command's kind, its stream, the command itself (deterministic bytes) and,
// for a change, the state it changes. The same file again (renamed or not)
// plans nothing new; an apply cut short and retried sends the rest, each once,
// and what had been written is a duplicate the log answers without writing.
//
// Thread-safety: PlanImport is pure given its context's lookups; call it from
// any thread when they are safe to call.
#ifndef TAIZHANG_REPORTS_LEDGER_IMPORT_H_
#define TAIZHANG_REPORTS_LEDGER_IMPORT_H_

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "taizhang/v1/api_reports.pb.h"
#include "workflows/project.h"
#include "workflows/task.h"

namespace taizhang::reports {

struct ImportContext {
  // The deciders (the ledger's aggregates, with their calendar).
  const workflows::Project* projects = nullptr;
  const workflows::Task* tasks = nullptr;
  // The current states, by code and by task id.
  std::function<std::optional<v1::ProjectState>(const std::string& code)> find_project;
  std::function<std::optional<v1::TaskState>(const std::string& task_id)> find_task;
  // The checks every request of the API gets (text lengths, enum values),
  // applied to each planned command; null: none. A refusal names the field
  // by its path from the command ("register.info.name: ...").
  std::function<absl::Status(const google::protobuf::Message& command)> check_fields;
  absl::Time now;                // decides as of now (the server's clock)
  std::string actor;             // the caller's principal, as the commands would carry
  size_t max_bytes = 16u << 20;  // the file
  size_t max_rows = 20000;       // data rows
};

// One command to send, in the order planned.
struct PlannedCommand {
  int row = 0;
  std::string id;  // the project code or the task id
  std::variant<v1::ProjectCommand, v1::TaskCommand> command;
  std::string request_id;
};

struct ImportPlan {
  v1::ImportLedgerResponse response;     // rows, counts, notes; applied false
  std::vector<PlannedCommand> commands;  // of the rows without an error
};

// Plans the import of `content` as a ledger of `kind` (PROJECTS or TASKS).
// INVALID_ARGUMENT (Chinese) for a file that is not a ledger at all: too
// large, unreadable (the readers' errors), no header row, a required column
// missing, two columns for one fact, too many rows. Row problems are not
// errors of the call: they are in the plan's rows.
absl::StatusOr<ImportPlan> PlanImport(v1::LedgerKind kind, absl::string_view content,
                                      const ImportContext& ctx);

// What a planned command does, as people read it ("登记项目 …").
std::string DescribeCommand(const PlannedCommand& command);

}  // namespace taizhang::reports

#endif  // TAIZHANG_REPORTS_LEDGER_IMPORT_H_
