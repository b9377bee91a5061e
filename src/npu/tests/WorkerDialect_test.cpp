// Golden JSON from each worker dialect of DESIGN.md 4.4 -> the seed's NPUCapabilities.
#include "npu/WorkerDialect.h"

#include <boost/json/parse.hpp>
#include <fstream>
#include <gtest/gtest.h>
#include <sstream>

namespace npufleet::npu {
namespace {

using ::testing::Test;
using Models = std::vector<std::string>;

WorkerReport detect(const char* health, const char* models = nullptr) {
  WorkerReport r = parseHealth(boost::json::parse(health));
  if (models) {
    mergeModels(boost::json::parse(models), r);
  } else {
    finishWithoutModels(r);
  }
  return r;
}

TEST(WorkerDialect, NpufleetWorkerMapsEveryField) {
  auto r = detect(R"({"status":"healthy","device_type":"intel-npu","device_name":"Intel(R) AI Boost",
      "max_concurrent":6,"memory_gb":16,"utilization":45.5,"queue_depth":2,"running":3,
      "loaded_models":["phi-3-mini"],
      "device":{"type":"intel-npu","name":"Intel(R) AI Boost","driver":"intel_vpu","notes":[],
                "utilization_source":"device"}})",
                  R"({"available":["phi-3-mini","llama-3.2-1b"],"loaded":["phi-3-mini"]})");
  EXPECT_EQ(r.capabilities.models, (Models{"phi-3-mini", "llama-3.2-1b"}));
  EXPECT_EQ(r.capabilities.max_concurrent, 6);
  EXPECT_DOUBLE_EQ(r.capabilities.memory_gb, 16);
  EXPECT_EQ(r.capabilities.device_type, DeviceType::kIntelNpu);
  EXPECT_DOUBLE_EQ(r.capabilities.utilization, 45.5);
  EXPECT_EQ(r.loaded_models, (Models{"phi-3-mini"}));
  EXPECT_EQ(r.queue_depth, 2);
  EXPECT_EQ(r.running, 3);
  EXPECT_EQ(r.device_name, "Intel(R) AI Boost");
  EXPECT_EQ(r.health, WorkerHealth::kHealthy);
  EXPECT_TRUE(r.warnings.empty());
}

TEST(WorkerDialect, NpufleetWorkerDeviceObjectIsReadWithoutWarnings) {
  auto r = detect(R"({"status":"healthy","device":{"type":"amd-gpu","name":"Radeon RX 7900",
      "driver":"amdgpu","memory_total_gb":24,"notes":[]}})",
                  R"({"available":["a"]})");
  EXPECT_EQ(r.capabilities.device_type, DeviceType::kAmdGpu);
  EXPECT_TRUE(r.warnings.empty()) << r.warnings.front();
}

TEST(WorkerDialect, NpufleetWorkerDeviceTelemetryIsRead) {
  auto r = detect(R"({"status":"healthy","device":{"type":"nvidia-gpu","name":"H200",
      "memory_total_gb":141,"memory_used_gb":12.5,"temperature_c":41,"power_w":95.5,
      "frequency_mhz":1410,"max_frequency_mhz":1980,"utilization_source":"device","notes":[]}})");
  ASSERT_TRUE(r.device);
  EXPECT_EQ(r.device->memory_total_gb, 141);
  EXPECT_EQ(r.device->memory_used_gb, 12.5);
  EXPECT_EQ(r.device->temperature_c, 41);
  EXPECT_EQ(r.device->power_w, 95.5);
  EXPECT_EQ(r.device->frequency_mhz, 1410);
  EXPECT_EQ(r.device->max_frequency_mhz, 1980);
  EXPECT_EQ(r.device->utilization_source, "device");
  EXPECT_TRUE(r.warnings.empty()) << r.warnings.front();
}

TEST(WorkerDialect, DeviceTelemetryOfTheWrongTypeIsAWarningNotAFigure) {
  auto r = detect(R"({"device":{"type":"cpu","temperature_c":"hot","power_w":-3}})");
  ASSERT_TRUE(r.device);
  EXPECT_FALSE(r.device->temperature_c);
  EXPECT_FALSE(r.device->power_w);
  ASSERT_EQ(r.warnings.size(), 2u);
  EXPECT_EQ(r.warnings[0], "device.temperature_c: expected a number, got string");
  // Dialects without a device object report no telemetry at all.
  EXPECT_FALSE(detect(R"({"device":"NVIDIA GeForce RTX 4090"})").device);
}

