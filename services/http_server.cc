#include "services/http_server.h"

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/socket_base.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"

namespace taizhang::services {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace websocket = boost::beast::websocket;
using tcp = asio::ip::tcp;

constexpr auto kDeadline = std::chrono::seconds(5);
// A WebSocket write the peer has not taken by then drops it.
constexpr auto kWriteDeadline = std::chrono::seconds(10);

class Session;

// Where deferred answers come back to: the io_context while it runs, null
// once the server has stopped. Shared with every Reply handed out, which may
// outlive the server.
struct Gate {
  absl::Mutex mu;
  asio::io_context* io ABSL_GUARDED_BY(mu) = nullptr;
};

// What every connection of one server shares. Outlives the io_context's
// handlers (declared before it in Impl).
struct Shared {
  HttpServer::Handler handler;
  HttpServerOptions options;
  std::atomic<int> websockets{0};
  std::shared_ptr<Gate> gate = std::make_shared<Gate>();
  // Connections waiting for a deferred answer, by number. Only on the
  // server's thread; emptied before the io_context goes.
  std::map<uint64_t, std::shared_ptr<Session>> waiting;
  uint64_t next_waiting = 0;
};

// One WebSocket: pushes its source's latest message; reads only to answer
// pings and to notice the peer leaving.
class WebSocketSession : public std::enable_shared_from_this<WebSocketSession> {
 public:
  WebSocketSession(beast::tcp_stream stream, std::shared_ptr<const PushSource> source,
                   Shared& shared)
      : ws_(std::move(stream)),
        timer_(ws_.get_executor()),
        source_(std::move(source)),
        shared_(shared) {
    ++shared_.websockets;
  }
  ~WebSocketSession() { --shared_.websockets; }

  void Start(http::request<http::string_body> request) {
    request_ = std::move(request);                 // read by the accept until it completes
    beast::get_lowest_layer(ws_).expires_never();  // the WebSocket's own timeouts from here
    websocket::stream_base::timeout timeout;
    timeout.handshake_timeout = kDeadline;
    // A ping after ping_interval without a frame from the peer; dropped after two.
    timeout.idle_timeout = 2 * shared_.options.ping_interval;
    timeout.keep_alive_pings = true;
    ws_.set_option(timeout);
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& r) { r.set(http::field::server, "taizhangd"); }));
    ws_.read_message_max(4096);
    ws_.text(true);
    ws_.async_accept(request_, [self = shared_from_this()](boost::system::error_code ec) {
      if (ec) return;
      self->Read();
      self->Push();
    });
  }

 private:
  void Read() {
    ws_.async_read(in_, [self = shared_from_this()](boost::system::error_code ec, size_t) {
      if (ec) return self->Stop();
      self->in_.consume(self->in_.size());  // the screen says nothing worth hearing
      self->Read();
    });
  }

  // Sends the latest message if it is new and nothing is being written, then
  // looks again after push_check.
  void Push() {
    if (stopped_) return;
    if (writing_) {
      // Counted in push checks, the timer that already runs: no clock read.
      if (++checks_while_writing_ * shared_.options.push_check > kWriteDeadline) return Drop();
    } else {
      auto [sequence, message] = source_->Latest();
      if (message != nullptr && sequence != sent_) {
        sent_ = sequence;
        out_ = std::move(message);
        writing_ = true;
        checks_while_writing_ = 0;
        ws_.async_write(asio::buffer(*out_),
                        [self = shared_from_this()](boost::system::error_code ec, size_t) {
                          self->writing_ = false;
                          if (ec) return self->Drop();
                          self->Push();
                        });
      }
    }
    timer_.expires_after(shared_.options.push_check);
    timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (!ec) self->Push();
    });
  }

  void Stop() {
    stopped_ = true;
    timer_.cancel();
  }

  void Drop() {
    Stop();
    boost::system::error_code ignored;
    beast::get_lowest_layer(ws_).socket().close(ignored);
  }

  websocket::stream<beast::tcp_stream> ws_;
  asio::steady_timer timer_;
  std::shared_ptr<const PushSource> source_;
  Shared& shared_;
  http::request<http::string_body> request_;
  beast::flat_buffer in_;
  std::shared_ptr<const std::string> out_;  // kept alive while written
  uint64_t sent_ = 0;
  bool writing_ = false;
  bool stopped_ = false;
  int checks_while_writing_ = 0;  // push checks since the write in flight began
};

