#include "services/http_server.h"

#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace taizhang::services {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

class FakeSource : public PushSource {
 public:
  void Publish(std::string message) {
    absl::MutexLock l(&mu_);
    latest_ = std::make_shared<const std::string>(std::move(message));
    ++sequence_;
  }
  std::pair<uint64_t, std::shared_ptr<const std::string>> Latest() const override {
    absl::MutexLock l(&mu_);
    return {sequence_, latest_};
  }

 private:
  mutable absl::Mutex mu_;
  uint64_t sequence_ = 0;
  std::shared_ptr<const std::string> latest_;
};

// A WebSocket client with blocking reads that give up after 2 s.
class Client {
 public:
  Client(const std::string& address, const std::string& target) : ws_(io_) {
    const size_t colon = address.rfind(':');
    int port = 0;
    EXPECT_TRUE(absl::SimpleAtoi(address.substr(colon + 1), &port));
    ws_.next_layer().connect(
        tcp::endpoint(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)));
    timeval tv{2, 0};
    setsockopt(ws_.next_layer().native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ws_.handshake("127.0.0.1", target, ec_);
  }
  const boost::system::error_code& handshake_error() const { return ec_; }

  // The next message, or "" on timeout or error.
  std::string Read() {
    beast::flat_buffer buffer;
    boost::system::error_code ec;
    ws_.read(buffer, ec);
    if (ec) return "";
    return beast::buffers_to_string(buffer.data());
  }

 private:
  asio::io_context io_;
  websocket::stream<tcp::socket> ws_;
  boost::system::error_code ec_;
};

class HttpServerTest : public ::testing::Test {
 protected:
  void Start(HttpServerOptions options = {}) {
    source_ = std::make_shared<FakeSource>();
    auto started = HttpServer::Start(
        "127.0.0.1:0",
        [this](const HttpRequest& r) {
          HttpResponse out;
          if (r.target == "/later") {
            out.deferred = [this](HttpReply reply) {
              absl::MutexLock l(&mu_);
              replies_.push_back(std::move(reply));
            };
          } else if (r.target == "/ws" && r.websocket) {
            out.push = source_;
          } else if (r.target == "/ws") {
            out.status = 401;
            out.body = "no\n";
          } else {
            out.body = "plain\n";
          }
          return out;
        },
        options);
    ASSERT_TRUE(started.ok()) << started.status();
    server_ = std::move(*started);
  }

  // The status of a WebSocket upgrade request answered plainly (Beast's
  // client handshake does not give the answer it declined).
  int Upgrade(const std::string& target) {
    asio::io_context io;
    tcp::socket socket(io);
    const std::string& a = server_->address();
    int port = 0;
    EXPECT_TRUE(absl::SimpleAtoi(a.substr(a.rfind(':') + 1), &port));
    socket.connect(
        tcp::endpoint(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)));
    http::request<http::empty_body> request(http::verb::get, target, 11);
    request.set(http::field::host, "x");
    request.set(http::field::upgrade, "websocket");
    request.set(http::field::connection, "upgrade");
    request.set(http::field::sec_websocket_key, "dGhlIHNhbXBsZSBub25jZQ==");
    request.set(http::field::sec_websocket_version, "13");
    http::write(socket, request);
    beast::flat_buffer buffer;
    http::response<http::string_body> response;
    boost::system::error_code ec;
    http::read(socket, buffer, response, ec);
    return ec ? -1 : response.result_int();
  }

  // A plain GET: the answer, read to the end (the server closes).
  std::string Plain(const std::string& target) {
    asio::io_context io;
    tcp::socket socket(io);
    const std::string& a = server_->address();
    int port = 0;
    EXPECT_TRUE(absl::SimpleAtoi(a.substr(a.rfind(':') + 1), &port));
    socket.connect(
        tcp::endpoint(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)));
    http::request<http::empty_body> request(http::verb::get, target, 11);
    request.set(http::field::host, "x");
    http::write(socket, request);
    beast::flat_buffer buffer;
    http::response<http::string_body> response;
    http::read(socket, buffer, response);
    // Closed after the answer: the next read ends the stream.
    boost::system::error_code ec;
    char byte;
    socket.read_some(asio::buffer(&byte, 1), ec);
    EXPECT_EQ(ec, asio::error::eof);
    return response.body();
  }

  // The number of deferred answers waiting, once it reaches `n`.
  void AwaitReplies(size_t n) {
    absl::MutexLock l(&mu_);
    auto enough = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return replies_.size() >= n; };
    mu_.Await(absl::Condition(&enough));
  }
  HttpReply TakeReply(size_t i) {
    absl::MutexLock l(&mu_);
    return replies_.at(i);
  }

  std::shared_ptr<FakeSource> source_;
  std::unique_ptr<HttpServer> server_;
  absl::Mutex mu_;
  std::vector<HttpReply> replies_ ABSL_GUARDED_BY(mu_);
};

