#include "auth/tokens/TokenService.h"

#include <gtest/gtest.h>

#include <map>

namespace npufleet::auth {
namespace {

class MemoryTokens : public TokenRepository {
 public:
  Result<UserToken> insert(const UserToken& t) override {
    for (auto& [id, x] : tokens)
      if (x.name == t.name) return Error::conflict("dup", "name");
    UserToken s = t;
    s.id = static_cast<int64_t>(tokens.size()) + 1;
    tokens[s.id] = s;
    return s;
  }
  Result<std::optional<UserToken>> findByHash(const std::string& hash) override {
    ++lookups;
    if (broken) return Error{ErrorCode::kUnavailable, "database is locked", {}};
    for (auto& [id, x] : tokens)
      if (x.hash == hash) return std::optional<UserToken>(x);
    return std::optional<UserToken>{};
  }
  Result<std::vector<UserToken>> list() override {
    std::vector<UserToken> v;
    for (auto& [id, x] : tokens) v.push_back(x);
    return v;
  }
  Status revoke(const std::string& name) override {
    for (auto& [id, x] : tokens)
      if (x.name == name) {
        x.revoked = true;
        return okStatus();
      }
    return Error::notFound("no");
  }
  Status touch(int64_t, std::chrono::system_clock::time_point) override {
    ++touches;
    return okStatus();
  }
  Result<int64_t> count() override { return static_cast<int64_t>(tokens.size()); }
  std::map<int64_t, UserToken> tokens;
  int lookups = 0;
  int touches = 0;
  bool broken = false;
};

TEST(TokenService, StoresOnlyTheHashAndAuthenticatesTheSecret) {
  MemoryTokens repo;
  FakeClock clock;
  TokenService svc(repo, clock);
  auto issued = svc.create("ci-viewer", UserRole::kViewer);
  ASSERT_TRUE(issued.ok());
  EXPECT_EQ(issued->secret.rfind("npf_", 0), 0u);
  EXPECT_EQ(issued->secret.size(), 52u);
  EXPECT_NE(repo.tokens.begin()->second.hash, issued->secret);
  EXPECT_EQ(repo.tokens.begin()->second.hash.size(), 64u);
  auto who = svc.authenticate(issued->secret, "127.0.0.1");
  ASSERT_TRUE(who.ok());
  EXPECT_EQ(who->name, "ci-viewer");
  EXPECT_EQ(who->role, UserRole::kViewer);
}

TEST(TokenService, RevokedAndUnknownTokensAreRejected) {
  MemoryTokens repo;
  FakeClock clock;
  TokenService svc(repo, clock);
  auto issued = svc.create("a", UserRole::kAdmin);
  ASSERT_TRUE(svc.revoke("a").ok());
  EXPECT_EQ(svc.authenticate(issued->secret, "x").error().code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(svc.authenticate("npf_guess", "x").error().code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(svc.authenticate("", "x").error().code, ErrorCode::kUnauthenticated);
}

TEST(TokenService, GuessingIsRateLimitedPerAddressAndRecoversAfterTheWindow) {
  MemoryTokens repo;
  FakeClock clock;
  TokenService svc(repo, clock);
  auto good = svc.create("a", UserRole::kAdmin);
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(svc.authenticate("npf_wrong" + std::to_string(i), "10.1.1.1").error().code,
              ErrorCode::kUnauthenticated);
  }
  EXPECT_EQ(svc.authenticate("npf_wrong", "10.1.1.1").error().code, ErrorCode::kTooManyRequests);
  EXPECT_EQ(svc.authenticate("npf_wrong", "10.2.2.2").error().code, ErrorCode::kUnauthenticated)
      << "other addresses unaffected";
  clock.advance(std::chrono::seconds(61));
  EXPECT_EQ(svc.authenticate("npf_wrong", "10.1.1.1").error().code, ErrorCode::kUnauthenticated);
}

TEST(TokenService, AValidTokenIsNeverLockedOutBecauseItsAddressWasAbused) {
  MemoryTokens repo;
  FakeClock clock;
  TokenService svc(repo, clock);
  auto good = svc.create("a", UserRole::kAdmin);
  for (int i = 0; i < 50; ++i) (void)svc.authenticate("npf_wrong", "127.0.0.1");
  ASSERT_EQ(svc.authenticate("npf_wrong", "127.0.0.1").error().code, ErrorCode::kTooManyRequests);
  EXPECT_TRUE(svc.authenticate(good->secret, "127.0.0.1").ok());
}

TEST(TokenService, RotatingAddressesOfOneNetworkIsLimitedPerNetwork) {
  MemoryTokens repo;
  FakeClock clock;
  TokenService svc(repo, clock);
  // 127.x is one host; five failures from each of 20 addresses stay under the per-address limit.
  for (int i = 0; i < 100; ++i) {
    ASSERT_EQ(svc.authenticate("npf_wrong", "127.0." + std::to_string(i / 5) + ".1").error().code,
              ErrorCode::kUnauthenticated)
        << i;
  }
  EXPECT_EQ(svc.authenticate("npf_wrong", "127.9.9.9").error().code, ErrorCode::kTooManyRequests);
  EXPECT_EQ(svc.authenticate("npf_wrong", "::1").error().code, ErrorCode::kTooManyRequests);
  EXPECT_EQ(svc.authenticate("npf_wrong", "10.0.0.1").error().code, ErrorCode::kUnauthenticated);
  for (int i = 0; i < 100; ++i) (void)svc.authenticate("x", "192.0.2." + std::to_string(i));
  EXPECT_EQ(svc.authenticate("npf_wrong", "192.0.2.200").error().code, ErrorCode::kTooManyRequests);
  EXPECT_EQ(svc.authenticate("npf_wrong", "192.0.3.1").error().code, ErrorCode::kUnauthenticated);
}

TEST(TokenService, ValidTokensAreAnsweredFromMemoryAndUseIsWrittenOnceAMinute) {
  MemoryTokens repo;
  FakeClock clock;
  TokenService svc(repo, clock);
  auto good = svc.create("a", UserRole::kAdmin);
  repo.lookups = 0;
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(svc.authenticate(good->secret, "10.0.0.1").ok());
  EXPECT_EQ(repo.lookups, 1);
  EXPECT_EQ(repo.touches, 1);
  clock.advance(std::chrono::milliseconds(1500));
  ASSERT_TRUE(svc.authenticate(good->secret, "10.0.0.1").ok());
  EXPECT_EQ(repo.lookups, 2) << "read again after a second";
  EXPECT_EQ(repo.touches, 1);
  clock.advance(std::chrono::seconds(60));
  ASSERT_TRUE(svc.authenticate(good->secret, "10.0.0.1").ok());
  EXPECT_EQ(repo.touches, 2);
}

TEST(TokenService, RevocationThroughTheServiceTakesEffectOnTheNextRequest) {
  MemoryTokens repo;
  FakeClock clock;
  TokenService svc(repo, clock);
  auto good = svc.create("a", UserRole::kAdmin);
  std::vector<std::string> told;
  svc.onRevoked([&](const std::string& name) { told.push_back(name); });
  ASSERT_TRUE(svc.authenticate(good->secret, "10.0.0.1").ok());
  ASSERT_TRUE(svc.revoke("a").ok());
  auto after = svc.authenticate(good->secret, "10.0.0.1");
  ASSERT_FALSE(after.ok());
  EXPECT_EQ(after.error().code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(told, std::vector<std::string>{"a"});
  EXPECT_FALSE(svc.revoke("nobody").ok());
  EXPECT_EQ(told.size(), 1u) << "a failed revocation tells nobody";
}

TEST(TokenService, ChangesMadeByAnotherProcessTakeEffectWithinASecond) {
  MemoryTokens repo;
  FakeClock clock;
  TokenService svc(repo, clock);
  auto good = svc.create("a", UserRole::kViewer);
  ASSERT_TRUE(svc.authenticate(good->secret, "10.0.0.1").ok());
  // Another replica, or a command on the same database, revokes behind this service's back.
  repo.tokens.begin()->second.revoked = true;
  clock.advance(std::chrono::milliseconds(1001));
  EXPECT_FALSE(svc.authenticate(good->secret, "10.0.0.1").ok());
  // And a role change is seen the same way.
  repo.tokens.begin()->second.revoked = false;
  repo.tokens.begin()->second.role = UserRole::kAdmin;
  clock.advance(std::chrono::milliseconds(1001));
  auto who = svc.authenticate(good->secret, "10.0.0.1");
  ASSERT_TRUE(who.ok());
  EXPECT_EQ(who->role, UserRole::kAdmin);
}

TEST(TokenService, AConfirmedTokenStaysGoodWhileTheStoreCannotAnswer) {
  MemoryTokens repo;
  FakeClock clock;
  TokenService svc(repo, clock);
  auto good = svc.create("a", UserRole::kViewer);
  ASSERT_TRUE(svc.authenticate(good->secret, "10.0.0.1").ok());
  repo.broken = true;
  clock.advance(std::chrono::seconds(5));
  EXPECT_TRUE(svc.authenticate(good->secret, "10.0.0.1").ok());
  // A token never confirmed is not let in: the store's error is the answer.
  auto unknown = svc.authenticate("npf_" + std::string(48, 'b'), "10.0.0.1");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, ErrorCode::kUnavailable);
  repo.broken = false;
  repo.tokens.begin()->second.revoked = true;
  EXPECT_FALSE(svc.authenticate(good->secret, "10.0.0.1").ok()) << "read again once it answers";
}

TEST(TokenService, ATokenCreatedIsValidOnTheVeryNextRequest) {
  MemoryTokens repo;
  FakeClock clock;
  TokenService svc(repo, clock);
  EXPECT_FALSE(svc.authenticate("npf_" + std::string(48, 'a'), "10.0.0.1").ok());
  auto issued = svc.create("b", UserRole::kOperator);
  ASSERT_TRUE(issued.ok());
  EXPECT_TRUE(svc.authenticate(issued->secret, "10.0.0.1").ok());
}

TEST(TokenService, FailuresFromManyAddressesAtOnceStayBoundedInMemory) {
  MemoryTokens repo;
  FakeClock clock;
  TokenService svc(repo, clock);
  auto good = svc.create("a", UserRole::kAdmin);
  // More addresses than are tracked, all failing within one window (an IPv6 prefix, a botnet).
  for (int i = 0; i < 12'000; ++i) {
    (void)svc.authenticate("npf_wrong", "2001:db8::" + std::to_string(i));
    if (i % 1000 == 0) clock.advance(std::chrono::milliseconds(1));
  }
  EXPECT_LE(svc.trackedAddresses(), 10'000u);
  // The limit still applies to an address guessing now.
  for (int i = 0; i < 20; ++i) (void)svc.authenticate("npf_wrong", "10.1.1.1");
  EXPECT_EQ(svc.authenticate("npf_wrong", "10.1.1.1").error().code, ErrorCode::kTooManyRequests);
  EXPECT_TRUE(svc.authenticate(good->secret, "10.1.1.1").ok());
  EXPECT_LE(svc.trackedAddresses(), 10'000u);
}

TEST(TokenService, RoleAccessMatrix) {
  using R = UserRole;
  struct Case {
    R role;
    const char* access;
    bool allowed;
  };
  for (auto c : std::vector<Case>{{R::kViewer, "viewer", true},   {R::kViewer, "operator", false},
                                  {R::kViewer, "admin", false},   {R::kOperator, "operator", true},
                                  {R::kOperator, "admin", false}, {R::kAdmin, "admin", true},
                                  {R::kInference, "viewer", false}, {R::kInference, "inference", true},
                                  {R::kViewer, "inference", true}, {R::kAdmin, "bogus", false}}) {
    EXPECT_EQ(roleAllows(c.role, c.access), c.allowed) << userRoleName(c.role) << " " << c.access;
  }
}

TEST(TokenService, BadNamesAreRejected) {
  MemoryTokens repo;
  FakeClock clock;
  TokenService svc(repo, clock);
  EXPECT_EQ(svc.create("", UserRole::kViewer).error().field, "name");
  EXPECT_EQ(svc.create("has space", UserRole::kViewer).error().field, "name");
}

}  // namespace
}  // namespace npufleet::auth
