#include "balancer/OutlierDetector.h"

#include <algorithm>

namespace npufleet::balancer {

OutlierDetector::OutlierDetector(const Clock& clock, EjectionSettings settings)
    : clock_(clock), settings_(settings) {}

void OutlierDetector::setSettings(const EjectionSettings& settings) {
  std::lock_guard lock(mu_);
  settings_ = settings;
}

bool OutlierDetector::ejectedLocked(const State& s, std::chrono::steady_clock::time_point now) const {
  return s.until && now < *s.until;
}

size_t OutlierDetector::ejectedCountLocked(std::chrono::steady_clock::time_point now) const {
  size_t n = 0;
  for (const auto& [id, s] : nodes_) n += ejectedLocked(s, now) ? 1 : 0;
  return n;
}

size_t OutlierDetector::ejectedAmongLocked(const std::vector<std::string_view>& pool,
                                           std::chrono::steady_clock::time_point now) const {
  size_t n = 0;
  for (std::string_view id : pool) {
    auto it = nodes_.find(id);
    n += it != nodes_.end() && ejectedLocked(it->second, now) ? 1 : 0;
  }
  return n;
}

bool OutlierDetector::recordFailure(const std::string& node_id,
                                    const std::vector<std::string_view>& pool) {
  std::lock_guard lock(mu_);
  const auto now = clock_.steadyNow();
  State& s = nodes_[node_id];
  if (ejectedLocked(s, now)) return false;  // requests already in flight when it was ejected
  if (s.until) {  // an ejection that ran out
    s.last_ejection_end = *s.until;
    s.until.reset();
  }
  // Saturates: a node the cap keeps in the pool must not count on towards an overflow.
  s.consecutive = std::min(s.consecutive + 1, settings_.consecutiveFailures);
  if (!settings_.enabled || s.consecutive < settings_.consecutiveFailures) return false;
  // Envoy's cap: ejecting this node must keep the ejected share of its pool within
  // maxEjectionPercent.
  const size_t cap = pool.size() * static_cast<size_t>(settings_.maxEjectionPercent) / 100;
  if (ejectedAmongLocked(pool, now) + 1 > cap) return false;
  // A node that stayed healthy for a whole maxEjection since its last ejection starts over.
  if (s.level > 0 && now - s.last_ejection_end >= settings_.maxEjection) s.level = 0;
  auto duration = settings_.baseEjection;
  for (int i = 0; i < s.level && duration < settings_.maxEjection; ++i) duration *= 2;
  duration = std::min(duration, settings_.maxEjection);
  s.until = now + duration;
  ++s.level;
  ++s.total;
  s.consecutive = 0;
  return true;
}

void OutlierDetector::recordSuccess(const std::string& node_id) {
  std::lock_guard lock(mu_);
  auto it = nodes_.find(node_id);
  if (it != nodes_.end()) it->second.consecutive = 0;
}

void OutlierDetector::onProbeSuccess(const std::string& node_id) {
  std::lock_guard lock(mu_);
  auto it = nodes_.find(node_id);
  if (it == nodes_.end()) return;
  State& s = it->second;
  const auto now = clock_.steadyNow();
  if (!ejectedLocked(s, now)) return;
  s.consecutive = 0;
  s.last_ejection_end = now;
  s.until.reset();
}

void OutlierDetector::forget(const std::string& node_id) {
  std::lock_guard lock(mu_);
  nodes_.erase(node_id);
}

bool OutlierDetector::isEjected(const std::string& node_id) const {
  std::lock_guard lock(mu_);
  auto it = nodes_.find(node_id);
  return it != nodes_.end() && ejectedLocked(it->second, clock_.steadyNow());
}

std::optional<std::chrono::steady_clock::time_point> OutlierDetector::ejectedUntil(
    const std::string& node_id) const {
  std::lock_guard lock(mu_);
  auto it = nodes_.find(node_id);
  if (it == nodes_.end() || !ejectedLocked(it->second, clock_.steadyNow())) return std::nullopt;
  return it->second.until;
}

int OutlierDetector::ejectionCount(const std::string& node_id) const {
  std::lock_guard lock(mu_);
  auto it = nodes_.find(node_id);
  return it == nodes_.end() ? 0 : it->second.total;
}

size_t OutlierDetector::ejectedCount() const {
  std::lock_guard lock(mu_);
  return ejectedCountLocked(clock_.steadyNow());
}

}  // namespace npufleet::balancer
