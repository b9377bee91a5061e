#include "worker/EngineBusyMeter.h"

#include <algorithm>

namespace npufleet::worker {

EngineBusyMeter::EngineBusyMeter(const Clock& clock, size_t slots,
                                 std::chrono::milliseconds min_interval)
    : clock_(clock),
      slots_(std::max<size_t>(slots, 1)),
      min_interval_(min_interval),
      last_sample_(clock.steadyNow()) {}

uint64_t EngineBusyMeter::begin() {
  std::lock_guard lock(mu_);
  auto token = next_token_++;
  active_[token] = clock_.steadyNow();
  return token;
}

void EngineBusyMeter::end(uint64_t token) {
  std::lock_guard lock(mu_);
  auto it = active_.find(token);
  if (it == active_.end()) return;
  auto now = clock_.steadyNow();
  // Only the part after the last sample belongs to the current interval.
  busy_since_sample_ += now - std::max(it->second, last_sample_);
  active_.erase(it);
}

double EngineBusyMeter::samplePercent() {
  std::lock_guard lock(mu_);
  auto now = clock_.steadyNow();
  auto wall = now - last_sample_;
  if (wall < min_interval_ || wall.count() <= 0) return last_percent_;
  auto busy = busy_since_sample_;
  for (auto& [token, start] : active_) {
    busy += now - std::max(start, last_sample_);
  }
  double pct = 100.0 * static_cast<double>(busy.count()) /
               (static_cast<double>(wall.count()) * static_cast<double>(slots_));
  last_percent_ = std::clamp(pct, 0.0, 100.0);
  busy_since_sample_ = std::chrono::nanoseconds{0};
  last_sample_ = now;
  return last_percent_;
}

}  // namespace npufleet::worker
