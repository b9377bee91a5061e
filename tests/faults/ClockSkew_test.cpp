// A worker whose clock is off: requests signed by a control plane whose clock differs from the
// worker's by more than auth.window_s (300 s by default, docs/security.md) are refused with 401
// and a message that names the skew; within the window they are accepted. The skew is made on
// the signing side (a FakeClock offset from the real time) against a real `npufleet worker`,
// which is the same relative error as a worker whose own clock is wrong.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "auth/KeyFile.h"
#include "auth/ServiceSigner.h"
#include "common/Clock.h"
#include "faults/FaultFleet.h"
#include "http/Client.h"

namespace npufleet::testing {
namespace {

using namespace std::chrono_literals;

class ClockSkew : public ::testing::Test {
 protected:
  void SetUp() override {
    key_ = *auth::generateKey();
    worker_ = std::make_unique<RealWorker>(key_);
    std::string error;
    ASSERT_TRUE(worker_->start(0, &error)) << error;
  }

  // GET /models signed by a signer whose clock is `skew` away from this machine's.
  http::ClientResult signedCall(std::chrono::seconds skew) const {
    FakeClock clock(SystemClock::instance().unixSeconds() + skew.count());
    auto signer = auth::ServiceSigner::create("main-backend", key_, clock);
    EXPECT_TRUE(signer.ok());
    http::ClientRequest r;
    r.method = "GET";
    r.host = "127.0.0.1";
    r.port = worker_->port();
    r.target = "/models";
    r.total_timeout = 30s;
    EXPECT_TRUE(signer->sign(r).ok());
    return http::sendBlocking(std::move(r));
  }

  static std::string detail(const http::ClientResult& r) {
    boost::system::error_code ec;
    auto v = boost::json::parse(r.response.body, ec);
    if (ec || !v.is_object() || !v.as_object().contains("detail")) return r.response.body;
    return std::string(v.at("detail").as_string());
  }

  std::string key_;
  std::unique_ptr<RealWorker> worker_;
};

TEST_F(ClockSkew, TenMinutesEitherWayIsRefusedWithTheReason) {
  struct Case {
    std::chrono::seconds skew;
    const char* direction;
  };
  for (const auto& c : {Case{600s, "ahead of"}, Case{-600s, "behind"}}) {
    auto r = signedCall(c.skew);
    ASSERT_TRUE(r.ok()) << r.message;
    EXPECT_EQ(r.response.status, 401) << r.response.body;
    const std::string why = detail(r);
    EXPECT_NE(why.find(std::string(c.direction) + " the server clock"), std::string::npos) << why;
    EXPECT_NE(why.find("the window is 300 s"), std::string::npos) << why;
    // "timestamp is 600 s ...", give or take the second boundary between signing and checking.
    EXPECT_TRUE(why.find("timestamp is 599 s") != std::string::npos ||
                why.find("timestamp is 600 s") != std::string::npos ||
                why.find("timestamp is 601 s") != std::string::npos)
        << why;
    EXPECT_NE(r.response.body.find("\"authenticated\":false"), std::string::npos)
        << r.response.body;
  }
}

TEST_F(ClockSkew, FourMinutesEitherWayIsAccepted) {
  for (auto skew : {240s, -240s}) {
    auto r = signedCall(skew);
    ASSERT_TRUE(r.ok()) << r.message;
    EXPECT_EQ(r.response.status, 200) << skew.count() << " s: " << r.response.body;
  }
}

TEST_F(ClockSkew, RefusalsDoNotLockOutTheClockThatIsRight) {
  // Two refused calls stay far below the failure limit (10 in 300 s): a correctly signed call
  // right after them is served.
  EXPECT_EQ(signedCall(600s).response.status, 401);
  EXPECT_EQ(signedCall(-600s).response.status, 401);
  EXPECT_EQ(signedCall(0s).response.status, 200);
}

}  // namespace
}  // namespace npufleet::testing
