// A small HTTP/1.1 side door beside the gRPC API, on Boost.Beast: for load
// balancers (/healthz), Prometheus (/metrics) and people with a browser (the
// office pages and the big screen). Requests are few and short: one thread
// serves them all asynchronously, each plain connection closed after its
// answer and given 5 s to send its request and 5 s to take the answer.
//
// WebSocket (the screen's live feed): a GET with "Upgrade: websocket" reaches
// the handler with `websocket` set; an answer carrying a PushSource accepts it
// (anything else is sent as a plain answer, e.g. 401). The connection then
// stays open on the same thread and is sent the source's latest message on
// connect and whenever its sequence moves (looked at every push_check; at
// most one write in flight, so a slow reader skips to the latest message and
// never holds up the others; a write not taken within 10 s drops it). Pings
// every ping_interval; a peer that answers nothing for two of them is
// dropped. At most max_websockets at a time: more are answered 503.
//
// Answers made elsewhere (an export built on a worker pool): an answer
// carrying `deferred` is not written at once. The server calls `deferred`
// on its thread with a Reply that any thread may call, once, with the real
// answer; that answer is then written on the server's thread, which has gone
// on serving other connections and pushing WebSockets meanwhile. A Reply
// called after the server has stopped is dropped; one never called leaves
// its connection open until the server stops.
//
// Thread-safety: the handler and `deferred` run on the server's thread only;
// a PushSource is read from that thread while others update it; a Reply may
// be called from any thread.
#ifndef TAIZHANG_SERVICES_HTTP_SERVER_H_
#define TAIZHANG_SERVICES_HTTP_SERVER_H_

#include <chrono>
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
  std::string cookie;         // the Cookie header as sent
  std::string host;           // the Host header
  std::string origin;         // the Origin header (browsers send it with a WebSocket)
  std::string if_none_match;  // the If-None-Match header (a cached copy's ETags)
  bool websocket = false;     // a WebSocket upgrade request
};

// What a WebSocket is sent: a series of whole messages of which only the
// latest matters (each a full snapshot).
class PushSource {
 public:
  virtual ~PushSource() = default;
  // The latest message and its sequence number (0 and null: none yet).
  // Called from the server's thread while other threads publish.
  virtual std::pair<uint64_t, std::shared_ptr<const std::string>> Latest() const = 0;
};

struct HttpResponse;

// Delivers a deferred answer (see above); callable once, from any thread.
using HttpReply = std::function<void(HttpResponse)>;

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // On the answer to a WebSocket request: accept it and push this source.
  std::shared_ptr<const PushSource> push;
  // When set, the answer comes later: called with the Reply that gives it
  // (the fields above are then ignored).
  std::function<void(HttpReply reply)> deferred;
};

struct HttpServerOptions {
  int max_websockets = 64;
  std::chrono::milliseconds push_check{50};
  std::chrono::milliseconds ping_interval{15000};
};

class HttpServer {
 public:
  using Handler = std::function<HttpResponse(const HttpRequest&)>;

  // Binds `listen` (HOST:PORT, port 0 picks one) and starts serving.
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(const std::string& listen,
                                                           Handler handler,
                                                           HttpServerOptions options = {});
  ~HttpServer();  // stops

  // "HOST:PORT" as bound.
  const std::string& address() const { return address_; }

  // WebSockets open now.
  int websockets() const;

 private:
  struct Impl;
  HttpServer() = default;

  std::unique_ptr<Impl> impl_;
  std::string address_;
};

}  // namespace taizhang::services

#endif  // TAIZHANG_SERVICES_HTTP_SERVER_H_
