// `taizhang import projects|tasks FILE [--apply]`: an office's ledger (CSV
// or XLSX, docs/import.md) sent to Reports.ImportLedger. Prints the plan as a
// table in Chinese (行, 操作, 对象, 说明) with every error by row and column,
// the file's notes, and a summary line (新建 n，变更 n，无变化 n，错误 n);
// with --json the response. Exits 1 when a row has an error (nothing is then
// written, even with --apply) or the call fails.
#ifndef TAIZHANG_SERVICES_IMPORT_CLI_H_
#define TAIZHANG_SERVICES_IMPORT_CLI_H_

#include "CLI/CLI.hpp"
#include "services/cli.h"

namespace taizhang::services {

void AddImportCommands(CLI::App& app, CliContext& ctx);

}  // namespace taizhang::services

#endif  // TAIZHANG_SERVICES_IMPORT_CLI_H_
