// A small HTTP/1.1 side door beside the gRPC API, on Boost.Beast: for load
// balancers (/healthz), Prometheus (/metrics) and people with a browser (the
// dashboard). Requests are few and short: one thread serves them all
// asynchronously, each connection closed after its answer and given 5 s to
// send its request and 5 s to take the answer.
//
// Thread-safety: the handler runs on the server's thread only.
#ifndef TAIZHANG_SERVICES_HTTP_SERVER_H_
#define TAIZHANG_SERVICES_HTTP_SERVER_H_

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace taizhang::services {

struct HttpRequest {
  std::string method;  // "GET", ...
  std::string target;  // path and query, e.g. "/?unit=x"
  std::string authorization;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

class HttpServer {
 public:
  using Handler = std::function<HttpResponse(const HttpRequest&)>;

  // Binds `listen` (HOST:PORT, port 0 picks one) and starts serving.
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(const std::string& listen,
                                                           Handler handler);
  ~HttpServer();  // stops

  // "HOST:PORT" as bound.
  const std::string& address() const { return address_; }

 private:
  struct Impl;
  HttpServer() = default;

  std::unique_ptr<Impl> impl_;
  std::string address_;
};

}  // namespace taizhang::services

#endif  // TAIZHANG_SERVICES_HTTP_SERVER_H_
