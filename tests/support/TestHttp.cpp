#include "support/TestHttp.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <fstream>
#include <sstream>

#include "http/Client.h"

namespace npufleet::testing {

int openStream(const std::string& host, uint16_t port, const std::string& target,
               const std::map<std::string, std::string>& headers, const std::string& method,
               const std::string& body) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  if (::inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1 ||
      ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  std::string req = method + " " + target + " HTTP/1.1\r\n";
  if (!headers.contains("Host")) req += "Host: " + host + "\r\n";
  for (const auto& [k, v] : headers) req += k + ": " + v + "\r\n";
  if (!body.empty()) req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  req += "\r\n" + body;
  if (::write(fd, req.data(), req.size()) != static_cast<ssize_t>(req.size())) {
    ::close(fd);
    return -1;
  }
  return fd;
}

StreamRead readUntil(int fd, const std::string& needle, std::chrono::milliseconds wait) {
  StreamRead r;
  const auto deadline = std::chrono::steady_clock::now() + wait;
  while (needle.empty() || r.bytes.find(needle) == std::string::npos) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    char buf[4096];
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) {
      r.closed = true;
      break;
    }
    r.bytes.append(buf, static_cast<size_t>(n));
  }
  return r;
}

boost::json::value HttpReply::json() const {
  boost::system::error_code ec;
  auto v = boost::json::parse(body, ec);
  return ec ? boost::json::value() : v;
}

HttpReply request(const std::string& host, uint16_t port, const std::string& method,
                  const std::string& target, const std::string& body,
                  const std::map<std::string, std::string>& headers, std::chrono::milliseconds timeout) {
  http::ClientRequest r;
  r.method = method;
  r.host = host;
  r.port = port;
  r.target = target;
  r.body = body;
  if (!body.empty()) r.headers.set("Content-Type", "application/json");
  for (const auto& [k, v] : headers) r.headers.set(k, v);
  r.total_timeout = timeout;
  auto result = http::sendBlocking(std::move(r));
  HttpReply reply;
  if (!result.ok()) {
    reply.failure = result.message.empty() ? "failed" : result.message;
    return reply;
  }
  reply.status = result.response.status;
  reply.headers = std::move(result.response.headers);
  reply.body = std::move(result.response.body);
  return reply;
}

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace npufleet::testing
