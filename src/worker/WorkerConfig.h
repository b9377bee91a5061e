// The worker's configuration section [worker] (DESIGN.md 4.5) and its typed view. Keys are
// declared once here; the app layers TOML, NPUFLEET_WORKER_* and flags on top. Trusted keys
// (--trusted-keys) belong to the [auth] section (auth.trusted_keys_dir).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/Config.h"
#include "worker/device/DeviceInfo.h"

namespace npufleet::worker {

void addWorkerConfigKeys(ConfigSchema& schema);

struct WorkerSettings {
  std::string listen = "0.0.0.0:8081";
  std::string models_dir = "models";
  std::string device = "auto";
  int64_t max_concurrent = 0;  // 0: from the device
  double memory_gb = 0;        // 0: from the device
  int64_t queue_limit = 64;
  int64_t request_timeout_ms = 30000;
  bool auto_load = false;
  std::vector<std::string> preload;
  int64_t threads = 0;  // engine threads; 0: max_concurrent
  int64_t llm_context_per_slot = 2048;
  int64_t llm_threads = 0;  // 0: every core
  std::string sys_root = "/";
  std::string proc_root = "/";
  // Not a config key: the npufleet binary that tries model files in a fresh process before they
  // load (worker/ModelCheck.h). The worker command sets it to itself.
  std::string model_check_binary;

  static WorkerSettings fromConfig(const Config& config);
};

// Concurrency a device sustains when the operator does not say: the seed's default of 4 for
// NPUs, 8 for GPUs, half the cores (at least 1) on a CPU.
int64_t defaultMaxConcurrent(const DeviceInfo& device);
// The device's memory, or the seed's default of 8 GB when it could not be read.
double defaultMemoryGb(const DeviceInfo& device);

}  // namespace npufleet::worker
