// The [npu] configuration section: detection timeouts, monitor interval and concurrency, health
// thresholds, and how workers are reached (HTTPS, trusted CA). addNpuConfigKeys() declares the
// keys; NpuSettings::fromConfig() reads them.
#pragma once

#include <chrono>
#include <string>

#include "common/Config.h"
#include "npu/CapabilityDetector.h"
#include "npu/HealthStateMachine.h"

namespace npufleet::npu {

void addNpuConfigKeys(ConfigSchema& schema);

struct NpuSettings {
  DetectorTimeouts detect;  // detect_connect_timeout_ms, detect_timeout_ms
  int detect_concurrency = 64;
  std::chrono::milliseconds monitor_interval{2000};
  // A probe's own limit; below the interval so a hung worker is judged within one sweep.
  std::chrono::milliseconds monitor_timeout{1500};
  int monitor_concurrency = 64;
  HealthPolicy health;  // offline_after, online_after, degraded_latency_ms
  // Every call to a worker (detection, monitoring, model load, routing) goes over HTTPS, the
  // worker's certificate verified against worker_ca_file (or the system's trust store).
  bool worker_tls = false;
  std::string worker_ca_file;

  static NpuSettings fromConfig(const Config& config);
};

}  // namespace npufleet::npu
