#include "api/FleetMetrics.h"

#include <algorithm>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <map>
#include <random>

#include "common/Percentile.h"

namespace npufleet::api {

namespace asio = boost::asio;
namespace bj = boost::json;

namespace {

bj::value opt(const std::optional<double>& v) { return v ? bj::value(*v) : bj::value(nullptr); }

double rate(int64_t count, double seconds) {
  return seconds > 0 ? static_cast<double>(count) / seconds : 0.0;
}

double share(int64_t part, int64_t whole) {
  return whole > 0 ? static_cast<double>(part) / static_cast<double>(whole) : 0.0;
}

bool serving(fleet::NodeStatus s) {
  return s == fleet::NodeStatus::kOnline || s == fleet::NodeStatus::kDegraded;
}

// Keeps at most `limit` values, each seen value with the same chance (reservoir sampling), so a
// busy 10 s still gives unbiased percentiles in bounded memory.
void sampleInto(std::vector<double>& into, const std::vector<double>& from, int64_t& seen,
                size_t limit, std::mt19937& rng) {
  for (double v : from) {
    ++seen;
    if (into.size() < limit) {
      into.push_back(v);
    } else {
      std::uniform_int_distribution<int64_t> pick(0, seen - 1);
      if (auto i = pick(rng); i < static_cast<int64_t>(limit)) into[static_cast<size_t>(i)] = v;
    }
  }
}

}  // namespace

bj::object fleetFiguresJson(const FleetFigures& f) {
  return {{"requestsPerSec", f.requests_per_sec},
          {"p50Ms", opt(f.p50_ms)},
          {"p95Ms", opt(f.p95_ms)},
          {"errorRate", f.error_rate},
          {"avgUtilization", f.avg_utilization},
          {"inFlight", f.in_flight},
          {"queueDepth", f.queue_depth},
          {"running", f.running},
          {"online", f.online},
          {"total", f.total}};
}

FleetMetrics::FleetMetrics(NodeLoadSource nodes, balancer::RoutingStats& stats,
                           npu::EventBus& events, const Clock& clock)
    : nodes_(std::move(nodes)),
      stats_(stats),
      events_(events),
      clock_(clock),
      running_(std::make_shared<std::atomic<bool>>(false)) {}

FleetMetrics::~FleetMetrics() { stop(); }

void FleetMetrics::start(asio::any_io_executor executor) {
  if (running_->exchange(true)) return;
  stats_.takeInterval();  // the first interval starts now, not at construction
  auto running = running_;
  asio::co_spawn(
      executor,
      [this, running, executor]() -> asio::awaitable<void> {
        asio::steady_timer timer(executor);
        auto next = std::chrono::steady_clock::now();
        while (*running) {
          next += kTick;
          timer.expires_at(next);
          co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
          if (!*running) break;
          tick();
        }
      },
      asio::detached);
}

void FleetMetrics::stop() { *running_ = false; }

bool FleetMetrics::tick() {
  balancer::IntervalFigures interval = stats_.takeInterval();
  const double seconds = std::chrono::duration<double>(interval.length).count();
  std::map<std::string, const balancer::IntervalFigures::Node*> routed;
  for (const auto& n : interval.nodes) routed[n.nodeId] = &n;

  FleetFigures fleet;
  std::vector<double> latencies;
  int64_t attempts = interval.refused, errors = interval.refused;
  double utilization_sum = 0;
  bj::array nodes;
  for (const auto& s : nodes_()) {
    const bool live = serving(s.status);
    const double utilization = live ? s.utilization : 0.0;
    ++fleet.total;
    if (live) {
      ++fleet.online;
      utilization_sum += utilization;
      fleet.queue_depth += s.queue_depth;
      fleet.running += s.running;
    }
    bj::object o{{"nodeId", s.node_id},
                 {"status", fleet::nodeStatusName(s.status)},
                 {"utilization", utilization},
                 {"queueDepth", live ? s.queue_depth : 0},
                 {"running", live ? s.running : 0}};
    auto it = routed.find(s.node_id);
    if (it != routed.end()) {
      const auto& r = *it->second;
      std::vector<double> own = r.latency_ms;
      o["inFlight"] = r.inFlight;
      o["requestsPerSec"] = rate(r.succeeded + r.failed, seconds);
      o["p50Ms"] = opt(percentile(own, 0.50));
      o["p95Ms"] = opt(percentile(own, 0.95));
      o["errorRate"] = share(r.failed, r.succeeded + r.failed);
      fleet.in_flight += r.inFlight;
      attempts += r.succeeded + r.failed;
      errors += r.failed;
      latencies.insert(latencies.end(), r.latency_ms.begin(), r.latency_ms.end());
    } else {
      o["inFlight"] = 0;
      o["requestsPerSec"] = 0.0;
      o["p50Ms"] = nullptr;
      o["p95Ms"] = nullptr;
      o["errorRate"] = 0.0;
    }
    nodes.push_back(std::move(o));
  }
  fleet.requests_per_sec = rate(attempts, seconds);
  fleet.error_rate = share(errors, attempts);
  fleet.avg_utilization = fleet.online > 0 ? utilization_sum / fleet.online : 0.0;
  {
    std::vector<double> copy = latencies;
    fleet.p50_ms = percentile(copy, 0.50);
    fleet.p95_ms = percentile(copy, 0.95);
  }

  const fleet::TimePoint now = clock_.now();
  bj::object payload{{"fleet", fleetFiguresJson(fleet)}, {"nodes", std::move(nodes)}};
  bool publish = false;
  {
    std::lock_guard lock(mu_);
    current_ = fleet;
    addToBucketLocked(now, seconds, attempts, errors, latencies, fleet.avg_utilization);
    const auto steady = clock_.steadyNow();
    if (events_.subscriberCount() > 0 &&
        (payload != last_published_ || steady - last_published_at_ >= kHeartbeat)) {
      publish = true;
      last_published_ = payload;
      last_published_at_ = steady;
    }
  }
  if (publish) events_.publish("fleet.metrics", "", std::move(payload), npu::EventBus::Keep::kLiveOnly);
  return publish;
}

void FleetMetrics::addToBucketLocked(fleet::TimePoint now, double seconds, int64_t attempts,
                                     int64_t errors, const std::vector<double>& latencies,
                                     double avg_utilization) {
  static constexpr size_t kLatencySample = 4096;
  thread_local std::mt19937 rng(std::random_device{}());
  if (bucket_ && now - bucket_->started >= kPointInterval) {
    Bucket& b = *bucket_;
    Point p;
    p.t = b.started;
    p.figures.requests_per_sec = rate(b.requests, b.seconds);
    p.figures.error_rate = share(b.errors, b.requests);
    p.figures.p50_ms = percentile(b.latency_ms, 0.50);
    p.figures.p95_ms = percentile(b.latency_ms, 0.95);
    p.figures.avg_utilization =
        b.utilization_samples > 0 ? b.utilization_sum / b.utilization_samples : 0.0;
    points_.push_back(std::move(p));
    while (points_.size() > kPointLimit) points_.pop_front();
    bucket_.reset();
  }
  if (!bucket_) bucket_ = Bucket{now};
  Bucket& b = *bucket_;
  b.seconds += seconds;
  b.requests += attempts;
  b.errors += errors;
  sampleInto(b.latency_ms, latencies, b.latencies_seen, kLatencySample, rng);
  b.utilization_sum += avg_utilization;
  ++b.utilization_samples;
}

bj::object FleetMetrics::overviewJson() const {
  std::lock_guard lock(mu_);
  bj::array points;
  for (const auto& p : points_) {
    bj::object o{{"t", formatTimestamp(p.t)},
                 {"requestsPerSec", p.figures.requests_per_sec},
                 {"p50Ms", opt(p.figures.p50_ms)},
                 {"p95Ms", opt(p.figures.p95_ms)},
                 {"errorRate", p.figures.error_rate},
                 {"avgUtilization", p.figures.avg_utilization}};
    points.push_back(std::move(o));
  }
  return {{"window", "1h"},
          {"intervalSec", kPointInterval.count()},
          {"current", fleetFiguresJson(current_)},
          {"points", std::move(points)}};
}

}  // namespace npufleet::api
