// A real http::Server with the middleware and a real ServiceHttpClient over loopback (port 0):
// what the worker and the control plane will do, minus their handlers.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <thread>

#include "auth/ServiceAuthMiddleware.h"
#include "auth/ServiceHttpClient.h"
#include "http/Server.h"

namespace npufleet::auth {
namespace {

const std::string kKey = "e2e-key-0123456789abcdef0123456789abcdef";

class ServiceAuthEndToEnd : public ::testing::Test {
 protected:
  void SetUp() override {
    auto echo = [](http::Request& req) -> boost::asio::awaitable<http::Response> {
      co_return http::Response::text(200, req.principal + " " + req.method + " " + req.target +
                                              " " + req.body);
    };
    router_.add("GET", "/models", echo);
    router_.add("POST", "/inference", echo);
    router_.add("GET", "/livez", echo);
    auto ring = std::make_shared<Keyring>();
    ASSERT_TRUE(ring->add("main-backend", kKey).ok());
    server_ = std::make_unique<http::Server>(io_, router_, http::ServerOptions{.listen = "127.0.0.1:0"},
                                             nullptr);
    server_->use(makeServiceAuthMiddleware(
        std::make_shared<SignatureVerifier>(VerifierOptions{}, ring, SystemClock::instance()),
        std::make_shared<FailureLimiter>(FailureLimiter::Options{}, SystemClock::instance())));
    auto bound = server_->start();
    ASSERT_TRUE(bound.ok()) << bound.error().message;
    port_ = bound->port;
    for (int i = 0; i < 2; ++i) threads_.emplace_back([this] { io_.run(); });
  }
  void TearDown() override {
    client_.reset();
    work_.reset();
    std::promise<void> drained;
    if (server_) server_->shutdown(std::chrono::milliseconds(500), [&] { drained.set_value(); });
    drained.get_future().wait_for(std::chrono::seconds(2));
    io_.stop();
    for (auto& t : threads_) t.join();
  }

  http::ClientResult signedSend(http::ClientRequest req) {
    if (!client_) {
      auto signer = ServiceSigner::create("main-backend", kKey, SystemClock::instance());
      EXPECT_TRUE(signer.ok());
      client_ = std::make_unique<ServiceHttpClient>(io_.get_executor(), std::move(signer).value());
    }
    req.host = "127.0.0.1";
    req.port = port_;
    return boost::asio::co_spawn(io_, client_->send(std::move(req)), boost::asio::use_future).get();
  }

  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{io_.get_executor()};
  http::Router router_;
  std::unique_ptr<http::Server> server_;
  std::unique_ptr<ServiceHttpClient> client_;
  std::vector<std::thread> threads_;
  uint16_t port_ = 0;
};

TEST_F(ServiceAuthEndToEnd, SignedGetWithQueryAndSignedPostWithBodyAreServed) {
  http::ClientRequest get;
  get.target = "/models?verbose=1";
  auto r = signedSend(get);
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(r.response.status, 200);
  EXPECT_EQ(r.response.body, "main-backend GET /models?verbose=1 ");

  http::ClientRequest post;
  post.method = "POST";
  post.target = "/inference";
  post.body = R"({"model_id":"phi-3-mini","input_text":"hi"})";
  auto p = signedSend(post);
  ASSERT_TRUE(p.ok()) << p.message;
  EXPECT_EQ(p.response.status, 200);
}

TEST_F(ServiceAuthEndToEnd, PlainClientIsRefusedButLivezAnswers) {
  http::ClientRequest plain;
  plain.host = "127.0.0.1";
  plain.port = port_;
  plain.target = "/models";
  auto r = http::sendBlocking(plain);
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(r.response.status, 401);
  EXPECT_NE(r.response.body.find("\"authenticated\":false"), std::string::npos);

  plain.target = "/livez";
  auto l = http::sendBlocking(plain);
  ASSERT_TRUE(l.ok()) << l.message;
  EXPECT_EQ(l.response.status, 200);
}

TEST_F(ServiceAuthEndToEnd, CapturedRequestReplayedVerbatimIsRefused) {
  // Sign once by hand and send the same bytes twice through a plain client.
  auto signer = ServiceSigner::create("main-backend", kKey, SystemClock::instance());
  ASSERT_TRUE(signer.ok());
  http::ClientRequest req;
  req.host = "127.0.0.1";
  req.port = port_;
  req.target = "/models";
  ASSERT_TRUE(signer->sign(req).ok());
  auto first = http::sendBlocking(req);
  ASSERT_TRUE(first.ok()) << first.message;
  EXPECT_EQ(first.response.status, 200);
  auto second = http::sendBlocking(req);
  ASSERT_TRUE(second.ok()) << second.message;
  EXPECT_EQ(second.response.status, 401);
  EXPECT_NE(second.response.body.find("replayed nonce"), std::string::npos);
}

}  // namespace
}  // namespace npufleet::auth
