#include "http/Client.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <boost/asio.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <array>
#include <cerrno>
#include <cstring>
#include <deque>
#include <fstream>
#include <map>
#include <mutex>

#include "common/HostPort.h"
#include "http/EventLoops.h"

namespace npufleet::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
using SslStream = beast::ssl_stream<beast::tcp_stream>;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

namespace {

std::string seconds(std::chrono::milliseconds d) {
  if (d.count() % 1000 == 0) return std::to_string(d.count() / 1000) + " s";
  return std::to_string(d.count()) + " ms";
}

// The client side of TLS: peer verification always on, TLS 1.2 at least, trust from one CA file
// or the system's store.
Result<std::shared_ptr<ssl::context>> makeClientTlsContext(const std::string& ca_file) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
  ctx->set_options(ssl::context::no_compression);
  ctx->set_verify_mode(ssl::verify_peer);
  boost::system::error_code ec;
  if (ca_file.empty()) {
    ctx->set_default_verify_paths(ec);
    if (ec) return Error::unavailable("cannot load the system's TLS trust store: " + ec.message());
    return ctx;
  }
  if (std::ifstream in(ca_file); !in) {
    return Error::badRequest("cannot read TLS CA file '" + ca_file + "': " + std::strerror(errno),
                             "tls_ca_file");
  }
  ctx->load_verify_file(ca_file, ec);
  if (ec) {
    const char* reason = ec.category() == asio::error::get_ssl_category()
                             ? ERR_reason_error_string(static_cast<unsigned long>(ec.value()))
                             : nullptr;
    return Error::badRequest("TLS CA file '" + ca_file + "' holds no usable PEM certificate: " +
                                 (reason ? std::string(reason) : ec.message()),
                             "tls_ca_file");
  }
  return ctx;
}

// Why a handshake failed, for people: OpenSSL's reason, and for a rejected certificate the
// verification error ("certificate verify failed (hostname mismatch)").
std::string describeHandshakeError(SSL* ssl, const boost::system::error_code& ec) {
  if (ec == asio::error::eof || ec == asio::error::connection_reset ||
      ec == ssl::error::stream_truncated) {
    return "connection closed by the peer (is it serving TLS on this port?)";
  }
  std::string text = ec.message();
  int reason = 0;
  if (ec.category() == asio::error::get_ssl_category()) {
    reason = ERR_GET_REASON(static_cast<unsigned long>(ec.value()));
    if (const char* r = ERR_reason_error_string(static_cast<unsigned long>(ec.value()))) text = r;
  }
  if (reason == SSL_R_CERTIFICATE_VERIFY_FAILED) {
    const long verify = SSL_get_verify_result(ssl);
    if (verify != X509_V_OK) text += std::string(" (") + X509_verify_cert_error_string(verify) + ")";
  } else if (reason == SSL_R_WRONG_VERSION_NUMBER || reason == SSL_R_PACKET_LENGTH_TOO_LONG) {
    text += " (is the peer serving plain HTTP on this port?)";
  }
  return text;
}

// A connection, plain or TLS over TCP; tcp() is the layer that carries timeouts. Everything
// that touches it runs on one thread at a time, Beast's timeout handler included: that handler
// closes the socket, and on another thread it raced the exchange that saw the timeout and
// destroyed the connection (two closes of one descriptor; found by TSan). `executor` is the
// caller's event loop (one thread) when it runs on one, otherwise a strand of its own.
struct Connection {
  asio::any_io_executor executor;
  std::shared_ptr<ssl::context> context;  // declared first: outlives `secure`
  std::unique_ptr<beast::tcp_stream> plain;
  std::unique_ptr<SslStream> secure;

  // Kept with the connection so that its capacity is reused by every exchange on it.
  beast::flat_buffer buffer;

  beast::tcp_stream& tcp() { return secure ? beast::get_lowest_layer(*secure) : *plain; }
  explicit operator bool() const { return plain || secure; }
};

