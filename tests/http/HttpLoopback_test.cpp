// The pooled http::Client against an http::Server on 127.0.0.1:0, both on one io_context run by
// two threads, as in the control plane: connections are reused, a request whose head would break
// the framing is never sent, and timeouts leave the client usable (the timeout path once raced
// the connection's destruction across io threads). Then the same pieces on http::EventLoops, as
// `npufleet server` runs them: connections spread over the loops and stay on theirs, and a handler
// calling upstream through the client uses that loop's pool with no strand.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio.hpp>
#include <future>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include "http/Client.h"
#include "http/EventLoops.h"
#include "http/Server.h"

namespace npufleet::http {
namespace {

namespace asio = boost::asio;

// GET /hello answers at once, GET /slow after 1.5 s on `io`; `served` counts both.
void addTestRoutes(Router& router, asio::io_context& io, std::atomic<int>& served) {
  router.add("GET", "/hello", [&served](Request&) -> asio::awaitable<Response> {
    ++served;
    co_return Response::text(200, "hello");
  });
  router.add("GET", "/slow", [&io, &served](Request&) -> asio::awaitable<Response> {
    ++served;
    asio::steady_timer t(io, std::chrono::milliseconds(1500));
    co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
    co_return Response::text(200, "late");
  });
}

// Starts `server` on 127.0.0.1 and an ephemeral port; the port.
uint16_t startOnLoopback(Server& server) {
  auto bound = server.start();
  EXPECT_TRUE(bound.ok());
  return bound.ok() ? bound->port : 0;
}

ClientRequest loopbackGet(uint16_t port, const std::string& target) {
  ClientRequest r;
  r.host = "127.0.0.1";
  r.port = port;
  r.target = target;
  return r;
}

ServerOptions loopback() {
  ServerOptions o;
  o.listen = "127.0.0.1:0";
  return o;
}

// Drains `server` at once and waits (5 s at most) until it says it is done.
void drain(Server& server) {
  std::promise<void> done;
  server.shutdown(std::chrono::milliseconds(0), [&] { done.set_value(); });
  done.get_future().wait_for(std::chrono::seconds(5));
}

class HttpLoopbackTest : public ::testing::Test {
 protected:
  HttpLoopbackTest() : guard(asio::make_work_guard(io)), client(io.get_executor()) {
    addTestRoutes(router, io, served);
    server = std::make_unique<Server>(io, router, loopback(), nullptr);
    port = startOnLoopback(*server);
    for (int i = 0; i < 2; ++i) threads.emplace_back([this] { io.run(); });
  }
  ~HttpLoopbackTest() override {
    drain(*server);
    client.closeIdle();
    guard.reset();
    io.stop();
    for (auto& t : threads) t.join();
  }

