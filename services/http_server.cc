#include "services/http_server.h"

#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/socket_base.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace taizhang::services {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

struct HttpServer::Impl {
  asio::io_context io;
  tcp::acceptor acceptor{io};
  Handler handler;
  std::thread thread;

  void Accept() {
    acceptor.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
      if (ec) {
        if (ec == asio::error::operation_aborted) return;  // stopping
      } else {
        Serve(std::move(socket));
      }
      Accept();
    });
  }

  // One request, one answer, then the connection closes.
  void Serve(tcp::socket socket) {
    timeval timeout{.tv_sec = 5, .tv_usec = 0};
    setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    setsockopt(socket.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    boost::beast::flat_buffer buffer;
    http::request_parser<http::string_body> parser;
    parser.body_limit(64 * 1024);
    parser.header_limit(16 * 1024);
    boost::system::error_code ec;
    http::read(socket, buffer, parser, ec);
    http::response<http::string_body> out;
    out.version(11);
    out.keep_alive(false);
    out.set(http::field::server, "taizhangd");
    if (ec) {
      if (ec == http::error::end_of_stream) return;
      out.result(http::status::bad_request);
      out.set(http::field::content_type, "text/plain; charset=utf-8");
      out.body() = absl::StrCat("bad request: ", ec.message(), "\n");
    } else {
      const auto& request = parser.get();
      HttpRequest in;
      in.method = std::string(request.method_string());
      in.target = std::string(request.target());
      if (auto it = request.find(http::field::authorization); it != request.end()) {
        in.authorization = std::string(it->value());
      }
      HttpResponse r = handler(in);
      out.result(static_cast<http::status>(r.status));
      out.set(http::field::content_type, r.content_type);
      out.set(http::field::cache_control, "no-store");
      for (const auto& [name, value] : r.headers) out.set(name, value);
      out.body() = std::move(r.body);
    }
    out.prepare_payload();
    http::write(socket, out, ec);
    socket.shutdown(tcp::socket::shutdown_both, ec);
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
  asio::post(impl_->io, [impl = impl_.get()] {
    boost::system::error_code ec;
    impl->acceptor.close(ec);
  });
  impl_->thread.join();  // run() returns once nothing is pending
}

}  // namespace taizhang::services
