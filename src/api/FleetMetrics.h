// Fleet-wide live figures, for the UI's cards, tiles and overview without polling. Once a second
// it takes what the router finished in that second (balancer::RoutingStats::takeInterval) and
// every node's load from its last probe (a NodeLoadSource), and publishes them as one
// `fleet.metrics` event on the EventBus: only while someone listens, when a figure changed or
// 5 s after the last one, never more than once a second however busy the fleet. It also keeps
// 10-second points of the last hour for GET /api/npu/overview. In memory only: the per-node
// history (npu::UtilizationHistory) is the durable record.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/json/object.hpp>
#include <chrono>
#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "balancer/RoutingStats.h"
#include "common/Clock.h"
#include "npu/EventBus.h"
#include "fleet/Node.h"

namespace npufleet::api {

// One monitored node's load from its last probe.
struct NodeLoad {
  std::string node_id;
  fleet::NodeStatus status = fleet::NodeStatus::kPending;
  double utilization = 0;
  int queue_depth = 0;
  int running = 0;
};
// The monitored nodes now (the control plane reads them from npu::NpuRegistry).
using NodeLoadSource = std::function<std::vector<NodeLoad>()>;

// One interval's figures for the whole fleet.
struct FleetFigures {
  double requests_per_sec = 0;
  std::optional<double> p50_ms, p95_ms;  // of the answers in the interval; none without answers
  double error_rate = 0;                 // failed attempts and refusals over all of them, 0-1
  double avg_utilization = 0;            // over the online and degraded nodes
  int64_t in_flight = 0, queue_depth = 0, running = 0;
  int online = 0, total = 0;
};

class FleetMetrics {
 public:
  static constexpr std::chrono::seconds kTick{1};
  static constexpr std::chrono::seconds kPointInterval{10};
  static constexpr size_t kPointLimit = 360;  // one hour
  static constexpr std::chrono::seconds kHeartbeat{5};

  FleetMetrics(NodeLoadSource nodes, balancer::RoutingStats& stats, npu::EventBus& events,
               const Clock& clock);
  ~FleetMetrics();

  // Ticks once a second on `executor` until stop().
  void start(boost::asio::any_io_executor executor);
  void stop();
  // One interval: what start() runs every second (tests call it directly). Returns whether it
  // published an event.
  bool tick();

  // GET /api/npu/overview: {window, intervalSec, current, points}.
  boost::json::object overviewJson() const;

 private:
  struct Point {
    fleet::TimePoint t{};
    FleetFigures figures;
  };
  // The 10-second point being filled.
  struct Bucket {
    fleet::TimePoint started{};
    double seconds = 0;
    int64_t requests = 0, errors = 0;
    std::vector<double> latency_ms;  // a uniform sample of the answers' latencies
    int64_t latencies_seen = 0;
    double utilization_sum = 0;
    int utilization_samples = 0;
  };
  void addToBucketLocked(fleet::TimePoint now, double seconds, int64_t attempts, int64_t errors,
                         const std::vector<double>& latencies, double avg_utilization);

  NodeLoadSource nodes_;
  balancer::RoutingStats& stats_;
  npu::EventBus& events_;
  const Clock& clock_;
  std::shared_ptr<std::atomic<bool>> running_;

  mutable std::mutex mu_;
  FleetFigures current_;
  std::deque<Point> points_;
  std::optional<Bucket> bucket_;
  boost::json::object last_published_;  // without "at"
  std::chrono::steady_clock::time_point last_published_at_{};
};

boost::json::object fleetFiguresJson(const FleetFigures& f);

}  // namespace npufleet::api
