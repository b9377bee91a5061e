// What the router did, per node and per decision, for GET /api/npu/routing/stats and /metrics:
// requests routed, in flight, failures, retries, ejections, latency p50/p95 (over the last
// 1,024 answers of each node), the last 100 routing decisions with their reasons, and the last
// 100 failures (failed attempts, retried or not, and the router's own refusals). takeInterval()
// hands the figures of the time since its previous call to the once-a-second fleet metrics.
// Thread-safe; Prometheus series live on the registry passed in.
#pragma once

#include <boost/json/value.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/Clock.h"

namespace prometheus {
class Registry;
}

namespace npufleet::balancer {

struct RoutingDecision {
  std::chrono::system_clock::time_point at;
  std::string model;
  std::string nodeId;  // empty when the request was refused
  std::string strategy;
  std::string reason;
};

// A request that went wrong: a failed attempt on a node (retried elsewhere or not) or a refusal
// of the router's own (nodeId empty).
struct RoutingFailure {
  std::chrono::system_clock::time_point at;
  std::string model;
  std::string nodeId;
  int status = 0;  // the worker's or the router's HTTP status; 0 = no answer (connect, timeout)
  std::string reason;
  bool retried = false;            // another node was tried after it
  std::optional<int> clientStatus;  // what the client got; empty when a retry served it
};

// What finished since the previous takeInterval().
struct IntervalFigures {
  struct Node {
    std::string nodeId;
    int64_t succeeded = 0;
    int64_t failed = 0;
    int64_t inFlight = 0;            // now
    std::vector<double> latency_ms;  // of the successes, at most kIntervalLatencyLimit
  };
  std::chrono::steady_clock::duration length{};
  std::vector<Node> nodes;
  int64_t refused = 0;  // answered by the router itself (404/409/503): the client saw an error
};

struct NodeRoutingStats {
  std::string nodeId;
  int64_t routed = 0;
  int64_t inFlight = 0;
  int64_t failures = 0;
  int64_t retries = 0;
  int64_t ejections = 0;
  bool ejected = false;
  double p50Ms = 0;
  double p95Ms = 0;
  double requestsPerSec = 0;  // over the last interval (see takeInterval)
};

class RoutingStats {
 public:
  static constexpr size_t kDecisionLimit = 100;
  static constexpr size_t kLatencyWindow = 1024;
  static constexpr size_t kFailureLimit = 100;
  static constexpr size_t kIntervalLatencyLimit = 4096;
  using EjectionListener = std::function<void(const std::string& node_id, const std::string& why)>;

  // `registry` may be null (no Prometheus export).
  RoutingStats(const Clock& clock, std::shared_ptr<prometheus::Registry> registry);
  ~RoutingStats();

  void onRouted(const std::string& node_id, bool is_retry);
  void onFinished(const std::string& node_id, bool success, std::chrono::microseconds latency);
  void onEjected(const std::string& node_id, const std::string& why);
  // Called after each ejection, outside the lock (the control plane publishes node.ejected).
  void setEjectionListener(EjectionListener listener);
  void onRefused(const std::string& reason_code);  // "queue_full", "no_candidate", ...
  // `at` is set here. Keeps the last kFailureLimit.
  void recordFailures(std::vector<RoutingFailure> failures);
  // A node removed from the fleet: its figures and Prometheus series go. Answers still in
  // flight to it when it went are not counted.
  void forget(const std::string& node_id);
  // Keeps the last kDecisionLimit decisions. Ordinary ones (`notable` false) are sampled, at
  // most one per 10 ms, so that under load retries, fallbacks and refusals stay visible.
  void recordDecision(RoutingDecision decision, bool notable);

  std::vector<NodeRoutingStats> nodes() const;
  std::vector<RoutingDecision> decisions() const;  // oldest first
  std::vector<RoutingFailure> failures() const;    // oldest first
  // The figures since the previous call, which starts the next interval; each node's
  // requestsPerSec becomes its rate over this one. One caller (the fleet metrics sampler).
  IntervalFigures takeInterval();

 private:
  struct Node;
  struct Metrics;
  Node& nodeLocked(const std::string& id);

  const Clock& clock_;
  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<Node>> nodes_;
  std::deque<RoutingDecision> decisions_;
  std::deque<RoutingFailure> failures_;
  int64_t interval_refused_ = 0;
  std::chrono::steady_clock::time_point interval_start_;
  EjectionListener ejection_listener_;
  std::chrono::steady_clock::time_point last_sampled_{};
  std::unique_ptr<Metrics> metrics_;
};

}  // namespace npufleet::balancer
