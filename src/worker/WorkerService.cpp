#include "worker/WorkerService.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <fstream>
#include <functional>
#include <mutex>

#include "common/Json.h"
#include "worker/EngineBusyMeter.h"
#include "worker/InferenceQueue.h"
#include "worker/InferenceRequest.h"
#include "worker/KServeV2.h"
#include "worker/ModelRegistry.h"
#include "worker/OpenAiApi.h"
#include "worker/WorkerStats.h"

namespace npufleet::worker {
namespace asio = boost::asio;
using asio::awaitable;
using http::Request;
using http::Response;

namespace {

constexpr size_t kInferenceBodyLimit = 64 * 1024 * 1024;
const prometheus::Histogram::BucketBoundaries kLatencyBuckets{
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};

double ms(std::chrono::nanoseconds d) { return static_cast<double>(d.count()) / 1e6; }

std::optional<uint64_t> processRssBytes() {
  std::ifstream in("/proc/self/statm");
  uint64_t size = 0, resident = 0;
  if (!(in >> size >> resident)) return std::nullopt;
  return resident * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

boost::json::array specsToJson(const std::vector<TensorSpec>& specs) {
  boost::json::array out;
  for (const auto& s : specs) {
    boost::json::value shape = nullptr;
    if (s.has_shape) {
      boost::json::array dims;
      for (auto d : s.shape) {
        if (d < 0) {
          dims.push_back(nullptr);  // dynamic dimension
        } else {
          dims.push_back(d);
        }
      }
      shape = std::move(dims);
    }
    out.push_back(boost::json::object{{"name", s.name}, {"shape", shape}, {"elem_type", s.elem_type}});
  }
  return out;
}

Response errorResponse(const Error& e) {
  auto r = Response::error(e);
  if (e.code == ErrorCode::kUnavailable) r.headers.set("Retry-After", "1");
  return r;
}

}  // namespace

struct WorkerService::Impl {
  Impl(WorkerSettings s, std::unique_ptr<DeviceProbe> p, const Clock& c, std::string v)
      : settings(std::move(s)),
        probe(std::move(p)),
        clock(c),
        version(std::move(v)),
        device(probe->info()),
        max_concurrent(settings.max_concurrent > 0 ? settings.max_concurrent
                                                   : defaultMaxConcurrent(device)),
        memory_gb(settings.memory_gb > 0 ? settings.memory_gb : defaultMemoryGb(device)),
        registry(settings.models_dir, ModelCheck{settings.model_check_binary},
                 llama::LlamaOptions{static_cast<int>(max_concurrent),
                                     static_cast<int>(settings.llm_context_per_slot),
                                     static_cast<int>(settings.llm_threads)}),
        engine(static_cast<size_t>(settings.threads > 0 ? settings.threads : max_concurrent)),
        admin(1),
        queue({static_cast<size_t>(max_concurrent), static_cast<size_t>(settings.queue_limit)}, c,
              [this](std::function<void()> job) { asio::post(engine, std::move(job)); }),
        stats(c),
        busy(c, static_cast<size_t>(max_concurrent), std::chrono::milliseconds(1000)),
        metrics(std::make_shared<prometheus::Registry>()),
        started(c.steadyNow()) {
    registerMetrics();
    addRoutes();
  }

  WorkerSettings settings;
  std::unique_ptr<DeviceProbe> probe;
  std::mutex probe_mu;  // DeviceProbe calls are not synchronised
  const Clock& clock;
  std::string version;
  DeviceInfo device;
  int64_t max_concurrent;
  double memory_gb;
  ModelRegistry registry;
  asio::thread_pool engine;
  asio::thread_pool admin;  // model loads and directory scans: file I/O off the I/O threads
  InferenceQueue queue;
  WorkerStats stats;
  EngineBusyMeter busy;
  std::shared_ptr<prometheus::Registry> metrics;
  std::chrono::steady_clock::time_point started;
  http::Router router;
  std::mutex preload_mu;
  std::vector<std::string> preload_failures;

  prometheus::Gauge* queue_depth_gauge = nullptr;
  prometheus::Gauge* running_gauge = nullptr;
  prometheus::Gauge* utilization_gauge = nullptr;
  prometheus::Gauge* loaded_gauge = nullptr;
  prometheus::Family<prometheus::Counter>* requests_family = nullptr;
  prometheus::Family<prometheus::Histogram>* inference_family = nullptr;
  prometheus::Family<prometheus::Histogram>* queue_wait_family = nullptr;
  prometheus::Family<prometheus::Counter>* prompt_tokens_family = nullptr;
  prometheus::Family<prometheus::Counter>* generated_tokens_family = nullptr;
  prometheus::Family<prometheus::Histogram>* ttft_family = nullptr;
  prometheus::Family<prometheus::Histogram>* itl_family = nullptr;