TEST(WorkerDialect, SeedShapedWorkerUsesSeedFieldsAndDefaultsDevice) {
  auto r = detect(R"({"max_concurrent":8,"memory_gb":32,"utilization":10})",
                  R"({"available":["a","b"]})");
  EXPECT_EQ(r.capabilities.models, (Models{"a", "b"}));
  EXPECT_EQ(r.capabilities.max_concurrent, 8);
  EXPECT_DOUBLE_EQ(r.capabilities.memory_gb, 32);
  EXPECT_DOUBLE_EQ(r.capabilities.utilization, 10);
  EXPECT_EQ(r.capabilities.device_type, DeviceType::kIntelNpu);
  EXPECT_TRUE(r.loaded_models.empty());
}

TEST(WorkerDialect, ReferenceContainerTakesModelIdsFromLoadedObject) {
  auto r = detect(R"({"status":"healthy","npu_available":true,"loaded_models":2,"optimal_device":"GPU.1"})",
                  R"({"npu_available":true,"optimal_device":"GPU.1",
                      "loaded_models":{"bert-base":{"device":"GPU.1","inference_count":4,"loaded_at":"x"},
                                       "resnet50":{"device":"GPU.1","inference_count":0,"loaded_at":"y"}},
                      "available_devices":["CPU","GPU.0","GPU.1"]})");
  EXPECT_EQ(r.loaded_models, (Models{"bert-base", "resnet50"}));
  EXPECT_EQ(r.capabilities.models, (Models{"bert-base", "resnet50"}));
  EXPECT_EQ(r.capabilities.device_type, DeviceType::kIntelGpu);
  EXPECT_EQ(r.capabilities.max_concurrent, kDefaultMaxConcurrent);
  EXPECT_DOUBLE_EQ(r.capabilities.memory_gb, kDefaultMemoryGb);
  EXPECT_TRUE(r.warnings.empty()) << r.warnings.front();
}

TEST(WorkerDialect, WindowsWorkerReadsUtilizationFromNpuMetrics) {
  auto r = detect(R"({"status":"healthy","worker_id":"win-1","platform":"windows","npu_available":true,
      "loaded_models":["whisper-small"],
      "stats":{"average_response_time_ms":120,"npu_utilization_percent":30},
      "npu_metrics":{"utilization_percent":37,"memory_usage_mb":900}})");
  EXPECT_EQ(r.capabilities.device_type, DeviceType::kIntelNpu);
  EXPECT_DOUBLE_EQ(r.capabilities.utilization, 37);
  EXPECT_EQ(r.loaded_models, (Models{"whisper-small"}));
  EXPECT_EQ(r.capabilities.models, (Models{"whisper-small"}));
  EXPECT_DOUBLE_EQ(r.capabilities.memory_gb, kDefaultMemoryGb);  // usage is not capacity
}

TEST(WorkerDialect, WindowsWorkerFallsBackToStatsUtilization) {
  auto r = detect(R"({"npu_available":false,"stats":{"npu_utilization_percent":12}})");
  EXPECT_DOUBLE_EQ(r.capabilities.utilization, 12);
  EXPECT_EQ(r.capabilities.device_type, DeviceType::kCpu);
}

TEST(WorkerDialect, MinimalLinuxWorkerWithoutModelsEndpoint) {
  auto r = detect(R"({"status":"degraded","service":"npu-worker",
      "capabilities":{"device":"NPU","available":true,"models_dir":"/opt/models",
                      "models_loaded":["yolo"],"available_devices":["CPU","NPU"],
                      "device_name":"Intel(R) AI Boost"}})");
  EXPECT_EQ(r.health, WorkerHealth::kDegraded);
  EXPECT_EQ(r.capabilities.device_type, DeviceType::kIntelNpu);
  EXPECT_EQ(r.device_name, "Intel(R) AI Boost");
  EXPECT_EQ(r.capabilities.models, (Models{"yolo"}));
  EXPECT_EQ(r.loaded_models, (Models{"yolo"}));
}

TEST(WorkerDialect, EmptyHealthGivesTheSeedDefaults) {
  auto r = detect("{}");
  EXPECT_EQ(r.capabilities.max_concurrent, 4);
  EXPECT_DOUBLE_EQ(r.capabilities.memory_gb, 8);
  EXPECT_DOUBLE_EQ(r.capabilities.utilization, 0);
  EXPECT_TRUE(r.capabilities.models.empty());
}