// The request line and header block, written by hand: Beast's fields container and serializer
// cost an allocation per field and a slow buffer walk for the dozen headers a signed request
// carries. Content-Length as Beast's prepare_payload sets it; keep-alive is HTTP/1.1's default.
// Empty when a method, target or header would break the framing (CR or LF in it, a space in the
// method or target, a header name that is not a token).
std::string requestHead(const ClientRequest& req) {
  if (isBadFieldName(req.method) || hasLineBreak(req.target) || hasLineBreak(req.host) ||
      req.target.find(' ') != std::string::npos) {
    return {};
  }
  std::string head;
  head.reserve(512);
  head.append(req.method).append(" ").append(req.target).append(" HTTP/1.1\r\n");
  if (!req.headers.has("Host")) {  // the caller's own Host wins, as the signer assumes
    head.append("Host: ").append(hostPort(req.host, req.port)).append("\r\n");
  }
  for (const auto& [k, v] : req.headers.all()) {
    if (isBadFieldName(k) || hasLineBreak(v)) return {};
    if (beast::iequals(k, "Content-Length") ||
        beast::iequals(k, "Transfer-Encoding") || beast::iequals(k, "Connection")) {
      continue;  // framing is ours
    }
    head.append(k).append(": ").append(v).append("\r\n");
  }
  const bool body_expected = req.method == "POST" || req.method == "PUT" || req.method == "OPTIONS";
  if (!req.body.empty() || body_expected) {
    head.append("Content-Length: ").append(std::to_string(req.body.size())).append("\r\n");
  }
  head.append("\r\n");
  return head;
}

struct Pooled {
  Connection conn;
  std::chrono::steady_clock::time_point idle_since;
};

// The event loop (http::EventLoops) the coroutine with executor `ex` runs on, or null when it
// runs elsewhere (an io_context run by several threads, a strand, another executor).
asio::io_context* callerLoop(const asio::any_io_executor& ex) {
  asio::io_context* loop = EventLoops::current();
  if (loop == nullptr) return nullptr;
  const auto* plain = ex.target<asio::io_context::executor_type>();
  return plain != nullptr && &plain->context() == loop ? loop : nullptr;
}

// A new strand for a connection. On an io_context's executor (what every npufleet caller
// passes) the strand is made on the io_context itself: strand<io_context::executor_type> fits
// inside an any_io_executor, where a strand of the type-erased executor needs a shared heap
// block whose reference count ThreadSanitizer cannot follow (Asio releases it with a fence).
asio::any_io_executor strandOn(const asio::any_io_executor& ex) {
  if (const auto* plain = ex.target<asio::io_context::executor_type>()) {
    return asio::make_strand(plain->context());
  }
  return asio::make_strand(ex);
}

std::string poolKey(const ClientRequest& req) {
  std::string key = (req.tls ? "https://" : "http://") + hostPort(req.host, req.port);
  if (req.tls) key += " ca=" + req.tls_ca_file;
  return key;
}

}  // namespace

struct Client::Impl {
  asio::any_io_executor executor;
  Options options;
  std::mutex mu;
  std::map<std::string, std::shared_ptr<ssl::context>> tls_contexts;  // by CA file
  // By event loop (null: connections on strands), then target: a connection made on a loop is
  // only ever used again on that loop.
  using PoolKey = std::pair<const asio::io_context*, std::string>;
  std::map<PoolKey, std::deque<Pooled>> idle;

  Connection take(const PoolKey& key) {
    std::lock_guard lock(mu);
    auto it = idle.find(key);
    if (it == idle.end()) return {};
    auto now = std::chrono::steady_clock::now();
    while (!it->second.empty()) {
      Pooled p = std::move(it->second.back());
      it->second.pop_back();
      if (now - p.idle_since < options.idle_ttl && p.conn.tcp().socket().is_open()) {
        return std::move(p.conn);
      }
    }
    return {};
  }

  void give(const PoolKey& key, Connection c) {
    std::lock_guard lock(mu);
    auto& q = idle[key];
    if (q.size() >= options.max_idle_per_target) return;
    q.push_back({std::move(c), std::chrono::steady_clock::now()});
  }