  void registerMetrics() {
    queue_depth_gauge = &prometheus::BuildGauge()
                             .Name("npufleet_worker_queue_depth")
                             .Help("Inference requests waiting for an engine slot")
                             .Register(*metrics)
                             .Add({});
    running_gauge = &prometheus::BuildGauge()
                         .Name("npufleet_worker_running")
                         .Help("Inference requests running now")
                         .Register(*metrics)
                         .Add({});
    utilization_gauge = &prometheus::BuildGauge()
                             .Name("npufleet_worker_utilization_percent")
                             .Help("Device utilization, or the engine's busy share when the "
                                   "device gives no figure")
                             .Register(*metrics)
                             .Add({});
    loaded_gauge = &prometheus::BuildGauge()
                        .Name("npufleet_worker_loaded_models")
                        .Help("Models loaded")
                        .Register(*metrics)
                        .Add({});
    requests_family = &prometheus::BuildCounter()
                           .Name("npufleet_worker_inference_requests_total")
                           .Help("Inference requests by model and outcome")
                           .Register(*metrics);
    inference_family = &prometheus::BuildHistogram()
                            .Name("npufleet_worker_inference_seconds")
                            .Help("Time in the engine per inference")
                            .Register(*metrics);
    queue_wait_family = &prometheus::BuildHistogram()
                             .Name("npufleet_worker_queue_wait_seconds")
                             .Help("Time an inference waited for an engine slot")
                             .Register(*metrics);
    prompt_tokens_family = &prometheus::BuildCounter()
                                .Name("npufleet_worker_prompt_tokens_total")
                                .Help("Prompt (and embedding input) tokens read by GGUF models")
                                .Register(*metrics);
    generated_tokens_family = &prometheus::BuildCounter()
                                   .Name("npufleet_worker_generated_tokens_total")
                                   .Help("Tokens generated by GGUF models")
                                   .Register(*metrics);
    ttft_family = &prometheus::BuildHistogram()
                       .Name("npufleet_worker_time_to_first_token_seconds")
                       .Help("From a generation's start (out of the queue) to its first token")
                       .Register(*metrics);
    itl_family = &prometheus::BuildHistogram()
                      .Name("npufleet_worker_inter_token_latency_seconds")
                      .Help("Mean time between generated tokens, one sample per request")
                      .Register(*metrics);
  }

  void countRequest(const std::string& model, const std::string& outcome) {
    requests_family->Add({{"model", model}, {"outcome", outcome}}).Increment();
  }

  // Runs `f` on `pool` and resumes the awaiting coroutine on its own executor with the result
  // (an optional that is always set: use_awaitable needs a default-constructible value).
    // Callers pass a named lambda and bind the result to a named variable: GCC 12 double-destroys
  // temporaries with destructors inside a co_await full-expression.
  template <typename F>
  static auto offload(asio::thread_pool& pool, const F& f) {
    using T = std::invoke_result_t<F>;
    return asio::async_initiate<const asio::use_awaitable_t<>, void(std::optional<T>)>(
        [&pool](auto handler, F fn) {
          auto ex = asio::get_associated_executor(handler);
          asio::post(pool, [handler = std::move(handler), fn = std::move(fn), ex]() mutable {
            std::optional<T> result(fn());
            asio::post(ex, [handler = std::move(handler), result = std::move(result)]() mutable {
              std::move(handler)(std::move(result));
            });
          });
        },
        asio::use_awaitable, f);
  }

  // Utilization and which source it came from.
  std::pair<double, const char*> utilization() {
    std::optional<double> dev;
    {
      std::lock_guard lock(probe_mu);
      dev = probe->utilizationPercent();
    }
    double engine_pct = busy.samplePercent();
    if (dev) return {*dev, "device"};
    return {engine_pct, "engine"};
  }

  boost::json::object deviceJson() {
    DeviceInfo info;
    {
      std::lock_guard lock(probe_mu);
      probe->refresh();
      info = probe->info();
    }
    boost::json::object d{{"type", deviceTypeName(info.type)},
                          {"name", info.name},
                          {"driver", info.driver}};
    if (!info.pci_address.empty()) d["pci_address"] = info.pci_address;
    auto put = [&d](const char* key, const auto& v) {
      if (v) d[key] = *v;
    };
    put("memory_total_gb", info.memory_total_gb);
    put("memory_used_gb", info.memory_used_gb);
    put("cpu_cores", info.cpu_cores);
    put("frequency_mhz", info.frequency_mhz);
    put("max_frequency_mhz", info.max_frequency_mhz);
    put("temperature_c", info.temperature_c);
    put("power_w", info.power_w);
    boost::json::array notes;
    for (const auto& n : info.notes) notes.push_back(boost::json::string(n));
    d["notes"] = std::move(notes);
    return d;
  }

  static boost::json::array names(const std::vector<std::string>& v) {
    boost::json::array a;
    for (const auto& s : v) a.push_back(boost::json::string(s));
    return a;
  }

  awaitable<Response> health(Request&) {
    auto [util, source] = utilization();
    auto loaded = registry.loadedNames();
    std::vector<std::string> failures;
    {
      std::lock_guard lock(preload_mu);
      failures = preload_failures;
    }
    boost::json::object dev = deviceJson();
    dev["utilization_source"] = source;
    boost::json::object body{
        {"status", failures.empty() ? "healthy" : "degraded"},
        {"service", "npufleet-worker"},
        {"version", version},
        {"device_type", deviceTypeName(device.type)},
        {"device_name", device.name},
        {"max_concurrent", max_concurrent},
        {"memory_gb", memory_gb},
        {"utilization", util},
        {"queue_depth", queue.waiting()},
        {"running", queue.running()},
        {"loaded_models", names(loaded)},
        // The control plane routes a model here without it loaded only when this is true.
        {"auto_load", settings.auto_load},
        {"uptime_s", std::chrono::duration<double>(clock.steadyNow() - started).count()},
        {"device", std::move(dev)},
    };
    if (!failures.empty()) body["preload_failures"] = names(failures);
    co_return Response::json(200, body);
  }

  awaitable<Response> livez(Request&) {
    co_return Response::json(200, boost::json::object{{"status", "alive"}});
  }

