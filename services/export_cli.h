// `taizhang export`: a ledger (台账) written to a file, through
// Reports.ExportLedger (services/ledger_export.h says what it holds):
//
//   taizhang export projects --xlsx 重点项目台账.xlsx
//   taizhang export tasks --as-of 2026-11-30 --csv tasks.csv --unit 昆阳街道办 --overdue
//   taizhang export slips --xlsx slips.xlsx --project 2020-530115-70-01-000001
//
// KIND is projects, cases, tasks, problems or slips; exactly one of --xlsx
// and --csv names the file written. The filters are those of `list`
// (--unit, --region, --stage, --light, --overdue, --project).
#ifndef TAIZHANG_SERVICES_EXPORT_CLI_H_
#define TAIZHANG_SERVICES_EXPORT_CLI_H_

#include "services/cli.h"

namespace taizhang::services {

void AddExportCommand(CLI::App& app, CliContext& ctx);

}  // namespace taizhang::services

#endif  // TAIZHANG_SERVICES_EXPORT_CLI_H_
