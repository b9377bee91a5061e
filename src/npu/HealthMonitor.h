// Probes every npu-worker node on an interval (jittered +-10%), concurrently with a cap, each
// probe with its own timeout: GET /health, then /stats (a /stats failure while /health answers
// is a partial failure). Outcomes go to NpuRegistry (status machine) and UtilizationHistory.
// A node whose previous probe is still outstanding is skipped, so one hung worker never delays
// the others or piles up probes.
#pragma once

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "common/Clock.h"
#include "npu/NpuRegistry.h"
#include "npu/UtilizationHistory.h"

namespace npufleet::npu {

struct SweepResult {
  size_t probed = 0;   // probes started
  size_t skipped = 0;  // previous probe still outstanding
  std::chrono::milliseconds elapsed{0};  // until every probe finished or gave its slot away
};

class HealthMonitor {
 public:
  HealthMonitor(boost::asio::any_io_executor executor, NpuRegistry& registry,
                UtilizationHistory& history, const Clock& clock);
  ~HealthMonitor();

  // Called after every probe has been applied, on an io thread (the router uses it to readmit
  // a node it ejected once the node answers its health check). Set before start().
  using ProbeListener = std::function<void(const std::string& node_id, const ProbeObservation&)>;
  void setProbeListener(ProbeListener listener) { listener_ = std::move(listener); }

  // Runs sweeps until stop(); also flushes history after each sweep.
  void start();
  void stop();

  // One pass over every monitored node (benchmarks, tests, and the loop above).
  boost::asio::awaitable<SweepResult> sweep();
  // Probes still outstanding (hung workers waiting for their timeout).
  size_t inFlight() const;

 private:
  boost::asio::awaitable<void> loop();
  boost::asio::awaitable<void> probe(MonitoredNode node);

  boost::asio::any_io_executor executor_;
  NpuRegistry& registry_;
  UtilizationHistory& history_;
  const Clock& clock_;
  ProbeListener listener_;
  std::shared_ptr<std::atomic<bool>> running_;
  mutable std::mutex mu_;
  std::set<std::string> in_flight_;
};

}  // namespace npufleet::npu
