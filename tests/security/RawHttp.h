// Raw TCP conversations for the security tests: the bytes go out exactly as written (malformed
// framing included), and everything the server sends back until it closes the connection or a
// deadline passes is split into responses by their Content-Length. An optional source address
// (any 127.0.0.0/8 address on loopback) lets a test speak from a second client address.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace npufleet::testing {

struct RawResponse {
  int status = 0;
  std::string head;  // status line and headers
  std::string body;
};

struct RawExchange {
  std::string error;    // set when the connection could not be made
  std::string raw;      // every byte received
  bool closed = false;  // the server closed (FIN or reset) before the deadline
  std::vector<RawResponse> responses;
  std::string trailing;  // bytes after the last complete response (should be empty)

  std::string describe() const { return error.empty() ? raw : error; }
};

namespace raw_detail {

inline size_t contentLength(const std::string& head) {
  std::string lower;
  lower.reserve(head.size());
  for (char c : head)
    lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  auto p = lower.find("\r\ncontent-length:");
  if (p == std::string::npos) return 0;
  p += 17;
  while (p < lower.size() && lower[p] == ' ') ++p;
  size_t n = 0;
  while (p < lower.size() && std::isdigit(static_cast<unsigned char>(lower[p]))) {
    n = n * 10 + static_cast<size_t>(lower[p] - '0');
    ++p;
  }
  return n;
}

inline void split(RawExchange& ex) {
  size_t pos = 0;
  for (;;) {
    const auto end = ex.raw.find("\r\n\r\n", pos);
    if (end == std::string::npos || ex.raw.compare(pos, 5, "HTTP/") != 0) break;
    RawResponse r;
    r.head = ex.raw.substr(pos, end + 2 - pos);
    const size_t sp = r.head.find(' ');
    if (sp != std::string::npos) r.status = std::atoi(r.head.c_str() + sp + 1);
    const size_t n = contentLength(r.head);
    if (end + 4 + n > ex.raw.size()) break;
    r.body = ex.raw.substr(end + 4, n);
    ex.responses.push_back(std::move(r));
    pos = end + 4 + n;
  }
  ex.trailing = ex.raw.substr(pos);
}

}  // namespace raw_detail

// Sends `parts` one after the other on a fresh connection, `pause` apart (a header that arrives
// in several reads), and collects the answer until the server closes the connection or `wait`
// has passed.
inline RawExchange rawExchangeInParts(const std::string& host, uint16_t port,
                                      const std::vector<std::string>& parts,
                                      std::chrono::milliseconds pause,
                                      std::chrono::milliseconds wait = std::chrono::seconds(5),
                                      const std::string& source_address = {}) {
  RawExchange ex;
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    ex.error = std::string("socket: ") + std::strerror(errno);
    return ex;
  }
  if (!source_address.empty()) {
    sockaddr_in local{};
    local.sin_family = AF_INET;
    ::inet_pton(AF_INET, source_address.c_str(), &local.sin_addr);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) {
      ex.error = "bind " + source_address + ": " + std::strerror(errno);
      ::close(fd);
      return ex;
    }
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  ::inet_pton(AF_INET, host.c_str(), &addr.sin_addr);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ex.error = "connect: " + std::string(std::strerror(errno));
    ::close(fd);
    return ex;
  }
  // The server may close before reading everything (431 on an oversized header): a failed send
  // is not an error of the test, what came back is what counts.
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) ::usleep(static_cast<useconds_t>(pause.count() * 1000));
    const std::string& bytes = parts[i];
    size_t sent = 0;
    while (sent < bytes.size()) {
      const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) break;
      sent += static_cast<size_t>(n);
    }
  }
  const auto deadline = std::chrono::steady_clock::now() + wait;
  char buf[16384];
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{fd, POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(left.count()));
    if (ready <= 0) break;
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n == 0 || (n < 0 && errno == ECONNRESET)) {
      ex.closed = true;
      break;
    }
    if (n < 0) break;
    ex.raw.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  raw_detail::split(ex);
  return ex;
}

// Sends `bytes` at once on a fresh connection and collects the answer as above.
inline RawExchange rawExchange(const std::string& host, uint16_t port, const std::string& bytes,
                               std::chrono::milliseconds wait = std::chrono::seconds(5),
                               const std::string& source_address = {}) {
  return rawExchangeInParts(host, port, {bytes}, std::chrono::milliseconds(0), wait,
                            source_address);
}

}  // namespace npufleet::testing
