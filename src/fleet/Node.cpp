#include "fleet/Node.h"

#include <algorithm>

namespace npufleet::fleet {

const char* nodeStatusName(NodeStatus status) {
  switch (status) {
    case NodeStatus::kPending: return "pending";
    case NodeStatus::kOnline: return "online";
    case NodeStatus::kDegraded: return "degraded";
    case NodeStatus::kOffline: return "offline";
    case NodeStatus::kMaintenance: return "maintenance";
    case NodeStatus::kUnknown: return "unknown";
  }
  return "pending";
}

std::optional<NodeStatus> parseNodeStatus(std::string_view name) {
  for (auto s : {NodeStatus::kPending, NodeStatus::kOnline, NodeStatus::kDegraded,
                 NodeStatus::kOffline, NodeStatus::kMaintenance, NodeStatus::kUnknown}) {
    if (name == nodeStatusName(s)) return s;
  }
  return std::nullopt;
}

bool Node::hasRole(std::string_view role) const {
  return std::find(roles.begin(), roles.end(), role) != roles.end();
}

}  // namespace npufleet::fleet
