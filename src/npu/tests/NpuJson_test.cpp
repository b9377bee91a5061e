#include "npu/NpuJson.h"

#include <gtest/gtest.h>

#include "common/Json.h"

namespace npufleet::npu {
namespace {

NodeNpuState detected() {
  NodeNpuState s;
  s.node_id = "node-123";
  s.detection_status = DetectionStatus::kDetected;
  s.capabilities = NpuCapabilities{{"phi-3-mini", "llama-3.2-1b"}, 4, 16, DeviceType::kIntelNpu, 45};
  s.loaded_models = {"phi-3-mini"};
  s.queue_depth = 2;
  s.status = fleet::NodeStatus::kOnline;
  s.last_health_check = std::chrono::system_clock::time_point(std::chrono::seconds(1770201000));
  return s;
}

TEST(NpuJson, StatusHasTheSeedShape) {
  auto j = statusJson(detected());
  EXPECT_EQ(json::serialize(j.at("capabilities")),
            R"({"models":["phi-3-mini","llama-3.2-1b"],"maxConcurrent":4,"memoryGB":1.6E1,)"
            R"("deviceType":"intel-npu","utilization":4.5E1})");
  EXPECT_EQ(j.at("node_id").as_string(), "node-123");
  EXPECT_EQ(json::serialize(j.at("loadedModels")), R"(["phi-3-mini"])");
  EXPECT_EQ(j.at("queueDepth").as_int64(), 2);
  EXPECT_EQ(j.at("lastHealthCheck").as_string(), "2026-02-04T10:30:00.000Z");
  EXPECT_EQ(j.at("detectionStatus").as_string(), "detected");
  EXPECT_TRUE(j.at("detectionError").is_null());
  EXPECT_EQ(j.at("status").as_string(), "online");
  const auto& m = j.at("metrics").as_object();
  EXPECT_TRUE(m.at("inferenceTimeMs").as_object().at("p50").is_null());
  EXPECT_EQ(m.at("maxConcurrent").as_int64(), 4);
  EXPECT_EQ(m.at("queued").as_int64(), 2);
}

TEST(NpuJson, StatusSaysWhatTheLastProbeFoundAndWhatTheMemoryIs) {
  NodeNpuState s = detected();
  s.status = fleet::NodeStatus::kOffline;
  s.last_probe = ProbeRecord{s.last_health_check.value() + std::chrono::seconds(5), false,
                             "connection refused", 0.4};
  s.device = DeviceTelemetry{64, 20, std::nullopt, std::nullopt, 2400, 3600, "engine"};
  s.device_name = "AMD EPYC";
  s.capabilities->device_type = DeviceType::kCpu;
  auto j = statusJson(s);
  EXPECT_EQ(j.at("lastHealthCheck").as_string(), "2026-02-04T10:30:00.000Z");
  EXPECT_EQ(json::serialize(j.at("lastProbe")),
            R"({"at":"2026-02-04T10:30:05.000Z","ok":false,"error":"connection refused","latencyMs":4E-1})");
  EXPECT_TRUE(j.at("stale").as_bool());
  const auto& d = j.at("device").as_object();
  EXPECT_EQ(d.at("memoryKind").as_string(), "host");
  EXPECT_TRUE(d.at("sharedHostMemory").as_bool());
  EXPECT_EQ(d.at("memoryTotalGb").as_double(), 64);
  EXPECT_TRUE(d.at("temperatureC").is_null());
  EXPECT_EQ(d.at("name").as_string(), "AMD EPYC");

  s.status = fleet::NodeStatus::kOnline;
  s.capabilities->device_type = DeviceType::kNvidiaGpu;
  auto gpu = statusJson(s);
  EXPECT_FALSE(gpu.at("stale").as_bool());
  EXPECT_EQ(gpu.at("device").at("memoryKind").as_string(), "device");
  EXPECT_FALSE(gpu.at("device").at("sharedHostMemory").as_bool());
  EXPECT_TRUE(statusJson(NodeNpuState{}).at("device").is_null());
}

TEST(NpuJson, PersistRoundTrip) {
  NodeNpuState s = detected();
  s.detection_warnings = {"w"};
  s.status_reason = "2 consecutive good probes";
  s.active = false;
  s.loaded_models_known = true;
  s.loads_on_demand = true;
  auto back = stateFromPersistJson(persistJson(s));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->capabilities, s.capabilities);
  EXPECT_EQ(back->loaded_models, s.loaded_models);
  EXPECT_EQ(back->last_health_check, s.last_health_check);
  EXPECT_EQ(back->status, s.status);
  EXPECT_EQ(back->status_reason, s.status_reason);
  EXPECT_EQ(back->detection_warnings, s.detection_warnings);
  EXPECT_FALSE(back->active);
  EXPECT_TRUE(back->loaded_models_known);
  EXPECT_TRUE(back->loads_on_demand);
}

TEST(NpuJson, CorruptStoredStateIsAnError) {
  EXPECT_FALSE(stateFromPersistJson(boost::json::value(3)).ok());
  EXPECT_FALSE(stateFromPersistJson(boost::json::object{}).ok());
}

TEST(NpuJson, ModelDetailsSitBesideTheSeedsListOfNames) {
  NodeNpuState s = detected();
  s.capabilities->model_details = {
      {"phi-3-mini", "chat", "llama", 2'000'000'000, "phi3", 4096, 3072, 3'800'000'000},
      {"llama-3.2-1b", "tensor", "opencv", 1000, std::nullopt, std::nullopt, std::nullopt,
       std::nullopt}};
  auto caps = statusJson(s).at("capabilities").as_object();
  EXPECT_EQ(json::serialize(caps.at("models")), R"(["phi-3-mini","llama-3.2-1b"])");
  EXPECT_EQ(json::serialize(caps.at("modelDetails")),
            R"([{"name":"phi-3-mini","kind":"chat","engine":"llama","sizeBytes":2000000000,)"
            R"("architecture":"phi3","contextLength":4096,"embeddingDim":3072,"parameters":3800000000},)"
            R"({"name":"llama-3.2-1b","kind":"tensor","engine":"opencv","sizeBytes":1000,)"
            R"("architecture":null,"contextLength":null,"embeddingDim":null,"parameters":null}])");
  auto back = stateFromPersistJson(persistJson(s));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->capabilities, s.capabilities);
}

