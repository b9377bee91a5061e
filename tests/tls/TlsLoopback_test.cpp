// http::Server and http::Client with TLS over loopback, in one process: what a TLS client and a
// plain one see, how certificate and name checks fail, handshake failures counted and survived,
// keep-alive and streaming over TLS, and start-up errors that name the file.
#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_future.hpp>
#include <fstream>
#include <future>
#include <thread>

#include "http/Client.h"
#include "http/Server.h"
#include "support/ProcessFixture.h"
#include "tls/TestCertificate.h"

namespace npufleet::http {
namespace {

namespace asio = boost::asio;
using npufleet::testing::TempDir;
using npufleet::testing::TestCertificate;
using tcp = asio::ip::tcp;

// Certificates shared by every test: `good` is valid for 127.0.0.1 only, `stranger` also but
// under another key nobody trusts, `elsewhere` for another address.
class TlsLoopbackTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir("npufleet-tls-loopback");
    good_ = testing::makeSelfSignedCertificate(dir_->path(), "good", "127.0.0.1", {"IP:127.0.0.1"});
    stranger_ =
        testing::makeSelfSignedCertificate(dir_->path(), "stranger", "127.0.0.1", {"IP:127.0.0.1"});
    elsewhere_ =
        testing::makeSelfSignedCertificate(dir_->path(), "elsewhere", "10.9.8.7", {"IP:10.9.8.7"});
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }

  void SetUp() override {
    router_.add("GET", "/hello", [](Request& req) -> asio::awaitable<Response> {
      co_return Response::text(200, "hello " + req.remote_address);
    });
    router_.add("POST", "/echo", [](Request& req) -> asio::awaitable<Response> {
      co_return Response::text(200, req.body);
    });
    RouteOptions streaming;
    streaming.streaming = true;
    router_.add(
        "GET", "/events",
        [](Request&) -> asio::awaitable<Response> {
          Response r;
          r.headers.set("Content-Type", "text/event-stream");
          r.stream = [](StreamWriter& w) -> asio::awaitable<void> {
            for (int i = 0; i < 3; ++i) {
              if (!co_await w.write("data: " + std::to_string(i) + "\n\n")) co_return;
            }
          };
          co_return r;
        },
        streaming);
    for (int i = 0; i < 2; ++i) threads_.emplace_back([this] { io_.run(); });
  }

  void TearDown() override {
    client_.reset();
    if (server_) {
      std::promise<void> drained;
      server_->shutdown(std::chrono::milliseconds(500), [&] { drained.set_value(); });
      drained.get_future().wait_for(std::chrono::seconds(5));
    }
    work_.reset();
    io_.stop();
    for (auto& t : threads_) t.join();
  }

  ServerOptions tlsOptions(const TestCertificate& cert) const {
    ServerOptions o;
    o.listen = "127.0.0.1:0";
    o.tls_cert_file = cert.cert_file;
    o.tls_key_file = cert.key_file;
    return o;
  }

  void startServer(ServerOptions options) {
    server_ = std::make_unique<Server>(io_, router_, std::move(options), metrics_);
    auto bound = server_->start();
    ASSERT_TRUE(bound.ok()) << bound.error().message;
    port_ = bound->port;
    tls_ = bound->tls;
  }

  ClientRequest request(const std::string& target, bool tls, std::string ca_file) const {
    ClientRequest r;
    r.host = "127.0.0.1";
    r.port = port_;
    r.target = target;
    r.tls = tls;
    r.tls_ca_file = std::move(ca_file);
    r.total_timeout = std::chrono::seconds(10);
    return r;
  }

  // Through one pooled client on the test's io_context (keep-alive visible to the server).
  ClientResult pooledSend(ClientRequest r) {
    if (!client_) client_ = std::make_unique<Client>(io_.get_executor());
    return asio::co_spawn(io_, client_->send(std::move(r)), asio::use_future).get();
  }

  double handshakeFailures(const std::string& reason) const {
    for (const auto& family : metrics_->Collect()) {
      if (family.name != "npufleet_http_tls_handshake_failures_total") continue;
      for (const auto& m : family.metric) {
        for (const auto& l : m.label) {
          if (l.name == "reason" && l.value == reason) return m.counter.value;
        }
      }
    }
    return 0;
  }