  ClientRequest request(const std::string& target) const { return loopbackGet(port, target); }

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

// "/index.html%00.png" was served as index.html, typed image/png by its name (issue 20, item 6).
TEST_F(HttpLoopbackTest, ControlCharactersInThePathAreRefusedBeforeAnyRoute) {
  for (std::string target : {"/hello%00", "/hello%00.png", "/hello%0d%0aX-Injected:%201", "/hel%7flo",
                             "/hello%1f", "/hello%zz"}) {
    auto r = send(request(target));
    ASSERT_TRUE(r.ok()) << target << ": " << r.message;
    EXPECT_EQ(r.response.status, 400) << target << ": " << r.response.body;
    EXPECT_NE(r.response.body.find("\"path\""), std::string::npos) << r.response.body;
  }
  EXPECT_EQ(served.load(), 0);
  // A query is the route's to read and check.
  EXPECT_EQ(send(request("/hello?x=%00")).response.status, 200);
}

// An IPv6 literal goes into the Host header in brackets (RFC 9110 7.2): "Host: ::1:PORT" is
// not a host and port any server can split.
TEST(HttpClientIpv6, TheHostHeaderOfAnIpv6LiteralIsBracketed) {
  asio::io_context io{1};
  auto guard = asio::make_work_guard(io);
  Router router;
  router.add("GET", "/host", [](Request& req) -> asio::awaitable<Response> {
    co_return Response::text(200, std::string(req.headers.get("Host")));
  });
  ServerOptions o;
  o.listen = "[::1]:0";
  Server server(io, router, o, nullptr);
  auto bound = server.start();
  if (!bound.ok()) GTEST_SKIP() << "no IPv6 loopback here: " << bound.error().message;
  std::thread t([&] { io.run(); });
  Client client(io.get_executor());
  ClientRequest r;
  r.host = "::1";
  r.port = bound->port;
  r.target = "/host";
  auto result = asio::co_spawn(io, client.send(std::move(r)), asio::use_future).get();
  EXPECT_TRUE(result.ok()) << result.message;
  EXPECT_EQ(result.response.body, "[::1]:" + std::to_string(bound->port));
  drain(server);
  client.closeIdle();
  guard.reset();
  io.stop();
  t.join();
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


TEST(EventLoopsTest, EachLoopRunsOnAThreadOfItsOwnAndKnowsItself) {
  EventLoops loops(3);
  EXPECT_EQ(loops.size(), 3u);
  EXPECT_EQ(EventLoops::current(), nullptr);
  std::mutex mu;
  std::set<std::thread::id> threads;
  std::atomic<int> ran{0};
  std::atomic<bool> knew_itself{true};
  for (size_t i = 0; i < loops.size(); ++i) {
    asio::io_context& loop = loops.at(i);
    asio::post(loop, [&, l = &loop] {
      if (EventLoops::current() != l) knew_itself = false;
      {
        std::lock_guard lock(mu);
        threads.insert(std::this_thread::get_id());
      }
      if (++ran == 3) loops.stop();
    });
  }
  asio::post(loops.main(), [&] {
    std::lock_guard lock(mu);
    threads.insert(std::this_thread::get_id());  // the caller of run()
  });
  loops.run();
  EXPECT_EQ(ran.load(), 3);
  EXPECT_TRUE(knew_itself.load());
  EXPECT_EQ(threads.size(), 3u);
  EXPECT_TRUE(threads.count(std::this_thread::get_id()));
  EXPECT_EQ(EventLoops::current(), nullptr);
}

TEST(EventLoopsTest, ConnectionsGoToTheLoopsBesideTheMainOneUnlessItIsAlone) {
  EventLoops alone(1);
  EXPECT_EQ(&alone.next(), &alone.main());
  EventLoops three(3);
  std::vector<asio::io_context*> order;
  for (int i = 0; i < 4; ++i) order.push_back(&three.next());
  EXPECT_EQ(order, (std::vector<asio::io_context*>{&three.at(1), &three.at(2), &three.at(1),
                                                   &three.at(2)}));
}

TEST(EventLoopsTest, AnExceptionOutOfALoopStopsThemAllAndReachesRun) {
  EventLoops loops(2);
  asio::post(loops.at(1), [] { throw std::runtime_error("handler failed"); });  // its own thread
  try {
    loops.run();
    FAIL() << "run() returned normally";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "handler failed");
  }
}

// The order `npufleet server` ends in: loops stopped with connections still open, the server
// object gone, then the loops. The connections' frames (on every loop) keep the server's state
// and its acceptor (on loop 0) alive until the loops go, so no loop may be destroyed before all
// have dropped their handlers (a heap-use-after-free under ASan, a crash of router_bench at
// SIGTERM, when they went one by one).
TEST(EventLoopsTest, EndingWithOpenConnectionsOnEveryLoopIsClean) {
  auto loops = std::make_unique<EventLoops>(3);
  Router router;
  router.add("GET", "/hello", [](Request&) -> asio::awaitable<Response> {
    co_return Response::text(200, "hello");
  });
  auto server = std::make_unique<Server>(*loops, router, loopback(), nullptr);
  auto bound = server->start();
  ASSERT_TRUE(bound.ok());
  std::thread t([&] { loops->run(); });
  asio::io_context io;
  std::vector<asio::ip::tcp::socket> open;
  for (int i = 0; i < 6; ++i) {  // idle keep-alive connections, three on each serving loop
    open.emplace_back(io);
    open.back().connect({asio::ip::make_address("127.0.0.1"), bound->port});
    const std::string req = "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n";
    asio::write(open.back(), asio::buffer(req));
    char buf[256];
    EXPECT_GT(open.back().read_some(asio::buffer(buf)), 0u);
  }
  EXPECT_EQ(server->activeConnections(), 6u);
  loops->stop();
  t.join();
  server.reset();
  loops.reset();
}

// An upstream server on its own io_context and, in front of it, a server on event loops (the
// main one and two serving connections) whose /proxy handler calls the upstream through one
// Client, as the inference router does.
class EventLoopsServerTest : public ::testing::Test {
 protected:
  EventLoopsServerTest()
      : up_guard(asio::make_work_guard(up_io)), loops(3), client(loops.main().get_executor()) {
    addTestRoutes(upstream_router, up_io, upstream_served);
    upstream = std::make_unique<Server>(up_io, upstream_router, loopback(), nullptr);
    upstream_port = startOnLoopback(*upstream);
    up_thread = std::thread([this] { up_io.run(); });

    router.add("GET", "/where", [this](Request&) -> asio::awaitable<Response> {
      co_return Response::text(200, std::to_string(loopIndex()));
    });
    router.add("GET", "/proxy", [this](Request& req) -> asio::awaitable<Response> {
      const bool slow = req.queryParam("slow").has_value();
      ClientRequest r = upstreamRequest(slow ? "/slow" : "/hello");
      if (slow) r.total_timeout = std::chrono::milliseconds(100);
      const int before = loopIndex();
      auto result = co_await client.send(r);
      if (loopIndex() != before) co_return Response::text(500, "resumed on another loop");
      if (!result.ok()) co_return Response::text(504, result.message);
      co_return Response::text(200, result.response.body);
    });
    server = std::make_unique<Server>(loops, router, loopback(), nullptr);
    port = startOnLoopback(*server);
    loops_thread = std::thread([this] { loops.run(); });
  }
  ~EventLoopsServerTest() override {
    drain(*server);
    loops.stop();
    loops_thread.join();
    client.closeIdle();  // no loop runs now (Client.h)
    drain(*upstream);
    up_guard.reset();
    up_io.stop();
    up_thread.join();
  }