  // A GGUF model's figures in /models and /stats: what its file says and, loaded, its KV cache
  // and the engine's counters.
  void addLlmDetails(const ModelEntry& e, boost::json::object& m) {
    if (e.engine != "llama") return;
    if (e.architecture) m["architecture"] = *e.architecture;
    if (e.context_length) m["contextLength"] = *e.context_length;
    if (e.embedding_dim) m["embeddingDim"] = *e.embedding_dim;
    if (e.parameters) m["parameters"] = *e.parameters;
    if (!e.loaded) return;
    auto llm = registry.getLlm(e.name);
    if (!llm) return;
    const auto kv = (*llm)->kvCache();
    m["kvCache"] = boost::json::object{{"usedCells", kv.used_cells},
                                       {"capacityCells", kv.capacity_cells},
                                       {"sequences", kv.sequences},
                                       {"slots", kv.slots}};
    const auto c = (*llm)->counters();
    m["engineCounters"] = boost::json::object{
        {"decodeCalls", c.decode_calls},
        {"maxSequencesInOneDecode", c.max_sequences_in_one_decode},
        {"promptTokens", c.prompt_tokens},
        {"generatedTokens", c.generated_tokens},
        {"sequencesStarted", c.sequences_started},
        {"sequencesCancelled", c.sequences_cancelled}};
  }

  awaitable<Response> listModels(Request&) {
    auto list = [this] { return registry.list(); };
    auto listed = co_await offload(admin, list);
    auto& entries = *listed;
    boost::json::array available, loaded, models;
    for (const auto& e : entries) {
      available.push_back(boost::json::string(e.name));
      if (e.loaded) loaded.push_back(boost::json::string(e.name));
      boost::json::object m{{"name", e.name}, {"loaded", e.loaded}, {"sizeBytes", e.size_bytes},
                            {"engine", e.engine}, {"kind", e.kind}};
      addLlmDetails(e, m);
      if (e.info) {
        m["inputs"] = specsToJson(e.info->inputs);
        m["outputs"] = specsToJson(e.info->outputs);
        m["opset"] = e.info->opset;
        m["ops"] = names(e.info->op_types);
      } else {
        m["inputs"] = boost::json::array{};
        m["outputs"] = boost::json::array{};
      }
      if (e.display_name) m["displayName"] = *e.display_name;
      if (e.version) m["version"] = *e.version;
      if (e.description) m["description"] = *e.description;
      if (e.error) m["error"] = *e.error;
      models.push_back(std::move(m));
    }
    co_return Response::json(200, boost::json::object{{"available", std::move(available)},
                                                      {"loaded", std::move(loaded)},
                                                      {"models", std::move(models)}});
  }

  awaitable<Response> loadModel(const std::string& name) {
    if (!isValidModelName(name)) {
      co_return errorResponse(Error::badRequest("model names match [A-Za-z0-9._-]{1,128}", "model"));
    }
    auto t0 = clock.steadyNow();
    auto load = [this, name] { return registry.load(name); };
    auto loaded = co_await offload(admin, load);
    auto& st = *loaded;
    if (!st) {
      spdlog::warn("model {} failed to load: {}", name, st.error().message);
      co_return errorResponse(st.error());
    }
    co_return Response::json(
        200, boost::json::object{{"model", name}, {"model_id", name}, {"status", "loaded"},
                                 {"loaded", true}, {"load_time_ms", ms(clock.steadyNow() - t0)}});
  }

  awaitable<Response> unloadModel(const std::string& name) {
    if (!isValidModelName(name)) {
      co_return errorResponse(Error::badRequest("model names match [A-Za-z0-9._-]{1,128}", "model"));
    }
    auto unload = [this, name] { return registry.unload(name); };
    auto unloaded = co_await offload(admin, unload);
    auto& st = *unloaded;
    if (!st) co_return errorResponse(st.error());
    co_return Response::json(200, boost::json::object{{"model", name}, {"model_id", name},
                                                      {"status", "unloaded"}, {"loaded", false}});
  }

  awaitable<Response> loadModelReference(Request& req) {
    auto obj = json::parseObject(req.body);
    if (!obj) co_return errorResponse(obj.error());
    auto id = json::optString(*obj, "model_id");
    if (!id) co_return errorResponse(id.error());
    if (!*id) co_return errorResponse(Error::badRequest("\"model_id\" is required", "model_id"));
    co_return co_await loadModel(**id);
  }

  // Shared between the waiting coroutine and the engine thread that runs the job.
  struct Pending {
    explicit Pending(asio::any_io_executor ex) : timer(ex) {}
    asio::steady_timer timer;
    std::mutex mu;
    bool done = false;
    bool expired = false;
    Result<NamedTensors> result{Error::internal("not run")};
    double queue_ms = 0;
    double inference_ms = 0;
  };
  // Wakes the waiting coroutine: the timer belongs to its executor, so cancel it there. The
  // shared_ptr keeps the timer alive when the coroutine has already answered (deadline).
  static void wake(const std::shared_ptr<Pending>& p) {
    asio::post(p->timer.get_executor(), [p] { p->timer.cancel(); });
  }

  // What a tensor inference produced. Failures travel as the Error the route answers with.
  struct TensorRun {
    NamedTensors outputs;
    std::vector<std::string> declared_outputs;  // the model's output names, in its order
    double inference_ms = 0;
    double queue_ms = 0;
  };
  // A route's own check of a request against the model, on top of validateInputs.
  using RequestCheck = std::function<Status(const OnnxModelInfo&)>;

