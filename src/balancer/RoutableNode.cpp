#include "balancer/RoutableNode.h"

#include <algorithm>

namespace npufleet::balancer {

const char* nodeHealthName(NodeHealth health) {
  switch (health) {
    case NodeHealth::kOnline: return "online";
    case NodeHealth::kDegraded: return "degraded";
    case NodeHealth::kOffline: return "offline";
  }
  return "offline";
}

bool RoutableNode::serves(std::string_view model) const {
  return std::find(models.begin(), models.end(), model) != models.end();
}

bool RoutableNode::runs(std::string_view model) const {
  if (!serves(model)) return false;
  if (!loadedKnown || loadsOnDemand) return true;
  return std::find(loadedModels.begin(), loadedModels.end(), model) != loadedModels.end();
}

}  // namespace npufleet::balancer
