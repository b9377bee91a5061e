#include "npu/HealthMonitor.h"

// GCC 12 reports a false -Wmismatched-new-delete for Asio's awaitable frame allocator when a
// coroutine is inlined into its caller (GCC bug 109224).
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <random>
#include <spdlog/spdlog.h>

#include "npu/BoundedFanOut.h"

namespace npufleet::npu {

namespace asio = boost::asio;
using std::chrono::milliseconds;

HealthMonitor::HealthMonitor(asio::any_io_executor executor, NpuRegistry& registry,
                             UtilizationHistory& history, const Clock& clock)
    : executor_(std::move(executor)),
      registry_(registry),
      history_(history),
      clock_(clock),
      running_(std::make_shared<std::atomic<bool>>(false)) {}

HealthMonitor::~HealthMonitor() { stop(); }

void HealthMonitor::start() {
  if (running_->exchange(true)) return;
  asio::co_spawn(executor_, loop(), asio::detached);
}

void HealthMonitor::stop() { *running_ = false; }

size_t HealthMonitor::inFlight() const {
  std::lock_guard lock(mu_);
  return in_flight_.size();
}

asio::awaitable<void> HealthMonitor::loop() {
  auto running = running_;
  std::mt19937 rng(std::random_device{}());
  while (*running) {
    auto started = std::chrono::steady_clock::now();
    co_await sweep();
    if (!*running) break;
    if (auto st = history_.flush(); !st) {
      spdlog::warn("npu: cannot store utilization history: {}", st.error().message);
    }
    // +-10% jitter so that a fleet started together does not probe in lock step forever.
    auto interval = registry_.settings().monitor_interval;
    std::uniform_int_distribution<int64_t> jitter(-interval.count() / 10, interval.count() / 10);
    asio::steady_timer timer(executor_, started + interval + milliseconds(jitter(rng)));
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

asio::awaitable<SweepResult> HealthMonitor::sweep() {
  auto started = std::chrono::steady_clock::now();
  std::vector<MonitoredNode> due;
  SweepResult result;
  {
    std::lock_guard lock(mu_);
    for (auto& n : registry_.monitored()) {
      if (in_flight_.count(n.id)) {
        ++result.skipped;
      } else {
        in_flight_.insert(n.id);
        due.push_back(std::move(n));
      }
    }
  }
  result.probed = due.size();
  const auto& settings = registry_.settings();
  co_await boundedFanOut(
      executor_, due.size(), static_cast<size_t>(settings.monitor_concurrency),
      [this, &due](size_t i) -> asio::awaitable<void> { co_await probe(due[i]); },
      // A probe this slow already marks its node as slow; letting it hold its slot would let a
      // handful of hung workers (two rounds of 64) stretch the sweep past the interval.
      std::min(settings.health.degraded_latency, settings.monitor_interval / 4));
  result.elapsed = std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - started);
  co_return result;
}

asio::awaitable<void> HealthMonitor::probe(MonitoredNode node) {
  // `node` is a copy: the sweep that started this probe may have returned already.
  const auto& settings = registry_.settings();
  DetectorTimeouts timeouts{std::min(settings.detect.connect, settings.monitor_timeout),
                            settings.monitor_timeout};
  auto t0 = std::chrono::steady_clock::now();
  auto health = co_await registry_.detector().probeHealth(node.ip, node.port, timeouts);
  ProbeObservation obs;
  obs.latency = std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - t0);
  std::optional<WorkerReport> report;
  std::optional<WorkerMetrics> metrics;
  if (!health) {
    obs.reachable = false;
    obs.error = health.error().message;
  } else {
    obs.reachable = true;
    report = std::move(*health);
    obs.worker_degraded = report->health == WorkerHealth::kDegraded ||
                          report->health == WorkerHealth::kUnhealthy;
    auto stats = co_await registry_.detector().fetchStats(node.ip, node.port, timeouts);
    if (!stats) {
      obs.partial_failure = "/stats: " + stats.error().message;
    } else if (*stats) {
      metrics = std::move(**stats);
    }
  }
  registry_.applyProbe(node, obs, report, metrics);
  if (listener_) listener_(node.id, obs);
  if (report) {
    HistorySample s;
    s.node_id = node.id;
    s.t = clock_.now();
    s.utilization = report->capabilities.utilization;
    s.queue_depth = report->queue_depth;
    s.running = metrics && metrics->running ? *metrics->running : report->running.value_or(0);
    s.latency_ms = static_cast<double>(obs.latency.count());
    history_.record(s);
  }
  std::lock_guard lock(mu_);
  in_flight_.erase(node.id);
}

}  // namespace npufleet::npu
