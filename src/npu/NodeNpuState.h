// What the control plane knows about one npu-worker node: detection outcome, the capabilities
// it found, live load from the last health probe, and the node's health status with the reason
// it was entered. Kept by NpuRegistry, persisted through NpuRepository.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fleet/Node.h"
#include "npu/WorkerReport.h"

namespace npufleet::npu {

enum class DetectionStatus { kIdle, kDetecting, kDetected, kFailed };
const char* detectionStatusName(DetectionStatus s);
std::optional<DetectionStatus> parseDetectionStatus(std::string_view name);

// The last probe of a node, successful or not (NodeNpuState::last_health_check is the last
// successful one).
struct ProbeRecord {
  fleet::TimePoint at{};
  bool ok = false;
  std::string error;  // why it failed; empty when ok
  double latency_ms = 0;
};

struct NodeNpuState {
  std::string node_id;
  // False once the npu-worker role is gone: no monitoring or routing, history kept.
  bool active = true;
  DetectionStatus detection_status = DetectionStatus::kIdle;
  std::string detection_error;
  std::vector<std::string> detection_warnings;
  std::optional<NpuCapabilities> capabilities;
  std::vector<std::string> loaded_models;
  // loaded_models is the worker's own complete list (see WorkerReport::loaded_models_listed):
  // the router then sends a model only where it is loaded, unless the worker loads on demand.
  bool loaded_models_known = false;
  bool loads_on_demand = false;
  int queue_depth = 0;
  int running = 0;
  std::string device_name;
  std::optional<fleet::TimePoint> last_detection;
  std::optional<fleet::TimePoint> last_health_check;  // the last successful probe
  std::optional<ProbeRecord> last_probe;              // in memory only
  std::optional<DeviceTelemetry> device;              // from the last successful probe
  // The worker's remote engines and their health, from the last /health that listed them;
  // in memory only, like the probe.
  std::optional<std::vector<RemoteEngineHealth>> remotes;
  fleet::NodeStatus status = fleet::NodeStatus::kPending;
  std::string status_reason;
  std::optional<fleet::TimePoint> status_since;
  double last_latency_ms = 0;
  std::optional<WorkerMetrics> metrics;
};

struct StatusTransition {
  std::string node_id;
  fleet::NodeStatus from = fleet::NodeStatus::kPending;
  fleet::NodeStatus to = fleet::NodeStatus::kPending;
  std::string reason;
  fleet::TimePoint at{};
};

}  // namespace npufleet::npu