  Result<std::shared_ptr<ssl::context>> tlsContext(const std::string& ca_file) {
    std::lock_guard lock(mu);
    if (auto it = tls_contexts.find(ca_file); it != tls_contexts.end()) return it->second;
    auto ctx = makeClientTlsContext(ca_file);
    if (ctx) tls_contexts.emplace(ca_file, *ctx);
    return ctx;
  }

  // A fresh, unconnected connection of the request's kind; false (with `failed` set) when the
  // request's CA file cannot be used.
  bool open(Connection& conn, const ClientRequest& req, asio::io_context* loop,
            ClientResult& failed) {
    conn.executor = loop != nullptr ? asio::any_io_executor(loop->get_executor())
                                    : strandOn(executor);
    if (!req.tls) {
      conn.plain = std::make_unique<beast::tcp_stream>(conn.executor);
      return true;
    }
    auto ctx = tlsContext(req.tls_ca_file);
    if (!ctx) {
      failed.failure = ClientFailure::kTls;
      failed.message = ctx.error().message;
      return false;
    }
    conn.context = *ctx;
    conn.secure = std::make_unique<SslStream>(conn.executor, *conn.context);
    return true;
  }

  // Handshakes on a connected TLS connection before `deadline`, verifying the certificate against
  // req.host (an IP address, or a DNS name that is also sent as SNI).
  asio::awaitable<ClientResult> handshake(Connection& conn, const ClientRequest& req,
                                          std::chrono::steady_clock::time_point deadline) {
    ClientResult result;
    SSL* handle = conn.secure->native_handle();
    boost::system::error_code not_ip;
    asio::ip::make_address(req.host, not_ip);
    if (!not_ip) {
      X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(handle), req.host.c_str());
    } else {
      SSL_set_tlsext_host_name(handle, req.host.c_str());
      SSL_set1_host(handle, req.host.c_str());
      SSL_set_hostflags(handle, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    }
    conn.tcp().expires_at(deadline);
    auto [ec] = co_await conn.secure->async_handshake(ssl::stream_base::client, kTuple);
    if (ec) {
      const bool past_deadline = std::chrono::steady_clock::now() >= deadline;
      if (ec == beast::error::timeout || (past_deadline && ec == asio::error::operation_aborted)) {
        result.failure = ClientFailure::kTimeout;
        result.message = "timed out after " + seconds(req.total_timeout) + " (TLS handshake)";
      } else {
        result.failure = ClientFailure::kTls;
        result.message = "TLS handshake failed: " + describeHandshakeError(handle, ec);
      }
    }
    co_return result;
  }

  // One attempt on one connection. `stale` marks a failure before any response byte, which on a
  // pooled connection may just mean the peer closed it while idle.
  template <class Stream>
  asio::awaitable<ClientResult> exchange(Stream& stream, Connection& conn, const ClientRequest& req,
                                         std::chrono::steady_clock::time_point deadline,
                                         bool& keep, bool& stale) {
    ClientResult result;
    beast::tcp_stream& tcp_layer = conn.tcp();
    const std::string head = requestHead(req);
    if (head.empty()) {
      result.failure = ClientFailure::kProtocol;
      result.message = "request not sent: a CR or LF (or a space) in its method, target or headers";
      co_return result;
    }
    tcp_layer.expires_at(deadline);
    const std::array<asio::const_buffer, 2> out{asio::buffer(head), asio::buffer(req.body)};
    auto [wec, wn] = co_await asio::async_write(stream, out, kTuple);
    if (wec) {
      stale = true;
      result.failure = wec == beast::error::timeout ? ClientFailure::kTimeout : ClientFailure::kReset;
      result.message = wec == beast::error::timeout ? "timed out after " + seconds(req.total_timeout)
                                                    : "connection lost: " + wec.message();
      co_return result;
    }
    beast::flat_buffer& buffer = conn.buffer;
    buffer.clear();
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(req.max_response_bytes);
    parser.header_limit(64 * 1024);
    auto [rec, rn] = co_await bhttp::async_read(stream, buffer, parser, kTuple);
    if (rec) {
      // At the deadline the read may end as "timeout" or as "operation aborted" depending on
      // which completion ran first; either way the caller asked for a timeout.
      const bool past_deadline = std::chrono::steady_clock::now() >= deadline;
      if (rec == beast::error::timeout || (past_deadline && rec == asio::error::operation_aborted)) {
        result.failure = ClientFailure::kTimeout;
        result.message = "timed out after " + seconds(req.total_timeout);
      } else if (rec == bhttp::error::body_limit) {
        result.failure = ClientFailure::kTooLarge;
        result.message = "response larger than " + std::to_string(req.max_response_bytes) + " bytes";
      } else if (rec == asio::error::eof || rec == asio::error::connection_reset ||
                 rec == bhttp::error::end_of_stream || rec == bhttp::error::partial_message ||
                 rec == ssl::error::stream_truncated) {
        stale = buffer.size() == 0 && !parser.got_some();
        result.failure = ClientFailure::kReset;
        result.message = "connection closed by the worker before a complete response";
      } else {
        result.failure = ClientFailure::kProtocol;
        result.message = "malformed HTTP response: " + rec.message();
      }
      co_return result;
    }
    auto& msg = parser.get();
    result.response.status = static_cast<int>(msg.result_int());
    for (const auto& f : msg) result.response.headers.add(std::string(f.name_string()), std::string(f.value()));
    result.response.body = std::move(msg.body());
    keep = msg.keep_alive() && buffer.size() == 0;  // bytes past the response: not reusable
    co_return result;
  }

