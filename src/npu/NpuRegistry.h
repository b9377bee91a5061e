// The control plane's view of every npu-worker node, and the reaction to role changes: it is the
// fleet::NodeObserver that starts detection the moment a node gains the npu-worker role, stops
// monitoring (and so routing) when it loses it while keeping its history (its status becomes
// unknown rather than freezing at the last one seen), and records health
// transitions fed by HealthMonitor. State is persisted through NpuRepository; changes are
// published on the EventBus. Thread-safe: called from API handlers and probes on any io thread.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/Clock.h"
#include "fleet/NodeRepository.h"
#include "fleet/NodeService.h"
#include "npu/CapabilityDetector.h"
#include "npu/EventBus.h"
#include "npu/HealthStateMachine.h"
#include "npu/NodeNpuState.h"
#include "npu/NpuRepository.h"
#include "npu/NpuSettings.h"

namespace npufleet::npu {

struct MonitoredNode {
  std::string id;
  std::string ip;
  int port = fleet::kDefaultNpuPort;
  // The registry's monitoring generation when monitored() listed the node: a probe result
  // from an earlier one (the role removed, or the address changed, since) is dropped.
  uint64_t watch = 0;
};

struct DetectionReport {
  std::string node_id;
  DetectionStatus status = DetectionStatus::kIdle;
  std::string error;
};

class NpuRegistry final : public fleet::NodeObserver {
 public:
  NpuRegistry(boost::asio::any_io_executor executor, fleet::NodeRepository& nodes,
              NpuRepository& repo, CapabilityDetector& detector, EventBus& events,
              const Clock& clock, NpuSettings settings);
  ~NpuRegistry() override;

  // Loads persisted state and the current npu-worker nodes; nodes whose detection never
  // finished (or never ran) are detected again.
  Status start();

  void onNodeChanged(const fleet::Node* before, const fleet::Node* after) override;

  std::optional<NodeNpuState> state(const std::string& node_id) const;
  std::vector<NodeNpuState> activeStates() const;
  std::vector<MonitoredNode> monitored() const;
  bool isMonitored(const std::string& node_id) const;
  Result<std::vector<StatusTransition>> transitions(const std::string& node_id, int limit);

  // Marks the node "detecting" now and detects in the background.
  NodeNpuState startDetection(const fleet::Node& node);
  // Marks, detects and waits for the outcome.
  boost::asio::awaitable<NodeNpuState> detect(fleet::Node node);
  // Many nodes, at most settings.detect_concurrency at once.
  boost::asio::awaitable<std::vector<DetectionReport>> detectMany(std::vector<fleet::Node> nodes);

  // The monitor's result for one probe of `node` as monitored() listed it.
  void applyProbe(const MonitoredNode& node, const ProbeObservation& obs,
                  const std::optional<WorkerReport>& report,
                  const std::optional<WorkerMetrics>& metrics);
  // Fresh capabilities from a /health + /models round (after a model load or unload).
  void applyReport(const std::string& node_id, const WorkerReport& report);

  const NpuSettings& settings() const { return settings_; }
  CapabilityDetector& detector() { return detector_; }

 private:
  struct Entry {
    NodeNpuState state;
    MonitoredNode address;
    bool maintenance = false;
    std::unique_ptr<HealthStateMachine> health;
    uint64_t generation = 0;  // detections started; stale results are dropped
    uint64_t watch = 0;       // monitoring generation: +1 when it stops or its address changes
    fleet::TimePoint last_seen_written{};
  };
  Entry& entryLocked(const fleet::Node& node);
  // Marks the node "detecting" and starts a new detection generation; what runDetection needs.
  struct DetectionStart {
    uint64_t generation = 0;
    MonitoredNode address;
    NodeNpuState snapshot;  // the state marked "detecting"
  };
  DetectionStart markDetecting(const fleet::Node& node);
  boost::asio::awaitable<NodeNpuState> runDetection(MonitoredNode address, uint64_t generation);
  // The node's stored status becomes unknown: nothing monitors it any more.
  void markUnwatched(const std::string& node_id);
  void persist(const NodeNpuState& state);
  void publishDetection(const NodeNpuState& s);

  boost::asio::any_io_executor executor_;
  fleet::NodeRepository& nodes_;
  NpuRepository& repo_;
  CapabilityDetector& detector_;
  EventBus& events_;
  const Clock& clock_;
  NpuSettings settings_;
  mutable std::mutex mu_;
  // Held (before mu_) across a probe's store writes and a role removal's: a probe result that
  // was in flight when the role went can never write its status over markUnwatched's unknown.
  std::mutex health_write_mu_;
  std::map<std::string, Entry> entries_;
  std::shared_ptr<bool> alive_;
};

}  // namespace npufleet::npu
