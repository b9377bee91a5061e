// What the router needs to know about one fleet node to decide whether it may receive an
// inference request: a snapshot assembled in app/ from the registry (role, draining) and the
// monitor (status, capabilities, queue depth). Plain data so that balancer/ stays independent
// of fleet/ and npu/.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace npufleet::balancer {

enum class NodeHealth { kOnline, kDegraded, kOffline };
const char* nodeHealthName(NodeHealth health);

struct RoutableNode {
  std::string nodeId;
  std::string ip;
  uint16_t port = 8081;
  NodeHealth status = NodeHealth::kOffline;
  bool draining = false;
  bool hasRole = false;  // carries the npu-worker role
  std::vector<std::string> models;  // capabilities.models as last detected
  int maxConcurrent = 4;
  int queueDepth = 0;  // last reported by the worker

  bool serves(std::string_view model) const;
};

}  // namespace npufleet::balancer
