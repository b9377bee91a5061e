#include "http/Server.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <random>
#include <set>
#include <string_view>
#include <tuple>

#include "http/AccessLog.h"
#include "http/ConnectionAdmission.h"
#include "http/EventLoops.h"
#include "http/LogThrottle.h"
#include "http/RequestFraming.h"

namespace npufleet::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
using asio::use_awaitable;
using SslStream = beast::ssl_stream<beast::tcp_stream>;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

namespace {

std::string randomRequestId() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(16, '0');
  uint64_t v = rng();
  for (auto& c : id) {
    c = kHex[v & 0xF];
    v >>= 4;
  }
  return id;
}

bool acceptableRequestId(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) {
      return false;
    }
  }
  return true;
}

Result<tcp::endpoint> parseListen(const std::string& listen) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos) return Error::badRequest("listen address must be HOST:PORT", "listen");
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty() || host == "*") host = "0.0.0.0";
  if (host == "localhost") host = "127.0.0.1";
  boost::system::error_code ec;
  auto addr = asio::ip::make_address(host, ec);
  if (ec) return Error::badRequest("listen host '" + host + "' is not an IP address", "listen");
  int port = 0;
  try {
    port = std::stoi(listen.substr(colon + 1));
  } catch (const std::exception&) {
    port = -1;
  }
  if (port < 0 || port > 65535) return Error::badRequest("listen port must be 0-65535", "listen");
  return tcp::endpoint(addr, static_cast<uint16_t>(port));
}

std::string_view bytesOf(const beast::flat_buffer& buffer) {
  return {static_cast<const char*>(buffer.data().data()), buffer.size()};
}

// Reads until `buffer` holds what headerReadDone() waits for, so that the raw header can be
// checked (RequestFraming.h) before Beast parses it.
template <class Stream>
asio::awaitable<boost::system::error_code> readHeaderBlock(Stream& stream,
                                                           beast::flat_buffer& buffer,
                                                           size_t limit) {
  size_t searched = 0;
  while (!headerReadDone(bytesOf(buffer), limit, searched)) {
    auto [ec, n] = co_await stream.async_read_some(buffer.prepare(8192), kTuple);
    if (ec) co_return ec;
    buffer.commit(n);
  }
  co_return boost::system::error_code{};
}

// The part of an OpenSSL error worth showing: "no start line", "key values mismatch", ...
std::string sslReason(const boost::system::error_code& ec) {
  if (ec.category() == asio::error::get_ssl_category()) {
    if (const char* reason = ERR_reason_error_string(static_cast<unsigned long>(ec.value()))) {
      return reason;
    }
  }
  return ec.message();
}

Status readable(const std::string& path, const std::string& what, const std::string& field) {
  std::ifstream in(path);
  if (!in) {
    return Error{ErrorCode::kBadRequest,
                 "cannot read TLS " + what + " '" + path + "': " + std::strerror(errno), field};
  }
  return okStatus();
}

// The server side of TLS: certificate chain and key from PEM files, TLS 1.2 or 1.3 at least, no
// renegotiation or compression. Errors name the file and the option it came from.
Result<std::shared_ptr<ssl::context>> makeServerTlsContext(const ServerOptions& o) {
  if (o.tls_cert_file.empty() || o.tls_key_file.empty()) {
    return Error::badRequest("TLS needs both a certificate chain file and a private key file",
                             o.tls_cert_file.empty() ? "tls_cert_file" : "tls_key_file");
  }
  int min_version = 0;
  if (o.tls_min_version == "1.2") {
    min_version = TLS1_2_VERSION;
  } else if (o.tls_min_version == "1.3") {
    min_version = TLS1_3_VERSION;
  } else {
    return Error::badRequest("TLS minimum version must be 1.2 or 1.3, got '" + o.tls_min_version + "'",
                             "tls_min_version");
  }
  if (auto st = readable(o.tls_cert_file, "certificate chain file", "tls_cert_file"); !st) {
    return st.error();
  }
  if (auto st = readable(o.tls_key_file, "private key file", "tls_key_file"); !st) return st.error();

  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                   ssl::context::no_sslv3 | ssl::context::no_compression);
  SSL_CTX_set_options(ctx->native_handle(), SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_set_min_proto_version(ctx->native_handle(), min_version);
  boost::system::error_code ec;
  ctx->use_certificate_chain_file(o.tls_cert_file, ec);
  if (ec) {
    return Error::badRequest("TLS certificate chain file '" + o.tls_cert_file +
                                 "' is not a usable PEM certificate chain: " + sslReason(ec),
                             "tls_cert_file");
  }
  ctx->use_private_key_file(o.tls_key_file, ssl::context::pem, ec);
  if (ec) {
    return Error::badRequest("TLS private key file '" + o.tls_key_file +
                                 "' is not a usable PEM private key for '" + o.tls_cert_file +
                                 "': " + sslReason(ec),
                             "tls_key_file");
  }
  if (SSL_CTX_check_private_key(ctx->native_handle()) != 1) {
    ERR_clear_error();
    return Error::badRequest("TLS private key file '" + o.tls_key_file +
                                 "' does not match the certificate in '" + o.tls_cert_file + "'",
                             "tls_key_file");
  }
  struct stat st{};
  if (::stat(o.tls_key_file.c_str(), &st) == 0 && (st.st_mode & S_IROTH) != 0) {
    spdlog::warn("TLS private key file {} is readable by every user; run: chmod 600 {}",
                 o.tls_key_file, o.tls_key_file);
  }
  return ctx;
}

