// taizhangd's configuration file: a ServerConfig (api_config.proto) in
// protobuf text format, turned into ServerOptions. Command-line flags are
// applied on top by the daemon (taizhangd_main.cc).
#ifndef TAIZHANG_SERVICES_CONFIG_H_
#define TAIZHANG_SERVICES_CONFIG_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/server.h"
#include "taizhang/v1/api_config.pb.h"

namespace taizhang::services {

// Reads and parses `path`. Errors name path:line:column (INVALID_ARGUMENT), or
// NOT_FOUND when it cannot be read. Relative paths inside are made relative to
// the file's directory.
absl::StatusOr<v1::ServerConfig> LoadServerConfig(const std::string& path);

// Applies the fields set in `config` to `options`. INVALID_ARGUMENT for a bad
// clock mode or start date.
absl::Status ApplyServerConfig(const v1::ServerConfig& config, ServerOptions* options);

// "system" / "manual".
absl::StatusOr<ClockMode> ParseClockMode(const std::string& text);

// Where the shipped policies stand beside the running program: its
// directory's ../share/taizhang/policies, as `cmake --install` lays them out
// (bin/taizhangd, share/taizhang/policies) and as the build tree mirrors them
// (build/services/taizhangd, build/share/taizhang/policies). The program is
// found through /proc/self/exe, else `argv0`. NOT_FOUND naming the place
// looked at when there is no such directory.
absl::StatusOr<std::string> ShippedPoliciesDir(const std::string& argv0);

}  // namespace taizhang::services

#endif  // TAIZHANG_SERVICES_CONFIG_H_
