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
  // The models loaded now, when the worker lists them (loadedKnown); a worker that loads on
  // demand runs any model it serves.
  std::vector<std::string> loadedModels;
  bool loadedKnown = false;
  bool loadsOnDemand = false;
  int maxConcurrent = 4;
  int queueDepth = 0;  // last reported by the worker

  // The node has the model (loaded or not).
  bool serves(std::string_view model) const;
  // The node can run the model now without refusing it as not loaded: it serves it, and has it
  // loaded, loads on demand, or does not say what is loaded.
  bool runs(std::string_view model) const;
};

}  // namespace npufleet::balancer
