// Plain HTTP request/response values that handlers see. Deliberately free of Beast so that
// handler code and the domain compile without the heavy networking headers.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/json/value.hpp>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/Error.h"

namespace npufleet::http {

class Headers {
 public:
  // Case-insensitive lookup; empty view when absent.
  std::string_view get(std::string_view name) const;
  bool has(std::string_view name) const;
  void set(std::string name, std::string value);  // replaces
  void add(std::string name, std::string value);  // appends
  const std::vector<std::pair<std::string, std::string>>& all() const { return items_; }

 private:
  std::vector<std::pair<std::string, std::string>> items_;
};

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string target;  // path + query as received
  std::string path;    // decoded path only
  std::string query;   // raw query string, without '?'
  Headers headers;
  std::string body;
  std::string remote_address;  // client IP, no port
  std::string request_id;
  std::map<std::string, std::string> path_params;
  // Set by authentication middleware for handlers and the access log.
  std::string principal;  // token name or service id, empty when anonymous
  std::string principal_role;

  std::optional<std::string> queryParam(std::string_view name) const;
  const std::string& param(const std::string& name) const { return path_params.at(name); }
};

// Incremental writer for streaming responses (Server-Sent Events). write() returns false once
// the client has gone or the server is shutting down; the producer should then return.
class StreamWriter {
 public:
  virtual ~StreamWriter() = default;
  virtual boost::asio::awaitable<bool> write(std::string data) = 0;
};
using StreamProducer = std::function<boost::asio::awaitable<void>(StreamWriter&)>;

struct Response {
  int status = 200;
  Headers headers;
  std::string body;
  // When set, the server sends the headers, then lets the producer write the body in chunks
  // until it returns; the connection closes afterwards.
  StreamProducer stream;

  static Response json(int status, const boost::json::value& body);
  static Response text(int status, std::string body, std::string content_type = "text/plain");
  static Response noContent();
  // The control plane's error envelope: {"error":{"code","message","details"}}.
  static Response error(const Error& error);
};

// For writing a message head by hand (server and client): a value with CR or LF, or a field name
// that is empty or holds ':', a space, a tab, CR or LF, would break the message's framing.
bool hasLineBreak(std::string_view s);
bool isBadFieldName(std::string_view s);

// Percent-decodes a URL component; nullopt on a malformed escape.
std::optional<std::string> percentDecode(std::string_view in);

}  // namespace npufleet::http
