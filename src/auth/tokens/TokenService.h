// Issues, checks and revokes user bearer tokens, and limits how fast one address may guess.
#pragma once

#include <map>
#include <mutex>
#include <string>

#include "auth/tokens/UserToken.h"
#include "common/Clock.h"

namespace npufleet::auth {

struct IssuedToken {
  UserToken token;
  std::string secret;  // the clear token: "npf_" + 48 hex characters
};

class TokenService {
 public:
  TokenService(TokenRepository& repo, const Clock& clock);

  Result<IssuedToken> create(const std::string& name, UserRole role);
  // Unauthenticated for a missing, unknown or revoked token; TooManyRequests once `address`
  // has failed too often (20 failures a minute), so tokens cannot be guessed at speed.
  Result<UserToken> authenticate(std::string_view bearer, const std::string& address);
  Result<std::vector<UserToken>> list() { return repo_.list(); }
  Status revoke(const std::string& name) { return repo_.revoke(name); }
  Result<int64_t> count() { return repo_.count(); }

  static std::string hashToken(std::string_view secret);

  // Addresses with failures counted now; at most kMaxTrackedAddresses (10,000), whatever the
  // number of addresses failing at once.
  size_t trackedAddresses();

 private:
  bool limited(const std::string& address);
  void recordFailure(const std::string& address);

  TokenRepository& repo_;
  const Clock& clock_;
  std::mutex mu_;
  struct Failures {
    int count = 0;
    std::chrono::steady_clock::time_point window_start{};
  };
  std::map<std::string, Failures> failures_;
};

}  // namespace npufleet::auth
