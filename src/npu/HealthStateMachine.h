// One node's health status from consecutive probe outcomes: online -> degraded (slow, worker
// reports degraded, partial failure, or a first failure) -> offline after N consecutive
// failures; back to online after M consecutive good probes. Pure: fed observations, returns the
// transition (with reason and time from the injected clock) when the status changes.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "common/Clock.h"
#include "fleet/Node.h"

namespace npufleet::npu {

struct HealthPolicy {
  int offline_after = 3;
  int online_after = 2;
  std::chrono::milliseconds degraded_latency{1000};
};

struct ProbeObservation {
  bool reachable = false;
  std::string error;                 // why not, when unreachable
  bool worker_degraded = false;      // the worker said so
  std::string partial_failure;       // e.g. /stats failed while /health answered
  std::chrono::milliseconds latency{0};
};

struct HealthChange {
  fleet::NodeStatus from;
  fleet::NodeStatus to;
  std::string reason;
  fleet::TimePoint at;
};

class HealthStateMachine {
 public:
  HealthStateMachine(HealthPolicy policy, const Clock& clock,
                     fleet::NodeStatus initial = fleet::NodeStatus::kPending);

  std::optional<HealthChange> observe(const ProbeObservation& obs);

  fleet::NodeStatus status() const { return status_; }
  int consecutiveFailures() const { return failures_; }

 private:
  std::optional<HealthChange> moveTo(fleet::NodeStatus to, std::string reason);

  HealthPolicy policy_;
  const Clock& clock_;
  fleet::NodeStatus status_;
  int failures_ = 0;
  int good_ = 0;  // consecutive probes that were reachable and not degraded
  int reachable_ = 0;
};

}  // namespace npufleet::npu
