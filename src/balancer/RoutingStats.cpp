#include "balancer/RoutingStats.h"

#include <algorithm>
#include <utility>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "common/Percentile.h"

namespace npufleet::balancer {

struct RoutingStats::Metrics {
  std::shared_ptr<prometheus::Registry> registry;
  prometheus::Family<prometheus::Counter>* routed;
  prometheus::Family<prometheus::Counter>* failures;
  prometheus::Family<prometheus::Counter>* retries;
  prometheus::Family<prometheus::Counter>* ejections;
  prometheus::Family<prometheus::Counter>* refused;
  prometheus::Family<prometheus::Gauge>* in_flight;
  prometheus::Family<prometheus::Histogram>* latency;
};

struct RoutingStats::Node {
  NodeRoutingStats counts;
  std::vector<double> latency_ms;  // ring of kLatencyWindow
  size_t next = 0;
  // The current interval (takeInterval).
  int64_t interval_succeeded = 0;
  int64_t interval_failed = 0;
  std::vector<double> interval_latency_ms;
  prometheus::Counter* routed = nullptr;
  prometheus::Counter* failures = nullptr;
  prometheus::Counter* retries = nullptr;
  prometheus::Counter* ejections = nullptr;
  prometheus::Gauge* in_flight = nullptr;
  prometheus::Histogram* latency = nullptr;
};

RoutingStats::RoutingStats(const Clock& clock, std::shared_ptr<prometheus::Registry> registry)
    : clock_(clock), interval_start_(clock.steadyNow()) {
  if (!registry) return;
  metrics_ = std::make_unique<Metrics>();
  metrics_->registry = registry;
  metrics_->routed = &prometheus::BuildCounter()
                          .Name("npufleet_router_routed_total")
                          .Help("Inference requests sent to each node, retries included")
                          .Register(*registry);
  metrics_->failures = &prometheus::BuildCounter()
                            .Name("npufleet_router_failures_total")
                            .Help("Requests to a node that failed (connect, reset, timeout, 5xx)")
                            .Register(*registry);
  metrics_->retries = &prometheus::BuildCounter()
                           .Name("npufleet_router_retries_total")
                           .Help("Requests a node received as a retry after another node failed")
                           .Register(*registry);
  metrics_->ejections = &prometheus::BuildCounter()
                             .Name("npufleet_router_ejections_total")
                             .Help("Outlier ejections of each node")
                             .Register(*registry);
  metrics_->refused = &prometheus::BuildCounter()
                           .Name("npufleet_router_refused_total")
                           .Help("Requests the router answered itself with 404/503, by reason")
                           .Register(*registry);
  metrics_->in_flight = &prometheus::BuildGauge()
                             .Name("npufleet_router_in_flight")
                             .Help("Requests the router has in flight to each node")
                             .Register(*registry);
  metrics_->latency = &prometheus::BuildHistogram()
                           .Name("npufleet_router_upstream_latency_seconds")
                           .Help("Time from sending to a node to its complete answer")
                           .Register(*registry);
}

RoutingStats::~RoutingStats() = default;

RoutingStats::Node& RoutingStats::nodeLocked(const std::string& id) {
  auto& slot = nodes_[id];
  if (!slot) {
    slot = std::make_unique<Node>();
    slot->counts.nodeId = id;
    if (metrics_) {
      const std::map<std::string, std::string> labels{{"node", id}};
      slot->routed = &metrics_->routed->Add(labels);
      slot->failures = &metrics_->failures->Add(labels);
      slot->retries = &metrics_->retries->Add(labels);
      slot->ejections = &metrics_->ejections->Add(labels);
      slot->in_flight = &metrics_->in_flight->Add(labels);
      slot->latency = &metrics_->latency->Add(
          labels, prometheus::Histogram::BucketBoundaries{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                          0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30});
    }
  }
  return *slot;
}

void RoutingStats::onRouted(const std::string& node_id, bool is_retry) {
  std::lock_guard lock(mu_);
  Node& n = nodeLocked(node_id);
  ++n.counts.routed;
  ++n.counts.inFlight;
  if (is_retry) ++n.counts.retries;
  if (n.routed) {
    n.routed->Increment();
    n.in_flight->Increment();
    if (is_retry) n.retries->Increment();
  }
}

void RoutingStats::onFinished(const std::string& node_id, bool success,
                              std::chrono::microseconds latency) {
  std::lock_guard lock(mu_);
  auto it = nodes_.find(node_id);
  if (it == nodes_.end()) return;  // forgotten while the request was in flight
  Node& n = *it->second;
  --n.counts.inFlight;
  if (n.in_flight) n.in_flight->Decrement();
  if (!success) {
    ++n.counts.failures;
    ++n.interval_failed;
    if (n.failures) n.failures->Increment();
    return;
  }
  const double ms = static_cast<double>(latency.count()) / 1000.0;
  ++n.interval_succeeded;
  if (n.interval_latency_ms.size() < kIntervalLatencyLimit) n.interval_latency_ms.push_back(ms);
  if (n.latency_ms.size() < kLatencyWindow) {
    n.latency_ms.push_back(ms);
  } else {
    n.latency_ms[n.next] = ms;
  }
  n.next = (n.next + 1) % kLatencyWindow;
  if (n.latency) n.latency->Observe(ms / 1000.0);
}

void RoutingStats::forget(const std::string& node_id) {
  std::lock_guard lock(mu_);
  auto it = nodes_.find(node_id);
  if (it == nodes_.end()) return;
  const Node& n = *it->second;
  if (metrics_) {
    metrics_->routed->Remove(n.routed);
    metrics_->failures->Remove(n.failures);
    metrics_->retries->Remove(n.retries);
    metrics_->ejections->Remove(n.ejections);
    metrics_->in_flight->Remove(n.in_flight);
    metrics_->latency->Remove(n.latency);
  }
  nodes_.erase(it);
}

void RoutingStats::onEjected(const std::string& node_id, const std::string& why) {
  EjectionListener listener;
  {
    std::lock_guard lock(mu_);
    Node& n = nodeLocked(node_id);
    ++n.counts.ejections;
    if (n.ejections) n.ejections->Increment();
    listener = ejection_listener_;
  }
  if (listener) listener(node_id, why);
}

void RoutingStats::setEjectionListener(EjectionListener listener) {
  std::lock_guard lock(mu_);
  ejection_listener_ = std::move(listener);
}

void RoutingStats::onRefused(const std::string& reason_code) {
  std::lock_guard lock(mu_);
  ++interval_refused_;
  if (metrics_) metrics_->refused->Add({{"reason", reason_code}}).Increment();
}

void RoutingStats::recordFailures(std::vector<RoutingFailure> failures) {
  const auto at = clock_.now();
  std::lock_guard lock(mu_);
  for (auto& f : failures) {
    f.at = at;
    failures_.push_back(std::move(f));
  }
  while (failures_.size() > kFailureLimit) failures_.pop_front();
}

std::vector<RoutingFailure> RoutingStats::failures() const {
  std::lock_guard lock(mu_);
  return {failures_.begin(), failures_.end()};
}

IntervalFigures RoutingStats::takeInterval() {
  const auto now = clock_.steadyNow();
  std::lock_guard lock(mu_);
  IntervalFigures out;
  out.length = now - interval_start_;
  interval_start_ = now;
  out.refused = std::exchange(interval_refused_, 0);
  const double seconds = std::chrono::duration<double>(out.length).count();
  out.nodes.reserve(nodes_.size());
  for (auto& [id, n] : nodes_) {
    IntervalFigures::Node f;
    f.nodeId = id;
    f.succeeded = std::exchange(n->interval_succeeded, 0);
    f.failed = std::exchange(n->interval_failed, 0);
    f.inFlight = n->counts.inFlight;
    f.latency_ms.swap(n->interval_latency_ms);
    n->counts.requestsPerSec =
        seconds > 0 ? static_cast<double>(f.succeeded + f.failed) / seconds : 0.0;
    out.nodes.push_back(std::move(f));
  }
  return out;
}

void RoutingStats::recordDecision(RoutingDecision decision, bool notable) {
  const auto now = clock_.steadyNow();
  decision.at = clock_.now();
  std::lock_guard lock(mu_);
  if (!notable) {
    if (now - last_sampled_ < std::chrono::milliseconds(10)) return;
    last_sampled_ = now;
  }
  decisions_.push_back(std::move(decision));
  while (decisions_.size() > kDecisionLimit) decisions_.pop_front();
}

std::vector<NodeRoutingStats> RoutingStats::nodes() const {
  std::lock_guard lock(mu_);
  std::vector<NodeRoutingStats> out;
  for (const auto& [id, n] : nodes_) {
    NodeRoutingStats s = n->counts;
    std::vector<double> window = n->latency_ms;  // percentile() reorders
    s.p50Ms = percentile(window, 0.50).value_or(0);
    s.p95Ms = percentile(window, 0.95).value_or(0);
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<RoutingDecision> RoutingStats::decisions() const {
  std::lock_guard lock(mu_);
  return {decisions_.begin(), decisions_.end()};
}

}  // namespace npufleet::balancer