  struct Attempt {
    ClientResult result;
    bool stale = false;  // failed before any response byte
  };

  // One attempt on `conn`, run on its executor: connects it first when `fresh`, then exchanges.
  // The connection ends here too: back to the pool when it can carry another request, closed
  // otherwise.
  asio::awaitable<Attempt> attempt(Connection conn, const ClientRequest& req, const PoolKey& key,
                                   bool fresh, std::chrono::steady_clock::time_point deadline) {
    Attempt out;
    if (fresh) {
      ClientResult failed;
      beast::tcp_stream* stream = &conn.tcp();
      boost::system::error_code ec;
      auto addr = asio::ip::make_address(req.host, ec);
      std::vector<tcp::endpoint> endpoints;
      if (!ec) {
        endpoints.emplace_back(addr, req.port);
      } else {
        tcp::resolver resolver(conn.executor);
        auto [rec, results] =
            co_await resolver.async_resolve(req.host, std::to_string(req.port), kTuple);
        if (rec) {
          out.result.failure = ClientFailure::kResolve;
          out.result.message = "cannot resolve '" + req.host + "': " + rec.message();
          co_return out;
        }
        for (const auto& r : results) endpoints.push_back(r.endpoint());
      }
      auto connect_deadline = std::min(deadline, std::chrono::steady_clock::now() + req.connect_timeout);
      stream->expires_at(connect_deadline);
      auto [cec, cep] = co_await stream->async_connect(endpoints, kTuple);
      if (cec) {
        if (cec == beast::error::timeout) {
          bool total = connect_deadline == deadline;
          out.result.failure = total ? ClientFailure::kTimeout : ClientFailure::kConnectTimeout;
          out.result.message = total ? "timed out after " + seconds(req.total_timeout)
                                     : "connect timed out after " + seconds(req.connect_timeout);
        } else if (cec == asio::error::connection_refused) {
          out.result.failure = ClientFailure::kConnectRefused;
          out.result.message = "connection refused";
        } else {
          out.result.failure = ClientFailure::kConnectRefused;
          out.result.message = "cannot connect: " + cec.message();
        }
        co_return out;
      }
      stream->socket().set_option(tcp::no_delay(true), ec);
      if (req.tls) {
        out.result = co_await handshake(conn, req, deadline);
        if (!out.result.ok()) co_return out;
      }
    }
    bool keep = false;
    if (conn.secure) {
      out.result = co_await exchange(*conn.secure, conn, req, deadline, keep, out.stale);
    } else {
      out.result = co_await exchange(*conn.plain, conn, req, deadline, keep, out.stale);
    }
    if (out.result.ok() && keep) {
      conn.tcp().expires_never();
      give(key, std::move(conn));
    }
    co_return out;
  }