TEST(NpuJson, LlmModelsLiveFiguresAreInTheMetrics) {
  NodeNpuState s = detected();
  WorkerMetrics m;
  m.generation["phi-3-mini"] = {250.5, 12.5, 40, 30, 120, 96, 2048};
  m.generation["embedder"] = {std::nullopt, std::nullopt, std::nullopt, 7, 0, std::nullopt,
                              std::nullopt};
  s.metrics = m;
  const auto status = statusJson(s);
  const auto& models = status.at("metrics").at("models").as_object();
  EXPECT_EQ(json::serialize(models.at("phi-3-mini")),
            R"({"tokensPerSecond":2.505E2,"ttftP50Ms":1.25E1,"ttftP95Ms":4E1,"promptTokens":30,)"
            R"("completionTokens":120,"kvCache":{"usedCells":96,"capacityCells":2048}})");
  EXPECT_TRUE(models.at("embedder").at("kvCache").is_null());
  EXPECT_TRUE(models.at("embedder").at("tokensPerSecond").is_null());
  // A worker without LLM models: an empty object, nothing else changes.
  EXPECT_TRUE(statusJson(detected()).at("metrics").at("models").as_object().empty());
}

TEST(NpuJson, RemoteEnginesAreShownWithTheirHealthWhenTheWorkerListsThem) {
  NodeNpuState s = detected();
  EXPECT_TRUE(statusJson(s).at("remotes").is_null());
  s.remotes = std::vector<RemoteEngineHealth>{{"vllm-a", "openai", "http://h:8000", "up", ""},
                                              {"triton", "kserve-v2", "http://t", "down", "refused"}};
  EXPECT_EQ(json::serialize(statusJson(s).at("remotes")),
            R"([{"name":"vllm-a","protocol":"openai","url":"http://h:8000","status":"up","error":null},)"
            R"({"name":"triton","protocol":"kserve-v2","url":"http://t","status":"down","error":"refused"}])");
}

}  // namespace
}  // namespace npufleet::npu