// The method as a metric label: a request names its method freely (Beast takes any token), and
// a label taken verbatim would let each new string add a series for good.
std::string_view methodLabel(std::string_view method) {
  for (std::string_view known : {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}) {
    if (method == known) return known;
  }
  return "other";
}

bool noBodyAllowed(int status) { return status / 100 == 1 || status == 204 || status == 304; }

// The status line and header block of a complete response, written by hand: Beast's fields
// allocate per field and its serializer walks them slowly, a cost paid on every request. The
// framing is what Beast's keep_alive() and prepare_payload() would set (Content-Length of the
// body, also for HEAD; none for 1xx, 204 and 304); Server and X-Request-Id are the server's own,
// and a handler's header that would break the framing is dropped.
std::string responseHead(const Response& resp, const std::string& server,
                         const std::string& request_id, unsigned version, bool keep_alive) {
  std::string head;
  head.reserve(256);
  head.append(version >= 11 ? "HTTP/1.1 " : "HTTP/1.0 ").append(std::to_string(resp.status));
  head.append(" ").append(bhttp::obsolete_reason(static_cast<bhttp::status>(resp.status)));
  head.append("\r\n");
  for (const auto& [k, v] : resp.headers.all()) {
    if (isBadFieldName(k) || hasLineBreak(v)) continue;
    if (beast::iequals(k, "Server") || beast::iequals(k, "X-Request-Id") ||
        beast::iequals(k, "Content-Length") || beast::iequals(k, "Transfer-Encoding") ||
        beast::iequals(k, "Connection")) {
      continue;
    }
    head.append(k).append(": ").append(v).append("\r\n");
  }
  head.append("Server: ").append(server).append("\r\nX-Request-Id: ").append(request_id);
  head.append("\r\n");
  if (version >= 11 && !keep_alive) head.append("Connection: close\r\n");
  if (version < 11 && keep_alive) head.append("Connection: keep-alive\r\n");
  if (!noBodyAllowed(resp.status)) {
    head.append("Content-Length: ").append(std::to_string(resp.body.size())).append("\r\n");
  }
  head.append("\r\n");
  return head;
}

}  // namespace

// One accepted connection. The request loop is written once, over either stream type; the
// server reaches the TCP layer (timeouts, cancel on shutdown) through tcp().
struct Connection {
  virtual ~Connection() = default;
  virtual beast::tcp_stream& tcp() = 0;
  std::atomic<bool> busy{false};
  // Set when the connection ends with request bytes left unread (a body refused with 413 or a
  // malformed one): closing then would send a RST that can destroy the answer in flight.
  bool unread_input = false;
  // unread_input because a before-body hook refused the request: the peer is not authenticated,
  // so the lingering close is kept short.
  bool refused_before_body = false;
  std::string address;         // the client's, as counted by ConnectionAdmission
  bool authenticated = false;  // a request on it passed a before-body hook with a principal
};

template <class Stream>
struct StreamConnection final : Connection {
  template <class... Args>
  explicit StreamConnection(Args&&... args) : stream(std::forward<Args>(args)...) {}
  beast::tcp_stream& tcp() override { return beast::get_lowest_layer(stream); }
  Stream stream;
};

struct Server::Impl : std::enable_shared_from_this<Impl> {
  Impl(asio::io_context& io_, EventLoops* loops_, const Router& router_, ServerOptions options_,
       std::shared_ptr<prometheus::Registry> registry_)
      : io(io_), loops(loops_), router(router_), options(std::move(options_)),
        acceptor(asio::make_strand(io_)), registry(std::move(registry_)) {
    if (registry) {
      requests = &prometheus::BuildCounter()
                      .Name("npufleet_http_requests_total")
                      .Help("HTTP requests served, by route and status")
                      .Register(*registry);
      latency = &prometheus::BuildHistogram()
                     .Name("npufleet_http_request_duration_seconds")
                     .Help("HTTP request latency, by route")
                     .Register(*registry);
    }
  }

  // Set by start() when the options ask for TLS; every connection then handshakes first.
  std::shared_ptr<ssl::context> tls;
  prometheus::Family<prometheus::Counter>* tls_failures = nullptr;

