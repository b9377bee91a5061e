// The pooled http::Client against an http::Server on 127.0.0.1:0, both on one io_context run by
// two threads, as in the control plane: connections are reused, a request whose head would break
// the framing is never sent, and timeouts leave the client usable (the timeout path once raced
// the connection's destruction across io threads).
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio.hpp>
#include <future>
#include <thread>
#include <vector>

#include "http/Client.h"
#include "http/Server.h"

namespace npufleet::http {
namespace {

namespace asio = boost::asio;

class HttpLoopbackTest : public ::testing::Test {
 protected:
  HttpLoopbackTest() : guard(asio::make_work_guard(io)), client(io.get_executor()) {
    router.add("GET", "/hello", [this](Request&) -> asio::awaitable<Response> {
      ++served;
      co_return Response::text(200, "hello");
    });
    router.add("GET", "/slow", [this](Request&) -> asio::awaitable<Response> {
      ++served;
      asio::steady_timer t(io, std::chrono::milliseconds(1500));
      co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
      co_return Response::text(200, "late");
    });
    ServerOptions o;
    o.listen = "127.0.0.1:0";
    server = std::make_unique<Server>(io, router, o, nullptr);
    auto bound = server->start();
    EXPECT_TRUE(bound.ok());
    port = bound->port;
    for (int i = 0; i < 2; ++i) threads.emplace_back([this] { io.run(); });
  }
  ~HttpLoopbackTest() override {
    std::promise<void> done;
    server->shutdown(std::chrono::milliseconds(0), [&] { done.set_value(); });
    done.get_future().wait_for(std::chrono::seconds(5));
    client.closeIdle();
    guard.reset();
    io.stop();
    for (auto& t : threads) t.join();
  }

  ClientRequest request(const std::string& target) const {
    ClientRequest r;
    r.host = "127.0.0.1";
    r.port = port;
    r.target = target;
    return r;
  }

  ClientResult send(ClientRequest r) {
    return asio::co_spawn(io, client.send(std::move(r)), asio::use_future).get();
  }

  asio::io_context io{2};
  asio::executor_work_guard<asio::io_context::executor_type> guard;
  Router router;
  std::unique_ptr<Server> server;
  uint16_t port = 0;
  Client client;
  std::atomic<int> served{0};
  std::vector<std::thread> threads;
};

TEST_F(HttpLoopbackTest, SequentialRequestsShareOnePooledConnection) {
  for (int i = 0; i < 20; ++i) {
    auto r = send(request("/hello"));
    ASSERT_TRUE(r.ok()) << r.message;
    EXPECT_EQ(r.response.status, 200);
    EXPECT_EQ(r.response.body, "hello");
  }
  EXPECT_EQ(served.load(), 20);
  EXPECT_EQ(server->activeConnections(), 1u);
}

TEST_F(HttpLoopbackTest, AHeadThatWouldBreakTheFramingIsNeverSent) {
  auto value = request("/hello");
  value.headers.set("X-Note", "a\r\nX-Injected: 1");
  auto name = request("/hello");
  name.headers.set("Bad Name", "x");
  auto target = request("/hello HTTP/1.1\r\nX-Injected: 1\r\n\r\nGET /hello");
  for (auto* r : {&value, &name, &target}) {
    auto result = send(*r);
    EXPECT_EQ(result.failure, ClientFailure::kProtocol) << result.message;
    EXPECT_NE(result.message.find("request not sent"), std::string::npos) << result.message;
  }
  EXPECT_EQ(served.load(), 0);
  EXPECT_TRUE(send(request("/hello")).ok());
}

TEST_F(HttpLoopbackTest, TimeoutsUnderConcurrencyLeaveTheClientUsable) {
  std::vector<std::future<ClientResult>> slow;
  std::vector<std::future<ClientResult>> fast;
  for (int i = 0; i < 8; ++i) {
    auto r = request("/slow");
    r.total_timeout = std::chrono::milliseconds(100 + 20 * i);
    slow.push_back(asio::co_spawn(io, client.send(r), asio::use_future));
    fast.push_back(asio::co_spawn(io, client.send(request("/hello")), asio::use_future));
  }
  for (auto& f : slow) {
    auto r = f.get();
    EXPECT_EQ(r.failure, ClientFailure::kTimeout) << r.message;
  }
  for (auto& f : fast) {
    auto r = f.get();
    EXPECT_TRUE(r.ok()) << r.message;
  }
  auto after = send(request("/hello"));
  ASSERT_TRUE(after.ok()) << after.message;
  EXPECT_EQ(after.response.body, "hello");
}

}  // namespace
}  // namespace npufleet::http
