#include "services/undecodable.h"

#include <grpcpp/grpcpp.h>
#include <grpcpp/support/server_interceptor.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "google/protobuf/descriptor.h"

namespace taizhang::services {
namespace {

using grpc::experimental::InterceptionHookPoints;

class UndecodableInterceptor final : public grpc::experimental::Interceptor {
 public:
  explicit UndecodableInterceptor(grpc::experimental::ServerRpcInfo* info) : info_(info) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_MESSAGE) &&
        methods->GetRecvMessage() == nullptr) {
      undecodable_ = true;
    }
    if (undecodable_ &&
        methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      grpc::Status sent = methods->GetSendStatus();
      // gRPC's own answer to the failed parse (callback handlers say
      // UNIMPLEMENTED, synchronous ones INTERNAL, both without a message),
      // and nothing else: a refusal already put in its place stays.
      const grpc::StatusCode code = sent.error_code();
      if ((code == grpc::StatusCode::UNIMPLEMENTED || code == grpc::StatusCode::INTERNAL) &&
          sent.error_message().empty()) {
        methods->ModifySendStatus(
            grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, UndecodableMessage(info_->method())));
      }
    }
    methods->Proceed();
  }

 private:
  grpc::experimental::ServerRpcInfo* info_;
  bool undecodable_ = false;
};

class UndecodableInterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new UndecodableInterceptor(info);
  }
};

}  // namespace

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
NewUndecodableRequestInterceptorFactory() {
  return std::make_unique<UndecodableInterceptorFactory>();
}

std::string UndecodableMessage(const std::string& method) {
  // "/taizhang.v1.Tasks/CreateTask" -> "taizhang.v1.Tasks.CreateTask"
  std::string name = method;
  if (!name.empty() && name[0] == '/') name.erase(0, 1);
  absl::StrReplaceAll({{"/", "."}}, &name);
  const google::protobuf::MethodDescriptor* m =
      google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(name);
  const std::string expected =
      m != nullptr ? absl::StrCat("a ", m->input_type()->full_name()) : "its request message";
  return absl::StrCat(method, ": the request could not be decoded as ", expected,
                      ": its bytes are truncated or malformed, or a string field is not valid "
                      "UTF-8 (text must be sent as UTF-8; raw bytes belong in bytes fields). "
                      "Nothing was done; send a well-formed request.");
}

}  // namespace taizhang::services