// One connection: one request, one answer, then closed; the whole exchange
// within kDeadline each way, so a silent or slow client costs nothing. A
// WebSocket request the handler accepts becomes a WebSocketSession.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, Shared& shared) : stream_(std::move(socket)), shared_(shared) {
    parser_.body_limit(64 * 1024);
    parser_.header_limit(16 * 1024);
  }

  void Start() {
    stream_.expires_after(kDeadline);
    http::async_read(
        stream_, buffer_, parser_,
        [self = shared_from_this()](boost::system::error_code ec, size_t) { self->OnRead(ec); });
  }

 private:
  void OnRead(boost::system::error_code ec) {
    if (ec == http::error::end_of_stream || ec == boost::beast::error::timeout) return Close();
    response_.version(11);
    response_.keep_alive(false);
    response_.set(http::field::server, "taizhangd");
    if (ec) {
      response_.result(http::status::bad_request);
      response_.set(http::field::content_type, "text/plain; charset=utf-8");
      response_.body() = absl::StrCat("bad request: ", ec.message(), "\n");
    } else {
      const auto& request = parser_.get();
      HttpRequest in;
      in.method = std::string(request.method_string());
      in.target = std::string(request.target());
      if (auto it = request.find(http::field::authorization); it != request.end()) {
        in.authorization = std::string(it->value());
      }
      if (auto it = request.find(http::field::cookie); it != request.end()) {
        in.cookie = std::string(it->value());
      }
      if (auto it = request.find(http::field::host); it != request.end()) {
        in.host = std::string(it->value());
      }
      if (auto it = request.find(http::field::origin); it != request.end()) {
        in.origin = std::string(it->value());
      }
      if (auto it = request.find(http::field::if_none_match); it != request.end()) {
        in.if_none_match = std::string(it->value());
      }
      in.websocket = websocket::is_upgrade(request);
      HttpResponse r = shared_.handler(in);
      if (r.deferred) return Defer(std::move(r.deferred));
      if (in.websocket && r.push != nullptr) {
        if (shared_.websockets.load() < shared_.options.max_websockets) {
          std::make_shared<WebSocketSession>(std::move(stream_), std::move(r.push), shared_)
              ->Start(parser_.release());
          return;
        }
        r = HttpResponse{503, "text/plain; charset=utf-8",
                         absl::StrCat("too many live connections (at most ",
                                      shared_.options.max_websockets, "); try again later\n")};
      }
      return Answer(std::move(r));
    }
    Write();
  }

  // Waits, in Shared::waiting, for the answer `deferred` gives; the server's
  // thread serves others meanwhile.
  void Defer(std::function<void(HttpReply)> deferred) {
    const uint64_t number = ++shared_.next_waiting;
    shared_.waiting[number] = shared_from_this();
    Shared* shared = &shared_;
    std::shared_ptr<Gate> gate = shared_.gate;
    deferred([gate, shared, number](HttpResponse answer) {
      absl::MutexLock l(&gate->mu);
      if (gate->io == nullptr) return;  // stopped: nobody to answer
      // Runs only while the server runs, so `shared` is alive then.
      asio::post(*gate->io, [shared, number, answer = std::move(answer)]() mutable {
        auto it = shared->waiting.find(number);
        if (it == shared->waiting.end()) return;  // answered already
        std::shared_ptr<Session> self = std::move(it->second);
        shared->waiting.erase(it);
        self->Answer(std::move(answer));
      });
    });
  }

  // Writes `r` and closes.
  void Answer(HttpResponse r) {
    response_.result(static_cast<http::status>(r.status));
    response_.set(http::field::content_type, r.content_type);
    response_.set(http::field::cache_control, "no-store");
    for (const auto& [name, value] : r.headers) response_.set(name, value);
    response_.body() = std::move(r.body);
    Write();
  }

  void Write() {
    response_.prepare_payload();
    stream_.expires_after(kDeadline);
    http::async_write(
        stream_, response_,
        [self = shared_from_this()](boost::system::error_code, size_t) { self->Close(); });
  }

  void Close() {
    boost::system::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

  beast::tcp_stream stream_;
  Shared& shared_;
  beast::flat_buffer buffer_;
  http::request_parser<http::string_body> parser_;
  http::response<http::string_body> response_;
};

