// The `taizhang` command line: connection options shared by every subcommand,
// and the core subcommands (verify, history, log, alerts, clock, info, backup,
// calendar load / list).
// The domain adds its own subcommands the same way (see taizhang_main.cc):
//
//   void AddApprovalCommands(CLI::App& app, CliContext& ctx) {
//     auto* cmd = app.add_subcommand("approve", "approve an item");
//     cmd->callback([&ctx] {
//       v1::Approval::Stub stub(ctx.Channel());
//       grpc::ClientContext call; ctx.Prepare(&call);
//       ... ctx.Fail(status) on error, ctx.Print(message) for --json ...
//     });
//   }
//
// Output: tables for people (aligned by display width, times in China time);
// with --json one JSON object per line (protobuf's JSON mapping). Errors go to
// stderr as "taizhang: CODE: message"; the exit status is then 1.
#ifndef TAIZHANG_SERVICES_CLI_H_
#define TAIZHANG_SERVICES_CLI_H_

#include <grpcpp/grpcpp.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "google/protobuf/message.h"
#include "google/protobuf/timestamp.pb.h"

namespace taizhang::services {

struct CliContext {
  // Flags (filled by AddConnectionOptions).
  std::string server = "127.0.0.1:7070";
  std::string token;  // --token, else $TAIZHANG_TOKEN
  bool json = false;
  std::string tls_ca;    // PEM roots: connect with TLS
  std::string tls_cert;  // client certificate (with tls_key)
  std::string tls_key;
  double timeout_seconds = 30;

  FILE* out = stdout;
  FILE* err = stderr;
  int exit_code = 0;

  // The channel to the server (made once).
  std::shared_ptr<grpc::Channel> Channel();
  // Adds the token and, unless `streaming`, the deadline.
  void Prepare(grpc::ClientContext* call, bool streaming = false) const;
  // Reports a failed call; sets exit_code to 1.
  void Fail(const grpc::Status& status);
  // Reports a usage or local error; sets exit_code.
  void Fail(const std::string& message, int code = 1);
  // One message as a JSON line.
  void PrintJson(const google::protobuf::Message& message);
  // Text as it is, to `out`.
  void Print(const std::string& text) const { std::fputs(text.c_str(), out); }

  // Storage for a subcommand's flag values, alive as long as the context.
  template <class T>
  T& Own() {
    auto p = std::make_shared<T>();
    storage_.push_back(p);
    return *p;
  }

 private:
  std::shared_ptr<grpc::Channel> channel_;
  std::vector<std::shared_ptr<void>> storage_;
};

// A recorded time in China time ("" for an unset one); `seconds` adds them.
std::string ChinaTimeOf(const google::protobuf::Timestamp& t, bool seconds = false);

// A fresh request id for a command sent without --request-id: "cli-" and 24
// random hex digits, so a retry the user types again is a new command.
std::string NewRequestId();

// --server, --token, --json, --tls-ca, --tls-cert, --tls-key, --timeout.
void AddConnectionOptions(CLI::App& app, CliContext& ctx);

// verify, history, log, alerts, clock, info, backup.
void AddCoreCommands(CLI::App& app, CliContext& ctx);

}  // namespace taizhang::services

#endif  // TAIZHANG_SERVICES_CLI_H_
