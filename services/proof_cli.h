// The `taizhang checkpoint` subcommands: the log's signed checkpoints and
// the keys that sign them (docs/proof.md).
//
//   taizhang checkpoint                     the latest signed checkpoint
//   taizhang checkpoint --key 公钥.pem       ... its signature checked here
//                                           against a public key you hold
//   taizhang checkpoint sign                sign one of the log as it is now
//   taizhang checkpoint keys                the keys, oldest first
//   taizhang checkpoint keys --pem KEY_ID   a key's public key as PEM
//   taizhang digest                         the workflows' state digest, for
//                                           taizhang-verify to match
//   taizhang bundle export --out FILE       an export bundle for auditors
//       [--from N] [--to N] [--key 公钥.pem] (docs/bundle.md), checked here
//                                           before it is put in place
//
// A signature is checked on the text made here from the checkpoint's fields,
// not on the text the server sends; with --key, a checkpoint that does not
// check gives exit status 1 ("签名无效").
#ifndef TAIZHANG_SERVICES_PROOF_CLI_H_
#define TAIZHANG_SERVICES_PROOF_CLI_H_

#include "services/cli.h"

namespace taizhang::services {

void AddProofCommands(CLI::App& app, CliContext& ctx);

}  // namespace taizhang::services

#endif  // TAIZHANG_SERVICES_PROOF_CLI_H_
