// Small blocking HTTP helpers for integration tests: one call, a parsed reply, file reading.
#pragma once

#include <boost/json/value.hpp>
#include <chrono>
#include <map>
#include <string>

#include "http/Message.h"

namespace npufleet::testing {

struct HttpReply {
  int status = 0;
  http::Headers headers;
  std::string body;
  std::string failure;  // empty when an HTTP answer came back
  // The body as JSON; a null value when it is not JSON.
  boost::json::value json() const;
};

HttpReply request(const std::string& host, uint16_t port, const std::string& method,
                  const std::string& target, const std::string& body = {},
                  const std::map<std::string, std::string>& headers = {},
                  std::chrono::milliseconds timeout = std::chrono::seconds(30));

// A raw connection for streamed answers (GET /api/events): the request is written, the answer
// is read with readUntil. Returns the socket, or -1 when it cannot connect. Close it with ::close.
// With a `body`, the request is that method's with the body (a Host in `headers` replaces the
// default one).
int openStream(const std::string& host, uint16_t port, const std::string& target,
               const std::map<std::string, std::string>& headers = {},
               const std::string& method = "GET", const std::string& body = {});

struct StreamRead {
  std::string bytes;
  bool closed = false;  // the peer closed the connection
};
// Reads from `fd` until `needle` has arrived (an empty needle: until closed), the peer closes,
// or `wait` passes.
StreamRead readUntil(int fd, const std::string& needle, std::chrono::milliseconds wait);

// The whole file, or an empty string when it cannot be read.
std::string readFile(const std::string& path);

}  // namespace npufleet::testing
