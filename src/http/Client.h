// Asynchronous HTTP/1.1 client with a keep-alive connection pool per target, connect and total
// timeouts on every call, a bounded response size, and optional TLS (HTTPS) with certificate and
// host name verification. Control-plane code never uses it directly to reach a worker: it goes
// through auth::ServiceHttpClient, which signs. Asio SSL stays in Client.cpp.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "common/Error.h"
#include "http/Message.h"

namespace npufleet::http {

struct ClientRequest {
  std::string method = "GET";
  std::string host;  // IP or name
  uint16_t port = 80;
  std::string target = "/";  // path + query
  Headers headers;
  std::string body;
  std::chrono::milliseconds connect_timeout{2000};
  std::chrono::milliseconds total_timeout{5000};  // the TLS handshake included
  size_t max_response_bytes = 8 * 1024 * 1024;
  // HTTPS. The peer must present a certificate valid for `host` (a DNS name, also sent as SNI, or
  // an IP address) that chains to a CA in `tls_ca_file` (PEM), or in the system's trust store
  // when that is empty. Connections are pooled per scheme, target and CA file.
  bool tls = false;
  std::string tls_ca_file;
};

struct ClientResponse {
  int status = 0;
  Headers headers;
  std::string body;
};

// Why a call failed, in a form the router's failover and detection's messages can use.
enum class ClientFailure {
  kNone,
  kConnectRefused,
  kConnectTimeout,
  kTimeout,  // connected, no complete answer in time
  kReset,    // the peer closed or reset the connection
  kTooLarge,
  kProtocol,  // not HTTP, or a malformed response
  kResolve,
  kTls,  // TLS handshake failed: certificate not trusted or for another name, peer not TLS, ...
};

struct ClientResult {
  ClientFailure failure = ClientFailure::kNone;
  std::string message;  // "connection refused", "timed out after 5 s", ...
  ClientResponse response;
  bool ok() const { return failure == ClientFailure::kNone; }
};

class Client {
 public:
  struct Options {
    size_t max_idle_per_target = 64;
    std::chrono::seconds idle_ttl{30};
  };
  explicit Client(boost::asio::any_io_executor executor);
  Client(boost::asio::any_io_executor executor, Options options);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  boost::asio::awaitable<ClientResult> send(ClientRequest request);

  // Drops every pooled connection (tests; shutdown). Connections pooled for event loops are
  // closed on the calling thread, so call it, and destroy the client, only when none of those
  // loops runs (after EventLoops::run returned) and before the loops are destroyed.
  void closeIdle();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

// One request on a private io_context, blocking the caller: for the admin CLI and tests only.
ClientResult sendBlocking(ClientRequest request);

// "http://host:port" -> host and port; false when the URL is not of that form.
bool parseBaseUrl(const std::string& url, std::string& host, uint16_t& port);
// "http://host:port" or "https://host[:port]" -> host, port (default 80 or 443) and tls.
bool parseBaseUrl(const std::string& url, ClientRequest& request);

// Loads a CA file the way a TLS request would (empty: the system's trust store), so a bad
// setting stops start-up instead of failing every request. The error names the file.
Status checkTlsTrust(const std::string& ca_file);

}  // namespace npufleet::http
