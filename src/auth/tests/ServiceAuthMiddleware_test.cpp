// The middleware in front of a real Router: what a rejected request gets back, and that its
// handler never runs.
#include "auth/ServiceAuthMiddleware.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "AuthTestSupport.h"
#include "auth/ServiceSigner.h"

namespace npufleet::auth {
namespace {

using testing::runAwaitable;
using testing::toServerRequest;

const std::string kKey = "k-0123456789abcdef0123456789abcdef";

class ServiceAuthMiddlewareTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto ring = std::make_shared<Keyring>();
    ASSERT_TRUE(ring->add("main-backend", kKey).ok());
    verifier_ = std::make_shared<SignatureVerifier>(VerifierOptions{}, ring, clock_);
    limiter_ = std::make_shared<FailureLimiter>(FailureLimiter::Options{}, clock_);
    middleware_ = makeServiceAuthMiddleware(verifier_, limiter_);
    for (const char* path : {"/models", "/livez"}) {
      router_.add("GET", path, [this](http::Request& req) -> boost::asio::awaitable<http::Response> {
        ++handler_runs_;
        seen_principal_ = req.principal;
        co_return http::Response::text(200, "ok");
      });
    }
  }

  // What http::Server does: match, run the middleware, then the handler unless answered.
  http::Response dispatch(http::Request req) {
    auto match = router_.match(req.method, req.path);
    EXPECT_NE(match.route, nullptr);
    return runAwaitable([&]() -> boost::asio::awaitable<http::Response> {
      if (auto early = co_await middleware_(req, *match.route)) co_return std::move(*early);
      co_return co_await match.route->handler(req);
    }());
  }

  http::ClientRequest signedGet(const std::string& target = "/models") {
    http::ClientRequest c;
    c.host = "127.0.0.1";
    c.port = 8081;
    c.target = target;
    auto signer = ServiceSigner::create("main-backend", kKey, clock_);
    EXPECT_TRUE(signer->sign(c).ok());
    return c;
  }

  static void expectAuthBody(const http::Response& r, const std::string& detail_part) {
    auto body = boost::json::parse(r.body).as_object();
    EXPECT_EQ(body.size(), 2u);
    EXPECT_EQ(body.at("authenticated"), false);
    std::string detail(body.at("detail").as_string());
    EXPECT_NE(detail.find(detail_part), std::string::npos) << detail;
    EXPECT_EQ(r.headers.get("Content-Type"), "application/json");
  }

  FakeClock clock_;
  std::shared_ptr<SignatureVerifier> verifier_;
  std::shared_ptr<FailureLimiter> limiter_;
  http::Middleware middleware_;
  http::Router router_;
  int handler_runs_ = 0;
  std::string seen_principal_;
};

TEST_F(ServiceAuthMiddlewareTest, SignedRequestReachesHandlerWithServiceAsPrincipal) {
  auto r = dispatch(toServerRequest(signedGet()));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(handler_runs_, 1);
  EXPECT_EQ(seen_principal_, "main-backend");
}

TEST_F(ServiceAuthMiddlewareTest, UnsignedRequestGets401JsonAndHandlerDoesNotRun) {
  http::Request req;
  req.method = "GET";
  req.target = req.path = "/models";
  req.remote_address = "10.0.0.9";
  auto r = dispatch(req);
  EXPECT_EQ(r.status, 401);
  expectAuthBody(r, "missing header X-Service-ID");
  EXPECT_EQ(handler_runs_, 0);
}

