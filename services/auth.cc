#include "services/auth.h"

#include <grpcpp/grpcpp.h>
#include <grpcpp/support/server_interceptor.h>
#include <spdlog/spdlog.h>

#include <fstream>
#include <map>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"
#include "services/grpc_status.h"
#include "store/sha256.h"
#include "taizhang/v1/api_config.pb.h"
#include "taizhang/v1/service.pb.h"

namespace taizhang::services {
namespace {

using google::protobuf::TextFormat;

class LineErrors : public google::protobuf::io::ErrorCollector {
 public:
  explicit LineErrors(std::string name) : name_(std::move(name)) {}
  void AddError(int line, google::protobuf::io::ColumnNumber column,
                const std::string& message) override {
    errors_.push_back(absl::StrCat(name_, ":", line + 1, ":", column + 1, ": ", message));
  }
  void AddWarning(int line, google::protobuf::io::ColumnNumber column,
                  const std::string& message) override {
    AddError(line, column, message);
  }
  std::vector<std::string>& errors() { return errors_; }

 private:
  std::string name_;
  std::vector<std::string> errors_;
};

bool IsLowerHex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::string FromHex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    auto nibble = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
    out.push_back(static_cast<char>(nibble(hex[i]) << 4 | nibble(hex[i + 1])));
  }
  return out;
}

bool HasControl(std::string_view s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

constexpr size_t kMinTokenBytes = 16;

// The bearer token of an authorization value, or "" when it is not one.
std::string_view BearerToken(std::string_view value) {
  constexpr std::string_view kScheme = "bearer ";
  if (value.size() <= kScheme.size() ||
      !absl::EqualsIgnoreCase(absl::string_view(value.data(), kScheme.size()),
                              absl::string_view(kScheme.data(), kScheme.size()))) {
    return {};
  }
  value.remove_prefix(kScheme.size());
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  return value;
}

}  // namespace

const std::vector<std::string>& TokenRoleNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (workflows::Role r :
         {workflows::Role::kDepartment, workflows::Role::kEnterprise, workflows::Role::kSupervision,
          workflows::Role::kLeader, workflows::Role::kAuditor, workflows::Role::kAdmin,
          workflows::Role::kScreen}) {
      out.push_back(workflows::RoleName(r));
    }
    return out;
  }();
  return names;
}

// ---------------------------------------------------------------------------
// TokenTable

absl::StatusOr<TokenTable> TokenTable::Parse(const std::string& name, const std::string& text) {
  v1::TokensFile file;
  LineErrors errors(name);
  TextFormat::ParseInfoTree tree;
  TextFormat::Parser parser;
  parser.RecordErrorsTo(&errors);
  parser.WriteLocationsTo(&tree);
  if (!parser.ParseFromString(text, &file) || !errors.errors().empty()) {
    if (errors.errors().empty()) errors.errors().push_back(name + ": cannot parse");
    return absl::InvalidArgumentError(absl::StrJoin(errors.errors(), "; "));
  }
  const auto* token_field = v1::TokensFile::descriptor()->FindFieldByName("token");
  std::map<std::string, int> first_line;  // digest -> line of its first entry
  TokenTable table;
  std::vector<std::string> problems;
  for (int i = 0; i < file.token_size(); ++i) {
    const v1::TokenEntry& e = file.token(i);
    const int line = tree.GetLocation(token_field, i).line + 1;
    auto bad = [&](const std::string& why) {
      problems.push_back(absl::StrCat(name, ":", line, ": ", why));
    };
    std::string digest;
    if (!e.token().empty() && !e.token_sha256().empty()) {
      bad("set token or token_sha256, not both");
      continue;
    } else if (!e.token().empty()) {
      if (e.token().size() < kMinTokenBytes) {
        bad(absl::StrCat("token: at least ", kMinTokenBytes,
                         " characters (use a random one, e.g. "
                         "`openssl rand -hex 24`)"));
        continue;
      }
      if (e.token().find_first_of(" \t\r\n") != std::string::npos) {
        bad("token: must not contain white space");
        continue;
      }
      digest = store::Sha256(e.token());
    } else if (!e.token_sha256().empty()) {
      if (e.token_sha256().size() != 64 || !IsLowerHex(e.token_sha256())) {
        bad("token_sha256: expected 64 lower-case hex digits");
        continue;
      }
      digest = FromHex(e.token_sha256());
    } else {
      bad("token or token_sha256: required");
      continue;
    }
    const auto& roles = TokenRoleNames();
    if (std::find(roles.begin(), roles.end(), e.role()) == roles.end()) {
      bad(absl::StrCat("role '", e.role(), "': expected one of ", absl::StrJoin(roles, ", ")));
      continue;
    }
    if (e.unit().empty()) {
      bad("unit: required (the department, enterprise or office the token acts for)");
      continue;
    }
    if (e.unit().find(':') != std::string::npos) {
      bad("unit: must not contain ':'");
      continue;
    }
    // The actor is half of every request's idempotency key (store/format.h):
    // it holds no control character, NUL above all.
    if (HasControl(e.unit()) || HasControl(e.person())) {
      bad("unit, person: must not contain control characters (NUL, newline, ...)");
      continue;
    }
    std::string actor = absl::StrCat(e.role(), ":", e.unit());
    if (!e.person().empty()) absl::StrAppend(&actor, ":", e.person());
    auto principal = workflows::ParseActor(actor);
    if (!principal.ok()) {
      bad(std::string(principal.status().message()));
      continue;
    }
    auto [it, inserted] = first_line.emplace(digest, line);
    if (!inserted) {
      bad(absl::StrCat("the same token as line ", it->second));
      continue;
    }
    table.by_digest_.emplace(digest, *std::move(principal));
  }
  if (!problems.empty()) return absl::InvalidArgumentError(absl::StrJoin(problems, "; "));
  return table;
}

