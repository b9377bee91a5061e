// A machine in the fleet registry: where it is, what roles it has, how it is doing.
// JSON mapping in NodeJson.h (camelCase, the API's single mapping for this type).
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace npufleet::fleet {

// kUnknown: nothing watches the node any more (its npu-worker role was removed), so its last
// monitored status would be stale; lastSeen says how old the last sign of life is.
enum class NodeStatus { kPending, kOnline, kDegraded, kOffline, kMaintenance, kUnknown };
const char* nodeStatusName(NodeStatus status);
std::optional<NodeStatus> parseNodeStatus(std::string_view name);

inline constexpr const char* kNpuWorkerRole = "npu-worker";
inline constexpr int kDefaultNpuPort = 8081;

using TimePoint = std::chrono::system_clock::time_point;

struct Node {
  std::string id;  // server-generated, stable ("node-" + 12 hex)
  std::string name;
  std::string ip;  // IPv4, IPv6 or hostname
  int npu_port = kDefaultNpuPort;
  std::vector<std::string> roles;
  NodeStatus status = NodeStatus::kPending;
  std::map<std::string, std::string> labels;
  TimePoint created_at{};
  TimePoint updated_at{};
  std::optional<TimePoint> last_seen;
  bool draining = false;  // no new inference is routed to it; in-flight requests finish

  bool hasRole(std::string_view role) const;
};

}  // namespace npufleet::fleet
