// The load-balancing setting of POST /api/npu/load-balancing: the seed's {strategy,
// modelAffinity} plus fallback, retry, admission and outlier-ejection settings. Parsing checks
// types; validation checks the setting against the fleet (node ids exist and carry the role).
// Every error names the offending field, e.g. "modelAffinity.phi-3-mini[1]".
#pragma once

#include <boost/json/value.hpp>
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "balancer/RoutableNode.h"
#include "common/Error.h"

namespace npufleet::balancer {

enum class StrategyKind { kRoundRobin, kLeastLoaded, kModelAffinity };
const char* strategyName(StrategyKind kind);
std::optional<StrategyKind> parseStrategyName(std::string_view name);

enum class FallbackKind { kLeastLoaded, kNone };

// Envoy's outlier-detection defaults.
struct EjectionSettings {
  bool enabled = true;
  int consecutiveFailures = 5;
  std::chrono::milliseconds baseEjection{30'000};
  std::chrono::milliseconds maxEjection{300'000};
  int maxEjectionPercent = 50;

  bool operator==(const EjectionSettings&) const = default;
};

struct LoadBalancingConfig {
  StrategyKind strategy = StrategyKind::kLeastLoaded;
  std::map<std::string, std::vector<std::string>> modelAffinity;
  FallbackKind fallback = FallbackKind::kLeastLoaded;
  int maxRetries = 2;
  int queueTimeoutMs = 5'000;
  int queueLimit = 256;
  int requestTimeoutMs = 30'000;
  EjectionSettings ejection;

  bool operator==(const LoadBalancingConfig&) const = default;
};

boost::json::value toJson(const LoadBalancingConfig& config);

// Reads a request body onto `base`: fields left out keep base's values, so the seed's
// two-field body changes only the strategy and the affinity map. Type and range errors only.
Result<LoadBalancingConfig> parseLoadBalancingConfig(const boost::json::value& body,
                                                     const LoadBalancingConfig& base = {});

// Checks the setting against the fleet: affinity lists non-empty, every node id known and
// carrying the npu-worker role, model-affinity with at least one model.
Status validateLoadBalancingConfig(const LoadBalancingConfig& config,
                                   const std::vector<RoutableNode>& fleet);

}  // namespace npufleet::balancer