absl::StatusOr<TokenTable> TokenTable::LoadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open the tokens file"));
  std::stringstream buffer;
  buffer << in.rdbuf();
  return Parse(path, buffer.str());
}

const workflows::Principal* TokenTable::Find(std::string_view token) const {
  auto it = by_digest_.find(store::Sha256(token));
  return it == by_digest_.end() ? nullptr : &it->second;
}

// ---------------------------------------------------------------------------
// AccessTable

absl::StatusOr<AccessTable> AccessTable::FromProtoFile(const std::string& proto_file) {
  const google::protobuf::FileDescriptor* file =
      google::protobuf::DescriptorPool::generated_pool()->FindFileByName(proto_file);
  if (file == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(proto_file, ": not linked into this binary"));
  }
  AccessTable table;
  std::vector<std::string> problems;
  const auto& roles = TokenRoleNames();
  for (int s = 0; s < file->service_count(); ++s) {
    const google::protobuf::ServiceDescriptor* service = file->service(s);
    for (int m = 0; m < service->method_count(); ++m) {
      const google::protobuf::MethodDescriptor* method = service->method(m);
      std::string path = absl::StrCat("/", service->full_name(), "/", method->name());
      if (!method->options().HasExtension(v1::access)) {
        problems.push_back(
            absl::StrCat(path, ": no (access) option in ", proto_file, "; say who may call it"));
        continue;
      }
      v1::Access access = method->options().GetExtension(v1::access);
      if (access.roles().empty() && !access.any_authenticated() && !access.public_()) {
        problems.push_back(absl::StrCat(path, ": (access) names nobody"));
        continue;
      }
      for (const std::string& r : access.roles()) {
        if (std::find(roles.begin(), roles.end(), r) == roles.end()) {
          problems.push_back(absl::StrCat(path, ": (access) names unknown role '", r, "'"));
        }
      }
      table.rules_[path] = std::move(access);
    }
  }
  if (!problems.empty()) return absl::FailedPreconditionError(absl::StrJoin(problems, "; "));
  return table;
}

absl::StatusOr<AccessTable> AccessTable::ForApi() {
  // service.pb.o holds only the services' descriptors; nothing else refers to
  // it, so this reference keeps it (and the file in the pool) in the link.
  const void* volatile keep = &descriptor_table_taizhang_2fv1_2fservice_2eproto;
  (void)keep;
  auto table = FromProtoFile("taizhang/v1/service.proto");
  if (!table.ok()) return table.status();
  v1::Access open;
  open.set_public_(true);
  for (const char* method : {"/grpc.health.v1.Health/Check", "/grpc.health.v1.Health/Watch",
                             "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
                             "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo"}) {
    table->Set(method, open);
  }
  return table;
}

void AccessTable::Set(const std::string& method, v1::Access access) {
  rules_[method] = std::move(access);
}

const v1::Access* AccessTable::Find(std::string_view method) const {
  auto it = rules_.find(std::string(method));
  return it == rules_.end() ? nullptr : &it->second;
}

// ---------------------------------------------------------------------------
// Authorizer

namespace {

class AuthInterceptor final : public grpc::experimental::Interceptor {
 public:
  AuthInterceptor(grpc::experimental::ServerRpcInfo* info, Authorizer* auth)
      : info_(info), auth_(auth), decision_(std::nullopt) {}

