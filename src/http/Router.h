// Maps METHOD + path pattern ("/api/fleet/nodes/{id}") to a coroutine handler. Routes carry
// their own options (body limit, access level, metrics name) so that the server can apply
// per-route limits before reading a body.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "http/Message.h"

namespace npufleet::http {

using Handler = std::function<boost::asio::awaitable<Response>(Request&)>;

struct RouteOptions {
  size_t body_limit = 64 * 1024;
  // Opaque to the server; interpreted by the authentication middleware ("public", "viewer",
  // "operator", "admin", "inference", "signed", ...).
  std::string access = "public";
  bool streaming = false;  // the handler keeps the connection (Server-Sent Events)
};

struct Route {
  std::string method;
  std::string pattern;
  std::vector<std::string> segments;  // "{id}" marks a parameter
  Handler handler;
  RouteOptions options;
};

struct RouteMatch {
  const Route* route = nullptr;
  std::map<std::string, std::string> params;
  bool path_known = false;  // path matched some route but not with this method (405)
  std::vector<std::string> allowed_methods;
};

class Router {
 public:
  void add(std::string method, const std::string& pattern, Handler handler,
           RouteOptions options = {});
  // A catch-all for GET requests nothing else matched (the web UI's SPA fallback).
  void setFallback(Handler handler, RouteOptions options = {});

  RouteMatch match(std::string_view method, std::string_view path) const;
  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
  std::optional<Route> fallback_;
};

}  // namespace npufleet::http
