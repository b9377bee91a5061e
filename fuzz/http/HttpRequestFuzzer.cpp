// libFuzzer target: raw bytes on a control-plane connection, read as http::Server reads them.
//
// The Beast parser configuration and the order of checks are those of the server's request loop
// (src/http/Server.cpp): the header block read whole, obs-fold and Transfer-Encoding refused, a
// header-only parser with the server's 16 KiB header limit and no body limit, the route matched
// on the head, the declared Content-Length checked against the route's body limit, then the body
// read with that limit; keep-alive requests are read one after the other from the same bytes. Each request is dispatched through the real router and handlers
// (support/ControlPlaneWorld) with the bearer-token middleware in front, as the server does.
//
// A second mode sends the bytes to a real http::Server (listening on 127.0.0.1, port 0) serving
// the same world, so that the connection loop itself, with whatever checks it adds, runs too.
//
// Input: byte 0 is the mode, the rest the bytes the client sent.
//   bit 0: run the bearer-token middleware (else the request acts as admin)
//   bits 1-3: how many bytes each read_some returns (1, 2, 7, 64, 512, 4096, ...), so the
//             parser sees requests split at every kind of boundary
//   bit 6: send the bytes to a real http::Server over loopback instead
//   bit 7: the bytes are a worker's *response*, read with http::Client's parser limits
// "@admin-token", "@viewer-token" and "@node" in the bytes are replaced by the world's admin and
// viewer bearer secrets and the id of its npu-worker node, so authenticated requests and
// per-node routes are reachable.
//
// Properties checked (abort = finding): every dispatched request answers a status from the
// API's list (no 500: an exception escaping a handler also aborts); a request accepted by the
// parser never carries both Transfer-Encoding and Content-Length, nor two Content-Length values
// (request smuggling); a body longer than the route's limit is never handed to a handler; every
// JSON response body parses. Over the real server: it answers (or closes) without a 500, and
// every answer it writes is a well-formed HTTP response.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/parse.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>

#include "common/Log.h"
#include "http/Client.h"
#include "http/RequestFraming.h"
#include "http/Server.h"
#include "support/ControlPlaneWorld.h"

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using namespace npufleet;

// A SyncReadStream over the fuzz bytes: read_some hands out at most `chunk` bytes, then EOF.
class ByteStream {
 public:
  ByteStream(std::string_view data, size_t chunk) : data_(data), chunk_(chunk) {}

  template <typename MutableBufferSequence>
  size_t read_some(const MutableBufferSequence& buffers, boost::system::error_code& ec) {
    if (pos_ >= data_.size()) {
      ec = asio::error::eof;
      return 0;
    }
    ec = {};
    size_t n = std::min(chunk_, data_.size() - pos_);
    n = asio::buffer_copy(buffers, asio::buffer(data_.data() + pos_, n));
    pos_ += n;
    return n;
  }
  template <typename MutableBufferSequence>
  size_t read_some(const MutableBufferSequence& buffers) {
    boost::system::error_code ec;
    auto n = read_some(buffers, ec);
    if (ec) throw boost::system::system_error(ec);
    return n;
  }

 private:
  std::string_view data_;
  size_t chunk_;
  size_t pos_ = 0;
};

std::string_view bytesOf(const beast::flat_buffer& buffer) {
  return {static_cast<const char*>(buffer.data().data()), buffer.size()};
}

// The server's request-smuggling defences (http/RequestFraming.h), over the byte stream: read
// until the header block is complete (or too large, or refused as it stands), then refuse
// obs-folded lines and any Transfer-Encoding but a single "chunked" on HTTP/1.1 with a 400.
boost::system::error_code readHeaderBlock(ByteStream& stream, beast::flat_buffer& buffer,
                                          size_t limit) {
  size_t searched = 0;
  while (!http::headerReadDone(bytesOf(buffer), limit, searched)) {
    boost::system::error_code ec;
    const size_t n = stream.read_some(buffer.prepare(8192), ec);
    if (ec) return ec;
    buffer.commit(n);
  }
  return {};
}

