// Issues, checks and revokes user bearer tokens, and limits how fast a client may guess.
//
// Checking a token is on every API request's path, so it is answered from memory: a token once
// found in the repository stays cached (by its hash) and is read again at most once a second,
// so that a change made by another process sharing the database (a replica, a CLI command on
// the data directory) takes effect within a second. Changes made through this service
// (create, revoke) take effect on the very next request. Use is written back at most once a
// minute per token.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

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
  // The token's owner for a valid token, whatever failed from the same address before.
  // Unauthenticated for a missing, unknown or revoked token; TooManyRequests instead once the
  // address has failed too often (20 failures a minute), or its network has (100 a minute
  // across a /24, a /64 or the loopback range), so that tokens cannot be guessed at speed from
  // one address or by rotating addresses.
  Result<UserToken> authenticate(std::string_view bearer, const std::string& address);
  Result<std::vector<UserToken>> list() { return repo_.list(); }
  // Revokes and tells every revocation listener (open event streams of that token close).
  Status revoke(const std::string& name);
  Result<int64_t> count() { return repo_.count(); }

  // Called with a token's name after it is revoked through this service, on the revoking
  // thread. Listeners live as long as the service.
  void onRevoked(std::function<void(const std::string& name)> listener);

  static std::string hashToken(std::string_view secret);

  // Failure windows tracked now (addresses and networks); at most kMaxTracked (10,000),
  // whatever the number of addresses failing at once.
  size_t trackedAddresses();

 private:
  struct Cached {
    UserToken token;
    std::chrono::steady_clock::time_point checked_at;  // last read from the repository
    std::chrono::steady_clock::time_point touched_at;  // last use written back
    bool touched = false;
  };

  // The token with this hash (revoked ones too), from the cache or the repository.
  Result<std::optional<UserToken>> find(const std::string& hash);
  void touchIfDue(const UserToken& token);
  // Counts a failure for the address and its network; true when either was over its limit
  // already (this failure is then answered 429).
  bool recordFailure(const std::string& address);
  void countFailure(const std::string& key, std::chrono::steady_clock::time_point now);

  TokenRepository& repo_;
  const Clock& clock_;

  std::mutex cache_mu_;
  std::unordered_map<std::string, Cached> cache_;  // by hash

  std::mutex listeners_mu_;
  std::vector<std::function<void(const std::string&)>> revocation_listeners_;

  std::mutex mu_;
  struct Failures {
    int count = 0;
    std::chrono::steady_clock::time_point window_start{};
  };
  std::map<std::string, Failures> failures_;  // by address, and by "net:" + network
};

}  // namespace npufleet::auth
