// Passive outlier ejection with Envoy's defaults: after `consecutiveFailures` failed requests in
// a row a node is ejected for baseEjection, doubled with each further ejection up to
// maxEjection; never more than maxEjectionPercent of the pool is ejected at once. An ejection
// ends when its time is up or when the health monitor reports a successful probe (Envoy's
// successful_active_health_check_uneject_host); probes do not touch a node that is not ejected,
// so a worker that answers its health check but fails inference is still ejected.
// Thread-safe; time comes from the injected Clock.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "balancer/LoadBalancingConfig.h"
#include "common/Clock.h"

namespace npufleet::balancer {

class OutlierDetector {
 public:
  explicit OutlierDetector(const Clock& clock, EjectionSettings settings = {});

  void setSettings(const EjectionSettings& settings);

  // A failed request (connect error, reset, timeout, 5xx). `pool` is the nodes the router could
  // have used for it (the node included): the ejection percentage counts ejected nodes among
  // them, so ejections for one model's pool do not use up another's. Returns true when this
  // failure ejected the node.
  bool recordFailure(const std::string& node_id, const std::vector<std::string_view>& pool);
  void recordSuccess(const std::string& node_id);
  // The monitor's successful health probe: ends the node's ejection early, if it has one.
  void onProbeSuccess(const std::string& node_id);

  // A node removed from the fleet.
  void forget(const std::string& node_id);

  bool isEjected(const std::string& node_id) const;
  std::optional<std::chrono::steady_clock::time_point> ejectedUntil(const std::string& node_id) const;
  int ejectionCount(const std::string& node_id) const;  // total since start
  size_t ejectedCount() const;

 private:
  struct State {
    int consecutive = 0;
    int level = 0;  // prior ejections still counting towards the doubling
    int total = 0;
    std::optional<std::chrono::steady_clock::time_point> until;
    std::chrono::steady_clock::time_point last_ejection_end{};
  };
  bool ejectedLocked(const State& s, std::chrono::steady_clock::time_point now) const;
  size_t ejectedCountLocked(std::chrono::steady_clock::time_point now) const;
  size_t ejectedAmongLocked(const std::vector<std::string_view>& pool,
                            std::chrono::steady_clock::time_point now) const;

  const Clock& clock_;
  mutable std::mutex mu_;
  EjectionSettings settings_;
  std::map<std::string, State, std::less<>> nodes_;
};

}  // namespace npufleet::balancer
