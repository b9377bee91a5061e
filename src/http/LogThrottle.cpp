#include "http/LogThrottle.h"

namespace npufleet::http {

std::optional<size_t> LogThrottle::allow(std::chrono::steady_clock::time_point now) {
  std::lock_guard lock(mu_);
  if (last_ && now - *last_ < interval_) {
    ++held_back_;
    return std::nullopt;
  }
  last_ = now;
  const size_t held = held_back_;
  held_back_ = 0;
  return held;
}

}  // namespace npufleet::http
