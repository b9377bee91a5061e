#include "auth/FailureLimiter.h"

#include <algorithm>

namespace npufleet::auth {

FailureLimiter::FailureLimiter(Options options, const Clock& clock)
    : options_(options), clock_(clock) {
  options_.limit = std::max(1, options_.limit);
  options_.max_tracked = std::max<size_t>(1, options_.max_tracked);
}

void FailureLimiter::dropExpired(Entry& e, std::chrono::steady_clock::time_point now) const {
  while (!e.failures.empty() && e.failures.front() + options_.window <= now) {
    e.failures.pop_front();
  }
}

std::optional<std::chrono::seconds> FailureLimiter::blockedFor(const std::string& address) const {
  const auto now = clock_.steadyNow();
  std::lock_guard lock(mu_);
  auto it = index_.find(address);
  if (it == index_.end()) return std::nullopt;
  Entry& e = *it->second;
  dropExpired(e, now);
  if (static_cast<int>(e.failures.size()) < options_.limit) return std::nullopt;
  const auto left = e.failures.front() + options_.window - now;
  const auto secs = std::chrono::ceil<std::chrono::seconds>(left);
  return std::max(secs, std::chrono::seconds{1});
}

void FailureLimiter::recordFailure(const std::string& address) {
  const auto now = clock_.steadyNow();
  std::lock_guard lock(mu_);
  auto it = index_.find(address);
  if (it == index_.end()) {
    if (index_.size() >= options_.max_tracked) {
      index_.erase(lru_.front().address);
      lru_.pop_front();
    }
    lru_.push_back(Entry{address, {}});
    it = index_.emplace(address, std::prev(lru_.end())).first;
  } else {
    lru_.splice(lru_.end(), lru_, it->second);
  }
  Entry& e = *it->second;
  dropExpired(e, now);
  e.failures.push_back(now);
  while (static_cast<int>(e.failures.size()) > options_.limit) e.failures.pop_front();
}

size_t FailureLimiter::trackedAddresses() const {
  std::lock_guard lock(mu_);
  return index_.size();
}

}  // namespace npufleet::auth
