// The front door's decisions (services/auth.h): a tokens file as an
// operator writes it, and a call's method and authorization header as any
// client sends them. The input is "<tokens file>\0<method>\0<header>"
// (without a second \0, no header). A tokens file that does not parse is
// refused naming its line; a call is allowed only with a token of the file
// whose role the method's rule names, and refused otherwise with
// UNAUTHENTICATED or PERMISSION_DENIED and a message.
#include "absl/strings/str_split.h"
#include "fuzz/fuzz_target.h"
#include "services/auth.h"

namespace taizhang::fuzz {
namespace {

constexpr char kTokens[] =
    "token { token: \"office-token-0123456789\" role: \"supervision\" unit: \"督查室\" }\n"
    "token { token: \"department-token-0123456789\" role: \"department\" unit: \"自然资源局\" }\n"
    "token { token: \"auditor-token-0123456789\" role: \"auditor\" unit: \"审计局\" }\n";

std::vector<std::string> AuthSeeds(const std::string&) {
  using std::string_literals::operator""s;
  return {
      kTokens + "\0/taizhang.v1.Supervision/ListAlerts\0Bearer office-token-0123456789"s,
      kTokens + "\0/taizhang.v1.Audit/Verify\0Bearer department-token-0123456789"s,
      kTokens + "\0/taizhang.v1.Audit/ExportBundle\0Bearer auditor-token-0123456789"s,
      kTokens + "\0/taizhang.v1.Admin/Backup\0bearer  office-token-0123456789 "s,
      kTokens + "\0/grpc.health.v1.Health/Check"s,
      kTokens + "\0/taizhang.v1.Nothing/Here\0Bearer x"s,
      "token { token: \"short\" role: \"admin\" unit: \"x\" }\0/a\0b"s,
  };
}

}  // namespace

TAIZHANG_FUZZ_TARGET(auth, AuthSeeds) {
  static const services::AccessTable* access = [] {
    auto table = services::AccessTable::ForApi();
    FUZZ_CHECK(table.ok());
    return new services::AccessTable(*std::move(table));
  }();
  const absl::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<absl::string_view> parts = absl::StrSplit(input, absl::MaxSplits('\0', 2));
  auto tokens = services::TokenTable::Parse("tokens.textproto", std::string(parts[0]));
  if (!tokens.ok()) {
    FUZZ_CHECK(tokens.status().code() == absl::StatusCode::kInvalidArgument);
    FUZZ_CHECK(!tokens.status().message().empty());
    return;
  }
  if (parts.size() < 2) return;
  const std::string method(parts[1]);
  std::optional<std::string_view> header;
  if (parts.size() == 3) header = std::string_view(parts[2].data(), parts[2].size());
  services::Authorizer authorizer(*std::move(tokens), *access);
  auto decision = authorizer.Decide(method, header);
  const v1::Access* rule = access->Find(method);
  if (!decision.ok()) {
    FUZZ_CHECK(decision.status().code() == absl::StatusCode::kUnauthenticated ||
               decision.status().code() == absl::StatusCode::kPermissionDenied);
    FUZZ_CHECK(!decision.status().message().empty());
    return;
  }
  FUZZ_CHECK(rule != nullptr);  // fail closed: a method without a rule is never allowed
  if (!decision->has_value()) {
    FUZZ_CHECK(rule->public_());
    return;
  }
  // An allowed caller holds a token of the file and a role the rule names.
  const std::string role = workflows::RoleName((*decision)->principal.role);
  bool named = rule->any_authenticated();
  for (const std::string& r : rule->roles()) named |= r == role;
  FUZZ_CHECK(named);
  FUZZ_CHECK(header.has_value());
}

}  // namespace taizhang::fuzz
