// Where the load-balancing setting is kept between restarts; implemented in store/.
#pragma once

#include <optional>

#include "balancer/LoadBalancingConfig.h"
#include "common/Error.h"

namespace npufleet::balancer {

class LoadBalancingRepository {
 public:
  virtual ~LoadBalancingRepository() = default;
  // nullopt when no admin has stored a setting yet.
  virtual Result<std::optional<LoadBalancingConfig>> load() = 0;
  virtual Status save(const LoadBalancingConfig& config) = 0;
};

}  // namespace npufleet::balancer