TEST(WorkerDialect, WrongTypesAreWarningsAndDefaultsAreKept) {
  auto r = detect(R"({"max_concurrent":"four","memory_gb":[1],"utilization":250,"loaded_models":{"a":1},
                      "capabilities":"nope","device":7,"extra":{"ignored":true}})",
                  R"({"available":["ok",3,{"name":"named"}],"loaded":"x"})");
  EXPECT_EQ(r.capabilities.max_concurrent, 4);
  EXPECT_DOUBLE_EQ(r.capabilities.memory_gb, 8);
  EXPECT_DOUBLE_EQ(r.capabilities.utilization, 0);
  EXPECT_EQ(r.capabilities.models, (Models{"ok", "named", "a"}));
  auto has = [&](std::string_view needle) {
    for (const auto& w : r.warnings) {
      if (w.find(needle) != std::string::npos) return true;
    }
    return false;
  };
  EXPECT_TRUE(has("max_concurrent: expected a number, got string"));
  EXPECT_TRUE(has("memory_gb: expected a number, got array"));
  EXPECT_TRUE(has("utilization: 250"));
  EXPECT_TRUE(has("capabilities: expected an object, got string"));
  EXPECT_TRUE(has("device: expected a string, got number"));
  EXPECT_TRUE(has("available[1]"));
  EXPECT_TRUE(has("loaded: expected a list, got string"));
  EXPECT_FALSE(has("extra"));
}

TEST(WorkerDialect, NonObjectBodiesAreWarningsNotCrashes) {
  auto r = parseHealth(boost::json::parse("[1,2]"));
  ASSERT_EQ(r.warnings.size(), 1u);
  mergeModels(boost::json::parse("\"text\""), r);
  EXPECT_EQ(r.warnings.size(), 2u);
  auto m = parseStats(boost::json::parse("null"));
  EXPECT_EQ(m.warnings.size(), 1u);
}

TEST(WorkerDialect, NvidiaDeviceNameBecomesTypeAndName) {
  auto r = detect(R"({"device":"NVIDIA GeForce RTX 4090","memory_gb":24})");
  EXPECT_EQ(r.capabilities.device_type, DeviceType::kNvidiaGpu);
  EXPECT_EQ(r.device_name, "NVIDIA GeForce RTX 4090");
}

TEST(WorkerDialect, StatsMetricsParsed) {
  auto m = parseStats(boost::json::parse(R"({"inference_time_ms":{"p50":12.5,"p95":40},
      "throughput_per_min":300,"running":2,"queued":5,"max_concurrent":4,
      "memory":{"process_rss_bytes":123456789,"models":{"phi":1000,"bad":"x"}}})"));
  EXPECT_EQ(m.inference_p50_ms, 12.5);
  EXPECT_EQ(m.inference_p95_ms, 40);
  EXPECT_EQ(m.throughput_per_min, 300);
  EXPECT_EQ(m.running, 2);
  EXPECT_EQ(m.queued, 5);
  EXPECT_EQ(m.max_concurrent, 4);
  EXPECT_EQ(m.process_rss_bytes, 123456789);
  EXPECT_EQ(m.model_bytes.at("phi"), 1000);
  EXPECT_EQ(m.model_bytes.count("bad"), 0u);
  EXPECT_EQ(m.warnings.size(), 1u);
}

// Found by fuzz/npu/WorkerDialectFuzzer (fuzz/regressions/npu_worker_dialect): a byte count
// beyond int64 used to be converted anyway (undefined; INT64_MIN on x86).
TEST(WorkerDialect, ModelByteCountsBeyondInt64AreWarnings) {
  auto m = parseStats(boost::json::parse(
      R"({"memory":{"models":{"huge":1e30,"max":1e18,"negative":-1}}})"));
  EXPECT_EQ(m.model_bytes.count("huge"), 0u);
  EXPECT_EQ(m.model_bytes.at("max"), 1'000'000'000'000'000'000);
  EXPECT_EQ(m.model_bytes.count("negative"), 0u);
  EXPECT_EQ(m.warnings.size(), 2u);
}

