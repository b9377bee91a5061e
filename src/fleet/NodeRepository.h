// Storage the fleet registry needs, defined by the domain and implemented in store/.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/Error.h"
#include "fleet/Node.h"

namespace npufleet::fleet {

struct NodeFilter {
  std::optional<std::string> role;
  std::optional<NodeStatus> status;
  std::optional<std::string> text;  // matches name, ip or id (case-insensitive substring)
  int page = 1;
  int per_page = 50;
};

struct NodePage {
  std::vector<Node> nodes;
  int64_t total = 0;
};

class NodeRepository {
 public:
  virtual ~NodeRepository() = default;
  virtual Result<NodePage> list(const NodeFilter& filter) = 0;
  virtual Result<std::vector<Node>> listWithRole(const std::string& role) = 0;
  // NotFound when absent.
  virtual Result<Node> get(const std::string& id) = 0;
  // Conflict (field "name" or "ip") on a duplicate name or ip:npuPort.
  virtual Result<Node> insert(const Node& node) = 0;
  virtual Result<Node> update(const Node& node) = 0;
  virtual Status remove(const std::string& id) = 0;
  // Status and lastSeen only: the monitor's frequent write, which must not touch user fields.
  virtual Status updateHealth(const std::string& id, NodeStatus status,
                              std::optional<TimePoint> last_seen) = 0;
};

}  // namespace npufleet::fleet
