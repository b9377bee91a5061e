// What one worker says about itself, normalised across dialects: the seed's NPUCapabilities
// (with its defaults 4 / 8 / 0), the live load figures, and the /stats metrics. Produced by the
// pure parsers in WorkerDialect.h; consumed by detection, monitoring and the status API.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "npu/DeviceType.h"

namespace npufleet::npu {

inline constexpr int kDefaultMaxConcurrent = 4;
inline constexpr double kDefaultMemoryGb = 8;
inline constexpr double kDefaultUtilization = 0;

// The seed's NPUCapabilities.
struct NpuCapabilities {
  std::vector<std::string> models;
  int max_concurrent = kDefaultMaxConcurrent;
  double memory_gb = kDefaultMemoryGb;
  DeviceType device_type = DeviceType::kIntelNpu;
  double utilization = kDefaultUtilization;  // 0-100
  bool operator==(const NpuCapabilities&) const = default;
};

// What the worker's device reports about itself right now (the npufleet worker's `device` object
// in /health, docs/worker.md). Every figure optional: probes report what the hardware exposes.
struct DeviceTelemetry {
  std::optional<double> memory_total_gb;
  std::optional<double> memory_used_gb;
  std::optional<double> temperature_c;
  std::optional<double> power_w;
  std::optional<double> frequency_mhz;
  std::optional<double> max_frequency_mhz;
  std::string utilization_source;  // "device" or "engine"; empty when not said
  bool operator==(const DeviceTelemetry&) const = default;
};

// The worker's own verdict on itself, when it gives one.
enum class WorkerHealth { kUnknown, kHealthy, kDegraded, kUnhealthy };

struct WorkerReport {
  NpuCapabilities capabilities;
  std::vector<std::string> loaded_models;
  // The worker named its loaded models (a list or an object, empty included), so
  // loaded_models is the whole truth; dialects that give only a count or nothing leave it false.
  bool loaded_models_listed = false;
  // The worker loads a model on its first request instead of refusing it (the npufleet
  // worker's `auto_load` in /health).
  bool loads_on_demand = false;
  int queue_depth = 0;
  std::optional<int> running;
  std::string device_name;
  WorkerHealth health = WorkerHealth::kUnknown;
  std::optional<DeviceTelemetry> device;
  // Fields present with the wrong type or out of range: reported, defaults used instead.
  std::vector<std::string> warnings;
};

// From the worker's /stats; every figure optional because dialects differ in what they report.
struct WorkerMetrics {
  std::optional<double> inference_p50_ms;
  std::optional<double> inference_p95_ms;
  std::optional<double> throughput_per_min;
  std::optional<int> running;
  std::optional<int> queued;
  std::optional<int> max_concurrent;
  std::optional<int64_t> process_rss_bytes;
  std::map<std::string, int64_t> model_bytes;
  std::vector<std::string> warnings;
};

}  // namespace npufleet::npu
