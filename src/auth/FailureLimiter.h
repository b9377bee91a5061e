// Counts authentication failures per client address (the TCP peer, never a header a client can
// set) and says when an address has failed too often: `limit` failures within `window`.
//
// The middleware consults it only for requests that already failed verification, so a
// correctly signed request is served even from an address that is over the limit. That is the
// answer to lock-out: an attacker who shares an address with the control plane (NAT, same
// host) and fails on purpose turns their own 401s into 429s but cannot stop the control plane's
// signed calls. See docs/security.md.
//
// Memory is bounded: at most `max_tracked` addresses, each with at most `limit` timestamps; when
// full, the address whose last failure is oldest is forgotten.
#pragma once

#include <chrono>
#include <deque>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "common/Clock.h"

namespace npufleet::auth {

class FailureLimiter {
 public:
  struct Options {
    int limit = 10;
    std::chrono::seconds window{300};
    size_t max_tracked = 100'000;
  };

  FailureLimiter(Options options, const Clock& clock);

  // When the address has `limit` failures within the window: how long until the oldest of
  // them leaves it (at least 1 s), for Retry-After. nullopt when it may still fail.
  std::optional<std::chrono::seconds> blockedFor(const std::string& address) const;

  void recordFailure(const std::string& address);

  size_t trackedAddresses() const;
  const Options& options() const { return options_; }

 private:
  struct Entry {
    std::string address;
    std::deque<std::chrono::steady_clock::time_point> failures;  // oldest first, <= limit
  };
  void dropExpired(Entry& e, std::chrono::steady_clock::time_point now) const;

  Options options_;
  const Clock& clock_;
  mutable std::mutex mu_;
  std::list<Entry> lru_;  // least recently failed first
  std::unordered_map<std::string, std::list<Entry>::iterator> index_;
};

}  // namespace npufleet::auth