TEST_F(HttpServerTest, PushesTheLatestOnConnectAndOnEveryChange) {
  Start();
  source_->Publish("one");
  Client client(server_->address(), "/ws");
  ASSERT_FALSE(client.handshake_error()) << client.handshake_error().message();
  EXPECT_EQ(client.Read(), "one");
  EXPECT_EQ(server_->websockets(), 1);
  source_->Publish("two");
  EXPECT_EQ(client.Read(), "two");
  source_->Publish("three");
  EXPECT_EQ(client.Read(), "three");
  // Plain requests are still answered and closed, beside the open WebSocket.
  EXPECT_EQ(Plain("/other"), "plain\n");
}

TEST_F(HttpServerTest, NothingIsSentBeforeTheFirstMessage) {
  Start();
  Client client(server_->address(), "/ws");
  ASSERT_FALSE(client.handshake_error());
  source_->Publish("first");
  EXPECT_EQ(client.Read(), "first");
}

TEST_F(HttpServerTest, ARefusedUpgradeGetsThePlainAnswer) {
  Start();
  Client client(server_->address(), "/nowhere");  // no push: answered plainly
  EXPECT_TRUE(client.handshake_error());
  EXPECT_EQ(Upgrade("/nowhere"), 200);
  EXPECT_EQ(server_->websockets(), 0);
  EXPECT_EQ(Upgrade("/ws"), 101);
}

TEST_F(HttpServerTest, AtMostMaxWebsocketsAtATime) {
  HttpServerOptions options;
  options.max_websockets = 2;
  Start(options);
  source_->Publish("x");
  Client a(server_->address(), "/ws"), b(server_->address(), "/ws");
  ASSERT_FALSE(a.handshake_error());
  ASSERT_FALSE(b.handshake_error());
  EXPECT_EQ(a.Read(), "x");
  EXPECT_EQ(b.Read(), "x");
  Client c(server_->address(), "/ws");
  EXPECT_TRUE(c.handshake_error());
  EXPECT_EQ(Upgrade("/ws"), 503);
  EXPECT_EQ(server_->websockets(), 2);
}

TEST_F(HttpServerTest, ASlowReaderSkipsToTheLatestAndHoldsUpNobody) {
  Start();
  source_->Publish(std::string(1 << 20, 'a'));
  Client stuck(server_->address(), "/ws");  // never reads after its handshake
  Client reader(server_->address(), "/ws");
  ASSERT_FALSE(stuck.handshake_error());
  ASSERT_FALSE(reader.handshake_error());
  EXPECT_EQ(reader.Read().size(), 1u << 20);
  // Many large messages: the stuck peer's socket fills; the reader still gets
  // the latest at once, having skipped those that came faster than it read.
  int received = 0;
  std::string last;
  for (int i = 1; i <= 200; ++i) source_->Publish(std::to_string(i) + std::string(1 << 16, 'b'));
  while (last.rfind("200b", 0) != 0 && received < 200) {
    last = reader.Read();
    ++received;
  }
  EXPECT_EQ(last.substr(0, 4), "200b");
  EXPECT_LT(received, 20);
}

TEST_F(HttpServerTest, ADeferredAnswerLetsTheServerGoOnServingAndPushing) {
  Start();
  source_->Publish("before");
  Client screen(server_->address(), "/ws");
  ASSERT_FALSE(screen.handshake_error());
  EXPECT_EQ(screen.Read(), "before");
  std::string later;
  std::thread waiting([&] { later = Plain("/later"); });
  AwaitReplies(1);
  // While its answer is being made elsewhere: other requests are answered
  // and the screen is pushed.
  EXPECT_EQ(Plain("/other"), "plain\n");
  source_->Publish("during");
  EXPECT_EQ(screen.Read(), "during");
  // Answered from another thread, written by the server's.
  std::thread([reply = TakeReply(0)] {
    HttpResponse r;
    r.status = 200;
    r.body = "made elsewhere\n";
    reply(r);
  }).join();
  waiting.join();
  EXPECT_EQ(later, "made elsewhere\n");
}

TEST_F(HttpServerTest, ADeferredAnswerAfterTheServerStoppedIsDropped) {
  Start();
  asio::io_context io;
  tcp::socket socket(io);
  const std::string& a = server_->address();
  int port = 0;
  ASSERT_TRUE(absl::SimpleAtoi(a.substr(a.rfind(':') + 1), &port));
  socket.connect(
      tcp::endpoint(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)));
  http::request<http::empty_body> request(http::verb::get, "/later", 11);
  request.set(http::field::host, "x");
  http::write(socket, request);
  AwaitReplies(1);
  HttpReply reply = TakeReply(0);
  server_.reset();
  HttpResponse r;
  r.body = "too late\n";
  reply(r);  // nothing to write to: dropped, no crash
  reply(r);  // and again
  beast::flat_buffer buffer;
  http::response<http::string_body> response;
  boost::system::error_code ec;
  http::read(socket, buffer, response, ec);
  EXPECT_TRUE(ec);  // closed without an answer
}

}  // namespace
}  // namespace taizhang::services
