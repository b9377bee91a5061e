// What the router did, per node and per decision, for GET /api/npu/routing/stats and /metrics:
// requests routed, in flight, failures, retries, ejections, latency p50/p95 (over the last
// 1,024 answers of each node), and the last 100 routing decisions with their reasons.
// Thread-safe; Prometheus series live on the registry passed in.
#pragma once

#include <boost/json/value.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
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
};

class RoutingStats {
 public:
  static constexpr size_t kDecisionLimit = 100;
  static constexpr size_t kLatencyWindow = 1024;

  // `registry` may be null (no Prometheus export).
  RoutingStats(const Clock& clock, std::shared_ptr<prometheus::Registry> registry);
  ~RoutingStats();

  void onRouted(const std::string& node_id, bool is_retry);
  void onFinished(const std::string& node_id, bool success, std::chrono::microseconds latency);
  void onEjected(const std::string& node_id);
  void onRefused(const std::string& reason_code);  // "queue_full", "no_candidate", ...
  // A node removed from the fleet: its figures and Prometheus series go. Answers still in
  // flight to it when it went are not counted.
  void forget(const std::string& node_id);
  // Keeps the last kDecisionLimit decisions. Ordinary ones (`notable` false) are sampled, at
  // most one per 10 ms, so that under load retries, fallbacks and refusals stay visible.
  void recordDecision(RoutingDecision decision, bool notable);

  std::vector<NodeRoutingStats> nodes() const;
  std::vector<RoutingDecision> decisions() const;  // oldest first

 private:
  struct Node;
  struct Metrics;
  Node& nodeLocked(const std::string& id);

  const Clock& clock_;
  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<Node>> nodes_;
  std::deque<RoutingDecision> decisions_;
  std::chrono::steady_clock::time_point last_sampled_{};
  std::unique_ptr<Metrics> metrics_;
};

}  // namespace npufleet::balancer