std::string substitute(std::string text, const fuzz::ControlPlaneWorld& world) {
  const std::pair<std::string_view, const std::string*> marks[] = {
      {"@admin-token", &world.adminToken()},
      {"@viewer-token", &world.viewerToken()},
      {"@node", &world.workerNodeId()}};
  for (const auto& [mark, value] : marks) {
    for (size_t at = text.find(mark); at != std::string::npos;
         at = text.find(mark, at + value->size())) {
      text.replace(at, mark.size(), *value);
    }
  }
  return text;
}

void checkJson(const http::Response& resp) {
  if (resp.headers.get("Content-Type") != "application/json") return;
  boost::system::error_code ec;
  (void)boost::json::parse(resp.body, ec);
  if (ec) std::abort();
}

// A request must have one unambiguous framing (RFC 9112 6.1, 6.3): no Transfer-Encoding next to
// a Content-Length, nor one that does not end in chunked. A worker's response may use another
// coding and be read to the end of the connection, but never chunked and a length at once.
template <typename Message>
void checkFraming(const Message& head, bool request) {
  const bool coded = head.count(bhttp::field::transfer_encoding) > 0;
  const bool chunked = head.chunked();
  if (request && coded && !chunked) std::abort();
  size_t lengths = 0;
  std::string_view first;
  for (const auto& f : head) {
    if (f.name() != bhttp::field::content_length) continue;
    if (lengths++ == 0) {
      first = f.value();
    } else if (f.value() != first) {
      std::abort();  // two different lengths accepted
    }
  }
  if ((request ? coded : chunked) && lengths > 0) std::abort();  // two framings accepted
}

// Server::Impl::session, one connection, without sockets, timeouts and the access log.
void serveConnection(std::string_view bytes, size_t chunk, bool authenticate) {
  fuzz::ControlPlaneWorld world;
  const std::string text = substitute(std::string(bytes), world);
  ByteStream stream(text, chunk);
  beast::flat_buffer buffer;
  const http::ServerOptions options;  // the header limit the server runs with
  for (int served = 0; served < 16; ++served) {
    bhttp::request_parser<bhttp::empty_body> header_parser;
    header_parser.header_limit(static_cast<uint32_t>(options.header_limit));
    header_parser.body_limit(boost::none);
    boost::system::error_code hec = readHeaderBlock(stream, buffer, options.header_limit);
    const bool obs_fold = !hec && http::hasObsFold(bytesOf(buffer));
    if (!hec) bhttp::read_header(stream, buffer, header_parser, hec);
    if (hec) return;  // the server answers 431 or 400, or nothing, and closes
    if (!http::framingProblem(obs_fold, header_parser.get()).empty()) return;  // 400 and close
    if (!http::targetProblem(header_parser.get().target()).empty()) return;  // 400 and close
    auto& head = header_parser.get();
    checkFraming(head, true);
    http::Request req;
    req.remote_address = "192.0.2.7";
    req.request_id = "fuzz";
    http::fillRequestHead(head, req);
    const bool keep_alive = head.keep_alive();
    const size_t limit = fuzz::bodyLimitFor(world.router(), req);

    const auto declared = header_parser.content_length();
    bhttp::request_parser<bhttp::string_body> parser(std::move(header_parser));
    parser.body_limit(limit);
    boost::system::error_code bec = bhttp::error::body_limit;
    if (!declared || *declared <= limit) bhttp::read(stream, buffer, parser, bec);
    if (bec) return;  // 413 or 400 and close, or the client went away
    req.body = std::move(parser.get().body());
    if (req.body.size() > limit) std::abort();

    http::Response resp = world.handle(req, authenticate);
    if (!fuzz::isExpectedApiStatus(resp.status)) std::abort();
    checkJson(resp);
    if (!keep_alive) return;
  }
}

// http::Client's read of a worker's answer (src/http/Client.cpp, exchange()).
void readWorkerResponse(std::string_view bytes, size_t chunk) {
  ByteStream stream(bytes, chunk);
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  const http::ClientRequest defaults;
  parser.body_limit(defaults.max_response_bytes);
  parser.header_limit(64 * 1024);
  boost::system::error_code ec;
  bhttp::read(stream, buffer, parser, ec);
  if (ec) return;
  auto& msg = parser.get();
  checkFraming(msg, false);
  if (msg.body().size() > defaults.max_response_bytes) std::abort();
  http::ClientResponse out;
  out.status = static_cast<int>(msg.result_int());
  for (const auto& f : msg) out.headers.add(std::string(f.name_string()), std::string(f.value()));
  out.body = std::move(msg.body());
}

