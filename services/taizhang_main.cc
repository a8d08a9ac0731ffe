// taizhang: the command line for taizhangd. See services/cli.h.
//
//   taizhang --server 127.0.0.1:7070 --token T info
//   taizhang history case/2020-530115-47-01-012345-1
//   taizhang alerts --follow --role supervision_office
//   taizhang clock advance 3d
//   taizhang case list --overdue
//   taizhang task complete wuyue-plot5 text=已完成
//   taizhang bulletin 2020-07 --pdf 通报.pdf
//   taizhang checkpoint --key 公钥.pem
#include "CLI/CLI.hpp"
#include "services/assessment_cli.h"
#include "services/bulletin_cli.h"
#include "services/cli.h"
#include "services/export_cli.h"
#include "services/import_cli.h"
#include "services/ledger_cli.h"
#include "services/proof_cli.h"

int main(int argc, char** argv) {
  CLI::App app{"taizhang: the command line for the Taizhang (台账) server"};
  app.require_subcommand(1);
  taizhang::services::CliContext ctx;
  taizhang::services::AddConnectionOptions(app, ctx);
  taizhang::services::AddCoreCommands(app, ctx);
  taizhang::services::AddLedgerCommands(app, ctx);
  taizhang::services::AddBulletinCommands(app, ctx);
  taizhang::services::AddAssessmentCommand(app, ctx);
  taizhang::services::AddExportCommand(app, ctx);
  taizhang::services::AddImportCommands(app, ctx);
  taizhang::services::AddProofCommands(app, ctx);
  CLI11_PARSE(app, argc, argv);
  return ctx.exit_code;
}