  // `keep` holds the pool alive across the suspensions (Client::send passes its own).
  asio::awaitable<ClientResult> send(ClientRequest req, std::shared_ptr<Impl> keep) {
    (void)keep;
    const auto start = std::chrono::steady_clock::now();
    const auto deadline = start + req.total_timeout;
    asio::io_context* loop = callerLoop(co_await asio::this_coro::executor);
    const PoolKey key{loop, poolKey(req)};

    for (int attempt_no = 0; attempt_no < 2; ++attempt_no) {
      Connection conn;
      if (attempt_no == 0) conn = take(key);
      const bool reused = static_cast<bool>(conn);
      if (!reused) {
        ClientResult failed;
        if (!open(conn, req, loop, failed)) co_return failed;
      }
      Attempt a;
      if (loop != nullptr) {  // already on the connection's thread
        a = co_await attempt(std::move(conn), req, key, !reused, deadline);
      } else {
        auto strand = conn.executor;
        a = co_await asio::co_spawn(strand, attempt(std::move(conn), req, key, !reused, deadline),
                                    asio::use_awaitable);
      }
      // A pooled connection the worker had already closed: try once more on a fresh one.
      if (!a.result.ok() && reused && a.stale && std::chrono::steady_clock::now() < deadline) {
        continue;
      }
      co_return std::move(a.result);
    }
    ClientResult r;
    r.failure = ClientFailure::kReset;
    r.message = "connection lost";
    co_return r;
  }
};

Client::Client(asio::any_io_executor executor) : Client(std::move(executor), Options{}) {}

Client::Client(asio::any_io_executor executor, Options options)
    : impl_(std::make_shared<Impl>()) {
  impl_->executor = std::move(executor);
  impl_->options = options;
}

Client::~Client() = default;

// Not a coroutine itself: every request pays for each coroutine frame on its way (a heap block
// of a kilobyte or more), so the wrappers on the routing path hand on the inner one.
asio::awaitable<ClientResult> Client::send(ClientRequest request) {
  return impl_->send(std::move(request), impl_);
}

void Client::closeIdle() {
  std::lock_guard lock(impl_->mu);
  impl_->idle.clear();
}

ClientResult sendBlocking(ClientRequest request) {
  asio::io_context io;
  Client client(io.get_executor());
  ClientResult result;
  asio::co_spawn(io, client.send(std::move(request)),
                 [&](std::exception_ptr e, ClientResult r) {
                   if (e) {
                     result.failure = ClientFailure::kProtocol;
                     result.message = "client error";
                   } else {
                     result = std::move(r);
                   }
                 });
  io.run();
  return result;
}

namespace {

bool parseAuthority(std::string rest, uint16_t default_port, std::string& host, uint16_t& port) {
  while (!rest.empty() && rest.back() == '/') rest.pop_back();
  if (rest.find('/') != std::string::npos) return false;
  auto colon = rest.rfind(':');
  if (colon == std::string::npos || rest.back() == ']') {
    host = rest;
    port = default_port;
  } else {
    host = rest.substr(0, colon);
    try {
      int p = std::stoi(rest.substr(colon + 1));
      if (p <= 0 || p > 65535) return false;
      port = static_cast<uint16_t>(p);
    } catch (const std::exception&) {
      return false;
    }
  }
  if (host.size() >= 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  return !host.empty();
}

}  // namespace

bool parseBaseUrl(const std::string& url, std::string& host, uint16_t& port) {
  if (url.rfind("http://", 0) != 0) return false;
  return parseAuthority(url.substr(7), 80, host, port);
}

bool parseBaseUrl(const std::string& url, ClientRequest& request) {
  if (url.rfind("https://", 0) == 0) {
    request.tls = true;
    return parseAuthority(url.substr(8), 443, request.host, request.port);
  }
  request.tls = false;
  return parseBaseUrl(url, request.host, request.port);
}

Status checkTlsTrust(const std::string& ca_file) {
  auto ctx = makeClientTlsContext(ca_file);
  if (!ctx) return ctx.error();
  return okStatus();
}

}  // namespace npufleet::http
