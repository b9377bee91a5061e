#include "balancer/RoutingStrategy.h"

#include "balancer/LeastLoadedStrategy.h"
#include "balancer/ModelAffinityStrategy.h"
#include "balancer/RoundRobinStrategy.h"

namespace npufleet::balancer {

std::unique_ptr<RoutingStrategy> makeStrategy(const LoadBalancingConfig& config) {
  switch (config.strategy) {
    case StrategyKind::kRoundRobin: return std::make_unique<RoundRobinStrategy>();
    case StrategyKind::kLeastLoaded: return std::make_unique<LeastLoadedStrategy>();
    case StrategyKind::kModelAffinity:
      return std::make_unique<ModelAffinityStrategy>(config.modelAffinity, config.fallback);
  }
  return std::make_unique<LeastLoadedStrategy>();
}

}  // namespace npufleet::balancer
