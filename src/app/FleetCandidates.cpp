#include "app/FleetCandidates.h"

#include <spdlog/spdlog.h>

#include "fleet/Node.h"

namespace npufleet::app {

FleetCandidates::FleetCandidates(fleet::NodeRepository& nodes, const npu::NpuRegistry& registry,
                                 std::chrono::milliseconds ttl)
    : nodes_(nodes), registry_(registry), ttl_(ttl) {}

balancer::NodeSnapshot FleetCandidates::snapshot() const {
  std::lock_guard lock(mu_);
  auto now = std::chrono::steady_clock::now();
  if (cached_ && now - built_ < ttl_) return cached_;
  auto nodes = nodes_.listWithRole(fleet::kNpuWorkerRole);
  if (!nodes) {
    spdlog::warn("router: cannot read the registry, keeping the last view: {}",
                 nodes.error().message);
    return cached_ ? cached_ : std::make_shared<const std::vector<balancer::RoutableNode>>();
  }
  auto out = std::make_shared<std::vector<balancer::RoutableNode>>();
  for (const auto& n : *nodes) out->push_back(routable(n));
  cached_ = std::move(out);
  built_ = now;
  return cached_;
}

void FleetCandidates::onNodeChanged(const fleet::Node*, const fleet::Node*) {
  std::lock_guard lock(mu_);
  cached_.reset();
}

balancer::RoutableNode FleetCandidates::routable(const fleet::Node& n) const {
  balancer::RoutableNode r;
  r.nodeId = n.id;
  r.ip = n.ip;
  r.port = static_cast<uint16_t>(n.npu_port);
  r.draining = n.draining;
  r.hasRole = true;
  auto state = registry_.state(n.id);
  fleet::NodeStatus status = state ? state->status : n.status;
  if (n.status == fleet::NodeStatus::kMaintenance) status = n.status;
  r.status = status == fleet::NodeStatus::kOnline     ? balancer::NodeHealth::kOnline
             : status == fleet::NodeStatus::kDegraded ? balancer::NodeHealth::kDegraded
                                                       : balancer::NodeHealth::kOffline;
  if (state && state->capabilities) {
    r.models = state->capabilities->models;
    r.maxConcurrent = state->capabilities->max_concurrent;
  }
  if (state) r.queueDepth = state->queue_depth;
  return r;
}

}  // namespace npufleet::app