struct HttpServer::Impl {
  Shared shared;  // before io: the handlers io destroys refer to it
  asio::io_context io;
  tcp::acceptor acceptor{io};
  asio::steady_timer backoff{io};
  std::thread thread;

  void Accept() {
    acceptor.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted) return;  // stopping
      if (ec) {
        // Out of descriptors, say: try again shortly rather than spin.
        backoff.expires_after(std::chrono::milliseconds(100));
        backoff.async_wait([this](boost::system::error_code wait) {
          if (!wait) Accept();
        });
        return;
      }
      std::make_shared<Session>(std::move(socket), shared)->Start();
      Accept();
    });
  }
};

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(const std::string& listen,
                                                              Handler handler,
                                                              HttpServerOptions options) {
  const size_t colon = listen.rfind(':');
  int port = 0;
  if (colon == std::string::npos || !absl::SimpleAtoi(listen.substr(colon + 1), &port) ||
      port < 0 || port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat("--http ", listen, ": expected HOST:PORT"));
  }
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  boost::system::error_code ec;
  const asio::ip::address ip = asio::ip::make_address(host == "localhost" ? "127.0.0.1" : host, ec);
  if (ec) {
    return absl::InvalidArgumentError(
        absl::StrCat("--http ", listen, ": '", host, "' is not an IP address"));
  }
  auto server = std::unique_ptr<HttpServer>(new HttpServer);
  server->impl_ = std::make_unique<Impl>();
  Impl& impl = *server->impl_;
  impl.shared.handler = std::move(handler);
  impl.shared.options = options;
  const tcp::endpoint endpoint(ip, static_cast<unsigned short>(port));
  impl.acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl.acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl.acceptor.bind(endpoint, ec);
  if (!ec) impl.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return absl::UnavailableError(absl::StrCat("--http ", listen, ": ", ec.message()));
  }
  const tcp::endpoint bound = impl.acceptor.local_endpoint();
  server->address_ = bound.address().is_v6()
                         ? absl::StrCat("[", bound.address().to_string(), "]:", bound.port())
                         : absl::StrCat(bound.address().to_string(), ":", bound.port());
  {
    absl::MutexLock l(&impl.shared.gate->mu);
    impl.shared.gate->io = &impl.io;
  }
  impl.Accept();
  impl.thread = std::thread([&impl] { impl.io.run(); });
  return server;
}

HttpServer::~HttpServer() {
  if (impl_ == nullptr) return;
  // Open connections are dropped: they are answered within seconds anyway,
  // WebSockets reconnect, and nothing they do changes state.
  impl_->io.stop();
  impl_->thread.join();
  {
    absl::MutexLock l(&impl_->shared.gate->mu);
    impl_->shared.gate->io = nullptr;  // later deferred answers are dropped
  }
  impl_->shared.waiting.clear();  // their sockets, while the io_context is alive
}

int HttpServer::websockets() const { return impl_->shared.websockets.load(); }

}  // namespace taizhang::services
