#include "http/Client.h"

#include <boost/asio.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <deque>
#include <map>
#include <mutex>

namespace npufleet::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

namespace {

std::string seconds(std::chrono::milliseconds d) {
  if (d.count() % 1000 == 0) return std::to_string(d.count() / 1000) + " s";
  return std::to_string(d.count()) + " ms";
}

struct Pooled {
  std::unique_ptr<beast::tcp_stream> stream;
  std::chrono::steady_clock::time_point idle_since;
};

}  // namespace

struct Client::Impl {
  asio::any_io_executor executor;
  Options options;
  std::mutex mu;
  std::map<std::string, std::deque<Pooled>> idle;

  std::unique_ptr<beast::tcp_stream> take(const std::string& key) {
    std::lock_guard lock(mu);
    auto it = idle.find(key);
    if (it == idle.end()) return nullptr;
    auto now = std::chrono::steady_clock::now();
    while (!it->second.empty()) {
      Pooled p = std::move(it->second.back());
      it->second.pop_back();
      if (now - p.idle_since < options.idle_ttl && p.stream->socket().is_open()) {
        return std::move(p.stream);
      }
    }
    return nullptr;
  }

  void give(const std::string& key, std::unique_ptr<beast::tcp_stream> s) {
    std::lock_guard lock(mu);
    auto& q = idle[key];
    if (q.size() >= options.max_idle_per_target) return;
    q.push_back({std::move(s), std::chrono::steady_clock::now()});
  }

  // One attempt on one connection. `reused` marks a pooled connection, whose failure before any
  // response byte may just mean the peer closed it while idle.
  asio::awaitable<ClientResult> exchange(beast::tcp_stream& stream, const ClientRequest& req,
                                         std::chrono::steady_clock::time_point deadline,
                                         bool& keep, bool& stale) {
    ClientResult result;
    bhttp::request<bhttp::string_body> out{bhttp::string_to_verb(req.method), req.target, 11};
    out.set(bhttp::field::host, req.host + ":" + std::to_string(req.port));
    for (const auto& [k, v] : req.headers.all()) out.set(k, v);
    out.body() = req.body;
    out.keep_alive(true);
    out.prepare_payload();
    stream.expires_at(deadline);
    auto [wec, wn] = co_await bhttp::async_write(stream, out, kTuple);
    if (wec) {
      stale = true;
      result.failure = wec == beast::error::timeout ? ClientFailure::kTimeout : ClientFailure::kReset;
      result.message = wec == beast::error::timeout ? "timed out after " + seconds(req.total_timeout)
                                                    : "connection lost: " + wec.message();
      co_return result;
    }
    beast::flat_buffer buffer;
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
                 rec == bhttp::error::end_of_stream || rec == bhttp::error::partial_message) {
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
    keep = msg.keep_alive();
    co_return result;
  }

  asio::awaitable<ClientResult> send(ClientRequest req) {
    const auto start = std::chrono::steady_clock::now();
    const auto deadline = start + req.total_timeout;
    const std::string key = req.host + ":" + std::to_string(req.port);

    for (int attempt = 0; attempt < 2; ++attempt) {
      bool reused = false;
      std::unique_ptr<beast::tcp_stream> stream;
      if (attempt == 0) stream = take(key);
      if (stream) {
        reused = true;
      } else {
        stream = std::make_unique<beast::tcp_stream>(executor);
        ClientResult failed;
        boost::system::error_code ec;
        auto addr = asio::ip::make_address(req.host, ec);
        std::vector<tcp::endpoint> endpoints;
        if (!ec) {
          endpoints.emplace_back(addr, req.port);
        } else {
          tcp::resolver resolver(executor);
          auto [rec, results] =
              co_await resolver.async_resolve(req.host, std::to_string(req.port), kTuple);
          if (rec) {
            failed.failure = ClientFailure::kResolve;
            failed.message = "cannot resolve '" + req.host + "': " + rec.message();
            co_return failed;
          }
          for (const auto& r : results) endpoints.push_back(r.endpoint());
        }
        auto connect_deadline = std::min(deadline, std::chrono::steady_clock::now() + req.connect_timeout);
        stream->expires_at(connect_deadline);
        auto [cec, cep] = co_await stream->async_connect(endpoints, kTuple);
        if (cec) {
          if (cec == beast::error::timeout) {
            bool total = connect_deadline == deadline;
            failed.failure = total ? ClientFailure::kTimeout : ClientFailure::kConnectTimeout;
            failed.message = total ? "timed out after " + seconds(req.total_timeout)
                                   : "connect timed out after " + seconds(req.connect_timeout);
          } else if (cec == asio::error::connection_refused) {
            failed.failure = ClientFailure::kConnectRefused;
            failed.message = "connection refused";
          } else {
            failed.failure = ClientFailure::kConnectRefused;
            failed.message = "cannot connect: " + cec.message();
          }
          co_return failed;
        }
        stream->socket().set_option(tcp::no_delay(true), ec);
      }
      bool keep = false;
      bool stale = false;
      ClientResult r = co_await exchange(*stream, req, deadline, keep, stale);
      if (r.ok()) {
        if (keep) {
          stream->expires_never();
          give(key, std::move(stream));
        }
        co_return r;
      }
      // A pooled connection the worker had already closed: try once more on a fresh one.
      if (reused && stale && std::chrono::steady_clock::now() < deadline) continue;
      co_return r;
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

asio::awaitable<ClientResult> Client::send(ClientRequest request) {
  auto impl = impl_;  // keeps the pool alive across the suspension
  co_return co_await impl->send(std::move(request));
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

bool parseBaseUrl(const std::string& url, std::string& host, uint16_t& port) {
  std::string rest;
  if (url.rfind("http://", 0) == 0) {
    rest = url.substr(7);
  } else {
    return false;
  }
  while (!rest.empty() && rest.back() == '/') rest.pop_back();
  if (rest.find('/') != std::string::npos) return false;
  auto colon = rest.rfind(':');
  if (colon == std::string::npos || rest.back() == ']') {
    host = rest;
    port = 80;
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

}  // namespace npufleet::http
