#include "app/FleetCandidates.h"

#include <spdlog/spdlog.h>

#include <limits>
#include <optional>

#include "fleet/Node.h"

namespace npufleet::app {

FleetCandidates::FleetCandidates(fleet::NodeRepository& nodes, const npu::NpuRegistry& registry,
                                 std::chrono::milliseconds ttl)
    : nodes_(nodes), registry_(registry), ttl_(ttl) {}

balancer::NodeSnapshot FleetCandidates::snapshot() const {
  const auto now = std::chrono::steady_clock::now();
  uint64_t generation = 0;
  {
    std::lock_guard lock(mu_);
    // While one caller rebuilds, the others keep routing on the previous view: no event loop
    // waits for another's database read.
    if (cached_ && (now - built_ < ttl_ || (rebuilding_ && ttl_.count() > 0))) return cached_;
    rebuilding_ = true;
    generation = generation_;
  }
  // Every node, with or without the role (validation tells "unknown" from "no role"); the
  // page holds them all.
  fleet::NodeFilter all;
  all.per_page = std::numeric_limits<int>::max();
  std::optional<Result<fleet::NodePage>> page;
  std::shared_ptr<std::vector<balancer::RoutableNode>> fresh;
  try {
    page.emplace(nodes_.list(all));
    if (*page) {
      fresh = std::make_shared<std::vector<balancer::RoutableNode>>();
      fresh->reserve((*page)->nodes.size());
      for (const auto& n : (*page)->nodes) fresh->push_back(routable(n));
    }
  } catch (...) {
    std::lock_guard lock(mu_);
    rebuilding_ = false;  // or every later caller would keep the expired view
    throw;
  }
  std::lock_guard lock(mu_);
  rebuilding_ = false;
  if (!fresh) {
    spdlog::warn("router: cannot read the registry, keeping the last view: {}",
                 page->error().message);
    return cached_ ? cached_ : std::make_shared<const std::vector<balancer::RoutableNode>>();
  }
  // A registry change since the read began makes this view stale: its caller may use it, the
  // next one reads again.
  if (generation == generation_) {
    cached_ = fresh;
    built_ = now;
  }
  return fresh;
}

void FleetCandidates::onNodeChanged(const fleet::Node*, const fleet::Node*) {
  std::lock_guard lock(mu_);
  cached_.reset();
  ++generation_;
}

balancer::RoutableNode FleetCandidates::routable(const fleet::Node& n) const {
  balancer::RoutableNode r;
  r.nodeId = n.id;
  r.ip = n.ip;
  r.port = static_cast<uint16_t>(n.npu_port);
  r.draining = n.draining;
  r.hasRole = n.hasRole(fleet::kNpuWorkerRole);
  if (!r.hasRole) {
    r.status = balancer::NodeHealth::kOffline;  // never a candidate; listed for validation
    return r;
  }
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
  if (state) {
    r.queueDepth = state->queue_depth;
    r.loadedModels = state->loaded_models;
    r.loadedKnown = state->loaded_models_known;
    r.loadsOnDemand = state->loads_on_demand;
  }
  return r;
}

}  // namespace npufleet::app