  int loopIndex() {
    for (size_t i = 0; i < loops.size(); ++i) {
      if (EventLoops::current() == &loops.at(i)) return static_cast<int>(i);
    }
    return -1;
  }

  ClientRequest frontRequest(const std::string& target) const { return loopbackGet(port, target); }

  // Sends a request for every target at once, from a client of the test's own; the answers in
  // the targets' order.
  std::vector<ClientResult> sendAll(const std::vector<std::string>& targets) {
    asio::io_context io;
    Client front(io.get_executor());
    std::vector<std::future<ClientResult>> calls;
    for (const auto& t : targets) {
      calls.push_back(asio::co_spawn(io, front.send(frontRequest(t)), asio::use_future));
    }
    io.run();
    std::vector<ClientResult> out;
    for (auto& f : calls) out.push_back(f.get());
    return out;
  }

  ClientRequest upstreamRequest(const std::string& target) const {
    return loopbackGet(upstream_port, target);
  }

  asio::io_context up_io;
  asio::executor_work_guard<asio::io_context::executor_type> up_guard;
  Router upstream_router;
  std::unique_ptr<Server> upstream;
  uint16_t upstream_port = 0;
  std::atomic<int> upstream_served{0};
  std::thread up_thread;

  EventLoops loops;
  Client client;
  Router router;
  std::unique_ptr<Server> server;
  uint16_t port = 0;
  std::thread loops_thread;
};

TEST_F(EventLoopsServerTest, ConnectionsAreSpreadOverTheLoopsAndStayOnTheirs) {
  std::set<std::string> seen;
  for (int i = 0; i < 4; ++i) {  // a connection each
    auto r = sendBlocking(frontRequest("/where"));
    ASSERT_TRUE(r.ok()) << r.message;
    seen.insert(r.response.body);
  }
  EXPECT_EQ(seen, (std::set<std::string>{"1", "2"}));  // the main loop only accepts

  // One keep-alive connection: every request on the loop that accepted it.
  asio::io_context io;
  Client keep_alive(io.get_executor());
  std::set<std::string> on;
  asio::co_spawn(io, [&]() -> asio::awaitable<void> {
    for (int i = 0; i < 10; ++i) {
      auto r = co_await keep_alive.send(frontRequest("/where"));
      on.insert(r.ok() ? r.response.body : r.message);
    }
  }, asio::detached);
  io.run();
  EXPECT_EQ(on.size(), 1u);
  // The keep-alive client's one connection; the server may still be closing the four above.
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (server->activeConnections() > 1 && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(server->activeConnections(), 1u);
}

TEST_F(EventLoopsServerTest, UpstreamCallsFromTheLoopsArePooledPerLoop) {
  for (const auto& r : sendAll(std::vector<std::string>(40, "/proxy"))) {
    ASSERT_TRUE(r.ok()) << r.message;
    EXPECT_EQ(r.response.status, 200) << r.response.body;
    EXPECT_EQ(r.response.body, "hello");
  }
  EXPECT_EQ(upstream_served.load(), 40);
  // At most one upstream connection per request in flight on a loop, reused after.
  EXPECT_LE(upstream->activeConnections(), 40u);
  const size_t pooled = upstream->activeConnections();
  for (int i = 0; i < 20; ++i) {
    auto r = sendBlocking(frontRequest("/proxy"));
    ASSERT_TRUE(r.ok()) << r.message;
    EXPECT_EQ(r.response.body, "hello");
  }
  EXPECT_EQ(upstream->activeConnections(), pooled);
}

TEST_F(EventLoopsServerTest, UpstreamTimeoutsOnTheLoopsLeaveTheClientUsable) {
  std::vector<std::string> targets;
  for (int i = 0; i < 8; ++i) {
    targets.push_back("/proxy?slow=1");
    targets.push_back("/proxy");
  }
  const auto results = sendAll(targets);
  for (size_t i = 0; i < results.size(); ++i) {
    const auto& r = results[i];
    ASSERT_TRUE(r.ok()) << r.message;
    if (targets[i] == "/proxy") {
      EXPECT_EQ(r.response.status, 200) << r.response.body;
    } else {
      EXPECT_EQ(r.response.status, 504) << r.response.body;
      EXPECT_NE(r.response.body.find("timed out"), std::string::npos) << r.response.body;
    }
  }
  auto after = sendBlocking(frontRequest("/proxy"));
  ASSERT_TRUE(after.ok()) << after.message;
  EXPECT_EQ(after.response.body, "hello");
}

}  // namespace
}  // namespace npufleet::http
