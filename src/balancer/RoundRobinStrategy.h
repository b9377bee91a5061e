// Cyclic per model over the candidates: each model has its own position, so traffic for one
// model does not skew another's rotation. Busy candidates are skipped, not waited for.
#pragma once

#include <map>
#include <string>

#include "balancer/RoutingStrategy.h"

namespace npufleet::balancer {

class RoundRobinStrategy final : public RoutingStrategy {
 public:
  std::string_view name() const override { return "round-robin"; }
  Selection select(std::string_view model, const std::vector<CandidateLoad>& candidates) override;

  // The same rotation restricted to `subset` (indexes into candidates): used by model-affinity.
  Selection selectAmong(std::string_view model, const std::vector<CandidateLoad>& candidates,
                        const std::vector<size_t>& subset);

 private:
  std::map<std::string, size_t, std::less<>> next_;
};

}  // namespace npufleet::balancer
