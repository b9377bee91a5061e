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

// What a worker's /models says about one model beyond its name (the npufleet worker's
// `models[]` entries, docs/worker.md): which engine serves it and what it is for, and for GGUF
// models what the file says. Only workers that name an engine or kind give these.
struct ModelDetails {
  std::string name;
  std::string kind;    // "tensor", "chat", "completion", "embedding"; empty when not said
  std::string engine;  // "opencv", "llama", "remote:<name>"; empty when not said
  std::optional<int64_t> size_bytes;
  std::optional<std::string> architecture;
  std::optional<int64_t> context_length;
  std::optional<int64_t> embedding_dim;
  std::optional<int64_t> parameters;
  bool operator==(const ModelDetails&) const = default;
};

// The seed's NPUCapabilities, with npufleet's model details beside its list of names.
struct NpuCapabilities {
  std::vector<std::string> models;
  int max_concurrent = kDefaultMaxConcurrent;
  double memory_gb = kDefaultMemoryGb;
  DeviceType device_type = DeviceType::kIntelNpu;
  double utilization = kDefaultUtilization;  // 0-100
  // One entry per model whose /models entry names its engine or kind, in /models order; empty
  // for the seed's dialects and older npufleet workers.
  std::vector<ModelDetails> model_details;
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

// One remote inference server the worker forwards to (the npufleet worker's `remotes` in
// /health): its own health as the worker last saw it.
struct RemoteEngineHealth {
  std::string name;
  std::string protocol;
  std::string url;
  std::string status;  // "up" or "down"
  std::string error;   // why it is down; empty when up or not said
  bool operator==(const RemoteEngineHealth&) const = default;
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
  // The worker's remote engines, when its /health lists them (an empty list included).
  std::optional<std::vector<RemoteEngineHealth>> remotes;
  // Fields present with the wrong type or out of range: reported, defaults used instead.
  std::vector<std::string> warnings;
};

// Live figures of one generating (LLM) model from the worker's /stats `models.<name>`: its
// `tokens` summary and, while loaded, its KV cache.
struct ModelGenerationFigures {
  std::optional<double> tokens_per_s;
  std::optional<double> ttft_p50_ms;
  std::optional<double> ttft_p95_ms;
  std::optional<int64_t> prompt_tokens;
  std::optional<int64_t> completion_tokens;
  std::optional<int64_t> kv_used_cells;
  std::optional<int64_t> kv_capacity_cells;
  bool operator==(const ModelGenerationFigures&) const = default;
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
  // Only models whose entry carries `tokens` or `kv_cache` (the npufleet worker's GGUF models).
  std::map<std::string, ModelGenerationFigures> generation;
  std::vector<std::string> warnings;
};

}  // namespace npufleet::npu