  asio::io_context& io;
  EventLoops* loops;  // null: every connection on a strand of io
  const Router& router;
  ServerOptions options;
  std::vector<Middleware> middleware;
  std::vector<Middleware> before_body;
  tcp::acceptor acceptor;
  std::shared_ptr<prometheus::Registry> registry;
  prometheus::Family<prometheus::Counter>* requests = nullptr;
  prometheus::Family<prometheus::Histogram>* latency = nullptr;

  mutable std::mutex mu;
  std::set<std::shared_ptr<Connection>> connections;
  std::atomic<bool> draining{false};
  std::function<void()> on_drained;
  bool drained_called = false;

  // The series of one route and method, resolved once: Family::Add hashes a label map that
  // costs several allocations, too much to pay on every request.
  struct RouteSeries {
    prometheus::Histogram* latency = nullptr;
    std::vector<std::pair<int, prometheus::Counter*>> by_status;
  };
  // By method, then route label; transparent lookups, so a request allocates nothing here.
  std::mutex series_mu;
  std::map<std::string, std::map<std::string, RouteSeries, std::less<>>, std::less<>> series;

  ConnectionAdmission admission{ConnectionAdmission::Limits{}};
  prometheus::Family<prometheus::Counter>* refused_connections = nullptr;
  prometheus::Gauge* open_gauge = nullptr;
  prometheus::Gauge* unauthenticated_gauge = nullptr;
  LogThrottle refusal_log{std::chrono::seconds(10)};
  LogThrottle accept_error_log{std::chrono::seconds(10)};
  // Opened at start: closed to make room for one accept when the process is out of descriptors,
  // so that the overloaded server can still refuse a client cleanly instead of leaving it in the
  // backlog (and the listening socket readable, which is what made the accept loop spin).
  int reserve_fd = -1;

  ~Impl() {
    if (reserve_fd >= 0) ::close(reserve_fd);
  }

  void updateConnectionGauges() {
    if (open_gauge == nullptr) return;
    open_gauge->Set(static_cast<double>(admission.open()));
    unauthenticated_gauge->Set(static_cast<double>(admission.unauthenticated()));
  }