TEST_F(ServiceAuthMiddlewareTest, EveryRejectionReasonAnswers401WithoutRunningTheHandler) {
  struct Case {
    const char* name;
    std::function<void(http::Request&)> tamper;
    const char* detail;
  };
  const std::vector<Case> cases = {
      {"unknown id", [](http::Request& r) { r.headers.set("X-Service-ID", "intruder"); },
       "unknown service id"},
      {"timestamp", [](http::Request& r) { r.headers.set("X-Service-Timestamp", "12a"); },
       "malformed header X-Service-Timestamp"},
      {"old", [](http::Request& r) { r.headers.set("X-Service-Timestamp", "1000"); }, "behind"},
      {"signature",
       [](http::Request& r) { r.headers.set("X-Service-Signature-V2", std::string(64, '0')); },
       "bad signature"},
      {"body", [](http::Request& r) { r.body = "x"; }, "body digest mismatch"},
      {"query", [](http::Request& r) { r.target = "/models?all=1"; }, "query"},
      {"host", [](http::Request& r) { r.headers.set("Host", "10.9.9.9:8081"); }, "host"},
  };
  for (const auto& c : cases) {
    auto req = toServerRequest(signedGet());
    req.remote_address = std::string("10.1.0.") + std::to_string(&c - cases.data());
    c.tamper(req);
    auto r = dispatch(req);
    EXPECT_EQ(r.status, 401) << c.name;
    expectAuthBody(r, c.detail);
  }
  EXPECT_EQ(handler_runs_, 0);
}

TEST_F(ServiceAuthMiddlewareTest, ReplayGets401AndHandlerRunsOnlyOnce) {
  const auto req = toServerRequest(signedGet());
  EXPECT_EQ(dispatch(req).status, 200);
  auto r = dispatch(req);
  EXPECT_EQ(r.status, 401);
  expectAuthBody(r, "replayed nonce");
  EXPECT_EQ(handler_runs_, 1);
}

TEST_F(ServiceAuthMiddlewareTest, LivezIsExemptButNothingElse) {
  http::Request livez;
  livez.method = "GET";
  livez.target = livez.path = "/livez";
  EXPECT_EQ(dispatch(livez).status, 200);
  EXPECT_EQ(handler_runs_, 1);
  EXPECT_TRUE(seen_principal_.empty());
  http::Request models = livez;
  models.target = models.path = "/models";
  EXPECT_EQ(dispatch(models).status, 401);
  EXPECT_EQ(handler_runs_, 1);
}

TEST_F(ServiceAuthMiddlewareTest, TenFailuresFromOneAddressThen429WithRetryAfter) {
  http::Request bad;
  bad.method = "GET";
  bad.target = bad.path = "/models";
  bad.remote_address = "10.0.0.66";
  for (int i = 0; i < 10; ++i) EXPECT_EQ(dispatch(bad).status, 401) << i;
  clock_.advance(std::chrono::seconds(100));
  auto r = dispatch(bad);
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.headers.get("Retry-After"), "200");
  expectAuthBody(r, "too many failed authentication attempts");

  http::Request other = bad;
  other.remote_address = "10.0.0.67";
  EXPECT_EQ(dispatch(other).status, 401);
  EXPECT_EQ(handler_runs_, 0);
}

TEST_F(ServiceAuthMiddlewareTest, SignedRequestFromABlockedAddressIsStillServed) {
  http::Request bad;
  bad.method = "GET";
  bad.target = bad.path = "/models";
  bad.remote_address = "10.0.0.1";  // shared with the control plane (NAT)
  for (int i = 0; i < 12; ++i) dispatch(bad);
  EXPECT_EQ(dispatch(bad).status, 429);
  auto good = toServerRequest(signedGet(), "10.0.0.1");
  EXPECT_EQ(dispatch(good).status, 200);
  EXPECT_EQ(handler_runs_, 1);
}

TEST_F(ServiceAuthMiddlewareTest, FullReplayCacheAnswers503WithRetryAfter) {
  VerifierOptions tiny;
  tiny.replay_capacity = 1;
  auto ring = std::make_shared<Keyring>();
  ASSERT_TRUE(ring->add("main-backend", kKey).ok());
  middleware_ = makeServiceAuthMiddleware(
      std::make_shared<SignatureVerifier>(tiny, ring, clock_), limiter_);
  EXPECT_EQ(dispatch(toServerRequest(signedGet())).status, 200);
  auto r = dispatch(toServerRequest(signedGet()));
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.headers.get("Retry-After"), "1");
  expectAuthBody(r, "replay cache full");
  EXPECT_EQ(handler_runs_, 1);
}

}  // namespace
}  // namespace npufleet::auth
