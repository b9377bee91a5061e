// Where the router learns which nodes exist and how they are doing. Implemented in app/ over
// the fleet registry and the NPU monitor; tests use an in-memory list.
#pragma once

#include <memory>
#include <vector>

#include "balancer/RoutableNode.h"

namespace npufleet::balancer {

using NodeSnapshot = std::shared_ptr<const std::vector<RoutableNode>>;

class CandidateSource {
 public:
  virtual ~CandidateSource() = default;
  // Every known node, with or without the role (validation needs both). Called once per
  // routing attempt: implementations should hand out a cached, immutable snapshot.
  virtual NodeSnapshot snapshot() const = 0;
};

}  // namespace npufleet::balancer