  // Opens a TCP connection, writes `bytes`, and reads until the server closes it.
  std::string rawExchange(const std::string& bytes) const {
    asio::io_context io;
    tcp::socket s(io);
    s.connect({asio::ip::make_address("127.0.0.1"), port_});
    if (!bytes.empty()) asio::write(s, asio::buffer(bytes));
    std::string got;
    boost::system::error_code ec;
    char buf[4096];
    for (;;) {
      size_t n = s.read_some(asio::buffer(buf), ec);
      if (ec) break;
      got.append(buf, n);
    }
    return got;
  }

  static inline TempDir* dir_ = nullptr;
  static inline TestCertificate good_, stranger_, elsewhere_;

  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_{io_.get_executor()};
  std::vector<std::thread> threads_;
  Router router_;
  std::shared_ptr<prometheus::Registry> metrics_ = std::make_shared<prometheus::Registry>();
  std::unique_ptr<Server> server_;
  std::unique_ptr<Client> client_;
  uint16_t port_ = 0;
  bool tls_ = false;
};

TEST_F(TlsLoopbackTest, HttpsRequestVerifiedAgainstTheGeneratedCaIsServed) {
  startServer(tlsOptions(good_));
  EXPECT_TRUE(tls_);
  auto r = sendBlocking(request("/hello", true, good_.cert_file));
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(r.response.status, 200);
  EXPECT_EQ(r.response.body, "hello 127.0.0.1");
  EXPECT_FALSE(r.response.headers.get("X-Request-Id").empty());
}

TEST_F(TlsLoopbackTest, KeepAliveRequestsShareOneTlsConnection) {
  startServer(tlsOptions(good_));
  for (int i = 0; i < 5; ++i) {
    auto req = request("/echo", true, good_.cert_file);
    req.method = "POST";
    req.body = "body " + std::to_string(i);
    auto r = pooledSend(std::move(req));
    ASSERT_TRUE(r.ok()) << r.message;
    EXPECT_EQ(r.response.body, "body " + std::to_string(i));
  }
  EXPECT_EQ(server_->activeConnections(), 1u);
}

TEST_F(TlsLoopbackTest, StreamedResponseArrivesWholeOverTls) {
  startServer(tlsOptions(good_));
  auto r = sendBlocking(request("/events", true, good_.cert_file));
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(r.response.status, 200);
  EXPECT_EQ(r.response.body, "data: 0\n\ndata: 1\n\ndata: 2\n\n");
}

TEST_F(TlsLoopbackTest, ClientThatDoesNotTrustTheCertificateFailsWithAVerifyError) {
  startServer(tlsOptions(good_));
  // The system's trust store knows nothing of a certificate made a moment ago.
  auto system = sendBlocking(request("/hello", true, ""));
  EXPECT_EQ(system.failure, ClientFailure::kTls);
  EXPECT_NE(system.message.find("TLS handshake failed: certificate verify failed"), std::string::npos)
      << system.message;
  // Trusting another certificate for the same address is no better.
  auto other = sendBlocking(request("/hello", true, stranger_.cert_file));
  EXPECT_EQ(other.failure, ClientFailure::kTls);
  EXPECT_NE(other.message.find("certificate verify failed"), std::string::npos) << other.message;
  // The server shrugs it off.
  auto ok = sendBlocking(request("/hello", true, good_.cert_file));
  ASSERT_TRUE(ok.ok()) << ok.message;
  EXPECT_GE(handshakeFailures("protocol"), 2);
}

TEST_F(TlsLoopbackTest, CertificateForAnotherNameOrAddressIsRejected) {
  startServer(tlsOptions(good_));
  // Reached as "localhost", a certificate for IP 127.0.0.1 only does not name the host.
  auto by_name = request("/hello", true, good_.cert_file);
  by_name.host = "localhost";
  auto r = sendBlocking(std::move(by_name));
  EXPECT_EQ(r.failure, ClientFailure::kTls);
  EXPECT_NE(r.message.find("hostname mismatch"), std::string::npos) << r.message;
}

TEST_F(TlsLoopbackTest, CertificateForAnotherIpAddressIsRejected) {
  startServer(tlsOptions(elsewhere_));
  auto r = sendBlocking(request("/hello", true, elsewhere_.cert_file));
  EXPECT_EQ(r.failure, ClientFailure::kTls);
  EXPECT_NE(r.message.find("IP address mismatch"), std::string::npos) << r.message;
}

