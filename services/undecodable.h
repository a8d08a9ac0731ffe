// Requests that cannot be decoded, answered as what they are: INVALID_ARGUMENT
// naming the RPC and the message it expected, for every RPC of the server.
//
// gRPC's callback API (grpcpp/impl/codegen/server_callback_handlers.h) fails a
// call whose request does not parse (truncated bytes, a proto3 string that is
// not valid UTF-8) with UNIMPLEMENTED and an empty message: the handler's
// reactor is replaced by an "unimplemented" one and the parse status is
// dropped (a synchronous handler answers INTERNAL, also without a message).
// The handler never runs, so nothing is done; only the answer is wrong. This
// server interceptor sees the request arrive undecoded (its
// received message is null) and rewrites that one answer, leaving every typed
// handler as it is. A refusal by the Authorizer's interceptor still wins: an
// unauthenticated caller learns nothing about its bytes.
//
// Thread-safety: the factory is stateless; each call gets its own interceptor.
#ifndef TAIZHANG_SERVICES_UNDECODABLE_H_
#define TAIZHANG_SERVICES_UNDECODABLE_H_

#include <memory>
#include <string>

namespace grpc::experimental {
class ServerInterceptorFactoryInterface;
}

namespace taizhang::services {

// For ServerBuilder::experimental().SetInterceptorCreators.
std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
NewUndecodableRequestInterceptorFactory();

// The message an undecodable request to `method` ("/pkg.Service/Method") gets.
std::string UndecodableMessage(const std::string& method);

}  // namespace taizhang::services

#endif  // TAIZHANG_SERVICES_UNDECODABLE_H_
