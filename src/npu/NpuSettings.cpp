#include "npu/NpuSettings.h"

namespace npufleet::npu {

namespace {
ConfigKey intKey(std::string key, int64_t def, int64_t lo, int64_t hi, std::string desc) {
  ConfigKey k;
  k.section = "npu";
  k.key = std::move(key);
  k.type = ConfigType::kInt;
  k.default_value = def;
  k.description = std::move(desc);
  k.validate = intRange(lo, hi);
  return k;
}
}  // namespace

void addNpuConfigKeys(ConfigSchema& schema) {
  schema.add(intKey("detect_connect_timeout_ms", 2000, 50, 60000,
                    "connect timeout of a capability-detection request to a worker"));
  schema.add(intKey("detect_timeout_ms", 5000, 100, 120000,
                    "total timeout of a capability-detection request to a worker"));
  schema.add(intKey("detect_concurrency", 64, 1, 4096,
                    "workers detected at once by POST /api/npu/detect"));
  schema.add(intKey("monitor_interval_ms", 2000, 100, 3600000,
                    "interval between health probes of each npu-worker node (jittered +-10%)"));
  schema.add(intKey("monitor_timeout_ms", 1500, 50, 120000,
                    "total timeout of one health probe"));
  schema.add(intKey("monitor_concurrency", 64, 1, 65536,
                    "health probes started at once; a probe slower than min(degraded_latency_ms, "
                    "monitor_interval_ms / 4) gives its slot to the next node"));
  schema.add(intKey("offline_after", 3, 1, 100, "consecutive failed probes before offline"));
  schema.add(intKey("online_after", 2, 1, 100, "consecutive good probes before online again"));
  schema.add(intKey("degraded_latency_ms", 1000, 1, 120000,
                    "a health probe slower than this marks the node degraded"));

  ConfigKey tls;
  tls.section = "npu";
  tls.key = "worker_tls";
  tls.type = ConfigType::kBool;
  tls.default_value = false;
  tls.description = "reach workers over HTTPS (each worker serves worker.tls_cert_file)";
  schema.add(std::move(tls));
  ConfigKey ca;
  ca.section = "npu";
  ca.key = "worker_ca_file";
  ca.type = ConfigType::kString;
  ca.default_value = std::string();
  ca.description = "PEM CA certificates that workers' certificates must chain to; empty = the "
                   "system's trust store";
  schema.add(std::move(ca));
}

NpuSettings NpuSettings::fromConfig(const Config& c) {
  NpuSettings s;
  s.detect.connect = std::chrono::milliseconds(c.getInt("npu.detect_connect_timeout_ms"));
  s.detect.total = std::chrono::milliseconds(c.getInt("npu.detect_timeout_ms"));
  s.detect_concurrency = static_cast<int>(c.getInt("npu.detect_concurrency"));
  s.monitor_interval = std::chrono::milliseconds(c.getInt("npu.monitor_interval_ms"));
  s.monitor_timeout = std::chrono::milliseconds(c.getInt("npu.monitor_timeout_ms"));
  s.monitor_concurrency = static_cast<int>(c.getInt("npu.monitor_concurrency"));
  s.health.offline_after = static_cast<int>(c.getInt("npu.offline_after"));
  s.health.online_after = static_cast<int>(c.getInt("npu.online_after"));
  s.health.degraded_latency = std::chrono::milliseconds(c.getInt("npu.degraded_latency_ms"));
  s.worker_tls = c.getBool("npu.worker_tls");
  s.worker_ca_file = c.getString("npu.worker_ca_file");
  return s;
}

}  // namespace npufleet::npu
