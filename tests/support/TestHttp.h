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

// The whole file, or an empty string when it cannot be read.
std::string readFile(const std::string& path);

}  // namespace npufleet::testing
