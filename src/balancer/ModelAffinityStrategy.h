// Sends a model only to its configured nodes while any of them is a candidate; when none is
// (down, draining, ejected, or the model is not in the map) the fallback decides: least-loaded
// over every candidate, or none, which makes the router answer 503. A configured node that is
// merely busy keeps the request waiting for it rather than spilling to the fallback.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "balancer/LeastLoadedStrategy.h"
#include "balancer/RoutingStrategy.h"

namespace npufleet::balancer {

class ModelAffinityStrategy final : public RoutingStrategy {
 public:
  ModelAffinityStrategy(std::map<std::string, std::vector<std::string>> affinity,
                        FallbackKind fallback);
  std::string_view name() const override { return "model-affinity"; }
  Selection select(std::string_view model, const std::vector<CandidateLoad>& candidates) override;

 private:
  std::map<std::string, std::vector<std::string>, std::less<>> affinity_;
  FallbackKind fallback_;
  // Within the affinity list the least loaded member is taken.
  LeastLoadedStrategy within_;
  LeastLoadedStrategy fallback_strategy_;
};

}  // namespace npufleet::balancer