TEST_F(TlsLoopbackTest, RequestWithAnUnreadableCaFileFailsNamingIt) {
  startServer(tlsOptions(good_));
  auto r = sendBlocking(request("/hello", true, dir_->path() + "/absent-ca.pem"));
  EXPECT_EQ(r.failure, ClientFailure::kTls);
  EXPECT_NE(r.message.find("absent-ca.pem"), std::string::npos) << r.message;
}

TEST_F(TlsLoopbackTest, PlainHttpOnTheTlsPortIsAnswered400AndTheServerKeepsServing) {
  startServer(tlsOptions(good_));
  auto plain = sendBlocking(request("/hello", false, ""));
  ASSERT_TRUE(plain.ok()) << plain.message;
  EXPECT_EQ(plain.response.status, 400);
  EXPECT_NE(plain.response.body.find("https://"), std::string::npos) << plain.response.body;
  EXPECT_EQ(handshakeFailures("plain_http"), 1);
  auto secure = sendBlocking(request("/hello", true, good_.cert_file));
  ASSERT_TRUE(secure.ok()) << secure.message;
  EXPECT_EQ(secure.response.status, 200);
}

TEST_F(TlsLoopbackTest, PooledConnectionsAreKeptApartByScheme) {
  startServer(tlsOptions(good_));
  auto secure = pooledSend(request("/hello", true, good_.cert_file));
  ASSERT_TRUE(secure.ok()) << secure.message;
  // Same host and port, plain: must not ride the pooled TLS connection.
  auto plain = pooledSend(request("/hello", false, ""));
  ASSERT_TRUE(plain.ok()) << plain.message;
  EXPECT_EQ(plain.response.status, 400);
  auto again = pooledSend(request("/hello", true, good_.cert_file));
  ASSERT_TRUE(again.ok()) << again.message;
  EXPECT_EQ(again.response.status, 200);
}

TEST_F(TlsLoopbackTest, GarbageAndSilenceOnTheTlsPortAreCountedAndSurvived) {
  ServerOptions o = tlsOptions(good_);
  o.header_timeout = std::chrono::seconds(1);
  startServer(o);
  EXPECT_EQ(rawExchange(std::string("\x16\x03\x01\x00\x05hello-not-tls", 18)).find("HTTP/"),
            std::string::npos);
  // Says nothing: the handshake has header_timeout to finish, then the server hangs up.
  EXPECT_EQ(rawExchange(""), "");
  auto r = sendBlocking(request("/hello", true, good_.cert_file));
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(handshakeFailures("protocol"), 1);
  EXPECT_EQ(handshakeFailures("timeout"), 1);
}