  ~AuthInterceptor() override {
    if (attached_) auth_->Detach(info_->server_context());
  }

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    using grpc::experimental::InterceptionHookPoints;
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      std::optional<std::string_view> authorization;
      auto* md = methods->GetRecvInitialMetadata();
      auto it = md->find("authorization");
      if (it != md->end()) authorization = std::string_view(it->second.data(), it->second.size());
      decision_ = auth_->Decide(info_->method(), authorization);
      if (!decision_.ok()) {
        spdlog::warn("refused {} from {}: {}", info_->method(), info_->server_context()->peer(),
                     decision_.status().ToString());
      }
      auth_->Attach(info_->server_context(), decision_);
      attached_ = true;
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_MESSAGE) &&
        attached_ && !decision_.ok()) {
      // A handler that did not ask CallerOf must not leak data with the
      // refusal: what it sends goes out as an empty message.
      if (grpc::ByteBuffer* buffer = methods->GetSerializedSendMessage()) {
        grpc::Slice empty;
        *buffer = grpc::ByteBuffer(&empty, 1);
      }
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      if (attached_ && !decision_.ok()) {
        grpc::Status sent = methods->GetSendStatus();
        if (sent.error_code() != static_cast<grpc::StatusCode>(decision_.status().code())) {
          // The handler did not ask CallerOf: the refusal stands regardless.
          spdlog::error("{} answered {} to a refused call; sending the refusal instead",
                        info_->method(), static_cast<int>(sent.error_code()));
          methods->ModifySendStatus(ToGrpcStatus(decision_.status()));
        }
      } else if (attached_) {
        grpc::Status sent = methods->GetSendStatus();
        const std::string who = decision_->has_value() ? (*decision_)->actor : "(public)";
        if (sent.ok()) {
          spdlog::debug("{} by {}: OK", info_->method(), who);
        } else {
          spdlog::info("{} by {}: {}: {}", info_->method(), who,
                       absl::StatusCodeToString(static_cast<absl::StatusCode>(sent.error_code())),
                       sent.error_message());
        }
      }
    }
    methods->Proceed();
  }

 private:
  grpc::experimental::ServerRpcInfo* info_;
  Authorizer* auth_;
  absl::StatusOr<std::optional<Caller>> decision_;
  bool attached_ = false;
};

class AuthInterceptorFactory final : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit AuthInterceptorFactory(Authorizer* auth) : auth_(auth) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new AuthInterceptor(info, auth_);
  }

 private:
  Authorizer* auth_;
};

}  // namespace

Authorizer::Authorizer(TokenTable tokens, AccessTable access)
    : tokens_(std::move(tokens)), access_(std::move(access)) {}

Authorizer::~Authorizer() = default;

absl::StatusOr<std::optional<Caller>> Authorizer::Decide(
    std::string_view method, std::optional<std::string_view> authorization) const {
  const v1::Access* rule = access_.Find(method);
  if (rule == nullptr) {
    return absl::PermissionDeniedError(
        absl::StrCat(std::string(method), " has no access rule; nobody may call it"));
  }
  if (rule->public_()) return std::optional<Caller>();
  if (!authorization.has_value()) {
    return absl::UnauthenticatedError(
        "no credentials: send the metadata 'authorization: Bearer <token>'");
  }
  std::string_view token = BearerToken(*authorization);
  if (token.empty()) {
    return absl::UnauthenticatedError("the authorization metadata is not 'Bearer <token>'");
  }
  const workflows::Principal* principal = tokens_.Find(token);
  if (principal == nullptr) {
    return absl::UnauthenticatedError("unknown token: ask the administrator for a valid one");
  }
  Caller caller{*principal, principal->ToActor()};
  if (principal->role == workflows::Role::kScreen) {
    // A wall screen's token reads the screen page and its feed (services/screen.h), nothing
    // else: a token on a public screen may be read off it.
    return absl::PermissionDeniedError(
        absl::StrCat(std::string(method),
                     ": a screen token reads only the screen (/screen); you are ", caller.actor));
  }
  if (rule->any_authenticated()) return std::optional<Caller>(std::move(caller));
  const std::string role = workflows::RoleName(principal->role);
  for (const std::string& r : rule->roles()) {
    if (r == role) return std::optional<Caller>(std::move(caller));
  }
  return absl::PermissionDeniedError(absl::StrCat(std::string(method), " needs role ",
                                                  absl::StrJoin(rule->roles(), " or "),
                                                  "; you are ", caller.actor));
}

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
Authorizer::NewInterceptorFactory() {
  return std::make_unique<AuthInterceptorFactory>(this);
}

void Authorizer::Attach(const grpc::ServerContextBase* ctx,
                        absl::StatusOr<std::optional<Caller>> decision) {
  absl::MutexLock l(&mu_);
  calls_.insert_or_assign(ctx, std::move(decision));
}

void Authorizer::Detach(const grpc::ServerContextBase* ctx) {
  absl::MutexLock l(&mu_);
  calls_.erase(ctx);
}

absl::StatusOr<Caller> Authorizer::CallerOf(const grpc::ServerContextBase* ctx) const {
  absl::MutexLock l(&mu_);
  auto it = calls_.find(ctx);
  if (it == calls_.end()) {
    return absl::InternalError("no authorization decision for this call; refusing it");
  }
  if (!it->second.ok()) return it->second.status();
  if (!it->second->has_value()) {
    return absl::PermissionDeniedError("a public method has no caller");
  }
  return **it->second;
}

}  // namespace taizhang::services