// The npufleet worker's real /stats shape, as tests/worker/WorkerStatsContract_test.cpp pins it
// from the real worker (integers written as 1, other numbers as 0.5): every figure the status
// API shows comes out, and nothing is a warning.
TEST(WorkerDialect, NpufleetWorkerStatsGoldenIsReadInFull) {
  std::ifstream in(std::string(NPUFLEET_SOURCE_DIR) + "/tests/worker/golden/stats.json");
  ASSERT_TRUE(in);
  std::stringstream text;
  text << in.rdbuf();
  auto m = parseStats(boost::json::parse(text.str()));
  EXPECT_TRUE(m.warnings.empty()) << m.warnings.front();
  EXPECT_EQ(m.inference_p50_ms, 0.5);
  EXPECT_EQ(m.inference_p95_ms, 0.5);
  EXPECT_EQ(m.throughput_per_min, 30);  // 0.5 per second
  EXPECT_EQ(m.running, 1);
  EXPECT_EQ(m.queued, 1);
  EXPECT_EQ(m.max_concurrent, 1);
  EXPECT_EQ(m.process_rss_bytes, 1);
  // Only the loaded model holds memory.
  EXPECT_EQ(m.model_bytes, (std::map<std::string, int64_t>{{"embedding-mlp", 1}}));
}

// Before its first inference the npufleet worker reports 0 ms percentiles over 0 samples: no
// figure yet, not a 0 ms one.
TEST(WorkerDialect, NpufleetWorkerPercentilesWithoutSamplesAreAbsent) {
  auto m = parseStats(boost::json::parse(
      R"({"total":{"inference_ms":{"p50":0,"p95":0,"samples":0},"throughput_per_s_last_minute":0},
          "memory":{"models":{"a":{"file_bytes":10,"loaded":true},"b":{"loaded":true}}}})"));
  EXPECT_FALSE(m.inference_p50_ms);
  EXPECT_FALSE(m.inference_p95_ms);
  EXPECT_EQ(m.throughput_per_min, 0);
  EXPECT_EQ(m.model_bytes.at("a"), 10);
  EXPECT_EQ(m.model_bytes.count("b"), 0u);
  ASSERT_EQ(m.warnings.size(), 1u);
  EXPECT_EQ(m.warnings[0], "memory.models.b: expected file_bytes");
}

// The registry follows a worker's loaded list exactly only where the worker names its loaded
// models: an empty list is a list; a count (reference container's /health) or nothing is not.
TEST(WorkerDialect, AnEmptyLoadedListIsAListACountIsNot) {
  EXPECT_TRUE(parseHealth(boost::json::parse(R"({"loaded_models":[]})")).loaded_models_listed);
  EXPECT_TRUE(parseHealth(boost::json::parse(R"({"capabilities":{"models_loaded":[]}})"))
                  .loaded_models_listed);
  EXPECT_FALSE(parseHealth(boost::json::parse(R"({"loaded_models":2})")).loaded_models_listed);
  EXPECT_FALSE(parseHealth(boost::json::parse(R"({"max_concurrent":4})")).loaded_models_listed);
  WorkerReport r = parseHealth(boost::json::parse(R"({"loaded_models":1})"));
  mergeModels(boost::json::parse(R"({"loaded_models":{}})"), r);
  EXPECT_TRUE(r.loaded_models_listed);
  WorkerReport seed = parseHealth(boost::json::parse(R"({"max_concurrent":4})"));
  mergeModels(boost::json::parse(R"({"available":["a"]})"), seed);
  EXPECT_FALSE(seed.loaded_models_listed);
}

TEST(WorkerDialect, AutoLoadSaysTheWorkerLoadsOnDemand) {
  EXPECT_TRUE(parseHealth(boost::json::parse(R"({"auto_load":true})")).loads_on_demand);
  EXPECT_FALSE(parseHealth(boost::json::parse(R"({"auto_load":false})")).loads_on_demand);
  auto bad = parseHealth(boost::json::parse(R"({"auto_load":"yes"})"));
  EXPECT_FALSE(bad.loads_on_demand);
  ASSERT_EQ(bad.warnings.size(), 1u);
  EXPECT_EQ(bad.warnings[0], "auto_load: expected a boolean, got string");
}

