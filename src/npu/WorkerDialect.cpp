#include "npu/WorkerDialect.h"

#include <algorithm>
#include <cmath>

#include "common/Json.h"

namespace npufleet::npu {
namespace {

namespace bj = boost::json;

const char* kindName(const bj::value& v) {
  switch (v.kind()) {
    case bj::kind::null: return "null";
    case bj::kind::bool_: return "boolean";
    case bj::kind::int64:
    case bj::kind::uint64:
    case bj::kind::double_: return "number";
    case bj::kind::string: return "string";
    case bj::kind::array: return "array";
    case bj::kind::object: return "object";
  }
  return "value";
}

const bj::value* field(const bj::object* o, std::string_view name) {
  if (!o) return nullptr;
  auto it = o->find(name);
  if (it == o->end() || it->value().is_null()) return nullptr;
  return &it->value();
}

const bj::object* objectField(const bj::object* o, std::string_view name,
                              std::vector<std::string>& warnings, std::string_view prefix = {}) {
  const bj::value* v = field(o, name);
  if (!v) return nullptr;
  if (!v->is_object()) {
    warnings.push_back(std::string(prefix) + std::string(name) + ": expected an object, got " +
                       kindName(*v));
    return nullptr;
  }
  return &v->as_object();
}

// A number within [lo, hi]; a wrong type or range is a warning and yields nullopt.
std::optional<double> number(const bj::object* o, std::string_view name, double lo, double hi,
                             std::vector<std::string>& warnings, std::string_view prefix = {}) {
  const bj::value* v = field(o, name);
  if (!v) return std::nullopt;
  std::string label = std::string(prefix) + std::string(name);
  auto d = json::asNumber(*v);
  if (!d) {
    warnings.push_back(label + ": expected a number, got " + kindName(*v));
    return std::nullopt;
  }
  if (!std::isfinite(*d) || *d < lo || *d > hi) {
    warnings.push_back(label + ": " + std::to_string(*d) + " is out of range");
    return std::nullopt;
  }
  return d;
}

std::optional<std::string> text(const bj::object* o, std::string_view name,
                                std::vector<std::string>& warnings, std::string_view prefix = {}) {
  const bj::value* v = field(o, name);
  if (!v) return std::nullopt;
  if (!v->is_string()) {
    warnings.push_back(std::string(prefix) + std::string(name) + ": expected a string, got " +
                       kindName(*v));
    return std::nullopt;
  }
  return std::string(v->as_string());
}

// A whole count within [0, hi] (hi at most 1e18, so the conversion is defined).
std::optional<int64_t> count(const bj::object* o, std::string_view name, double hi,
                             std::vector<std::string>& warnings, std::string_view prefix = {}) {
  auto d = number(o, name, 0, hi, warnings, prefix);
  return d ? std::optional<int64_t>(static_cast<int64_t>(*d)) : std::nullopt;
}

// The first of `names` present in `o`: the worker writes some objects in camelCase (/models)
// and the same ones nested in snake_case objects (/stats).
std::string_view firstPresent(const bj::object* o, std::initializer_list<std::string_view> names) {
  for (auto n : names) {
    if (field(o, n)) return n;
  }
  return *names.begin();
}

// A /models entry that names its engine or kind (the npufleet worker since GGUF); older entries
// ({name, loaded, sizeBytes}) and other dialects' give no details.
std::optional<ModelDetails> modelDetails(const bj::object& entry, const std::string& name,
                                         std::string_view prefix, std::vector<std::string>& w) {
  const bj::object* e = &entry;
  if (!field(e, "engine") && !field(e, "kind")) return std::nullopt;
  ModelDetails d;
  d.name = name;
  d.kind = text(e, "kind", w, prefix).value_or("");
  d.engine = text(e, "engine", w, prefix).value_or("");
  d.size_bytes = count(e, "sizeBytes", 1e18, w, prefix);
  d.architecture = text(e, "architecture", w, prefix);
  d.context_length = count(e, "contextLength", 1e12, w, prefix);
  d.embedding_dim = count(e, "embeddingDim", 1e12, w, prefix);
  d.parameters = count(e, "parameters", 1e18, w, prefix);
  return d;
}

// A list of model names: strings, or objects carrying "name"/"id"/"model_id".
std::optional<std::vector<std::string>> nameList(const bj::value& v, std::string_view label,
                                                 std::vector<std::string>& warnings) {
  if (!v.is_array()) {
    warnings.push_back(std::string(label) + ": expected a list, got " + kindName(v));
    return std::nullopt;
  }
  std::vector<std::string> out;
  size_t i = 0;
  for (const auto& el : v.as_array()) {
    if (el.is_string()) {
      out.emplace_back(el.as_string());
    } else if (el.is_object()) {
      std::vector<std::string> ignored;
      std::optional<std::string> name;
      for (auto key : {"name", "id", "model_id"}) {
        if ((name = text(&el.as_object(), key, ignored))) break;
      }
      if (name) {
        out.push_back(*name);
      } else {
        warnings.push_back(std::string(label) + "[" + std::to_string(i) + "]: object without a name");
      }
    } else {
      warnings.push_back(std::string(label) + "[" + std::to_string(i) + "]: expected a string, got " +
                         kindName(el));
    }
    ++i;
  }
  return out;
}

void addUnique(std::vector<std::string>& to, const std::vector<std::string>& from) {
  for (const auto& m : from) {
    if (std::find(to.begin(), to.end(), m) == to.end()) to.push_back(m);
  }
}

WorkerHealth healthFromStatus(const std::string& s) {
  std::string l = s;
  std::transform(l.begin(), l.end(), l.begin(), [](unsigned char c) { return std::tolower(c); });
  if (l == "healthy" || l == "ok" || l == "online" || l == "ready" || l == "up") {
    return WorkerHealth::kHealthy;
  }
  if (l == "degraded" || l == "busy" || l == "warning") return WorkerHealth::kDegraded;
  return WorkerHealth::kUnhealthy;
}

// Loaded models as a list of names, or an object keyed by model id (reference container), or a
// bare count (reference container's /health), which carries no names. True when `v` named them
// (an empty list included).
bool readLoaded(const bj::value& v, std::string_view label, std::vector<std::string>& out,
                std::vector<std::string>& warnings) {
  if (v.is_array()) {
    auto names = nameList(v, label, warnings);
    if (names) addUnique(out, *names);
    return names.has_value();
  }
  if (v.is_object()) {
    std::vector<std::string> names;
    for (const auto& kv : v.as_object()) names.emplace_back(kv.key());
    addUnique(out, names);
    return true;
  }
  if (!json::asNumber(v)) {
    warnings.push_back(std::string(label) + ": expected a list, got " + kindName(v));
  }
  return false;
}

}  // namespace

WorkerReport parseHealth(const boost::json::value& health) {
  WorkerReport r;
  auto& w = r.warnings;
  if (!health.is_object()) {
    w.push_back("/health: expected a JSON object, got " + std::string(kindName(health)));
    return r;
  }
  const bj::object* h = &health.as_object();
  const bj::object* caps = objectField(h, "capabilities", w);  // minimal Linux worker
  const bj::object* stats = objectField(h, "stats", w);        // Windows worker
  const bj::object* metrics = objectField(h, "npu_metrics", w);  // Windows worker

  if (auto s = text(h, "status", w)) r.health = healthFromStatus(*s);

  if (auto v = number(h, "max_concurrent", 1, 1e6, w)) {
    r.capabilities.max_concurrent = static_cast<int>(*v);
  }
  if (auto v = number(h, "memory_gb", 0, 1e6, w)) r.capabilities.memory_gb = *v;

  std::optional<double> util = number(h, "utilization", 0, 100, w);
  if (!util) util = number(metrics, "utilization_percent", 0, 100, w, "npu_metrics.");
  if (!util) util = number(stats, "npu_utilization_percent", 0, 100, w, "stats.");
  if (util) r.capabilities.utilization = *util;

  if (auto v = number(h, "queue_depth", 0, 1e9, w)) {
    r.queue_depth = static_cast<int>(*v);
  } else if (auto q = number(stats, "queue_depth", 0, 1e9, w, "stats.")) {
    r.queue_depth = static_cast<int>(*q);
  }
  if (auto v = number(h, "running", 0, 1e9, w)) r.running = static_cast<int>(*v);

  if (const bj::value* v = field(h, "loaded_models")) {
    r.loaded_models_listed |= readLoaded(*v, "loaded_models", r.loaded_models, w);
  }
  if (const bj::value* v = field(caps, "models_loaded")) {
    r.loaded_models_listed |= readLoaded(*v, "capabilities.models_loaded", r.loaded_models, w);
  }
  if (const bj::value* v = field(h, "auto_load")) {
    if (v->is_bool()) {
      r.loads_on_demand = v->as_bool();
    } else {
      w.push_back(std::string("auto_load: expected a boolean, got ") + kindName(*v));
    }
  }

  // The npufleet worker's remote engines: [{name, protocol, url, status, error}].
  if (const bj::value* v = field(h, "remotes")) {
    if (!v->is_array()) {
      w.push_back(std::string("remotes: expected a list, got ") + kindName(*v));
    } else {
      std::vector<RemoteEngineHealth> remotes;
      size_t i = 0;
      for (const auto& el : v->as_array()) {
        const std::string prefix = "remotes[" + std::to_string(i++) + "]";
        if (!el.is_object()) {
          w.push_back(prefix + ": expected an object, got " + kindName(el));
          continue;
        }
        const bj::object* o = &el.as_object();
        auto name = text(o, "name", w, prefix + ".");
        if (!name || name->empty()) {
          w.push_back(prefix + ": object without a name");
          continue;
        }
        RemoteEngineHealth remote;
        remote.name = *name;
        remote.protocol = text(o, "protocol", w, prefix + ".").value_or("");
        remote.url = text(o, "url", w, prefix + ".").value_or("");
        remote.status = text(o, "status", w, prefix + ".").value_or("");
        remote.error = text(o, "error", w, prefix + ".").value_or("");
        remotes.push_back(std::move(remote));
      }
      r.remotes = std::move(remotes);
    }
  }

  // Device: the first field that names a known kind wins; names we cannot map are warnings.
  std::optional<DeviceType> type;
  std::string first_unknown;
  auto consider = [&](const bj::object* o, std::string_view name, std::string_view prefix) {
    auto s = text(o, name, w, prefix);
    if (!s || s->empty()) return;
    if (auto t = deviceTypeFromName(*s)) {
      if (!type) type = t;
      // A descriptive name ("NVIDIA GeForce RTX 4090") is also the best device name we have.
      if (r.device_name.empty() && s->size() > 3 && s->find('-') == std::string::npos &&
          s->find(' ') != std::string::npos) {
        r.device_name = *s;
      }
    } else if (first_unknown.empty()) {
      first_unknown = std::string(prefix) + std::string(name) + " '" + *s + "'";
    }
  };
  consider(h, "device_type", "");
  consider(h, "deviceType", "");
  // The npufleet worker's `device` is an object ({type, name, driver, ...}, docs/worker.md);
  // other dialects put a device name there.
  if (const bj::value* d = field(h, "device"); d && d->is_object()) {
    const bj::object* dev = &d->as_object();
    consider(dev, "type", "device.");
    DeviceTelemetry t;
    t.memory_total_gb = number(dev, "memory_total_gb", 0, 1e6, w, "device.");
    t.memory_used_gb = number(dev, "memory_used_gb", 0, 1e6, w, "device.");
    t.temperature_c = number(dev, "temperature_c", -100, 500, w, "device.");
    t.power_w = number(dev, "power_w", 0, 1e5, w, "device.");
    t.frequency_mhz = number(dev, "frequency_mhz", 0, 1e6, w, "device.");
    t.max_frequency_mhz = number(dev, "max_frequency_mhz", 0, 1e6, w, "device.");
    t.utilization_source = text(dev, "utilization_source", w, "device.").value_or("");
    r.device = std::move(t);
  } else {
    consider(h, "device", "");
  }
  consider(caps, "device", "capabilities.");
  consider(h, "optimal_device", "");
  consider(h, "device_name", "");
  consider(caps, "device_name", "capabilities.");
  if (auto n = text(h, "device_name", w)) r.device_name = *n;
  if (auto n = text(caps, "device_name", w, "capabilities.")) r.device_name = *n;

  if (!type) {
    auto npu_available = field(h, "npu_available");
    if (npu_available && npu_available->is_bool()) {
      type = npu_available->as_bool() ? DeviceType::kIntelNpu : DeviceType::kCpu;
    } else if (npu_available) {
      w.push_back(std::string("npu_available: expected a boolean, got ") + kindName(*npu_available));
    }
  }
  if (type) {
    r.capabilities.device_type = *type;
  } else if (!first_unknown.empty()) {
    w.push_back("unknown device " + first_unknown + "; assuming intel-npu");
  }
  return r;
}

void mergeModels(const boost::json::value& models, WorkerReport& r) {
  auto& w = r.warnings;
  std::vector<std::string> available;
  std::vector<ModelDetails> details;
  bool have_available = false;
  if (models.is_array()) {  // a bare list of names
    if (auto names = nameList(models, "/models", w)) {
      available = *names;
      have_available = true;
    }
  } else if (models.is_object()) {
    const bj::object* m = &models.as_object();
    if (const bj::value* v = field(m, "available")) {
      if (auto names = nameList(*v, "available", w)) {
        available = *names;
        have_available = true;
      }
    } else if (const bj::value* v = field(m, "models")) {
      // [{name, loaded}] or [names]
      if (auto names = nameList(*v, "models", w)) {
        available = *names;
        have_available = true;
        if (v->is_array()) {
          for (const auto& el : v->as_array()) {
            if (el.is_object() && el.as_object().contains("loaded")) r.loaded_models_listed = true;
            if (!el.is_object()) continue;
            auto loaded = field(&el.as_object(), "loaded");
            auto name = field(&el.as_object(), "name");
            if (loaded && loaded->is_bool() && loaded->as_bool() && name && name->is_string()) {
              addUnique(r.loaded_models, {std::string(name->as_string())});
            }
          }
        }
      }
    }
    // The npufleet worker sends `models` ([{name, loaded, sizeBytes, engine, kind, ...}]) beside
    // `available`: its entries carry the details whichever list gave the names.
    if (const bj::value* v = field(m, "models"); v && v->is_array()) {
      size_t i = 0;
      for (const auto& el : v->as_array()) {
        const std::string prefix = "models[" + std::to_string(i++) + "].";
        if (!el.is_object()) continue;
        auto name = field(&el.as_object(), "name");
        if (!name || !name->is_string()) continue;
        if (auto d = modelDetails(el.as_object(), std::string(name->as_string()), prefix, w)) {
          details.push_back(std::move(*d));
        }
      }
    }
    if (const bj::value* v = field(m, "loaded")) {
      r.loaded_models_listed |= readLoaded(*v, "loaded", r.loaded_models, w);
    }
    if (const bj::value* v = field(m, "loaded_models")) {
      r.loaded_models_listed |= readLoaded(*v, "loaded_models", r.loaded_models, w);
    }
    if (auto dev = text(m, "optimal_device", w)) {
      if (auto t = deviceTypeFromName(*dev)) r.capabilities.device_type = *t;
    }
  } else {
    w.push_back("/models: expected a JSON object, got " + std::string(kindName(models)));
  }
  r.capabilities.models = available;
  r.capabilities.model_details = std::move(details);
  // Loaded models are available by definition, whatever the list says.
  addUnique(r.capabilities.models, r.loaded_models);
  if (!have_available && r.capabilities.models.empty()) finishWithoutModels(r);
}

void finishWithoutModels(WorkerReport& r) { addUnique(r.capabilities.models, r.loaded_models); }

WorkerMetrics parseStats(const boost::json::value& stats) {
  WorkerMetrics m;
  auto& w = m.warnings;
  if (!stats.is_object()) {
    w.push_back("/stats: expected a JSON object, got " + std::string(kindName(stats)));
    return m;
  }
  const bj::object* s = &stats.as_object();
  auto asInt = [](std::optional<double> d) {
    return d ? std::optional<int>(static_cast<int>(*d)) : std::nullopt;
  };

  // The npufleet worker (worker/WorkerService.cpp, pinned by tests/worker/golden/stats.json):
  // {total: {inference_ms: {p50, p95, samples}, throughput_per_s_last_minute}, queue: {depth,
  // running, max_concurrent}, memory: {process_rss_bytes, models: {<name>: {file_bytes,
  // loaded}}}}. Its percentiles are 0 before the first sample: that is "no figure", not 0 ms.
  if (const bj::object* total = objectField(s, "total", w)) {
    if (const bj::object* inf = objectField(total, "inference_ms", w)) {
      auto samples = number(inf, "samples", 0, 1e18, w, "total.inference_ms.");
      if (!samples || *samples > 0) {
        m.inference_p50_ms = number(inf, "p50", 0, 1e9, w, "total.inference_ms.");
        m.inference_p95_ms = number(inf, "p95", 0, 1e9, w, "total.inference_ms.");
      }
    }
    if (auto per_s = number(total, "throughput_per_s_last_minute", 0, 1e12, w, "total.")) {
      m.throughput_per_min = *per_s * 60;
    }
  }
  if (const bj::object* queue = objectField(s, "queue", w)) {
    m.running = asInt(number(queue, "running", 0, 1e9, w, "queue."));
    m.queued = asInt(number(queue, "depth", 0, 1e9, w, "queue."));
    m.max_concurrent = asInt(number(queue, "max_concurrent", 0, 1e9, w, "queue."));
  }

  // Flat dialects: {inference_time_ms | latency_ms: {p50, p95}} or p50_ms/p95_ms, the Windows
  // worker's average_response_time_ms, throughput_per_min | requests_per_minute.
  const bj::object* inf = objectField(s, "inference_time_ms", w);
  if (!inf) inf = objectField(s, "latency_ms", w);
  if (!m.inference_p50_ms) m.inference_p50_ms = number(inf, "p50", 0, 1e9, w, "inference_time_ms.");
  if (!m.inference_p95_ms) m.inference_p95_ms = number(inf, "p95", 0, 1e9, w, "inference_time_ms.");
  if (!m.inference_p50_ms) m.inference_p50_ms = number(s, "p50_ms", 0, 1e9, w);
  if (!m.inference_p95_ms) m.inference_p95_ms = number(s, "p95_ms", 0, 1e9, w);
  if (!m.inference_p50_ms) m.inference_p50_ms = number(s, "average_response_time_ms", 0, 1e9, w);
  if (!m.throughput_per_min) m.throughput_per_min = number(s, "throughput_per_min", 0, 1e12, w);
  if (!m.throughput_per_min) m.throughput_per_min = number(s, "requests_per_minute", 0, 1e12, w);
  if (!m.running) m.running = asInt(number(s, "running", 0, 1e9, w));
  if (!m.queued) m.queued = asInt(number(s, "queued", 0, 1e9, w));
  if (!m.queued) m.queued = asInt(number(s, "queue_depth", 0, 1e9, w));
  if (!m.max_concurrent) m.max_concurrent = asInt(number(s, "max_concurrent", 0, 1e9, w));

  const bj::object* mem = objectField(s, "memory", w);
  if (auto rss = number(mem, "process_rss_bytes", 0, 1e18, w, "memory.")) {
    m.process_rss_bytes = static_cast<int64_t>(*rss);
  } else if (auto rss2 = number(s, "process_rss_bytes", 0, 1e18, w)) {
    m.process_rss_bytes = static_cast<int64_t>(*rss2);
  }
  if (const bj::object* models = objectField(mem, "models", w)) {
    for (const auto& kv : *models) {
      const std::string label = "memory.models." + std::string(kv.key());
      std::optional<double> d;
      if (kv.value().is_object()) {
        // The npufleet worker lists every model in its directory: only loaded ones hold memory.
        const bj::object* entry = &kv.value().as_object();
        const bj::value* loaded = field(entry, "loaded");
        if (loaded && loaded->is_bool() && !loaded->as_bool()) continue;
        if (!field(entry, "file_bytes")) {
          w.push_back(label + ": expected file_bytes");
          continue;
        }
        d = number(entry, "file_bytes", 0, 1e18, w, label + ".");
        if (!d) continue;  // number() said why
      } else {
        d = json::asNumber(kv.value());
      }
      // Bounded like process_rss_bytes: converting a double beyond int64 is undefined.
      if (d && *d >= 0 && *d <= 1e18) {
        m.model_bytes[std::string(kv.key())] = static_cast<int64_t>(*d);
      } else {
        w.push_back(label + ": expected a byte count");
      }
    }
  }
  // The npufleet worker's GGUF models: models.<name>.tokens {prompt_tokens, completion_tokens,
  // ttft_p50_ms, ttft_p95_ms, tokens_per_s, ...} and, loaded, kv_cache {usedCells,
  // capacityCells, ...}. Other dialects' `models`, whatever its shape, is not read.
  if (const bj::value* models = field(s, "models"); models && models->is_object()) {
    for (const auto& kv : models->as_object()) {
      if (!kv.value().is_object()) continue;
      const bj::object* entry = &kv.value().as_object();
      const std::string label = "models." + std::string(kv.key()) + ".";
      const bj::object* tokens = objectField(entry, "tokens", w, label);
      const bj::object* cache = objectField(entry, "kv_cache", w, label);
      if (!tokens && !cache) continue;
      ModelGenerationFigures g;
      const std::string tl = label + "tokens.";
      g.tokens_per_s = number(tokens, "tokens_per_s", 0, 1e12, w, tl);
      g.ttft_p50_ms = number(tokens, "ttft_p50_ms", 0, 1e9, w, tl);
      g.ttft_p95_ms = number(tokens, "ttft_p95_ms", 0, 1e9, w, tl);
      g.prompt_tokens = count(tokens, "prompt_tokens", 1e18, w, tl);
      g.completion_tokens = count(tokens, "completion_tokens", 1e18, w, tl);
      const std::string kl = label + "kv_cache.";
      g.kv_used_cells = count(cache, firstPresent(cache, {"usedCells", "used_cells"}), 1e15, w, kl);
      g.kv_capacity_cells =
          count(cache, firstPresent(cache, {"capacityCells", "capacity_cells"}), 1e15, w, kl);
      m.generation[std::string(kv.key())] = g;
    }
  }
  return m;
}

}  // namespace npufleet::npu
