// The `taizhang` subcommands of the monthly bulletin and the slips:
//
//   taizhang bulletin 2026-11                       the figures as tables
//   taizhang bulletin 2026-11 --pdf 通报.pdf --html 通报.html
//   taizhang bulletin publish 2026-11 [--document-number 督查通报〔2026〕11号] [--pdf FILE]
//   taizhang bulletin verify 2026-11                an auditor's check
//   taizhang slip task/wuyue-plot5/1/notice --pdf 督办通知单.pdf
//
// A published month's documents are the frozen ones (the same bytes each
// time); `publish` carries a request id (made up and printed unless
// --request-id is given) so that a failed call can be retried harmlessly.
#ifndef TAIZHANG_SERVICES_BULLETIN_CLI_H_
#define TAIZHANG_SERVICES_BULLETIN_CLI_H_

#include "services/cli.h"

namespace taizhang::services {

// bulletin (with publish, verify) and slip.
void AddBulletinCommands(CLI::App& app, CliContext& ctx);

}  // namespace taizhang::services

#endif  // TAIZHANG_SERVICES_BULLETIN_CLI_H_