// The npufleet worker's /models since GGUF: the names stay the seed's list, and each entry's
// engine, kind and file figures become the details beside it, in /models order.
TEST(WorkerDialect, NpufleetWorkerModelDetailsSitBesideTheNames) {
  auto r = detect(R"({"status":"healthy"})", R"({
      "available":["embedding-mlp","tiny-chat"],"loaded":["tiny-chat"],
      "models":[
        {"name":"embedding-mlp","loaded":false,"sizeBytes":4096,"engine":"opencv","kind":"tensor",
         "inputs":[],"outputs":[],"opset":13,"ops":["Gemm"]},
        {"name":"tiny-chat","loaded":true,"sizeBytes":123456,"engine":"llama","kind":"chat",
         "architecture":"llama","contextLength":2048,"embeddingDim":64,"parameters":1000000,
         "kvCache":{"usedCells":3,"capacityCells":2048,"sequences":1,"slots":4},
         "engineCounters":{"decodeCalls":5},"inputs":[],"outputs":[]}]})");
  EXPECT_TRUE(r.warnings.empty()) << r.warnings.front();
  EXPECT_EQ(r.capabilities.models, (Models{"embedding-mlp", "tiny-chat"}));
  EXPECT_EQ(r.loaded_models, (Models{"tiny-chat"}));
  ASSERT_EQ(r.capabilities.model_details.size(), 2u);
  const ModelDetails& onnx = r.capabilities.model_details[0];
  EXPECT_EQ(onnx, (ModelDetails{"embedding-mlp", "tensor", "opencv", 4096, std::nullopt,
                                std::nullopt, std::nullopt, std::nullopt}));
  const ModelDetails& chat = r.capabilities.model_details[1];
  EXPECT_EQ(chat, (ModelDetails{"tiny-chat", "chat", "llama", 123456, "llama", 2048, 64, 1000000}));
}

// Older npufleet workers ({name, loaded, sizeBytes}) and the seed's dialects name no engine or
// kind: they parse exactly as before, without details.
TEST(WorkerDialect, WorkersWithoutEngineOrKindGiveNoDetails) {
  auto older = detect(R"({"status":"healthy"})",
                      R"({"available":["a"],"loaded":[],
                          "models":[{"name":"a","loaded":false,"sizeBytes":10,"inputs":[]}]})");
  EXPECT_TRUE(older.warnings.empty());
  EXPECT_EQ(older.capabilities.models, (Models{"a"}));
  EXPECT_TRUE(older.capabilities.model_details.empty());
  auto seed = detect(R"({"status":"healthy"})", R"({"models":[{"name":"x","loaded":true}]})");
  EXPECT_EQ(seed.capabilities.models, (Models{"x"}));
  EXPECT_TRUE(seed.capabilities.model_details.empty());
  EXPECT_TRUE(detect(R"({})", R"(["p","q"])").capabilities.model_details.empty());
}

TEST(WorkerDialect, ModelDetailsOfTheWrongTypeAreWarningsNotFigures) {
  auto r = detect(R"({})", R"({"available":["m"],"models":[
      {"name":"m","engine":"llama","kind":7,"contextLength":"2048","parameters":-1,
       "sizeBytes":1e30,"architecture":["llama"]}]})");
  ASSERT_EQ(r.capabilities.model_details.size(), 1u);
  const ModelDetails& d = r.capabilities.model_details[0];
  EXPECT_EQ(d.engine, "llama");
  EXPECT_EQ(d.kind, "");
  EXPECT_FALSE(d.context_length);
  EXPECT_FALSE(d.parameters);
  EXPECT_FALSE(d.size_bytes);
  EXPECT_FALSE(d.architecture);
  EXPECT_EQ(r.warnings, (std::vector<std::string>{
                            "models[0].kind: expected a string, got number",
                            "models[0].sizeBytes: 1000000000000000019884624838656.000000 is out of range",
                            "models[0].architecture: expected a string, got array",
                            "models[0].contextLength: expected a number, got string",
                            "models[0].parameters: -1.000000 is out of range"}));
}