  // The one path of a tensor inference, shared by POST /inference and the KServe v2 infer
  // route: auto_load, validation against the model, the bounded queue, the deadline,
  // WorkerStats and the Prometheus counters. `request` and `check` are the caller's locals
  // (references, so that no temporary lives in the caller's co_await expression).
  awaitable<Result<TensorRun>> runTensor(InferenceRequest& request, const RequestCheck& check) {
    auto model = registry.get(request.model);
    if (!model && model.error().code == ErrorCode::kConflict && settings.auto_load) {
      auto load = [this, name = request.model] { return registry.load(name); };
      auto loaded = co_await offload(admin, load);
      auto& st = *loaded;
      if (!st) {
        stats.recordError(request.model);
        countRequest(request.model, "load_failed");
        co_return st.error();
      }
      model = registry.get(request.model);
    }
    if (!model) {
      if (model.error().code != ErrorCode::kNotFound) {
        stats.recordError(request.model);
        countRequest(request.model, "rejected");
      }
      co_return model.error();
    }
    auto valid = validateInputs((*model)->info(), request.inputs);
    if (valid && check) valid = check((*model)->info());
    if (!valid) {
      stats.recordError(request.model);
      countRequest(request.model, "bad_input");
      co_return valid.error();
    }
    int64_t timeout_ms = settings.request_timeout_ms;
    if (request.timeout_ms) timeout_ms = std::min(timeout_ms, *request.timeout_ms);
    auto deadline = clock.steadyNow() + std::chrono::milliseconds(timeout_ms);

    auto executor = co_await asio::this_coro::executor;
    auto pending = std::make_shared<Pending>(executor);
    auto inputs = std::make_shared<NamedTensors>(std::move(request.inputs));
    auto job = [this, pending, inputs, model = *model](InferenceQueue::Outcome outcome,
                                                         std::chrono::nanoseconds waited) {
      if (outcome == InferenceQueue::Outcome::kExpired) {
        std::lock_guard lock(pending->mu);
        pending->done = true;
        pending->expired = true;
        pending->queue_ms = ms(waited);
        wake(pending);
        return;
      }
      auto token = busy.begin();
      auto t0 = clock.steadyNow();
      auto result = model->run(*inputs);
      auto elapsed = clock.steadyNow() - t0;
      busy.end(token);
      std::lock_guard lock(pending->mu);
      pending->result = std::move(result);
      pending->queue_ms = ms(waited);
      pending->inference_ms = ms(elapsed);
      pending->done = true;
      wake(pending);
    };
    auto id = queue.submit(request.model, deadline, std::move(job));
    if (!id) {
      stats.recordError(request.model);
      countRequest(request.model, "queue_full");
      co_return id.error();
    }
    pending->timer.expires_at(deadline);
    for (;;) {
      {
        std::lock_guard lock(pending->mu);
        if (pending->done) break;
      }
      if (clock.steadyNow() >= deadline) {
        if (queue.expire(*id)) break;  // the job's kExpired branch has filled `pending`
        stats.recordError(request.model);
        countRequest(request.model, "timeout");
        co_return Error{ErrorCode::kGatewayTimeout,
                        "inference on '" + request.model + "' ran past its deadline of " +
                            std::to_string(timeout_ms) + " ms",
                        {}};
      }
      boost::system::error_code ec;
      co_await pending->timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    std::lock_guard lock(pending->mu);
    if (pending->expired) {
      stats.recordError(request.model);
      countRequest(request.model, "expired_in_queue");
      co_return Error::unavailable("inference on '" + request.model +
                                   "' waited past its deadline of " +
                                   std::to_string(timeout_ms) + " ms in the queue");
    }
    if (!pending->result) {
      stats.recordError(request.model);
      countRequest(request.model, "error");
      co_return pending->result.error();
    }
    stats.recordSuccess(request.model, pending->inference_ms, pending->queue_ms);
    countRequest(request.model, "ok");
    inference_family->Add({{"model", request.model}}, kLatencyBuckets)
        .Observe(pending->inference_ms / 1000.0);
    queue_wait_family->Add({{"model", request.model}}, kLatencyBuckets)
        .Observe(pending->queue_ms / 1000.0);
    TensorRun run;
    run.outputs = std::move(*pending->result);
    for (const auto& s : (*model)->info().outputs) run.declared_outputs.push_back(s.name);
    run.inference_ms = pending->inference_ms;
    run.queue_ms = pending->queue_ms;
    co_return run;
  }

  awaitable<Response> inference(Request& req) {
    auto parsed = parseInferenceRequest(req.body);
    if (!parsed) co_return errorResponse(parsed.error());
    auto& request = *parsed;
    const RequestCheck no_check;
    auto ran = co_await runTensor(request, no_check);
    if (!ran) co_return errorResponse(ran.error());
    boost::json::object outputs;
    for (const auto& [name, t] : ran->outputs) {
      outputs[name] = tensorToJson(t, request.b64_outputs);
    }
    co_return Response::json(200, boost::json::object{{"model", request.model},
                                                      {"outputs", std::move(outputs)},
                                                      {"inference_time_ms", ran->inference_ms},
                                                      {"queue_time_ms", ran->queue_ms},
                                                      {"device", deviceTypeName(device.type)}});
  }

  // KServe Open Inference Protocol v2 (KServeV2.h); errors are {"error": "<message>"}.
  static Response v2ErrorResponse(const Error& e) {
    auto r = Response::json(httpStatus(e.code), formatV2Error(e));
    if (e.code == ErrorCode::kUnavailable) r.headers.set("Retry-After", "1");
    return r;
  }
  static Status v2CheckName(const std::string& name) {
    if (isValidModelName(name)) return okStatus();
    return Error::badRequest("model names match [A-Za-z0-9._-]{1,128}", "model");
  }

  awaitable<Response> v2Live(Request&) {
    co_return Response::json(200, boost::json::object{{"live", true}});
  }

  // Ready when every preload succeeded and a request can be served without a load call: a
  // model is loaded, or auto_load is on.
  awaitable<Response> v2Ready(Request&) {
    std::vector<std::string> failures;
    {
      std::lock_guard lock(preload_mu);
      failures = preload_failures;
    }
    if (!failures.empty()) {
      std::string list;
      for (const auto& f : failures) list += (list.empty() ? "" : ", ") + f;
      co_return v2ErrorResponse(Error::unavailable("preload failed for: " + list));
    }
    if (registry.loadedNames().empty() && !settings.auto_load) {
      co_return v2ErrorResponse(Error::unavailable("no model is loaded"));
    }
    co_return Response::json(200, boost::json::object{{"ready", true}});
  }

  awaitable<Response> v2ModelMetadata(Request& req) {
    std::string name = req.param("model");
    if (auto st = v2CheckName(name); !st) co_return v2ErrorResponse(st.error());
    auto list = [this] { return registry.list(); };
    auto listed = co_await offload(admin, list);
    for (const auto& e : *listed) {
      if (e.name == name) co_return Response::json(200, formatV2ModelMetadata(e));
    }
    co_return v2ErrorResponse(Error::notFound("no model named '" + name + "'"));
  }

  // 200 when loaded; 404 unknown; 503 known but not loaded (not ready yet: retry or load it).
  awaitable<Response> v2ModelReady(Request& req) {
    std::string name = req.param("model");
    if (auto st = v2CheckName(name); !st) co_return v2ErrorResponse(st.error());
    auto model = registry.get(name);
    if (!model && model.error().code == ErrorCode::kConflict) {
      co_return v2ErrorResponse(Error::unavailable("model '" + name + "' is not loaded"));
    }
    if (!model) co_return v2ErrorResponse(model.error());
    co_return Response::json(200, boost::json::object{{"name", name}, {"ready", true}});
  }

  awaitable<Response> v2Infer(Request& req) {
    std::string name = req.param("model");
    if (auto st = v2CheckName(name); !st) co_return v2ErrorResponse(st.error());
    auto parsed = parseV2InferRequest(req.body, name);
    if (!parsed) co_return v2ErrorResponse(parsed.error());
    auto& v2 = *parsed;
    const RequestCheck check = [&v2](const OnnxModelInfo& info) {
      return checkV2RequestedOutputs(info, v2.outputs);
    };
    auto ran = co_await runTensor(v2.request, check);
    if (!ran) co_return v2ErrorResponse(ran.error());
    co_return Response::json(200, formatV2InferResponse(name, std::nullopt, v2.id, ran->outputs,
                                                        v2.outputs, ran->declared_outputs));
  }

  // ---- GGUF models through llama.cpp: the OpenAI-compatible routes (OpenAiApi.h) ----

  static Response openAiError(const Error& e) {
    auto r = Response::json(httpStatus(e.code), openai::errorJson(e));
    if (e.code == ErrorCode::kUnavailable) r.headers.set("Retry-After", "1");
    return r;
  }

  // The loaded GGUF model, loading it first when auto_load is on.
  awaitable<Result<std::shared_ptr<llama::LlamaModel>>> llmFor(const std::string& name) {
    auto model = registry.getLlm(name);
    if (!model && model.error().code == ErrorCode::kConflict && settings.auto_load) {
      auto load = [this, name] { return registry.load(name); };
      auto loaded = co_await offload(admin, load);
      if (!*loaded) co_return loaded->error();
      model = registry.getLlm(name);
    }
    co_return model;
  }

  // One request's run of a GGUF model, shared by its handler and the engine thread that holds
  // its queue slot. `wake()` cancels the handler's timer on its own executor.
  struct LlmRun : std::enable_shared_from_this<LlmRun> {
    explicit LlmRun(asio::any_io_executor ex) : timer(ex) {}
    asio::steady_timer timer;
    std::mutex mu;
    bool started = false;  // out of the queue: `gen` or `error` is set
    bool done = false;     // embeddings computed, or the generation's thread let go of its slot
    std::optional<Error> error;
    std::shared_ptr<llama::Generation> gen;
    std::vector<std::vector<float>> vectors;
    int32_t prompt_tokens = 0;
    double queue_ms = 0;
    std::chrono::steady_clock::time_point t0;
    // Any thread. The posted handler keeps the run alive until it has run.
    void wake() {
      asio::post(timer.get_executor(), [self = shared_from_this()] { self->timer.cancel(); });
    }
  };

  // Waits on the run's timer until `ready()` (checked on this executor, so no wake is lost),
  // or until `deadline`; false on the deadline.
  static constexpr auto kNoDeadline = std::chrono::steady_clock::time_point::max();
  template <typename Pred>
  static awaitable<bool> waitFor(const std::shared_ptr<LlmRun>& run, const Pred& ready,
                                 std::chrono::steady_clock::time_point deadline) {
    for (;;) {
      {
        std::lock_guard lock(run->mu);
        if (ready()) co_return true;
      }
      if (std::chrono::steady_clock::now() >= deadline) co_return false;
      // A short period as a safety net; wakes come from the engine.
      run->timer.expires_after(std::chrono::milliseconds(100));
      boost::system::error_code ec;
      co_await run->timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
  }

  using LlmWork = std::function<void(const std::shared_ptr<LlmRun>&)>;
  // Queues `work` (run on an engine thread with the slot held) and waits until it has started.
  // The returned run owns what the work filled in; an error is the route's answer.
  awaitable<Result<std::shared_ptr<LlmRun>>> startLlm(
      const std::string& model, std::chrono::steady_clock::time_point deadline,
      const LlmWork& work) {
    auto executor = co_await asio::this_coro::executor;
    auto run = std::make_shared<LlmRun>(executor);
    run->t0 = std::chrono::steady_clock::now();
    auto job = [this, run, work](InferenceQueue::Outcome outcome,
                                                   std::chrono::nanoseconds waited) {
      if (outcome == InferenceQueue::Outcome::kExpired) {
        std::lock_guard lock(run->mu);
        run->started = run->done = true;
        run->error = Error::unavailable("the request waited past its deadline in the queue");
        run->queue_ms = ms(waited);
        run->wake();
        return;
      }
      {
        std::lock_guard lock(run->mu);
        run->queue_ms = ms(waited);
      }
      auto token = busy.begin();
      work(run);  // returns once the generation is over, or with the embeddings
      busy.end(token);
      std::lock_guard lock(run->mu);
      run->started = run->done = true;
      run->wake();
    };
    auto id = queue.submit(model, deadline, std::move(job));
    if (!id) {
      stats.recordError(model);
      countRequest(model, "queue_full");
      co_return id.error();
    }
    const auto is_started = [&] { return run->started; };
    if (!co_await waitFor(run, is_started, deadline)) {
      if (!queue.expire(*id)) {
        // Running by now; it ends by its own deadline.
      }
      stats.recordError(model);
      countRequest(model, "expired_in_queue");
      co_return Error::unavailable("'" + model + "' waited past its deadline in the queue");
    }
    {
      std::lock_guard lock(run->mu);
      if (run->error) {
        stats.recordError(model);
        countRequest(model, run->error->code == ErrorCode::kBadRequest ? "bad_input" : "error");
        co_return *run->error;
      }
    }
    co_return run;
  }

  std::chrono::steady_clock::time_point llmDeadline() const {
    return std::chrono::steady_clock::now() + std::chrono::milliseconds(settings.request_timeout_ms);
  }

  void recordGeneration(const std::string& model, const llama::Generation::Chunk& end,
                        const LlmRun& run) {
    const double total_ms = ms(std::chrono::steady_clock::now() - run.t0) - run.queue_ms;
    if (end.error) {
      stats.recordError(model);
      countRequest(model, end.error->code == ErrorCode::kGatewayTimeout ? "timeout" : "cancelled");
    } else {
      stats.recordSuccess(model, total_ms, run.queue_ms);
      countRequest(model, "ok");
      inference_family->Add({{"model", model}}, kLatencyBuckets).Observe(total_ms / 1000.0);
    }
    queue_wait_family->Add({{"model", model}}, kLatencyBuckets).Observe(run.queue_ms / 1000.0);
    stats.recordGeneration(model, end.prompt_tokens, end.completion_tokens, end.ttft_ms, total_ms);
    prompt_tokens_family->Add({{"model", model}}).Increment(end.prompt_tokens);
    generated_tokens_family->Add({{"model", model}}).Increment(end.completion_tokens);
    if (end.ttft_ms) {
      ttft_family->Add({{"model", model}}, kLatencyBuckets).Observe(*end.ttft_ms / 1000.0);
      if (end.completion_tokens > 1) {
        itl_family->Add({{"model", model}}, kLatencyBuckets)
            .Observe((total_ms - *end.ttft_ms) / 1000.0 / (end.completion_tokens - 1));
      }
    }
  }

  awaitable<Response> chatCompletions(Request& req) {
    auto parsed = openai::parseChatRequest(req.body);
    if (!parsed) co_return openAiError(parsed.error());
    co_return co_await generate(*parsed);
  }

  awaitable<Response> completions(Request& req) {
    auto parsed = openai::parseCompletionRequest(req.body);
    if (!parsed) co_return openAiError(parsed.error());
    co_return co_await generate(*parsed);
  }

  awaitable<Response> generate(openai::GenerationRequest& r) {
    auto model = co_await llmFor(r.model);
    if (!model) {
      if (model.error().code != ErrorCode::kNotFound) stats.recordError(r.model);
      co_return openAiError(model.error());
    }
    auto llm = *model;
    if (llm->info().kind == llama::LlmKind::kEmbedding) {
      co_return openAiError(Error::badRequest(
          "model '" + r.model + "' is an embedding model; it is served on /v1/embeddings", "model"));
    }
    llama::GenerationParams params;
    if (r.chat) {
      auto prompt = llm->applyChatTemplate(r.messages);
      if (!prompt) co_return openAiError(prompt.error());
      params.prompt = std::move(*prompt);
    } else {
      params.prompt = r.prompt;
    }
    params.max_tokens = r.max_tokens.value_or(static_cast<int32_t>(settings.llm_context_per_slot));
    params.temperature = r.temperature;
    params.top_p = r.top_p;
    params.seed = r.seed;
    params.stop = r.stop;
    params.deadline = llmDeadline();
    const auto deadline = params.deadline;
    // Named locals, not temporaries, in the co_await: GCC 12 destroys a temporary of a co_await
    // expression twice.
    const LlmWork work = [llm, params](const std::shared_ptr<LlmRun>& run) {
      auto gen = llm->generate(params);
      {
        std::lock_guard lock(run->mu);
        run->started = true;
        if (!gen) {
          run->error = gen.error();
        } else {
          run->gen = *gen;
        }
      }
      run->wake();
      if (gen) {
        (*gen)->setNotify([weak = std::weak_ptr<LlmRun>(run)] {
          if (auto r = weak.lock()) r->wake();
        });
        (*gen)->wait();  // the slot is held until the sequence ends
        (*gen)->setNotify({});
      }
    };
    auto started = co_await startLlm(r.model, deadline, work);
    if (!started) co_return openAiError(started.error());
    auto run = *started;
    const std::string id = openai::newId(r.chat);
    const int64_t created = std::chrono::duration_cast<std::chrono::seconds>(
                                clock.now().time_since_epoch())
                                .count();
    if (!r.stream) {
      std::string text;
      llama::Generation::Chunk c;
      const auto collect = [&] {
        c = run->gen->take();
        text += c.text;
        return c.finished;
      };
      co_await waitFor(run, collect, kNoDeadline);
      recordGeneration(r.model, c, *run);
      if (c.error) co_return openAiError(*c.error);
      co_return Response::json(200, openai::completionJson(r, id, created, text, c.finish_reason,
                                                           {c.prompt_tokens, c.completion_tokens}));
    }
    Response resp;
    resp.status = 200;
    resp.headers.set("Content-Type", "text/event-stream");
    resp.headers.set("Cache-Control", "no-cache");
    resp.stream = [this, r, run, id, created](http::StreamWriter& out) -> awaitable<void> {
      bool first = true;
      llama::Generation::Chunk c;
      bool client_gone = false;
      for (;;) {
        const auto next = [&] {
          c = run->gen->take();
          return !c.text.empty() || c.finished;
        };
        co_await waitFor(run, next, kNoDeadline);
        if (!c.text.empty()) {
          auto chunk = openai::chunkJson(r, id, created, c.text, first, "");
          first = false;
          if (!co_await out.write("data: " + boost::json::serialize(chunk) + "\n\n")) {
            client_gone = true;
            break;
          }
        }
        if (c.finished) break;
      }
      if (client_gone) {
        // The client went away: its sequence ends now and frees the slot.
        run->gen->cancel();
        const auto ended = [&] {
          c = run->gen->take();
          return c.finished;
        };
        co_await waitFor(run, ended, kNoDeadline);
        recordGeneration(r.model, c, *run);
        co_return;
      }
      recordGeneration(r.model, c, *run);
      std::string tail;
      if (c.error) {
        tail = "data: " + boost::json::serialize(openai::errorJson(*c.error)) + "\n\n";
      } else {
        tail = "data: " +
               boost::json::serialize(openai::chunkJson(r, id, created, "", first, c.finish_reason)) +
               "\n\n";
        if (r.include_usage) {
          tail += "data: " +
                  boost::json::serialize(openai::usageChunkJson(
                      r, id, created, {c.prompt_tokens, c.completion_tokens})) +
                  "\n\n";
        }
      }
      tail += "data: [DONE]\n\n";
      co_await out.write(std::move(tail));
    };
    co_return resp;
  }

  awaitable<Response> embeddings(Request& req) {
    auto parsed = openai::parseEmbeddingRequest(req.body);
    if (!parsed) co_return openAiError(parsed.error());
    auto& r = *parsed;
    auto model = co_await llmFor(r.model);
    if (!model) {
      if (model.error().code != ErrorCode::kNotFound) stats.recordError(r.model);
      co_return openAiError(model.error());
    }
    auto llm = *model;
    auto inputs = std::make_shared<std::vector<std::string>>(r.input);
    const auto deadline = llmDeadline();
    const LlmWork work = [llm, inputs](const std::shared_ptr<LlmRun>& run) {
      int32_t tokens = 0;
      auto v = llm->embed(*inputs, &tokens);
      std::lock_guard lock(run->mu);
      if (!v) {
        run->error = v.error();
      } else {
        run->vectors = std::move(*v);
        run->prompt_tokens = tokens;
      }
    };
    auto started = co_await startLlm(r.model, deadline, work);
    if (!started) co_return openAiError(started.error());
    auto run = *started;
    const double total_ms = ms(std::chrono::steady_clock::now() - run->t0) - run->queue_ms;
    stats.recordSuccess(r.model, total_ms, run->queue_ms);
    stats.recordGeneration(r.model, run->prompt_tokens, 0, std::nullopt, total_ms);
    prompt_tokens_family->Add({{"model", r.model}}).Increment(run->prompt_tokens);
    countRequest(r.model, "ok");
    co_return Response::json(200, openai::embeddingsJson(r, run->vectors, run->prompt_tokens));
  }

  awaitable<Response> openAiModels(Request&) {
    auto list = [this] { return registry.list(); };
    auto listed = co_await offload(admin, list);
    boost::json::array data;
    const int64_t created = std::chrono::duration_cast<std::chrono::seconds>(
                                clock.now().time_since_epoch())
                                .count();
    for (const auto& e : *listed) {
      if (e.engine != "llama") continue;  // tensor models are served on /inference and /v2
      data.push_back(boost::json::object{{"id", e.name},
                                         {"object", "model"},
                                         {"created", created},
                                         {"owned_by", "npufleet"},
                                         {"kind", e.kind},
                                         {"loaded", e.loaded}});
    }
    co_return Response::json(200, boost::json::object{{"object", "list"}, {"data", std::move(data)}});
  }

  awaitable<Response> statsHandler(Request&) {
    auto list = [this] { return registry.list(); };
    auto listed = co_await offload(admin, list);
    auto& entries = *listed;
    boost::json::object per_model;
    boost::json::object memory_models;
    uint64_t loaded_bytes = 0;
    for (const auto& e : entries) {
      auto o = WorkerStats::toJson(stats.summary(e.name));
      o["loaded"] = e.loaded;
      if (e.engine == "llama") {
        o["engine"] = e.engine;
        o["kind"] = e.kind;
        if (auto t = stats.tokens(e.name)) o["tokens"] = WorkerStats::toJson(*t);
        boost::json::object details;
        addLlmDetails(e, details);
        if (auto* kv = details.if_contains("kvCache")) o["kv_cache"] = *kv;
        if (auto* c = details.if_contains("engineCounters")) o["engine_counters"] = *c;
      }
      per_model[e.name] = std::move(o);
      memory_models[e.name] =
          boost::json::object{{"file_bytes", e.size_bytes}, {"loaded", e.loaded}};
      if (e.loaded) loaded_bytes += e.size_bytes;
    }
    // Requests for models that have since left the directory still count.
    for (const auto& name : stats.models()) {
      if (!per_model.contains(name)) per_model[name] = WorkerStats::toJson(stats.summary(name));
    }
    boost::json::object memory{{"models", std::move(memory_models)},
                               {"loaded_model_file_bytes", loaded_bytes}};
    if (auto rss = processRssBytes()) memory["process_rss_bytes"] = *rss;
    auto [util, source] = utilization();
    co_return Response::json(
        200, boost::json::object{{"models", std::move(per_model)},
                                 {"total", WorkerStats::toJson(stats.total())},
                                 {"memory", std::move(memory)},
                                 {"queue", boost::json::object{{"depth", queue.waiting()},
                                                               {"running", queue.running()},
                                                               {"max_concurrent", max_concurrent},
                                                               {"queue_limit", settings.queue_limit}}},
                                 {"utilization", util},
                                 {"utilization_source", source},
                                 {"uptime_s", std::chrono::duration<double>(clock.steadyNow() - started).count()}});
  }

  awaitable<Response> metricsHandler(Request&) {
    queue_depth_gauge->Set(static_cast<double>(queue.waiting()));
    running_gauge->Set(static_cast<double>(queue.running()));
    utilization_gauge->Set(utilization().first);
    loaded_gauge->Set(static_cast<double>(registry.loadedNames().size()));
    prometheus::TextSerializer serializer;
    co_return Response::text(200, serializer.Serialize(metrics->Collect()),
                             "text/plain; version=0.0.4");
  }

  void addRoutes() {
    http::RouteOptions signed_small;
    signed_small.access = "signed";
    http::RouteOptions signed_large = signed_small;
    signed_large.body_limit = kInferenceBodyLimit;
    http::RouteOptions open;
    open.access = "public";
    router.add("GET", "/livez", [this](Request& r) { return livez(r); }, open);
    router.add("GET", "/health", [this](Request& r) { return health(r); }, signed_small);
    router.add("GET", "/stats", [this](Request& r) { return statsHandler(r); }, signed_small);
    router.add("GET", "/metrics", [this](Request& r) { return metricsHandler(r); }, signed_small);
    router.add("GET", "/models", [this](Request& r) { return listModels(r); }, signed_small);
    router.add(
        "POST", "/models/load", [this](Request& r) { return loadModelReference(r); }, signed_small);
    router.add(
        "POST", "/models/{name}/load", [this](Request& r) { return loadModel(r.param("name")); },
        signed_small);
    router.add(
        "POST", "/models/{name}/unload",
        [this](Request& r) { return unloadModel(r.param("name")); }, signed_small);
    router.add(
        "DELETE", "/models/{name}", [this](Request& r) { return unloadModel(r.param("name")); },
        signed_small);
    router.add("POST", "/inference", [this](Request& r) { return inference(r); }, signed_large);
    router.add("GET", "/v2/health/live", [this](Request& r) { return v2Live(r); }, signed_small);
    router.add("GET", "/v2/health/ready", [this](Request& r) { return v2Ready(r); }, signed_small);
    router.add(
        "GET", "/v2/models/{model}", [this](Request& r) { return v2ModelMetadata(r); },
        signed_small);
    router.add(
        "GET", "/v2/models/{model}/ready", [this](Request& r) { return v2ModelReady(r); },
        signed_small);
    router.add(
        "POST", "/v2/models/{model}/infer", [this](Request& r) { return v2Infer(r); },
        signed_large);
    router.add("GET", "/v1/models", [this](Request& r) { return openAiModels(r); }, signed_small);
    router.add(
        "POST", "/v1/chat/completions", [this](Request& r) { return chatCompletions(r); },
        signed_large);
    router.add(
        "POST", "/v1/completions", [this](Request& r) { return completions(r); }, signed_large);
    router.add("POST", "/v1/embeddings", [this](Request& r) { return embeddings(r); }, signed_large);
  }
};

WorkerService::WorkerService(WorkerSettings settings, std::unique_ptr<DeviceProbe> probe,
                             const Clock& clock, std::string version)
    : impl_(std::make_unique<Impl>(std::move(settings), std::move(probe), clock,
                                   std::move(version))) {}

WorkerService::~WorkerService() { stop(); }

const http::Router& WorkerService::router() const { return impl_->router; }

std::shared_ptr<prometheus::Registry> WorkerService::metricsRegistry() const {
  return impl_->metrics;
}

std::vector<Error> WorkerService::preload() {
  std::vector<Error> errors;
  std::vector<std::string> failed;
  for (const auto& name : impl_->settings.preload) {
    auto st = impl_->registry.load(name);
    if (!st) {
      spdlog::error("preload of model '{}' failed: {}", name, st.error().message);
      errors.push_back(st.error());
      failed.push_back(name);
    } else {
      spdlog::info("preloaded model '{}'", name);
    }
  }
  std::lock_guard lock(impl_->preload_mu);
  impl_->preload_failures = std::move(failed);
  return errors;
}

void WorkerService::stop() {
  impl_->engine.join();
  impl_->admin.join();
}

int64_t WorkerService::maxConcurrent() const { return impl_->max_concurrent; }
double WorkerService::memoryGb() const { return impl_->memory_gb; }

}  // namespace npufleet::worker
