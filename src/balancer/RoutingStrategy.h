// The choice of a worker for one request. The router calls select() under its own lock with the
// load it holds for each candidate and counts the request as in flight on the chosen node
// before releasing the lock, so concurrent requests see each other's choices (no herd onto the
// node that looked idle a moment ago). Implementations therefore need no locking of their own.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "balancer/LoadBalancingConfig.h"

namespace npufleet::balancer {

struct CandidateLoad {
  std::string_view nodeId;
  int inFlight = 0;       // requests the router has in flight to the node
  int queueDepth = 0;     // last reported by the worker
  int maxConcurrent = 1;  // > 0

  bool hasCapacity() const { return inFlight < maxConcurrent; }
};

struct Selection {
  // Candidates the strategy allows for this model (indexes into the input): a request that
  // found them all busy waits for a slot on one of them.
  std::vector<size_t> eligible;
  std::optional<size_t> chosen;  // none when every eligible candidate is at capacity
  std::string strategy;          // what decided: "least-loaded", "model-affinity", ...
  std::string reason;            // for people: why this node, or why none
};

class RoutingStrategy {
 public:
  virtual ~RoutingStrategy() = default;
  virtual std::string_view name() const = 0;
  // `candidates` is non-empty and in a stable order (by node id).
  virtual Selection select(std::string_view model, const std::vector<CandidateLoad>& candidates) = 0;
};

// The strategy a setting asks for (model-affinity wraps its fallback).
std::unique_ptr<RoutingStrategy> makeStrategy(const LoadBalancingConfig& config);

}  // namespace npufleet::balancer
