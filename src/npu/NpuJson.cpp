#include "npu/NpuJson.h"

#include <boost/json/value_to.hpp>

#include "common/Clock.h"
#include "common/Json.h"

namespace npufleet::npu {

namespace bj = boost::json;
using fleet::TimePoint;

namespace {

bj::array strings(const std::vector<std::string>& v) {
  bj::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

bj::value optTime(const std::optional<TimePoint>& t) {
  return t ? bj::value(formatTimestamp(*t)) : bj::value(nullptr);
}

template <typename T>
bj::value opt(const std::optional<T>& v) {
  return v ? bj::value(*v) : bj::value(nullptr);
}

int64_t toMs(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
TimePoint fromMs(int64_t ms) {
  return TimePoint(std::chrono::duration_cast<TimePoint::duration>(std::chrono::milliseconds(ms)));
}

std::optional<TimePoint> readTime(const bj::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || !it->value().is_int64()) return std::nullopt;
  return fromMs(it->value().as_int64());
}

std::vector<std::string> readStrings(const bj::object& o, std::string_view key) {
  std::vector<std::string> out;
  auto it = o.find(key);
  if (it == o.end() || !it->value().is_array()) return out;
  for (const auto& e : it->value().as_array()) {
    if (e.is_string()) out.emplace_back(e.as_string());
  }
  return out;
}

double readNum(const bj::object& o, std::string_view key, double def) {
  auto it = o.find(key);
  if (it == o.end()) return def;
  return json::asNumber(it->value()).value_or(def);
}

std::string readStr(const bj::object& o, std::string_view key) {
  auto it = o.find(key);
  return it != o.end() && it->value().is_string() ? std::string(it->value().as_string()) : "";
}

std::optional<int64_t> readCount(const bj::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end()) return std::nullopt;
  auto d = json::asNumber(it->value());
  if (!d || *d < 0 || *d > 1e18) return std::nullopt;
  return static_cast<int64_t>(*d);
}

ModelDetails modelDetailsFromJson(const bj::object& o) {
  ModelDetails d;
  d.name = readStr(o, "name");
  d.kind = readStr(o, "kind");
  d.engine = readStr(o, "engine");
  d.size_bytes = readCount(o, "sizeBytes");
  if (auto it = o.find("architecture"); it != o.end() && it->value().is_string()) {
    d.architecture = std::string(it->value().as_string());
  }
  d.context_length = readCount(o, "contextLength");
  d.embedding_dim = readCount(o, "embeddingDim");
  d.parameters = readCount(o, "parameters");
  return d;
}

}  // namespace

bj::object toJson(const ModelDetails& d) {
  return {{"name", d.name},
          {"kind", d.kind.empty() ? bj::value(nullptr) : bj::value(d.kind)},
          {"engine", d.engine.empty() ? bj::value(nullptr) : bj::value(d.engine)},
          {"sizeBytes", opt(d.size_bytes)},
          {"architecture", opt(d.architecture)},
          {"contextLength", opt(d.context_length)},
          {"embeddingDim", opt(d.embedding_dim)},
          {"parameters", opt(d.parameters)}};
}

bj::object toJson(const NpuCapabilities& c) {
  bj::object o{{"models", strings(c.models)},
               {"maxConcurrent", c.max_concurrent},
               {"memoryGB", c.memory_gb},
               {"deviceType", deviceTypeName(c.device_type)},
               {"utilization", c.utilization}};
  // Beside the seed's list of names, and only when the worker gave details: the seed's shape is
  // unchanged for the dialects that give none.
  if (!c.model_details.empty()) {
    bj::array details;
    for (const auto& d : c.model_details) details.push_back(toJson(d));
    o["modelDetails"] = std::move(details);
  }
  return o;
}

bj::value metricsJson(const NodeNpuState& s) {
  WorkerMetrics m = s.metrics.value_or(WorkerMetrics{});
  bj::object models;
  for (const auto& [name, bytes] : m.model_bytes) models[name] = bytes;
  bj::object generation;
  for (const auto& [name, g] : m.generation) {
    bj::value kv = nullptr;
    if (g.kv_used_cells || g.kv_capacity_cells) {
      kv = bj::object{{"usedCells", opt(g.kv_used_cells)},
                      {"capacityCells", opt(g.kv_capacity_cells)}};
    }
    generation[name] = bj::object{{"tokensPerSecond", opt(g.tokens_per_s)},
                                  {"ttftP50Ms", opt(g.ttft_p50_ms)},
                                  {"ttftP95Ms", opt(g.ttft_p95_ms)},
                                  {"promptTokens", opt(g.prompt_tokens)},
                                  {"completionTokens", opt(g.completion_tokens)},
                                  {"kvCache", std::move(kv)}};
  }
  int max_concurrent = m.max_concurrent.value_or(
      s.capabilities ? s.capabilities->max_concurrent : kDefaultMaxConcurrent);
  return bj::object{
      {"inferenceTimeMs", bj::object{{"p50", opt(m.inference_p50_ms)}, {"p95", opt(m.inference_p95_ms)}}},
      {"throughputPerMin", opt(m.throughput_per_min)},
      {"running", m.running.value_or(s.running)},
      {"queued", m.queued.value_or(s.queue_depth)},
      {"maxConcurrent", max_concurrent},
      {"memory", bj::object{{"processRssBytes", opt(m.process_rss_bytes)}, {"models", std::move(models)}}},
      // Per generating (LLM) model; empty for workers that serve none.
      {"models", std::move(generation)},
  };
}

namespace {

// Discrete GPUs have memory of their own; CPUs, NPUs and integrated GPUs use the host's RAM,
// which every worker on that host would report again: not a per-node capacity.
bool usesHostMemory(const NodeNpuState& s) {
  if (!s.capabilities) return true;
  auto t = s.capabilities->device_type;
  return t != DeviceType::kNvidiaGpu && t != DeviceType::kAmdGpu;
}

bj::value deviceJson(const NodeNpuState& s) {
  if (!s.device && s.device_name.empty()) return nullptr;
  DeviceTelemetry d = s.device.value_or(DeviceTelemetry{});
  const bool host = usesHostMemory(s);
  return bj::object{
      {"name", s.device_name},
      {"memoryKind", host ? "host" : "device"},
      {"sharedHostMemory", host},
      {"memoryTotalGb", opt(d.memory_total_gb)},
      {"memoryUsedGb", opt(d.memory_used_gb)},
      {"temperatureC", opt(d.temperature_c)},
      {"powerW", opt(d.power_w)},
      {"frequencyMhz", opt(d.frequency_mhz)},
      {"maxFrequencyMhz", opt(d.max_frequency_mhz)},
      {"utilizationSource",
       d.utilization_source.empty() ? bj::value(nullptr) : bj::value(d.utilization_source)},
  };
}

bj::value remotesJson(const NodeNpuState& s) {
  if (!s.remotes) return nullptr;
  bj::array out;
  for (const auto& r : *s.remotes) {
    out.push_back(bj::object{{"name", r.name},
                             {"protocol", r.protocol},
                             {"url", r.url},
                             {"status", r.status},
                             {"error", r.error.empty() ? bj::value(nullptr) : bj::value(r.error)}});
  }
  return out;
}

bj::value probeJson(const std::optional<ProbeRecord>& p) {
  if (!p) return nullptr;
  return bj::object{{"at", formatTimestamp(p->at)},
                    {"ok", p->ok},
                    {"error", p->ok ? bj::value(nullptr) : bj::value(p->error)},
                    {"latencyMs", p->latency_ms}};
}

}  // namespace

bool figuresAreStale(const NodeNpuState& s) {
  return s.status == fleet::NodeStatus::kOffline || s.status == fleet::NodeStatus::kUnknown;
}

bj::object statusJson(const NodeNpuState& s) {
  return {
      {"node_id", s.node_id},
      {"capabilities", s.capabilities ? bj::value(toJson(*s.capabilities)) : bj::value(nullptr)},
      {"loadedModels", strings(s.loaded_models)},
      {"queueDepth", s.queue_depth},
      {"lastHealthCheck", optTime(s.last_health_check)},
      {"detectionStatus", detectionStatusName(s.detection_status)},
      {"detectionError", s.detection_error.empty() ? bj::value(nullptr) : bj::value(s.detection_error)},
      {"detectionWarnings", strings(s.detection_warnings)},
      {"lastDetection", optTime(s.last_detection)},
      {"status", fleet::nodeStatusName(s.status)},
      {"statusReason", s.status_reason},
      {"statusSince", optTime(s.status_since)},
      {"deviceName", s.device_name},
      {"latencyMs", s.last_latency_ms},
      {"monitored", s.active},
      {"metrics", metricsJson(s)},
      {"utilization", s.capabilities ? s.capabilities->utilization : 0.0},
      {"running", s.running},
      {"lastProbe", probeJson(s.last_probe)},
      {"device", deviceJson(s)},
      {"remotes", remotesJson(s)},
      {"stale", figuresAreStale(s)},
  };
}

bj::object historyPointJson(const HistorySample& p) {
  return {{"t", formatTimestamp(p.t)},
          {"utilization", p.utilization},
          {"queueDepth", p.queue_depth},
          {"running", p.running},
          {"latencyMs", p.latency_ms}};
}

bj::object persistJson(const NodeNpuState& s) {
  bj::object o{
      {"node_id", s.node_id},
      {"active", s.active},
      {"detection_status", detectionStatusName(s.detection_status)},
      {"detection_error", s.detection_error},
      {"detection_warnings", strings(s.detection_warnings)},
      {"loaded_models", strings(s.loaded_models)},
      {"loaded_models_known", s.loaded_models_known},
      {"loads_on_demand", s.loads_on_demand},
      {"queue_depth", s.queue_depth},
      {"running", s.running},
      {"device_name", s.device_name},
      {"status", fleet::nodeStatusName(s.status)},
      {"status_reason", s.status_reason},
      {"latency_ms", s.last_latency_ms},
  };
  if (s.capabilities) o["capabilities"] = toJson(*s.capabilities);
  if (s.last_detection) o["last_detection"] = toMs(*s.last_detection);
  if (s.last_health_check) o["last_health_check"] = toMs(*s.last_health_check);
  if (s.status_since) o["status_since"] = toMs(*s.status_since);
  return o;
}

Result<NodeNpuState> stateFromPersistJson(const bj::value& v) {
  if (!v.is_object()) return Error::internal("stored NPU state is not a JSON object");
  const auto& o = v.as_object();
  NodeNpuState s;
  s.node_id = readStr(o, "node_id");
  if (s.node_id.empty()) return Error::internal("stored NPU state has no node_id");
  auto a = o.find("active");
  s.active = a == o.end() || !a->value().is_bool() || a->value().as_bool();
  s.detection_status = parseDetectionStatus(readStr(o, "detection_status")).value_or(DetectionStatus::kIdle);
  s.detection_error = readStr(o, "detection_error");
  s.detection_warnings = readStrings(o, "detection_warnings");
  s.loaded_models = readStrings(o, "loaded_models");
  auto flag = [&o](std::string_view key) {
    auto it = o.find(key);
    return it != o.end() && it->value().is_bool() && it->value().as_bool();
  };
  s.loaded_models_known = flag("loaded_models_known");
  s.loads_on_demand = flag("loads_on_demand");
  s.queue_depth = static_cast<int>(readNum(o, "queue_depth", 0));
  s.running = static_cast<int>(readNum(o, "running", 0));
  s.device_name = readStr(o, "device_name");
  s.status = fleet::parseNodeStatus(readStr(o, "status")).value_or(fleet::NodeStatus::kPending);
  s.status_reason = readStr(o, "status_reason");
  s.last_latency_ms = readNum(o, "latency_ms", 0);
  s.last_detection = readTime(o, "last_detection");
  s.last_health_check = readTime(o, "last_health_check");
  s.status_since = readTime(o, "status_since");
  auto c = o.find("capabilities");
  if (c != o.end() && c->value().is_object()) {
    const auto& co = c->value().as_object();
    NpuCapabilities caps;
    caps.models = readStrings(co, "models");
    caps.max_concurrent = static_cast<int>(readNum(co, "maxConcurrent", kDefaultMaxConcurrent));
    caps.memory_gb = readNum(co, "memoryGB", kDefaultMemoryGb);
    caps.device_type = deviceTypeFromName(readStr(co, "deviceType")).value_or(DeviceType::kIntelNpu);
    caps.utilization = readNum(co, "utilization", 0);
    auto d = co.find("modelDetails");
    if (d != co.end() && d->value().is_array()) {
      for (const auto& e : d->value().as_array()) {
        if (!e.is_object()) continue;
        caps.model_details.push_back(modelDetailsFromJson(e.as_object()));
      }
    }
    s.capabilities = caps;
  }
  return s;
}

}  // namespace npufleet::npu
