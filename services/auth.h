// Authentication and authorization of every RPC taizhangd serves.
//
// A caller presents "authorization: Bearer <token>" metadata. The TokenTable,
// loaded at start from a text-format TokensFile (api_config.proto), maps the
// token to a principal ("role:unit[:person]", workflows/principal.h). The
// AccessTable says, per full method name ("/taizhang.v1.Admin/Backup"), which
// roles may call it; it is built from the (access) option every RPC of
// taizhang/v1/service.proto carries, and an RPC without one refuses the start.
//
// Enforcement happens in one place, the Authorizer's server interceptor, for
// every call on the server (domain services included):
//   - before the handler runs, the decision is made: UNAUTHENTICATED for a
//     missing or unknown token, PERMISSION_DENIED naming the roles needed,
//     PERMISSION_DENIED for a method with no rule (deny by default);
//   - the handler asks CallerOf(ctx) first and returns the refusal as is;
//   - as a safety net, a refused call's messages are emptied and its status is
//     forced to the refusal, so a handler that forgot to ask leaks nothing to
//     the client (its side effects, though, are its own: always ask).
// Data-level scoping (a department sees only its own unit's alerts, decides only
// its own items) is the handler's or the domain's, using the Caller.
//
// Thread-safety: TokenTable and AccessTable are immutable once built. The
// Authorizer is safe to use from any thread.
#ifndef TAIZHANG_SERVICES_AUTH_H_
#define TAIZHANG_SERVICES_AUTH_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "taizhang/v1/api_access.pb.h"
#include "workflows/principal.h"

namespace grpc {
class ServerContextBase;
namespace experimental {
class ServerInterceptorFactoryInterface;
}
}  // namespace grpc

namespace taizhang::services {

// Who is calling, as established from the token.
struct Caller {
  workflows::Principal principal;
  std::string actor;  // principal.ToActor(), the value events record
};

class TokenTable {
 public:
  TokenTable() = default;

  // Parses a TokensFile in text format. Every error names `name`, the line and
  // what is wrong (syntax, unknown role, empty unit, duplicate token, ...);
  // INVALID_ARGUMENT then, NOT_FOUND when the file cannot be read.
  static absl::StatusOr<TokenTable> Parse(const std::string& name, const std::string& text);
  static absl::StatusOr<TokenTable> LoadFile(const std::string& path);

  // The principal of `token`, or nullptr. Tokens are kept as SHA-256 digests.
  const workflows::Principal* Find(std::string_view token) const;
  size_t size() const { return by_digest_.size(); }

 private:
  absl::flat_hash_map<std::string, workflows::Principal> by_digest_;  // raw SHA-256 -> principal
};

class AccessTable {
 public:
  AccessTable() = default;

  // The rules of every method of every service declared in the proto file
  // `proto_file` (as in the generated pool, e.g. "taizhang/v1/service.proto").
  // FAILED_PRECONDITION listing every method without an (access) option, or
  // with an unknown role in it.
  static absl::StatusOr<AccessTable> FromProtoFile(const std::string& proto_file);

  // The rules of the public API: taizhang/v1/service.proto, plus gRPC's health
  // and reflection services as public.
  static absl::StatusOr<AccessTable> ForApi();

  // Adds a rule for a method outside taizhang.v1 (gRPC's health and
  // reflection services are public).
  void Set(const std::string& method, v1::Access access);

  // The rule of "/package.Service/Method", or nullptr when it has none.
  const v1::Access* Find(std::string_view method) const;

 private:
  absl::flat_hash_map<std::string, v1::Access> rules_;
};

class Authorizer {
 public:
  Authorizer(TokenTable tokens, AccessTable access);
  ~Authorizer();

  // The decision for a call of `method` whose authorization metadata is
  // `authorization` (nullopt when absent). A public method gives nullopt; an
  // allowed call gives its Caller; a refusal is UNAUTHENTICATED or
  // PERMISSION_DENIED with a message a person can act on.
  absl::StatusOr<std::optional<Caller>> Decide(std::string_view method,
                                               std::optional<std::string_view> authorization) const;

  // For ServerBuilder::experimental().SetInterceptorCreators. Not owned by the
  // factory: the Authorizer must outlive the server.
  std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> NewInterceptorFactory();

  // In a handler, first thing: the caller of this call, or the refusal to
  // return. INTERNAL when no decision was made for the call (the interceptor is
  // not installed): fail closed. Public methods have no Caller: PERMISSION_DENIED.
  absl::StatusOr<Caller> CallerOf(const grpc::ServerContextBase* ctx) const;

  const TokenTable& tokens() const { return tokens_; }
  const AccessTable& access() const { return access_; }

  // Used by the interceptor.
  void Attach(const grpc::ServerContextBase* ctx, absl::StatusOr<std::optional<Caller>> decision);
  void Detach(const grpc::ServerContextBase* ctx);

 private:
  const TokenTable tokens_;
  const AccessTable access_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<const grpc::ServerContextBase*, absl::StatusOr<std::optional<Caller>>> calls_
      ABSL_GUARDED_BY(mu_);
};

// Role names a token may carry (workflows::RoleName of every role but system).
const std::vector<std::string>& TokenRoleNames();

}  // namespace taizhang::services

#endif  // TAIZHANG_SERVICES_AUTH_H_
