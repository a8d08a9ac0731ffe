// Test support: plain HTTP/1.1 exchanges with taizhangd's HTTP side (--http),
// over a fresh loopback connection each, read until the server closes it.
// Raw sockets on purpose: a test sends exactly the bytes it means, bad ones
// included. Header-only; for tests only.
#ifndef TAIZHANG_SERVICES_TESTING_HTTP_CLIENT_H_
#define TAIZHANG_SERVICES_TESTING_HTTP_CLIENT_H_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace taizhang::testing {

struct HttpReply {
  int status = 0;    // 0 when nothing (or no full head) came back
  std::string head;  // status line and headers
  std::string body;
};

// Sends `request` (the whole of it, as given) to `address` ("IP:PORT") and
// reads the answer until the server closes the connection.
inline HttpReply HttpExchange(const std::string& address, const std::string& request) {
  HttpReply reply;
  const size_t colon = address.rfind(':');
  int port = 0;
  if (colon == std::string::npos || !absl::SimpleAtoi(address.substr(colon + 1), &port)) {
    return reply;
  }
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, address.substr(0, colon).c_str(), &to.sin_addr);
  if (connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
    close(fd);
    return reply;
  }
  (void)!write(fd, request.data(), request.size());
  std::string all;
  char buf[65536];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) all.append(buf, static_cast<size_t>(n));
  close(fd);
  const size_t split = all.find("\r\n\r\n");
  if (split == std::string::npos) return reply;
  reply.head = all.substr(0, split);
  reply.body = all.substr(split + 4);
  (void)absl::SimpleAtoi(reply.head.substr(9, 3), &reply.status);
  return reply;
}

// GET `target` ("/export/tasks.csv?as_of=2020-07-01"), with an
// `Authorization: <authorization>` header unless it is empty.
inline HttpReply HttpGet(const std::string& address, const std::string& target,
                         const std::string& authorization = "") {
  std::string request = absl::StrCat("GET ", target, " HTTP/1.1\r\nHost: x\r\n");
  if (!authorization.empty()) absl::StrAppend(&request, "Authorization: ", authorization, "\r\n");
  return HttpExchange(address, request + "\r\n");
}

}  // namespace taizhang::testing

#endif  // TAIZHANG_SERVICES_TESTING_HTTP_CLIENT_H_
