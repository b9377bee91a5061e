// The router's view of the fleet: every registered node, and for those with the npu-worker role
// what monitoring last saw of them, as balancer::RoutableNode. Joins the registry (fleet) and the NPU state (npu) for the
// balancer, which knows neither; used by the control plane and by the fuzz targets' world.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>

#include "balancer/CandidateSource.h"
#include "fleet/NodeRepository.h"
#include "fleet/NodeService.h"
#include "npu/NpuRegistry.h"

namespace npufleet::app {

// Rebuilt at most every `ttl` (and at once after a registry change, as a NodeObserver), so the
// hot path reads a shared immutable snapshot; the rebuild reads the database outside the lock,
// and other callers keep the previous snapshot meanwhile. A ttl of zero rebuilds on every call.
class FleetCandidates final : public balancer::CandidateSource, public fleet::NodeObserver {
 public:
  FleetCandidates(fleet::NodeRepository& nodes, const npu::NpuRegistry& registry,
                  std::chrono::milliseconds ttl = std::chrono::milliseconds(250));

  balancer::NodeSnapshot snapshot() const override;
  void onNodeChanged(const fleet::Node* before, const fleet::Node* after) override;

 private:
  balancer::RoutableNode routable(const fleet::Node& n) const;

  fleet::NodeRepository& nodes_;
  const npu::NpuRegistry& registry_;
  std::chrono::milliseconds ttl_;
  mutable std::mutex mu_;
  mutable balancer::NodeSnapshot cached_;
  mutable std::chrono::steady_clock::time_point built_{};
  mutable bool rebuilding_ = false;
  uint64_t generation_ = 0;  // registry changes seen; a rebuild begun before one is not kept
};

}  // namespace npufleet::app
