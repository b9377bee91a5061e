#include "npu/HealthStateMachine.h"

namespace npufleet::npu {

using fleet::NodeStatus;

HealthStateMachine::HealthStateMachine(HealthPolicy policy, const Clock& clock, NodeStatus initial)
    : policy_(policy), clock_(clock), status_(initial) {}

std::optional<HealthChange> HealthStateMachine::moveTo(NodeStatus to, std::string reason) {
  if (to == status_) return std::nullopt;
  HealthChange c{status_, to, std::move(reason), clock_.now()};
  status_ = to;
  return c;
}

std::optional<HealthChange> HealthStateMachine::observe(const ProbeObservation& obs) {
  if (!obs.reachable) {
    ++failures_;
    good_ = 0;
    reachable_ = 0;
    if (status_ == NodeStatus::kMaintenance) return std::nullopt;
    if (failures_ >= policy_.offline_after) {
      return moveTo(NodeStatus::kOffline, std::to_string(failures_) +
                                              " consecutive failed probes: " + obs.error);
    }
    if (status_ == NodeStatus::kOnline) return moveTo(NodeStatus::kDegraded, "probe failed: " + obs.error);
    return std::nullopt;
  }

  failures_ = 0;
  ++reachable_;
  std::string why_degraded;
  if (obs.worker_degraded) {
    why_degraded = "worker reports degraded";
  } else if (!obs.partial_failure.empty()) {
    why_degraded = "partial failure: " + obs.partial_failure;
  } else if (obs.latency > policy_.degraded_latency) {
    why_degraded = "slow: health probe took " + std::to_string(obs.latency.count()) + " ms (> " +
                   std::to_string(policy_.degraded_latency.count()) + " ms)";
  }
  good_ = why_degraded.empty() ? good_ + 1 : 0;

  switch (status_) {
    case NodeStatus::kPending:
    case NodeStatus::kUnknown:
      // A new node (or one watched again) has no record to protect: its first answer decides.
      return why_degraded.empty() ? moveTo(NodeStatus::kOnline, "first successful probe")
                                  : moveTo(NodeStatus::kDegraded, why_degraded);
    case NodeStatus::kOnline:
      if (!why_degraded.empty()) return moveTo(NodeStatus::kDegraded, why_degraded);
      return std::nullopt;
    case NodeStatus::kDegraded:
      if (good_ >= policy_.online_after) {
        return moveTo(NodeStatus::kOnline, std::to_string(good_) + " consecutive good probes");
      }
      return std::nullopt;
    case NodeStatus::kOffline:
      if (reachable_ < policy_.online_after) return std::nullopt;
      if (good_ >= policy_.online_after) {
        return moveTo(NodeStatus::kOnline, std::to_string(good_) + " consecutive good probes");
      }
      return moveTo(NodeStatus::kDegraded, "reachable again, " + why_degraded);
    case NodeStatus::kMaintenance:
      return std::nullopt;  // an operator's decision; probes do not override it
  }
  return std::nullopt;
}

}  // namespace npufleet::npu
