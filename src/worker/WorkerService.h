// The worker agent's HTTP API (DESIGN.md 4.2): models, inference through the bounded queue,
// health, stats and Prometheus metrics. Owns the model registry, the engine thread pool (apart
// from the I/O threads) and the device probe. The app wires it to an http::Server and installs
// the service-signature middleware; every route but /livez is marked access = "signed".
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/Clock.h"
#include "common/Error.h"
#include "http/Router.h"
#include "worker/WorkerConfig.h"
#include "worker/device/DeviceProbe.h"

namespace prometheus {
class Registry;
}

namespace npufleet::worker {

class WorkerService {
 public:
  // `settings.max_concurrent` and `memory_gb` of 0 are resolved from the probe's device.
  WorkerService(WorkerSettings settings, std::unique_ptr<DeviceProbe> probe, const Clock& clock,
                std::string version);
  ~WorkerService();
  WorkerService(const WorkerService&) = delete;
  WorkerService& operator=(const WorkerService&) = delete;

  const http::Router& router() const;
  // Shared with the http::Server so that /metrics also carries its request metrics.
  std::shared_ptr<prometheus::Registry> metricsRegistry() const;

  // Loads settings.preload; a model that fails is reported (returned, logged, and shown in
  // /models and /health) and the others still load.
  std::vector<Error> preload();

  // Waits for running inference to finish and stops the engine threads.
  void stop();

  int64_t maxConcurrent() const;
  double memoryGb() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace npufleet::worker
