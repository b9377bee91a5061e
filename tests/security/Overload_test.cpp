// What a client without a token or a key can make a real control plane or worker hold (issue
// 20, items 1 to 3): a body is never read before the request is authenticated from its head;
// connections not yet authenticated are capped per address, and all connections per process;
// a request's method cannot add metric series; running out of file descriptors makes the
// server back off instead of spinning on accept.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <thread>
#include <vector>

#include "RawHttp.h"
#include "server/ServerHarness.h"
#include "worker/WorkerHarness.h"

namespace npufleet::testing {
namespace {

using worker::testing::WorkerHarness;

// A connected socket that sends nothing until it is closed: a slot held open.
class IdleConnection {
 public:
  IdleConnection(uint16_t port, const std::string& source = {}) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (!source.empty()) {
      sockaddr_in local{};
      local.sin_family = AF_INET;
      ::inet_pton(AF_INET, source.c_str(), &local.sin_addr);
      ::bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof local);
    }
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~IdleConnection() {
    if (fd_ >= 0) ::close(fd_);
  }
  IdleConnection(const IdleConnection&) = delete;
  IdleConnection& operator=(const IdleConnection&) = delete;
  bool connected() const { return connected_; }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

size_t occurrences(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
  return n;
}

// The worker's /metrics (signed), retried while the connections a test just closed are still
// being counted: the server learns of a close when it next reads from the socket.
std::string workerMetrics(WorkerHarness& worker) {
  for (int attempt = 0; attempt < 50; ++attempt) {
    auto r = worker.call("GET", "/metrics");
    if (r.ok() && r.response.status == 200) return r.response.body;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return {};
}

// The value of one series in a Prometheus text answer; -1 when absent. A refusal is counted at
// least once: workerMetrics' own retries may be refused too while the held slots drain.
double seriesValue(const std::string& metrics, const std::string& series) {
  const auto p = metrics.find("\n" + series + " ");
  if (p == std::string::npos) return -1;
  return std::stod(metrics.substr(p + series.size() + 2));
}

std::string bodyHead(const std::string& method, const std::string& path, uint16_t port,
                     size_t content_length) {
  return method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
         "\r\nContent-Type: application/json\r\nContent-Length: " +
         std::to_string(content_length) + "\r\n\r\n";
}

// The issue's attack: a 62 MB inference body with no signature. Only the head is sent: a server
// that read bodies before authenticating would wait for the rest until the 30 s body timeout
// (the answer below is awaited for 5 s), and buffer it all once sent.
TEST(OverloadTest, WorkerRefusesAnUnsignedBodyFromItsHeadAndClosesTheConnection) {
  WorkerHarness worker;
  std::string error;
  ASSERT_TRUE(worker.start({}, {}, &error)) << error;
  const uint16_t port = worker.process().port();
  auto ex = rawExchangeInParts("127.0.0.1", port,
                               {bodyHead("POST", "/inference", port, 62'000'000), "{\"model\":"},
                               std::chrono::milliseconds(50));
  ASSERT_EQ(ex.responses.size(), 1u) << ex.describe();
  EXPECT_EQ(ex.responses[0].status, 401) << ex.describe();
  EXPECT_NE(ex.responses[0].body.find("missing header"), std::string::npos) << ex.describe();
  EXPECT_TRUE(ex.closed) << "the connection must be closed without reading the body";
}

TEST(OverloadTest, WorkerStillChecksTheBodyDigestOfASignedRequestAfterReadingIt) {
  WorkerHarness worker;
  std::string error;
  ASSERT_TRUE(worker.start({}, {}, &error)) << error;
  auto r = worker.request("POST", "/models/load", R"({"model_id":"embedding-mlp"})");
  auto signer = auth::ServiceSigner::create("main-backend", worker.key(), SystemClock::instance());
  ASSERT_TRUE(signer->sign(r).ok());
  r.body = R"({"model_id":"cnn-classifier"})";  // same length, another body
  auto result = http::sendBlocking(std::move(r));
  ASSERT_TRUE(result.ok()) << result.message;
  EXPECT_EQ(result.response.status, 401);
  EXPECT_NE(result.response.body.find("body digest mismatch"), std::string::npos)
      << result.response.body;
  auto ok = worker.call("POST", "/models/load", R"({"model_id":"embedding-mlp"})");
  ASSERT_TRUE(ok.ok()) << ok.message;
  EXPECT_EQ(ok.response.status, 200) << ok.response.body;
}

TEST(OverloadTest, ControlPlaneRefusesATokenlessBodyFromItsHeadAndClosesTheConnection) {
  ServerHarness server;
  server.start();
  const uint16_t port = server.process->port();
  auto ex = rawExchangeInParts("127.0.0.1", port,
                               {bodyHead("POST", "/api/npu/inference", port, 16'000'000), "{"},
                               std::chrono::milliseconds(50));
  ASSERT_EQ(ex.responses.size(), 1u) << ex.describe();
  EXPECT_EQ(ex.responses[0].status, 401) << ex.describe();
  EXPECT_TRUE(ex.closed);
  // An authenticated body is still read and handled.
  auto r = server.call("POST", "/api/tokens", R"({"name":"ci","role":"viewer"})");
  EXPECT_EQ(r.status, 201) << r.body;
}

TEST(OverloadTest, WorkerCapsUnauthenticatedConnectionsPerAddressAndCountsTheRefusals) {
  WorkerHarness worker;
  std::string error;
  ASSERT_TRUE(worker.start({{"NPUFLEET_WORKER_MAX_UNAUTHENTICATED_PER_ADDRESS", "3"}}, {}, &error))
      << error;
  const uint16_t port = worker.process().port();
  {
    std::vector<std::unique_ptr<IdleConnection>> held;
    for (int i = 0; i < 3; ++i) {
      held.push_back(std::make_unique<IdleConnection>(port));
      ASSERT_TRUE(held.back()->connected());
    }
    // The three are accepted before the fourth arrives: the server answers in order.
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    auto over = rawExchangeInParts("127.0.0.1", port, {""}, std::chrono::milliseconds(0));
    ASSERT_EQ(over.responses.size(), 1u) << over.describe();
    EXPECT_EQ(over.responses[0].status, 503) << over.describe();
    EXPECT_TRUE(over.closed);
    // Another address is not held back by this one's connections.
    auto other = rawExchange("127.0.0.1", port,
                             "GET /livez HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                             std::chrono::seconds(5), "127.0.0.2");
    ASSERT_EQ(other.responses.size(), 1u) << other.describe();
    EXPECT_EQ(other.responses[0].status, 200) << other.describe();
  }
  const std::string metrics = workerMetrics(worker);
  EXPECT_GE(seriesValue(metrics,
                        "npufleet_http_connections_refused_total{reason=\"unauthenticated_per_address\"}"),
            1)
      << metrics;
  EXPECT_NE(worker.process().stderrText().find("max_unauthenticated_per_address (3) reached"),
            std::string::npos)
      << worker.process().stderrText();
}

TEST(OverloadTest, WorkerCapsOpenConnections) {
  WorkerHarness worker;
  std::string error;
  ASSERT_TRUE(worker.start({{"NPUFLEET_WORKER_MAX_CONNECTIONS", "4"}}, {}, &error)) << error;
  const uint16_t port = worker.process().port();
  {
    std::vector<std::unique_ptr<IdleConnection>> held;
    for (int i = 0; i < 4; ++i) held.push_back(std::make_unique<IdleConnection>(port));
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    auto over = rawExchangeInParts("127.0.0.1", port, {""}, std::chrono::milliseconds(0),
                                   std::chrono::seconds(5), "127.0.0.3");
    ASSERT_EQ(over.responses.size(), 1u) << over.describe();
    EXPECT_EQ(over.responses[0].status, 503) << over.describe();
  }
  const std::string metrics = workerMetrics(worker);
  EXPECT_GE(seriesValue(metrics, "npufleet_http_connections_refused_total{reason=\"max_connections\"}"),
            1)
      << metrics;
  EXPECT_NE(worker.process().stderrText().find("max_connections (4) reached"), std::string::npos);
}

// 8,000-character methods, each a new string: the series they would add stay for good.
std::string longMethod(int i) { return std::string(8000, 'M') + std::to_string(i); }

TEST(OverloadTest, WorkerMetricsLabelAnUnknownMethodAsOther) {
  WorkerHarness worker;
  std::string error;
  ASSERT_TRUE(worker.start({}, {}, &error)) << error;
  const uint16_t port = worker.process().port();
  for (int i = 0; i < 5; ++i) {
    auto ex = rawExchange("127.0.0.1", port,
                          longMethod(i) + " /livez HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    ASSERT_EQ(ex.responses.size(), 1u) << ex.describe().substr(0, 300);
  }
  const std::string metrics = workerMetrics(worker);
  ASSERT_FALSE(metrics.empty());
  EXPECT_EQ(metrics.find("MMMMMMMM"), std::string::npos) << "a request's method became a label";
  EXPECT_NE(metrics.find("method=\"other\""), std::string::npos) << metrics;
}

TEST(OverloadTest, ControlPlaneMetricsLabelAnUnknownMethodAsOtherAndUnknownPathsAsOne) {
  ServerHarness server;
  server.start();
  const uint16_t port = server.process->port();
  for (int i = 0; i < 5; ++i) {
    auto ex = rawExchange("127.0.0.1", port,
                          longMethod(i) + " /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    ASSERT_EQ(ex.responses.size(), 1u) << ex.describe().substr(0, 300);
    server.call("GET", "/api/no-such-thing-" + std::to_string(i));
  }
  auto metrics = server.call("GET", "/metrics");
  ASSERT_EQ(metrics.status, 200);
  EXPECT_EQ(metrics.body.find("MMMMMMMM"), std::string::npos) << "a request's method became a label";
  EXPECT_EQ(metrics.body.find("no-such-thing"), std::string::npos) << "a request's path became a label";
  EXPECT_NE(metrics.body.find("method=\"other\""), std::string::npos);
}

// The issue's `ulimit -n 128` with 200 connections. The caps are turned off so that the
// descriptors, not a cap, run out. A server that retried accept at once logged millions of
// "accept failed" lines a second; one that backs off logs a handful, refuses some of the
// waiting clients with 503 (its reserve descriptor), and serves again once descriptors free up.
TEST(OverloadTest, WorkerOutOfDescriptorsBacksOffRefusesCleanlyAndRecovers) {
#if defined(__SANITIZE_ADDRESS__)
  // The sanitizer build's UBSan checks a dynamic type the first time it meets it by reading
  // memory through a pipe, which it cannot open once descriptors have run out: it then reports
  // an "invalid vptr" wherever that happens (an error_category, a metrics family) and stops the
  // worker. The default build runs this test (make test).
  GTEST_SKIP() << "needs descriptors to run out, which the ASan+UBSan runtime cannot survive";
#endif
  WorkerHarness worker;
  worker.open_files_limit = 128;
  std::string error;
  ASSERT_TRUE(worker.start({{"NPUFLEET_WORKER_MAX_CONNECTIONS", "0"},
                            {"NPUFLEET_WORKER_MAX_UNAUTHENTICATED_CONNECTIONS", "0"},
                            {"NPUFLEET_WORKER_MAX_UNAUTHENTICATED_PER_ADDRESS", "0"}},
                           {}, &error))
      << error;
  const uint16_t port = worker.process().port();
  {
    std::vector<std::unique_ptr<IdleConnection>> held;
    for (int i = 0; i < 200; ++i) held.push_back(std::make_unique<IdleConnection>(port));
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    const std::string log = worker.process().stderrText();
    EXPECT_GE(occurrences(log, "accept failed"), 1u) << "the test did not exhaust descriptors";
    EXPECT_LE(occurrences(log, "accept failed"), 5u) << log.substr(0, 2000);
  }
  // Once the clients are gone the worker serves again.
  bool served = false;
  for (int attempt = 0; attempt < 50 && !served; ++attempt) {
    auto ex = rawExchange("127.0.0.1", port, "GET /livez HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                          std::chrono::seconds(2));
    served = ex.responses.size() == 1 && ex.responses[0].status == 200;
    if (!served) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(served);
  const std::string metrics = workerMetrics(worker);
  EXPECT_GE(seriesValue(metrics, "npufleet_http_connections_refused_total{reason=\"no_descriptors\"}"),
            1)
      << metrics;
}

}  // namespace
}  // namespace npufleet::testing