// The client side of one connection to the real server: writes the bytes, half-closes, and
// reads until the server closes or stays silent for a moment (an event stream never ends).
asio::awaitable<void> talk(asio::ip::tcp::endpoint server, std::string bytes, std::string& answer) {
  using namespace asio::experimental::awaitable_operators;
  constexpr auto tuple = asio::as_tuple(asio::use_awaitable);
  asio::ip::tcp::socket socket(co_await asio::this_coro::executor);
  auto [cec] = co_await socket.async_connect(server, tuple);
  if (cec) std::abort();
  auto [wec, wn] = co_await asio::async_write(socket, asio::buffer(bytes), tuple);
  boost::system::error_code ignored;
  if (!wec) socket.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
  asio::steady_timer idle(socket.get_executor());
  char chunk[16384];
  for (;;) {
    idle.expires_after(std::chrono::milliseconds(50));
    auto got = co_await (socket.async_read_some(asio::buffer(chunk), tuple) ||
                         idle.async_wait(tuple));
    if (got.index() == 1) break;
    auto [rec, n] = std::get<0>(got);
    answer.append(chunk, n);
    if (rec) break;
  }
  socket.close(ignored);
}

// Every answer the server wrote parses as an HTTP response, and none is a 500. An answer to HEAD
// carries a Content-Length but no body: a "body" that starts with the next status line is one.
void checkAnswers(std::string_view answer) {
  while (!answer.empty()) {
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(boost::none);
    boost::system::error_code ec;
    size_t used = parser.put(asio::buffer(answer.data(), answer.size()), ec);
    if (ec == bhttp::error::need_more) return;  // cut short: the server closed or we stopped reading
    if (ec || !parser.is_header_done()) std::abort();
    if (parser.get().result_int() == 500) std::abort();
    answer.remove_prefix(used);
    if (parser.is_done() || answer.starts_with("HTTP/1.")) continue;
    while (!parser.is_done() && !answer.empty()) {
      used = parser.put(asio::buffer(answer.data(), answer.size()), ec);
      if (ec == bhttp::error::need_more) return;
      if (ec) std::abort();
      answer.remove_prefix(used);
    }
  }
}

void serveOverLoopback(std::string_view bytes, bool authenticate) {
  fuzz::ControlPlaneWorld world;
  const std::string text = substitute(std::string(bytes), world);
  http::ServerOptions options;
  options.listen = "127.0.0.1:0";
  http::Server server(world.io(), world.router(), options, nullptr);
  if (authenticate) server.useBeforeBody(world.middleware());  // as npufleet server installs it
  auto bound = server.start();
  if (!bound) std::abort();
  const asio::ip::tcp::endpoint ep(asio::ip::make_address(bound->host), bound->port);
  std::string answer;
  bool done = false;
  asio::co_spawn(world.io(), talk(ep, text, answer), [&](std::exception_ptr e) {
    if (e) std::rethrow_exception(e);
    done = true;
  });
  auto& io = world.io();
  io.restart();
  while (!done && io.run_one() > 0) {
  }
  server.shutdown(std::chrono::milliseconds(0), [] {});
  world.closeEventStreams();
  io.restart();
  io.run();
  checkAnswers(answer);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  (void)configureLogging("off");  // one access-log line per request would drown the fuzzer
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  static constexpr size_t kChunks[] = {1, 2, 7, 64, 512, 4096, 65536, 1 << 20};
  const uint8_t mode = data[0];
  const size_t chunk = kChunks[(mode >> 1) & 7];
  const std::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);
  if (mode & 0x80) {
    readWorkerResponse(bytes, chunk);
  } else if (mode & 0x40) {
    serveOverLoopback(bytes, (mode & 1) != 0);
  } else {
    serveConnection(bytes, chunk, (mode & 1) != 0);
  }
  return 0;
}