// The npufleet worker's /stats for a GGUF model: `tokens` (snake_case) and `kv_cache` (the
// camelCase object of /models, or snake_case) become its generation figures.
TEST(WorkerDialect, GenerationFiguresOfLlmModelsAreRead) {
  auto m = parseStats(boost::json::parse(R"({"models":{
      "tiny-chat":{"requests":3,"loaded":true,"engine":"llama","kind":"chat",
        "tokens":{"prompt_tokens":30,"completion_tokens":120,"ttft_p50_ms":12.5,"ttft_p95_ms":40,
                  "inter_token_p50_ms":2,"inter_token_p95_ms":3,"tokens_per_s":250.5},
        "kv_cache":{"usedCells":96,"capacityCells":2048,"sequences":1,"slots":4},
        "engine_counters":{"decodeCalls":9}},
      "tiny-embed":{"loaded":true,"engine":"llama","kind":"embedding",
        "kv_cache":{"used_cells":0,"capacity_cells":512}},
      "embedding-mlp":{"requests":1,"loaded":true}}})"));
  EXPECT_TRUE(m.warnings.empty()) << m.warnings.front();
  ASSERT_EQ(m.generation.size(), 2u);
  EXPECT_EQ(m.generation.at("tiny-chat"),
            (ModelGenerationFigures{250.5, 12.5, 40, 30, 120, 96, 2048}));
  EXPECT_EQ(m.generation.at("tiny-embed"),
            (ModelGenerationFigures{std::nullopt, std::nullopt, std::nullopt, std::nullopt,
                                    std::nullopt, 0, 512}));
  EXPECT_EQ(m.generation.count("embedding-mlp"), 0u);
}

TEST(WorkerDialect, GenerationFiguresOfTheWrongTypeAreWarnings) {
  auto m = parseStats(boost::json::parse(R"({"models":{
      "a":{"tokens":{"tokens_per_s":"fast","prompt_tokens":5},"kv_cache":[1,2]},
      "b":{"tokens":3},
      "c":"not an object"}})"));
  ASSERT_EQ(m.generation.size(), 1u);
  EXPECT_FALSE(m.generation.at("a").tokens_per_s);
  EXPECT_EQ(m.generation.at("a").prompt_tokens, 5);
  EXPECT_FALSE(m.generation.at("a").kv_used_cells);
  EXPECT_EQ(m.warnings, (std::vector<std::string>{
                            "models.a.kv_cache: expected an object, got array",
                            "models.a.tokens.tokens_per_s: expected a number, got string",
                            "models.b.tokens: expected an object, got number"}));
  // Other dialects' `models` in /stats (a list of names) is not read, and not a warning.
  auto other = parseStats(boost::json::parse(R"({"models":["a","b"],"p50_ms":3})"));
  EXPECT_TRUE(other.generation.empty());
  EXPECT_TRUE(other.warnings.empty());
}

// The npufleet worker's remote engines in /health, each with its health as the worker saw it.
TEST(WorkerDialect, RemoteEnginesAndTheirHealthAreRead) {
  auto r = parseHealth(boost::json::parse(R"({"status":"healthy","remotes":[
      {"name":"vllm-a","protocol":"openai","url":"http://10.0.0.5:8000","status":"up","error":null},
      {"name":"triton","protocol":"kserve-v2","url":"http://10.0.0.6:8000","status":"down",
       "error":"connection refused"}]})"));
  EXPECT_TRUE(r.warnings.empty()) << r.warnings.front();
  ASSERT_TRUE(r.remotes);
  EXPECT_EQ(*r.remotes,
            (std::vector<RemoteEngineHealth>{
                {"vllm-a", "openai", "http://10.0.0.5:8000", "up", ""},
                {"triton", "kserve-v2", "http://10.0.0.6:8000", "down", "connection refused"}}));
  EXPECT_FALSE(parseHealth(boost::json::parse(R"({"status":"healthy"})")).remotes);
  auto none = parseHealth(boost::json::parse(R"({"remotes":[]})"));
  ASSERT_TRUE(none.remotes);
  EXPECT_TRUE(none.remotes->empty());
}

TEST(WorkerDialect, RemotesOfTheWrongTypeAreWarnings) {
  auto bad = parseHealth(boost::json::parse(R"({"remotes":{"name":"x"}})"));
  EXPECT_FALSE(bad.remotes);
  EXPECT_EQ(bad.warnings, (std::vector<std::string>{"remotes: expected a list, got object"}));
  auto mixed = parseHealth(boost::json::parse(
      R"({"remotes":["x",{"url":"http://h"},{"name":"ok","status":1}]})"));
  ASSERT_TRUE(mixed.remotes);
  ASSERT_EQ(mixed.remotes->size(), 1u);
  EXPECT_EQ((*mixed.remotes)[0].name, "ok");
  EXPECT_EQ((*mixed.remotes)[0].status, "");
  EXPECT_EQ(mixed.warnings, (std::vector<std::string>{
                                "remotes[0]: expected an object, got string",
                                "remotes[1]: object without a name",
                                "remotes[2].status: expected a string, got number"}));
}

}  // namespace
}  // namespace npufleet::npu
