// Lowest (router in-flight + last reported queue depth) / maxConcurrent, so a node with twice
// the concurrency takes twice the load. Ties are broken round-robin per model, which keeps an
// idle fleet evenly used instead of always picking the first node.
#pragma once

#include <map>
#include <string>

#include "balancer/RoutingStrategy.h"

namespace npufleet::balancer {

class LeastLoadedStrategy final : public RoutingStrategy {
 public:
  std::string_view name() const override { return "least-loaded"; }
  Selection select(std::string_view model, const std::vector<CandidateLoad>& candidates) override;
  Selection selectAmong(std::string_view model, const std::vector<CandidateLoad>& candidates,
                        const std::vector<size_t>& subset);

  static double score(const CandidateLoad& c);

 private:
  std::map<std::string, size_t, std::less<>> tie_break_;
};

}  // namespace npufleet::balancer
