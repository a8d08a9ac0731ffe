// The `taizhang` subcommands of the workflows: one group per aggregate, each
// with `list`, `show` and one subcommand per typed command RPC, and a
// stream's state as of a moment (the bulletin's are in bulletin_cli.h).
//
//   taizhang case list --overdue
//   taizhang case show LH-2018-017
//   taizhang case approve LH-2018-017 item_id=planning-permit
//   taizhang task create wuyue-plot5 task_id=wuyue-plot5 title=5号地块征地
//       responsible_units=区自然资源局 deadline.rule.kind=FIXED_DATE
//       deadline.rule.fixed_date=2020-07-15 project_code=2020-530115-72-01-000001
//   taizhang project list --light red
//   taizhang state task/wuyue-plot5 --at 2020-07-16
//
// The command subcommands are made from the services' descriptors, so every
// action the API has is on the command line with the same field names as the
// proto (FIELD=VALUE, dotted for nested messages, repeated by repeating; or
// the whole action as --body JSON). Each command carries a request id (made
// up and printed unless --request-id is given, so a failed call can be retried
// with the same one).
#ifndef TAIZHANG_SERVICES_LEDGER_CLI_H_
#define TAIZHANG_SERVICES_LEDGER_CLI_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "google/protobuf/message.h"
#include "services/cli.h"

namespace taizhang::services {

// case, task, problem, project, state.
void AddLedgerCommands(CLI::App& app, CliContext& ctx);

// Sets `message`'s fields from "path=value" assignments: a dotted path to a
// scalar field (enum values by name, with or without the enum's prefix;
// bools as true/false; dates and other strings as written). A repeated scalar
// gets one element per assignment. INVALID_ARGUMENT naming the assignment
// otherwise, and `out` is left as it was.
absl::Status SetFields(const std::vector<std::string>& assignments, google::protobuf::Message* out);

}  // namespace taizhang::services

#endif  // TAIZHANG_SERVICES_LEDGER_CLI_H_
