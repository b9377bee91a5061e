// The HTTP/1.1 server every npufleet process uses (control plane and worker): keep-alive,
// per-route body limits, read/write/idle timeouts, X-Request-Id, one access-log line per
// request, Prometheus request metrics, graceful shutdown, and optional TLS (HTTPS) on the same
// request loop. Beast and Asio SSL stay in Server.cpp.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "common/Error.h"
#include "http/Router.h"

namespace boost::asio {
class io_context;
}
namespace prometheus {
class Registry;
}

namespace npufleet::http {

class AccessLog;
class EventLoops;

struct ServerOptions {
  std::string listen = "127.0.0.1:8080";  // HOST:PORT; port 0 picks a free one
  std::chrono::seconds header_timeout{10};
  std::chrono::seconds body_timeout{30};
  std::chrono::seconds write_timeout{30};
  std::chrono::seconds idle_timeout{60};
  size_t header_limit = 16 * 1024;
  std::string service_name = "npufleet";
  // TLS: both files set turns it on for every connection (PEM certificate chain, leaf first, and
  // its private key). The handshake must finish within header_timeout.
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string tls_min_version = "1.2";  // "1.2" or "1.3"
  // One line per request, written off the request path (AccessLog.h); null: no access log.
  std::shared_ptr<AccessLog> access_log;
  // Connection caps (0: no cap). A connection over a cap is answered 503 and closed at once,
  // counted in npufleet_http_connections_refused_total{reason} and logged (rate-limited).
  size_t max_connections = 4096;
  // Connections on which no request has yet passed a before-body hook with a principal
  // (useBeforeBody): what a client without a token or key can hold open. Counted only on a
  // server that has such a hook; a server that authenticates nobody has nothing to bound here.
  // What one such connection can hold is its header buffer (header_limit), so the caps can be
  // wide: one client address is often a whole application's pool or a reverse proxy in front.
  size_t max_unauthenticated_connections = 2048;
  size_t max_unauthenticated_per_address = 512;

  bool tls() const { return !tls_cert_file.empty() || !tls_key_file.empty(); }
};

// Runs before the handler; returning a Response short-circuits the request (401, 429, ...).
// Registered with use(), it sees the whole request (body read); with useBeforeBody(), the head
// alone (method, target, headers; body empty), before a byte of the body is read.
using Middleware =
    std::function<boost::asio::awaitable<std::optional<Response>>(Request&, const Route&)>;

struct BoundEndpoint {
  std::string host;
  uint16_t port = 0;
  bool tls = false;
  std::string str() const { return host + ":" + std::to_string(port); }
};

class Server {
 public:
  // Every connection on `io`, each on a strand of its own (io may be run by several threads).
  Server(boost::asio::io_context& io, const Router& router, ServerOptions options,
         std::shared_ptr<prometheus::Registry> metrics);
  // Accepts on loops.main() and gives each connection to loops.next(), where it stays: its
  // handlers, and the upstream calls they make through http::Client, run on that loop's thread.
  Server(EventLoops& loops, const Router& router, ServerOptions options,
         std::shared_ptr<prometheus::Registry> metrics);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  void use(Middleware middleware);
  // Authentication that needs only the head runs here, so that an unauthenticated client never
  // makes the server read (and hold) its body: a Response from it is sent at once and the
  // connection closed without reading the rest. A hook that sets req.principal marks the
  // connection authenticated (see ServerOptions::max_unauthenticated_connections).
  void useBeforeBody(Middleware middleware);

  // Loads the TLS certificate and key when configured (an error names the file), binds and starts
  // accepting; the bound address (with the real port) on success.
  Result<BoundEndpoint> start();

  // Stops accepting, closes idle connections, lets in-flight requests finish; `done` runs once
  // every connection is gone or `grace` has passed.
  void shutdown(std::chrono::milliseconds grace, std::function<void()> done);

  size_t activeConnections() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace npufleet::http