TEST_F(TlsLoopbackTest, TlsClientOnAPlainPortFailsReadably) {
  ServerOptions o;
  o.listen = "127.0.0.1:0";
  startServer(o);
  EXPECT_FALSE(tls_);
  auto r = sendBlocking(request("/hello", true, good_.cert_file));
  EXPECT_EQ(r.failure, ClientFailure::kTls);
  EXPECT_NE(r.message.find("TLS handshake failed"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("plain HTTP"), std::string::npos) << r.message;
}

TEST_F(TlsLoopbackTest, ShutdownClosesIdleTlsConnectionsWithoutWaitingForTheGrace) {
  startServer(tlsOptions(good_));
  ASSERT_TRUE(pooledSend(request("/hello", true, good_.cert_file)).ok());
  ASSERT_EQ(server_->activeConnections(), 1u);
  std::promise<void> drained;
  server_->shutdown(std::chrono::seconds(60), [&] { drained.set_value(); });
  EXPECT_EQ(drained.get_future().wait_for(std::chrono::seconds(20)), std::future_status::ready);
  EXPECT_EQ(server_->activeConnections(), 0u);
  server_.reset();
}

TEST_F(TlsLoopbackTest, MinimumVersion13RefusesATls12OnlyClient) {
  ServerOptions o = tlsOptions(good_);
  o.tls_min_version = "1.3";
  startServer(o);
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  SSL_CTX_set_max_proto_version(ctx.native_handle(), TLS1_2_VERSION);
  asio::io_context io;
  asio::ssl::stream<tcp::socket> s(io, ctx);
  s.next_layer().connect({asio::ip::make_address("127.0.0.1"), port_});
  boost::system::error_code ec;
  s.handshake(asio::ssl::stream_base::client, ec);
  EXPECT_TRUE(ec);
  auto r = sendBlocking(request("/hello", true, good_.cert_file));
  ASSERT_TRUE(r.ok()) << r.message;
}

// Start-up refuses a TLS setting it cannot use, naming the file.
class TlsStartupTest : public TlsLoopbackTest {
 protected:
  std::string startError(ServerOptions o) {
    Server server(io_, router_, std::move(o), nullptr);
    auto bound = server.start();
    if (bound.ok()) return "started";
    return bound.error().message;
  }
};

TEST_F(TlsStartupTest, MissingCertificateFileIsNamed) {
  ServerOptions o = tlsOptions(good_);
  o.tls_cert_file = dir_->path() + "/missing.crt";
  auto e = startError(o);
  EXPECT_NE(e.find("missing.crt"), std::string::npos) << e;
  EXPECT_NE(e.find("No such file"), std::string::npos) << e;
}

TEST_F(TlsStartupTest, FileThatIsNotPemIsNamed) {
  const std::string junk = dir_->path() + "/junk.pem";
  { std::ofstream(junk) << "not a certificate\n"; }
  ServerOptions o = tlsOptions(good_);
  o.tls_cert_file = junk;
  auto e = startError(o);
  EXPECT_NE(e.find("certificate chain file '" + junk + "'"), std::string::npos) << e;
  o = tlsOptions(good_);
  o.tls_key_file = junk;
  e = startError(o);
  EXPECT_NE(e.find("private key file '" + junk + "'"), std::string::npos) << e;
}

TEST_F(TlsStartupTest, KeyOfAnotherCertificateIsRefused) {
  ServerOptions o = tlsOptions(good_);
  o.tls_key_file = stranger_.key_file;
  auto e = startError(o);
  EXPECT_NE(e.find(stranger_.key_file), std::string::npos) << e;
  EXPECT_NE(e.find("match"), std::string::npos) << e;
}

TEST_F(TlsStartupTest, CertificateWithoutKeyAndUnknownVersionAreRefused) {
  ServerOptions o = tlsOptions(good_);
  o.tls_key_file.clear();
  EXPECT_NE(startError(o).find("both"), std::string::npos);
  o = tlsOptions(good_);
  o.tls_min_version = "1.1";
  EXPECT_NE(startError(o).find("1.2 or 1.3"), std::string::npos);
}

TEST(TlsClientSettings, CaFileProblemsNameTheFile) {
  TempDir dir("npufleet-tls-ca");
  auto missing = checkTlsTrust(dir / "nope.pem");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find(dir / "nope.pem"), std::string::npos);
  { std::ofstream(dir / "empty.pem") << "nothing here\n"; }
  auto empty = checkTlsTrust(dir / "empty.pem");
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.error().message.find("no usable PEM certificate"), std::string::npos)
      << empty.error().message;
  EXPECT_TRUE(checkTlsTrust("").ok());  // the system's store
}

TEST(TlsClientSettings, BaseUrlsSayWhetherToUseTls) {
  ClientRequest r;
  ASSERT_TRUE(parseBaseUrl("https://cp.example", r));
  EXPECT_TRUE(r.tls);
  EXPECT_EQ(r.host, "cp.example");
  EXPECT_EQ(r.port, 443);
  ASSERT_TRUE(parseBaseUrl("https://[::1]:8443/", r));
  EXPECT_TRUE(r.tls);
  EXPECT_EQ(r.host, "::1");
  EXPECT_EQ(r.port, 8443);
  ASSERT_TRUE(parseBaseUrl("http://127.0.0.1:8080", r));
  EXPECT_FALSE(r.tls);
  EXPECT_EQ(r.port, 8080);
  EXPECT_FALSE(parseBaseUrl("ftp://x", r));
  std::string host;
  uint16_t port = 0;
  EXPECT_FALSE(parseBaseUrl("https://cp.example", host, port));  // the plain-only form
}

}  // namespace
}  // namespace npufleet::http