  void record(const Route* route, const std::string& request_method, int status, double seconds) {
    if (requests == nullptr) return;
    const std::string method(methodLabel(request_method));
    const std::string_view label = route != nullptr ? std::string_view(route->pattern) : "unmatched";
    prometheus::Counter* counter = nullptr;
    prometheus::Histogram* histogram = nullptr;
    {
      std::lock_guard lock(series_mu);
      auto by_method = series.find(std::string_view(method));
      if (by_method == series.end()) by_method = series.try_emplace(method).first;
      auto it = by_method->second.find(label);
      if (it == by_method->second.end()) {
        static const prometheus::Histogram::BucketBoundaries kBuckets{
            0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
        RouteSeries rs;
        rs.latency = &latency->Add({{"route", std::string(label)}, {"method", method}}, kBuckets);
        it = by_method->second.try_emplace(std::string(label), std::move(rs)).first;
      }
      RouteSeries& rs = it->second;
      histogram = rs.latency;
      for (const auto& [code, c] : rs.by_status) {
        if (code == status) counter = c;
      }
      if (counter == nullptr) {
        counter = &requests->Add({{"route", std::string(label)},
                                  {"method", method},
                                  {"status", std::to_string(status)}});
        rs.by_status.emplace_back(status, counter);
      }
    }
    counter->Increment();
    histogram->Observe(seconds);
  }

  static bool outOfDescriptors(const boost::system::error_code& ec) {
    return ec == asio::error::no_descriptors ||
           ec == boost::system::errc::too_many_files_open_in_system;
  }

  // The answer to a connection refused at a cap or for want of descriptors: written without
  // waiting (a fresh socket's send buffer is empty) and without reading, then closed. A client
  // that had already sent its request may get a reset instead; either way it is not served.
  static void refuseNow(int fd, const std::string& service_name) {
    static const std::string answer = [&] {
      Response r = Response::error(Error::unavailable("too many connections; retry later"));
      r.headers.set("Retry-After", "1");
      return responseHead(r, service_name, "-", 11, false) + r.body;
    }();
    [[maybe_unused]] const auto sent =
        ::send(fd, answer.data(), answer.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    ::shutdown(fd, SHUT_RDWR);
  }

  void countRefusal(std::string_view reason, const std::string& address, const std::string& why) {
    if (refused_connections != nullptr) {
      refused_connections->Add({{"reason", std::string(reason)}}).Increment();
    }
    if (auto held = refusal_log.allow(std::chrono::steady_clock::now())) {
      spdlog::warn("connection from {} refused: {}{}", address.empty() ? "?" : address, why,
                   *held > 0 ? " (" + std::to_string(*held) + " more refused since the last line)"
                             : std::string());
    }
  }

  // Out of descriptors: the pending connection cannot be accepted, and the listening socket
  // stays readable, so accepting again at once would spin. Gives up the reserve descriptor to
  // accept one connection and refuse it (so the client hears 503 rather than waiting in the
  // backlog), takes the reserve back, and lets acceptLoop back off.
  void shedOneConnection() {
    if (reserve_fd < 0) return;
    ::close(reserve_fd);
    reserve_fd = -1;
    const int fd = ::accept4(acceptor.native_handle(), nullptr, nullptr, SOCK_CLOEXEC);
    if (fd >= 0) {
      refuseNow(fd, options.service_name);
      ::close(fd);
      countRefusal("no_descriptors", {}, "the process is out of file descriptors");
    }
    reserve_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  }

  asio::awaitable<void> acceptLoop() {
    auto self = shared_from_this();
    // Back-off after an accept error (EMFILE, ENFILE, ENOBUFS, ...): 50 ms doubling to 1 s,
    // reset by the next accepted connection.
    constexpr std::chrono::milliseconds kFirstBackoff{50};
    constexpr std::chrono::milliseconds kMaxBackoff{1000};
    std::chrono::milliseconds backoff = kFirstBackoff;
    asio::steady_timer pause(acceptor.get_executor());
    for (;;) {
      // A loop is run by one thread, so its own executor serialises a connection's handlers.
      asio::any_io_executor home = loops != nullptr
                                       ? asio::any_io_executor(loops->next().get_executor())
                                       : asio::any_io_executor(asio::make_strand(io));
      auto [ec, socket] = co_await acceptor.async_accept(home, kTuple);
      if (ec) {
        if (ec == asio::error::operation_aborted || draining) co_return;
        if (outOfDescriptors(ec)) shedOneConnection();
        if (auto held = accept_error_log.allow(std::chrono::steady_clock::now())) {
          spdlog::warn("accept failed: {}; pausing accepts for {} ms{}", ec.message(),
                       backoff.count(),
                       *held > 0 ? " (" + std::to_string(*held) + " more failures since the last line)"
                                 : std::string());
        }
        pause.expires_after(backoff);
        auto [wait_ec] = co_await pause.async_wait(kTuple);
        if (wait_ec == asio::error::operation_aborted || draining) co_return;
        backoff = std::min(backoff * 2, kMaxBackoff);
        continue;
      }
      backoff = kFirstBackoff;
      boost::system::error_code addr_ec;
      const auto peer = socket.remote_endpoint(addr_ec);
      std::string address = addr_ec ? std::string() : peer.address().to_string();
      const auto refusal = admission.admit(address);
      if (refusal != ConnectionAdmission::Refusal::kNone) {
        refuseNow(socket.native_handle(), options.service_name);
        boost::system::error_code ignored;
        socket.close(ignored);
        countRefusal(ConnectionAdmission::label(refusal), address,
                     ConnectionAdmission::describe(refusal, admission.limits()));
        continue;
      }
      updateConnectionGauges();
      if (tls) {
        auto conn = std::make_shared<StreamConnection<SslStream>>(std::move(socket), *tls);
        conn->address = std::move(address);
        track(conn);
        asio::co_spawn(conn->tcp().get_executor(), tlsSession(conn), asio::detached);
      } else {
        auto conn = std::make_shared<StreamConnection<beast::tcp_stream>>(std::move(socket));
        conn->address = std::move(address);
        track(conn);
        asio::co_spawn(conn->tcp().get_executor(), plainSession(conn), asio::detached);
      }
    }
  }

  void markAuthenticated(Connection& conn) {
    if (conn.authenticated) return;
    conn.authenticated = true;
    admission.authenticated(conn.address);
    updateConnectionGauges();
  }

  void track(const std::shared_ptr<Connection>& conn) {
    std::lock_guard lock(mu);
    connections.insert(conn);
  }

  static std::string remoteOf(Connection& conn) {
    boost::system::error_code ec;
    auto ep = conn.tcp().socket().remote_endpoint(ec);
    return ec ? std::string() : ep.address().to_string();
  }

  void closeSocket(Connection& conn) {
    boost::system::error_code ignored;
    conn.tcp().socket().shutdown(tcp::socket::shutdown_send, ignored);
    conn.tcp().socket().close(ignored);
  }

  // Lingering close (as nginx's lingering_close): after the answer, stop sending and read and
  // drop what the client still sends, until it closes, for at most 2 s and 16 MiB. Closing a
  // socket with unread bytes makes the kernel send a RST, and a client that gets the RST before
  // it has read the 413 loses the 413. The bytes go into one fixed scratch buffer, so a peer
  // cannot grow memory here; one refused before its body (not authenticated) gets 1 s and 1 MiB,
  // enough for the 401 to reach a client that reads its answer, little to hold a slot with.
  asio::awaitable<void> lingerClose(Connection& conn) {
    boost::system::error_code ec;
    auto& tcp_layer = conn.tcp();
    if (!tcp_layer.socket().is_open()) co_return;
    tcp_layer.socket().shutdown(tcp::socket::shutdown_send, ec);
    const bool brief = conn.refused_before_body;
    tcp_layer.expires_after(brief ? std::chrono::seconds(1) : std::chrono::seconds(2));
    const size_t budget = brief ? 1024 * 1024 : 16 * 1024 * 1024;
    std::array<char, 16 * 1024> scratch;
    size_t dropped = 0;
    while (!ec && dropped < budget && !draining) {
      size_t n = 0;
      std::tie(ec, n) = co_await tcp_layer.async_read_some(asio::buffer(scratch), kTuple);
      dropped += n;
    }
  }

  asio::awaitable<void> plainSession(std::shared_ptr<StreamConnection<beast::tcp_stream>> conn) {
    auto self = shared_from_this();
    co_await requestLoop(*conn, conn->stream, remoteOf(*conn));
    if (conn->unread_input) co_await lingerClose(*conn);
    closeSocket(*conn);
    forget(conn);
  }

  asio::awaitable<void> tlsSession(std::shared_ptr<StreamConnection<SslStream>> conn) {
    auto self = shared_from_this();
    const std::string remote = remoteOf(*conn);
    auto& stream = conn->stream;
    conn->tcp().expires_after(options.header_timeout);
    auto [hec] = co_await stream.async_handshake(ssl::stream_base::server, kTuple);
    if (hec) {
      co_await handshakeFailed(*conn, remote, hec);
    } else {
      co_await requestLoop(*conn, stream, remote);
      // close_notify without waiting for the peer's (as nginx does): HTTP frames every message
      // itself, and waiting would hold a draining server on clients that never answer.
      if (conn->tcp().socket().is_open()) {
        SSL_set_shutdown(stream.native_handle(), SSL_RECEIVED_SHUTDOWN);
        conn->tcp().expires_after(std::min<std::chrono::steady_clock::duration>(
            options.write_timeout, std::chrono::seconds(2)));
        co_await stream.async_shutdown(kTuple);
      }
      if (conn->unread_input) co_await lingerClose(*conn);
    }
    closeSocket(*conn);
    forget(conn);
  }

  // A failed handshake is the client's problem: it is counted and logged, never fatal. A plain
  // HTTP request on the TLS port gets a plain 400 saying so, which is what the person running
  // curl http://... needs to see.
  asio::awaitable<void> handshakeFailed(Connection& conn, const std::string& remote,
                                        const boost::system::error_code& ec) {
    const bool ssl_error = ec.category() == asio::error::get_ssl_category();
    const int reason = ssl_error ? ERR_GET_REASON(static_cast<unsigned long>(ec.value())) : 0;
    if (reason == SSL_R_HTTP_REQUEST) {
      countHandshakeFailure("plain_http");  // before answering, so a client that saw the 400 sees it
      spdlog::info("{}: plain HTTP request on the TLS port, answered 400", remote);
      Request req;
      req.method = "?";
      req.request_id = randomRequestId();
      auto r = Response::error(
          Error::badRequest("this port speaks HTTPS: use an https:// URL"));
      co_await writeResponse(conn.tcp(), req, r, 11, false);
    } else if (ec == asio::error::operation_aborted) {
      co_return;  // the server is shutting down
    } else if (ec == beast::error::timeout) {
      countHandshakeFailure("timeout");
      spdlog::debug("{}: TLS handshake not finished within {} s", remote,
                    options.header_timeout.count());
    } else if (ec == asio::error::eof || ec == asio::error::connection_reset ||
               ec == ssl::error::stream_truncated) {
      countHandshakeFailure("closed");
      spdlog::debug("{}: closed the connection during the TLS handshake", remote);
    } else {
      countHandshakeFailure("protocol");
      spdlog::info("{}: TLS handshake failed: {}", remote, sslReason(ec));
    }
  }

  void countHandshakeFailure(const std::string& reason) {
    if (tls_failures != nullptr) tls_failures->Add({{"reason", reason}}).Increment();
  }

  void forget(const std::shared_ptr<Connection>& conn) {
    std::function<void()> done;
    {
      std::lock_guard lock(mu);
      if (connections.erase(conn) > 0) admission.closed(conn->address, conn->authenticated);
      if (draining && connections.empty() && on_drained && !drained_called) {
        drained_called = true;
        done = on_drained;
      }
    }
    updateConnectionGauges();
    if (done) done();
  }

  // 404 or 405 for a request no route takes: answered from the head, its body never read.
  static Response noRoute(const Request& req, const RouteMatch& match) {
    if (match.path_known) {
      std::string allow;
      for (const auto& m : match.allowed_methods) allow += (allow.empty() ? "" : ", ") + m;
      auto r = Response::error(
          {ErrorCode::kMethodNotAllowed, req.method + " is not allowed on " + req.path, {}});
      r.headers.set("Allow", allow);
      return r;
    }
    return Response::error(Error::notFound("no such endpoint: " + req.path));
  }

  // What is decided from the head alone: a path the server refuses, no route, or a before-body
  // hook's refusal (authentication). nullopt: read the body and dispatch.
  asio::awaitable<std::optional<Response>> answerFromHead(Request& req, const RouteMatch& match) {
    if (match.route == nullptr) co_return noRoute(req, match);
    req.path_params = match.params;
    for (const auto& m : before_body) {
      if (auto early = co_await m(req, *match.route)) co_return early;
    }
    co_return std::nullopt;
  }

  asio::awaitable<Response> dispatch(Request& req, const RouteMatch& match) {
    for (const auto& m : middleware) {
      if (auto early = co_await m(req, *match.route)) co_return std::move(*early);
    }
    co_return co_await match.route->handler(req);
  }

  // Writes a complete (non-streaming) response. Returns false on a write error.
  template <class Stream>
  asio::awaitable<bool> writeResponse(Stream& stream, const Request& req, Response& resp,
                                      unsigned version, bool keep_alive) {
    const std::string head = responseHead(resp, options.service_name, req.request_id, version,
                                          keep_alive);
    const bool bodiless = req.method == "HEAD" || noBodyAllowed(resp.status);
    const std::array<asio::const_buffer, 2> out{
        asio::buffer(head), bodiless ? asio::const_buffer() : asio::buffer(resp.body)};
    beast::get_lowest_layer(stream).expires_after(options.write_timeout);
    auto [ec, n] = co_await asio::async_write(stream, out, kTuple);
    co_return !ec;
  }

  template <class Stream>
  class SocketStreamWriter final : public StreamWriter {
   public:
    SocketStreamWriter(Stream& s, Impl& impl) : stream_(s), impl_(impl) {}
    asio::awaitable<bool> write(std::string data) override {
      if (impl_.draining) co_return false;
      beast::get_lowest_layer(stream_).expires_after(impl_.options.write_timeout);
      auto [ec, n] = co_await asio::async_write(stream_, asio::buffer(data), kTuple);
      co_return !ec;
    }

   private:
    Stream& stream_;
    Impl& impl_;
  };

  static bool peerWentAway(const boost::system::error_code& ec) {
    return ec == beast::error::timeout || ec == asio::error::eof ||
           ec == bhttp::error::partial_message || ec == asio::error::connection_reset ||
           ec == ssl::error::stream_truncated;
  }

  // Requests on one connection until it closes, times out, or the server drains.
  template <class Stream>
  asio::awaitable<void> requestLoop(Connection& connection, Stream& stream, const std::string& remote) {
    Connection* conn = &connection;
    beast::flat_buffer buffer;
    bool first = true;
    for (;;) {
      conn->busy = false;
      if (draining) break;
      conn->tcp().expires_after(first ? options.header_timeout : options.idle_timeout);
      first = false;
      bhttp::request_parser<bhttp::empty_body> header_parser;
      header_parser.header_limit(static_cast<uint32_t>(options.header_limit));
      header_parser.body_limit(boost::none);  // the route's own limit is applied below
      auto hec = co_await readHeaderBlock(stream, buffer, options.header_limit);
      const bool obs_fold = !hec && hasObsFold(bytesOf(buffer));
      if (!hec) {
        // The whole header is in `buffer` now: parse it in place. Beast's async read would post
        // its completion although no byte is read, a scheduler round trip per request.
        buffer.consume(header_parser.put(buffer.data(), hec));
        if (hec == bhttp::error::need_more) {
          std::tie(hec, std::ignore) =
              co_await bhttp::async_read_header(stream, buffer, header_parser, kTuple);
        }
      }
      conn->busy = true;
      const auto started = std::chrono::steady_clock::now();
      Request req;
      req.remote_address = remote;
      req.request_id = randomRequestId();
      if (hec) {
        if (hec == bhttp::error::header_limit) {
          req.method = "?";
          auto r = Response::error({ErrorCode::kBadRequest, "request headers too large", "headers"});
          r.status = 431;
          co_await writeResponse(stream, req, r, 11, false);
        } else if (hec != bhttp::error::end_of_stream && hec != asio::error::operation_aborted &&
                   !peerWentAway(hec) && buffer.size() > 0) {
          req.method = "?";
          auto r = Response::error(Error::badRequest("malformed HTTP request: " + hec.message()));
          co_await writeResponse(stream, req, r, 11, false);
        }
        break;
      }
      if (auto problem = framingProblem(obs_fold, header_parser.get()); !problem.empty()) {
        req.method = "?";
        auto r = Response::error(Error::badRequest(problem, "headers"));
        co_await writeResponse(stream, req, r, 11, false);
        break;
      }
      if (auto problem = targetProblem(header_parser.get().target()); !problem.empty()) {
        req.method = "?";
        auto r = Response::error(Error::badRequest(problem, "path"));
        co_await writeResponse(stream, req, r, 11, false);
        break;
      }
      auto& head = header_parser.get();
      fillRequestHead(head, req);
      if (auto rid = req.headers.get("X-Request-Id"); acceptableRequestId(rid)) {
        req.request_id = std::string(rid);
      }
      const unsigned version = head.version();
      bool keep_alive = head.keep_alive();

      const RouteMatch match = router.match(req.method, req.path);
      const size_t limit = match.route ? match.route->options.body_limit : 64 * 1024;

      Response resp;
      std::optional<Response> early;
      try {
        early = co_await answerFromHead(req, match);
      } catch (const std::exception& e) {
        spdlog::error("request {} {} failed before its body: {} (request id {})", req.method,
                      req.path, e.what(), req.request_id);
        early = Response::error(Error::internal("internal error (request id " + req.request_id + ")"));
      }
      if (!req.principal.empty()) markAuthenticated(*conn);
      bool read_ok = true;
      if (early) {
        resp = std::move(*early);
        if (!header_parser.is_done()) {
          // The body is not read at all: the connection cannot carry another request, and the
          // refused client must not be able to make the server hold its bytes.
          read_ok = false;
          conn->refused_before_body = true;
        }
      } else {
        // Beast checks Content-Length against the limit when it parses the header, which the
        // header-only parser did with its own default, so a declared length is checked here.
        const auto declared = header_parser.content_length();
        bhttp::request_parser<bhttp::string_body> parser(std::move(header_parser));
        parser.body_limit(limit);
        conn->tcp().expires_after(options.body_timeout);
        boost::system::error_code bec = bhttp::error::body_limit;
        if (!declared || *declared <= limit) {
          // What the buffer already holds is parsed in place (usually the whole body of a small
          // request); only the rest is read.
          parser.eager(true);
          bec = {};
          while (!parser.is_done() && buffer.size() > 0) {
            const size_t used = parser.put(buffer.data(), bec);
            buffer.consume(used);
            if (bec || used == 0) break;
          }
          if (bec == bhttp::error::need_more) bec = {};
          if (!bec && !parser.is_done()) {
            auto [read_ec, read_n] = co_await bhttp::async_read(stream, buffer, parser, kTuple);
            bec = read_ec;
          }
        }
        if (bec) {
          read_ok = false;
          if (bec == bhttp::error::body_limit) {
            resp = Response::error({ErrorCode::kPayloadTooLarge,
                                    "request body exceeds the limit of " + std::to_string(limit) +
                                        " bytes for this endpoint",
                                    "body"});
          } else if (peerWentAway(bec)) {
            break;  // the client went away mid-body; nothing to answer
          } else {
            resp = Response::error(Error::badRequest("malformed HTTP request: " + bec.message()));
          }
        } else {
          req.body = std::move(parser.get().body());
        }
      }

      if (early) {
        if (!read_ok) {
          keep_alive = false;
          conn->unread_input = true;
        }
      } else if (read_ok) {
        try {
          resp = co_await dispatch(req, match);
        } catch (const std::exception& e) {
          spdlog::error("request {} {} failed: {} (request id {})", req.method, req.path, e.what(),
                        req.request_id);
          resp = Response::error(Error::internal("internal error (request id " + req.request_id + ")"));
        }
      } else {
        keep_alive = false;  // the unread body makes the connection unusable
        conn->unread_input = true;
      }

      const int status = resp.status;
      size_t bytes = resp.body.size();
      bool ok;
      if (resp.stream) {
        bhttp::response<bhttp::empty_body> head_out{static_cast<bhttp::status>(resp.status), version};
        for (const auto& [k, v] : resp.headers.all()) head_out.insert(k, v);
        head_out.set(bhttp::field::server, options.service_name);
        head_out.set("X-Request-Id", req.request_id);
        head_out.keep_alive(false);
        bhttp::response_serializer<bhttp::empty_body> sr{head_out};
        conn->tcp().expires_after(options.write_timeout);
        auto [wec, wn] = co_await bhttp::async_write_header(stream, sr, kTuple);
        if (!wec) {
          SocketStreamWriter<Stream> writer(stream, *this);
          co_await resp.stream(writer);
        }
        ok = false;  // a stream always ends the connection
      } else {
        ok = co_await writeResponse(stream, req, resp, version, keep_alive && !draining);
      }
      const double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      if (options.access_log) {
        options.access_log->record(
            {remote, req.method, req.path, status, bytes, seconds, req.request_id, req.principal});
      }
      record(match.route, req.method, status, seconds);
      if (!ok || !keep_alive || draining) break;
    }
  }
};

Server::Server(asio::io_context& io, const Router& router, ServerOptions options,
               std::shared_ptr<prometheus::Registry> metrics)
    : impl_(std::make_shared<Impl>(io, nullptr, router, std::move(options), std::move(metrics))) {}

Server::Server(EventLoops& loops, const Router& router, ServerOptions options,
               std::shared_ptr<prometheus::Registry> metrics)
    : impl_(std::make_shared<Impl>(loops.main(), &loops, router, std::move(options),
                                   std::move(metrics))) {}

Server::~Server() = default;

void Server::use(Middleware middleware) { impl_->middleware.push_back(std::move(middleware)); }

void Server::useBeforeBody(Middleware middleware) {
  impl_->before_body.push_back(std::move(middleware));
}

Result<BoundEndpoint> Server::start() {
  auto ep = parseListen(impl_->options.listen);
  if (!ep) return ep.error();
  if (impl_->options.tls()) {
    auto ctx = makeServerTlsContext(impl_->options);
    if (!ctx) return ctx.error();
    impl_->tls = std::move(*ctx);
    if (impl_->registry) {
      impl_->tls_failures = &prometheus::BuildCounter()
                                 .Name("npufleet_http_tls_handshake_failures_total")
                                 .Help("TLS handshakes that failed, by reason (timeout, closed, "
                                       "plain_http, protocol)")
                                 .Register(*impl_->registry);
    }
  }
  const auto& o = impl_->options;
  impl_->admission.setLimits({o.max_connections, o.max_unauthenticated_connections,
                              o.max_unauthenticated_per_address, !impl_->before_body.empty()});
  if (impl_->registry && impl_->refused_connections == nullptr) {
    impl_->refused_connections =
        &prometheus::BuildCounter()
             .Name("npufleet_http_connections_refused_total")
             .Help("Connections answered 503 and closed at accept, by reason (max_connections, "
                   "unauthenticated_total, unauthenticated_per_address, no_descriptors)")
             .Register(*impl_->registry);
    // Every reason's series now, at 0: the set is fixed, a scrape shows each before the first
    // refusal, and nothing is created while the process is out of descriptors (where even the
    // sanitizers' own checks fail: UBSan's vptr check needs a pipe).
    for (const auto refusal : {ConnectionAdmission::Refusal::kMaxConnections,
                               ConnectionAdmission::Refusal::kUnauthenticatedTotal,
                               ConnectionAdmission::Refusal::kUnauthenticatedPerAddress}) {
      impl_->refused_connections->Add({{"reason", std::string(ConnectionAdmission::label(refusal))}});
    }
    impl_->refused_connections->Add({{"reason", "no_descriptors"}});
    impl_->open_gauge = &prometheus::BuildGauge()
                             .Name("npufleet_http_open_connections")
                             .Help("Connections open now")
                             .Register(*impl_->registry)
                             .Add({});
    impl_->unauthenticated_gauge =
        &prometheus::BuildGauge()
             .Name("npufleet_http_unauthenticated_connections")
             .Help("Open connections on which no request has been authenticated yet")
             .Register(*impl_->registry)
             .Add({});
  }
  if (impl_->reserve_fd < 0) impl_->reserve_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  boost::system::error_code ec;
  auto& acc = impl_->acceptor;
  acc.open(ep->protocol(), ec);
  if (!ec) acc.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acc.bind(*ep, ec);
  if (!ec) acc.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Error{ErrorCode::kUnavailable,
                 "cannot listen on " + impl_->options.listen + ": " + ec.message(), "listen"};
  }
  auto local = acc.local_endpoint();
  asio::co_spawn(acc.get_executor(), impl_->acceptLoop(), asio::detached);
  return BoundEndpoint{local.address().to_string(), local.port(), impl_->tls != nullptr};
}

void Server::shutdown(std::chrono::milliseconds grace, std::function<void()> done) {
  auto impl = impl_;
  asio::post(impl->acceptor.get_executor(), [impl, grace, done = std::move(done)]() mutable {
    impl->draining = true;
    boost::system::error_code ignored;
    impl->acceptor.close(ignored);
    std::vector<std::shared_ptr<Connection>> idle;
    bool empty;
    {
      std::lock_guard lock(impl->mu);
      impl->on_drained = done;
      for (const auto& c : impl->connections) {
        if (!c->busy) idle.push_back(c);
      }
      empty = impl->connections.empty();
      if (empty) impl->drained_called = true;
    }
    for (auto& c : idle) {
      asio::post(c->tcp().get_executor(), [c] {
        if (!c->busy) c->tcp().cancel();
      });
    }
    if (empty) {
      done();
      return;
    }
    auto timer = std::make_shared<asio::steady_timer>(impl->io, grace);
    timer->async_wait([impl, timer](const boost::system::error_code&) {
      std::function<void()> fire;
      size_t still_open = 0;
      {
        std::lock_guard lock(impl->mu);
        if (!impl->drained_called) {
          impl->drained_called = true;
          fire = impl->on_drained;
          still_open = impl->connections.size();
        }
      }
      if (fire) {
        spdlog::warn("shutdown grace period over with {} connection(s) still open", still_open);
        fire();
      }
    });
  });
}

size_t Server::activeConnections() const {
  std::lock_guard lock(impl_->mu);
  return impl_->connections.size();
}

}  // namespace npufleet::http
