#include "worker/WorkerConfig.h"

#include <algorithm>

#include "worker/device/DeviceDetector.h"

namespace npufleet::worker {

void addWorkerConfigKeys(ConfigSchema& schema) {
  auto add = [&](std::string key, ConfigType type, ConfigValue def, std::string description,
                 std::function<std::string(const ConfigValue&)> validate = {}) {
    ConfigKey k;
    k.section = "worker";
    k.key = std::move(key);
    k.type = type;
    k.default_value = std::move(def);
    k.description = std::move(description);
    k.validate = std::move(validate);
    schema.add(std::move(k));
  };
  add("listen", ConfigType::kString, std::string("0.0.0.0:8081"), "HOST:PORT to listen on",
      hostPort());
  add("models_dir", ConfigType::kString, std::string("models"),
      "directory of <name>.onnx and <name>.gguf models (+ optional <name>.json sidecars)");
  add("device", ConfigType::kString, std::string("auto"), "accelerator to use",
      oneOf(DeviceDetector::deviceChoices()));
  add("max_concurrent", ConfigType::kInt, int64_t{0},
      "inference runs at once; 0 = chosen from the device", intRange(0, 1024));
  add("memory_gb", ConfigType::kDouble, 0.0, "memory reported in /health; 0 = from the device",
      doubleRange(0, 1 << 20));
  add("queue_limit", ConfigType::kInt, int64_t{64}, "requests allowed to wait for a slot",
      intRange(0, 100000));
  add("request_timeout_ms", ConfigType::kInt, int64_t{30000},
      "deadline of an inference request, queue wait included", intRange(1, 3600000));
  add("auto_load", ConfigType::kBool, false,
      "load a model on its first inference instead of answering 409");
  add("preload", ConfigType::kStringList, std::vector<std::string>{},
      "models to load at start");
  add("threads", ConfigType::kInt, int64_t{0}, "engine threads; 0 = max_concurrent",
      intRange(0, 1024));
  add("llm_context_per_slot", ConfigType::kInt, int64_t{2048},
      "GGUF text models: KV-cache cells per concurrent request (prompt + generated tokens); "
      "the cache holds max_concurrent x this", intRange(64, 1 << 20));
  add("llm_threads", ConfigType::kInt, int64_t{0},
      "GGUF models: llama.cpp compute threads; 0 = every core", intRange(0, 1024));
  add("sys_root", ConfigType::kString, std::string("/"),
      "root under which sys/ is read (tests point it at fixture trees)");
  add("proc_root", ConfigType::kString, std::string("/"), "root under which proc/ is read");
}

WorkerSettings WorkerSettings::fromConfig(const Config& c) {
  WorkerSettings s;
  s.listen = c.getString("worker.listen");
  s.models_dir = c.getString("worker.models_dir");
  s.device = c.getString("worker.device");
  s.max_concurrent = c.getInt("worker.max_concurrent");
  s.memory_gb = c.getDouble("worker.memory_gb");
  s.queue_limit = c.getInt("worker.queue_limit");
  s.request_timeout_ms = c.getInt("worker.request_timeout_ms");
  s.auto_load = c.getBool("worker.auto_load");
  s.preload = c.getStringList("worker.preload");
  s.threads = c.getInt("worker.threads");
  s.llm_context_per_slot = c.getInt("worker.llm_context_per_slot");
  s.llm_threads = c.getInt("worker.llm_threads");
  s.sys_root = c.getString("worker.sys_root");
  s.proc_root = c.getString("worker.proc_root");
  return s;
}

int64_t defaultMaxConcurrent(const DeviceInfo& device) {
  switch (device.type) {
    case DeviceType::kIntelNpu:
    case DeviceType::kAmdNpu:
      return 4;
    case DeviceType::kNvidiaGpu:
    case DeviceType::kAmdGpu:
    case DeviceType::kIntelGpu:
      return 8;
    case DeviceType::kCpu:
      break;
  }
  return std::max<int64_t>(1, device.cpu_cores.value_or(2) / 2);
}

double defaultMemoryGb(const DeviceInfo& device) { return device.memory_total_gb.value_or(8.0); }

}  // namespace npufleet::worker
