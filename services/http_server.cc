#include "services/http_server.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/socket_base.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <memory>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace taizhang::services {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

constexpr auto kDeadline = std::chrono::seconds(5);

// One connection: one request, one answer, then closed; the whole exchange
// within kDeadline each way, so a silent or slow client costs nothing.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, const HttpServer::Handler& handler)
      : stream_(std::move(socket)), handler_(handler) {
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
      HttpResponse r = handler_(in);
      response_.result(static_cast<http::status>(r.status));
      response_.set(http::field::content_type, r.content_type);
      response_.set(http::field::cache_control, "no-store");
      for (const auto& [name, value] : r.headers) response_.set(name, value);
      response_.body() = std::move(r.body);
    }
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

  boost::beast::tcp_stream stream_;
  const HttpServer::Handler& handler_;
  boost::beast::flat_buffer buffer_;
  http::request_parser<http::string_body> parser_;
  http::response<http::string_body> response_;
};

struct HttpServer::Impl {
  asio::io_context io;
  tcp::acceptor acceptor{io};
  asio::steady_timer backoff{io};
  Handler handler;
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
      std::make_shared<Session>(std::move(socket), handler)->Start();
      Accept();
    });
  }
};

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(const std::string& listen,
                                                              Handler handler) {
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
  impl.handler = std::move(handler);
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
  impl.Accept();
  impl.thread = std::thread([&impl] { impl.io.run(); });
  return server;
}

HttpServer::~HttpServer() {
  if (impl_ == nullptr) return;
  // Open connections are dropped: they are answered within seconds anyway,
  // and nothing they do changes state.
  impl_->io.stop();
  impl_->thread.join();
}

}  // namespace taizhang::services
