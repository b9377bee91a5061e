// Guessing bearer tokens against a real control plane is rate-limited per client address
// (auth/tokens/TokenService: 20 failed authentications within 60 s, then 429). What happens to a
// valid token from that address during the lock-out: it still works (a valid token is checked
// before the lock-out applies, so abusing an address locks nobody out), as docs/openapi.yaml
// documents. Rotating addresses of one network (the loopback range here) is limited per network.
// Public routes and other addresses are unaffected. (That the lock-out ends after the window is pinned by the unit test
// TokenService.GuessingIsRateLimitedPerAddressAndRecoversAfterTheWindow, with a fake clock.)
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "RawHttp.h"
#include "server/ServerHarness.h"

namespace npufleet::testing {
namespace {

constexpr int kFailuresAllowed = 20;

class TokenGuessingTest : public ::testing::Test {
 protected:
  void SetUp() override { server.start(); }

  // GET /api/me from a chosen loopback address (127.0.0.2 is a second client).
  RawResponse me(const std::string& token, const std::string& from) {
    std::string bytes = "GET /api/me HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
    if (!token.empty()) bytes += "Authorization: Bearer " + token + "\r\n";
    auto ex = rawExchange(server.process->host(), server.process->port(), bytes + "\r\n",
                          std::chrono::seconds(5), from);
    EXPECT_TRUE(ex.error.empty()) << ex.error;
    EXPECT_EQ(ex.responses.size(), 1u) << ex.describe();
    return ex.responses.empty() ? RawResponse{} : ex.responses[0];
  }

  // Near misses of the admin token: the last character changed.
  std::string nearMiss(int i) const {
    std::string t = server.admin;
    t.back() =
        "0123456789abcdef"[(std::stoi(std::string(1, t.back()), nullptr, 16) + 1 + i % 15) % 16];
    return t;
  }

  ServerHarness server;
};

TEST_F(TokenGuessingTest, ManyBadTokensFromOneAddressAreAnswered429) {
  // Requests without any token are not guesses and do not count.
  for (int i = 0; i < kFailuresAllowed + 5; ++i) EXPECT_EQ(me("", "127.0.0.1").status, 401);
  EXPECT_EQ(me(server.admin, "127.0.0.1").status, 200);

  for (int i = 0; i < kFailuresAllowed; ++i) {
    auto r = me(nearMiss(i), "127.0.0.1");
    ASSERT_EQ(r.status, 401) << "guess " << i + 1 << ": " << r.body;
  }
  for (const std::string& guess : {nearMiss(99), std::string("npf_") + std::string(48, '0'),
                                   std::string("not-even-a-token")}) {
    auto r = me(guess, "127.0.0.1");
    EXPECT_EQ(r.status, 429) << r.body;
    EXPECT_NE(r.head.find("\r\nRetry-After: 60\r\n"), std::string::npos) << r.head;
    boost::system::error_code ec;
    auto body = boost::json::parse(r.body, ec);
    ASSERT_FALSE(ec) << r.body;
    EXPECT_EQ(body.at("error").at("code"), "too_many_requests");
  }
}

TEST_F(TokenGuessingTest, DuringTheLockOutAValidTokenFromThatAddressStillWorks) {
  for (int i = 0; i < kFailuresAllowed; ++i) ASSERT_EQ(me(nearMiss(i), "127.0.0.1").status, 401);
  ASSERT_EQ(me(nearMiss(21), "127.0.0.1").status, 429);

  // Whoever abused the address cannot lock out the admin using it: a valid token is checked
  // before the lock-out applies.
  EXPECT_EQ(me(server.admin, "127.0.0.1").status, 200);
  EXPECT_EQ(server.call("GET", "/api/fleet/nodes").status, 200);
  // Public routes still answer.
  EXPECT_EQ(server.call("GET", "/healthz", "", "").status, 200);

  // Another address is not affected: its bad token is a plain 401.
  EXPECT_EQ(me(server.admin, "127.0.0.2").status, 200);
  EXPECT_EQ(me(nearMiss(1), "127.0.0.2").status, 401);
}

TEST_F(TokenGuessingTest, RotatingLoopbackAddressesDoesNotEvadeTheLimit) {
  // Fewer than 20 failures from each address, 100 from the loopback range in all.
  for (int i = 0; i < 100; ++i) {
    ASSERT_EQ(me(nearMiss(i), "127.0.0." + std::to_string(2 + i / 10)).status, 401) << i;
  }
  EXPECT_EQ(me(nearMiss(0), "127.0.0.50").status, 429);
  EXPECT_EQ(me(server.admin, "127.0.0.50").status, 200);
}

}  // namespace
}  // namespace npufleet::testing
