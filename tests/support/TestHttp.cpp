#include "support/TestHttp.h"

#include <boost/json/parse.hpp>
#include <fstream>
#include <sstream>

#include "http/Client.h"

namespace npufleet::testing {

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
