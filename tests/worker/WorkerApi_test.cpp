// The real `npufleet worker` process over HTTP: signatures, models, inference, the bounded
// queue under concurrent clients, malformed input, shutdown.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <boost/json.hpp>
#include <fstream>
#include <iterator>
#include <thread>

#include "worker/InferenceRequest.h"
#include "worker/WorkerHarness.h"

namespace npufleet::worker::testing {
namespace {

namespace json = boost::json;

std::string mlpBody(float value, const std::string& model = "embedding-mlp") {
  json::array data;
  for (int i = 0; i < 64; ++i) data.push_back(value + static_cast<float>(i) * 0.01f);
  return json::serialize(json::object{
      {"model", model},
      {"inputs", json::object{{"input", json::object{{"shape", json::array{1, 64}},
                                                     {"data", std::move(data)}}}}}});
}

std::string cnnBody(float value) {
  std::vector<float> img(28 * 28);
  for (size_t i = 0; i < img.size(); ++i) img[i] = value * static_cast<float>(i % 28) / 28.0f;
  return json::serialize(json::object{
      {"model", "cnn-classifier"},
      {"inputs", json::object{{"image", json::object{{"shape", json::array{1, 1, 28, 28}},
                                                     {"b64", encodeFloatsBase64(img)}}}}}});
}

class WorkerApiTest : public ::testing::Test {
 protected:
  void startWorker(std::map<std::string, std::string> env = {}) {
    env.emplace("NPUFLEET_AUTH_FAILURE_LIMIT", "100000");
    std::string error;
    ASSERT_TRUE(w_.start(env, {}, &error)) << error;
  }
  void expectAlive() {
    auto r = w_.unsigned_("GET", "/livez");
    ASSERT_TRUE(r.ok()) << r.message;
    EXPECT_EQ(r.response.status, 200);
    EXPECT_TRUE(w_.process().alive());
  }
  WorkerHarness w_;
};

TEST_F(WorkerApiTest, AnnouncesTheRealPortOnOneLine) {
  startWorker();
  EXPECT_EQ(w_.process().host(), "127.0.0.1");
  EXPECT_GT(w_.process().port(), 0);
  EXPECT_EQ(w_.process().readyLine(),
            "npufleet worker listening on 127.0.0.1:" + std::to_string(w_.process().port()));
}

TEST_F(WorkerApiTest, RejectsUnsignedAndBadlySignedRequestsOnEveryEndpointButLivez) {
  startWorker();
  struct Ep {
    const char* method;
    const char* target;
  };
  std::vector<Ep> endpoints{{"GET", "/health"},          {"GET", "/stats"},
                            {"GET", "/metrics"},         {"GET", "/models"},
                            {"POST", "/models/load"},    {"POST", "/models/embedding-mlp/load"},
                            {"POST", "/models/embedding-mlp/unload"},
                            {"DELETE", "/models/embedding-mlp"}, {"POST", "/inference"}};
  std::string wrong_key(64, 'a');
  for (const auto& ep : endpoints) {
    std::string body = std::string(ep.method) == "POST" ? mlpBody(1) : "";
    auto none = w_.unsigned_(ep.method, ep.target, body);
    ASSERT_TRUE(none.ok()) << none.message;
    EXPECT_EQ(none.response.status, 401) << ep.method << " " << ep.target;
    EXPECT_EQ(WorkerHarness::json(none)["authenticated"], json::value(false));
    auto bad = w_.call(ep.method, ep.target, body, wrong_key);
    EXPECT_EQ(bad.response.status, 401) << ep.method << " " << ep.target;
  }
  auto livez = w_.unsigned_("GET", "/livez");
  EXPECT_EQ(livez.response.status, 200);
  // Nothing got loaded by the rejected calls.
  auto models = WorkerHarness::json(w_.call("GET", "/models"));
  EXPECT_TRUE(models["loaded"].as_array().empty());
}

TEST_F(WorkerApiTest, HealthCarriesTheDetectionFields) {
  startWorker({{"NPUFLEET_WORKER_MAX_CONCURRENT", "3"}, {"NPUFLEET_WORKER_MEMORY_GB", "12"}});
  auto r = w_.call("GET", "/health");
  ASSERT_EQ(r.response.status, 200) << r.response.body;
  auto h = WorkerHarness::json(r);
  EXPECT_EQ(h["service"], "npufleet-worker");
  EXPECT_EQ(h["device_type"], "cpu");
  EXPECT_EQ(h["max_concurrent"], 3);
  EXPECT_EQ(h["memory_gb"].to_number<double>(), 12.0);
  for (const char* k : {"status", "version", "device_name", "utilization", "queue_depth",
                        "running", "loaded_models", "uptime_s", "device"}) {
    EXPECT_TRUE(h.contains(k)) << k;
  }
  EXPECT_TRUE(h["device"].as_object().contains("notes"));
}

TEST_F(WorkerApiTest, ListsLoadsAndUnloadsModelsInBothDialects) {
  startWorker();
  auto list = WorkerHarness::json(w_.call("GET", "/models"));
  EXPECT_EQ(list["available"],
            (json::array{"broken", "cnn-classifier", "embedding-mlp"}));
  auto& models = list["models"].as_array();
  ASSERT_EQ(models.size(), 3u);
  EXPECT_TRUE(models[0].as_object().contains("error"));
  auto& mlp = models[2].as_object();
  EXPECT_EQ(mlp.at("displayName"), "Embedding MLP (64 -> 32)");
  EXPECT_EQ(mlp.at("inputs").as_array().size(), 1u);  // weights are not inputs
  EXPECT_EQ(mlp.at("inputs").as_array()[0].as_object().at("shape"), (json::array{1, 64}));

  EXPECT_EQ(w_.call("POST", "/models/embedding-mlp/load").response.status, 200);
  EXPECT_EQ(w_.call("POST", "/models/load", R"({"model_id":"cnn-classifier"})").response.status, 200);
  auto broken = w_.call("POST", "/models/broken/load");
  EXPECT_EQ(broken.response.status, 400);
  EXPECT_NE(broken.response.body.find("broken"), std::string::npos);
  EXPECT_EQ(w_.call("POST", "/models/nope/load").response.status, 404);
  list = WorkerHarness::json(w_.call("GET", "/models"));
  EXPECT_EQ(list["loaded"], (json::array{"cnn-classifier", "embedding-mlp"}));

  EXPECT_EQ(w_.call("DELETE", "/models/cnn-classifier").response.status, 200);
  EXPECT_EQ(w_.call("POST", "/models/embedding-mlp/unload").response.status, 200);
  EXPECT_EQ(w_.call("POST", "/models/embedding-mlp/unload").response.status, 409);
  list = WorkerHarness::json(w_.call("GET", "/models"));
  EXPECT_TRUE(list["loaded"].as_array().empty());
}

TEST_F(WorkerApiTest, RunsInferenceAndReportsIt) {
  startWorker({{"NPUFLEET_WORKER_PRELOAD", "embedding-mlp,cnn-classifier"}});
  auto r = w_.call("POST", "/inference", mlpBody(0.5f));
  ASSERT_EQ(r.response.status, 200) << r.response.body;
  auto out = WorkerHarness::json(r);
  EXPECT_EQ(out["model"], "embedding-mlp");
  EXPECT_EQ(out["device"], "cpu");
  auto& emb = out["outputs"].as_object()["embedding"].as_object();
  EXPECT_EQ(emb["shape"], (json::array{1, 32}));
  EXPECT_EQ(emb["data"].as_array().size(), 32u);
  EXPECT_GE(out["inference_time_ms"].to_number<double>(), 0.0);
  EXPECT_GE(out["queue_time_ms"].to_number<double>(), 0.0);

  auto c = w_.call("POST", "/inference", cnnBody(1.0f));
  ASSERT_EQ(c.response.status, 200) << c.response.body;
  double sum = 0;
  auto cnn = WorkerHarness::json(c);
  for (auto& p : cnn["outputs"].as_object()["probabilities"].as_object()["data"].as_array()) {
    ASSERT_TRUE(p.is_number()) << c.response.body;
    sum += p.to_number<double>();
  }
  EXPECT_NEAR(sum, 1.0, 1e-4);

  // The reference dialect's model_id.
  std::string ref = mlpBody(0.5f);
  ref.replace(ref.find("\"model\""), 7, "\"model_id\"");
  auto rr = w_.call("POST", "/inference", ref);
  ASSERT_EQ(rr.response.status, 200) << rr.response.body;
  EXPECT_EQ(WorkerHarness::json(rr)["outputs"], out["outputs"]);

  auto stats = WorkerHarness::json(w_.call("GET", "/stats"));
  EXPECT_EQ(stats["models"].as_object()["embedding-mlp"].as_object()["requests"], 2);
  EXPECT_EQ(stats["total"].as_object()["requests"], 3);
  ASSERT_TRUE(stats["memory"].as_object().contains("process_rss_bytes")) << json::serialize(stats);
  EXPECT_GT(stats["memory"].as_object()["process_rss_bytes"].to_number<double>(), 0);
  auto metrics = w_.call("GET", "/metrics");
  EXPECT_EQ(metrics.response.status, 200);
  EXPECT_NE(metrics.response.body.find("npufleet_worker_inference_seconds_bucket"), std::string::npos);
  EXPECT_NE(metrics.response.body.find("npufleet_worker_queue_depth"), std::string::npos);
  auto health = WorkerHarness::json(w_.call("GET", "/health"));
  EXPECT_EQ(health["loaded_models"], (json::array{"cnn-classifier", "embedding-mlp"}));
}

TEST_F(WorkerApiTest, UnknownModelIs404AndUnloadedIs409) {
  startWorker();
  EXPECT_EQ(w_.call("POST", "/inference", mlpBody(1, "nope")).response.status, 404);
  EXPECT_EQ(w_.call("POST", "/inference", mlpBody(1)).response.status, 409);
}

TEST_F(WorkerApiTest, A404DoesNotShowWhereTheModelsLiveOnDisk) {
  startWorker();
  for (const auto& r : {w_.call("POST", "/models/nope/load").response,
                        w_.call("DELETE", "/models/nope").response,
                        w_.call("POST", "/inference", mlpBody(1, "nope")).response}) {
    EXPECT_EQ(r.status, 404) << r.body;
    EXPECT_EQ(r.body.find(w_.modelsDir()), std::string::npos) << r.body;
  }
}

TEST_F(WorkerApiTest, AutoLoadLoadsOnFirstInference) {
  startWorker({{"NPUFLEET_WORKER_AUTO_LOAD", "true"}});
  auto r = w_.call("POST", "/inference", mlpBody(1));
  EXPECT_EQ(r.response.status, 200) << r.response.body;
  auto broken = w_.call("POST", "/inference", mlpBody(1, "broken"));
  EXPECT_EQ(broken.response.status, 400);
  expectAlive();
}

// Models our parser accepts on which OpenCV 4.6's importer dies (fuzz/regressions). The worker
// tries each file in a fresh `npufleet models check` process (posix_spawn, not a fork of the
// worker and its threads), refuses it naming the crash, and goes on serving while it does.
TEST_F(WorkerApiTest, AModelThatCrashesTheImporterIsRefusedWhileTheWorkerServes) {
  startWorker({{"NPUFLEET_WORKER_PRELOAD", "embedding-mlp"}});
  for (const char* name : {"opencv-segv-on-input-type", "opencv-fpe-on-zero-pads"}) {
    std::ifstream in(std::string(NPUFLEET_SOURCE_DIR) + "/fuzz/regressions/worker_onnx_model/" +
                         name,
                     std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), {});
    ASSERT_GT(bytes.size(), 1u);
    std::ofstream(w_.modelsDir() + "/" + name + ".onnx", std::ios::binary) << bytes.substr(1);
  }
  std::atomic<bool> stop{false};
  std::atomic<int> served{0}, failed{0};
  std::thread traffic([&] {
    while (!stop) {
      (w_.call("POST", "/inference", mlpBody(1)).response.status == 200 ? served : failed)++;
    }
  });
  for (int round = 0; round < 3; ++round) {
    for (const char* name : {"opencv-segv-on-input-type", "opencv-fpe-on-zero-pads"}) {
      auto r = w_.call("POST", std::string("/models/") + name + "/load").response;
      EXPECT_EQ(r.status, 400) << name << ": " << r.body;
      EXPECT_NE(r.body.find("OpenCV"), std::string::npos) << r.body;
    }
  }
  stop = true;
  traffic.join();
  EXPECT_GT(served, 0);
  EXPECT_EQ(failed, 0);
  expectAlive();
}

TEST_F(WorkerApiTest, MalformedAndMisShapedRequestsGetA4xxAndTheWorkerSurvives) {
  startWorker({{"NPUFLEET_WORKER_PRELOAD", "embedding-mlp,cnn-classifier"}});
  struct Case {
    std::string body;
    int status;
    std::string mentions;
  };
  std::string b64_3 = encodeFloatsBase64({1, 2, 3});
  std::vector<Case> cases{
      {"", 400, ""},
      {"{", 400, ""},
      {"[1,2]", 400, ""},
      {R"({"model":"embedding-mlp"})", 400, "inputs"},
      {R"({"model":"embedding-mlp","inputs":{"input":{"shape":[1,63],"data":[]}}})", 400, "input"},
      {R"({"model":"embedding-mlp","inputs":{"input":{"shape":[64],"data":[1]}}})", 400, "input"},
      {R"({"model":"embedding-mlp","inputs":{"input":{"shape":[1,64],"data":[1,2]}}})", 400, "input"},
      {R"({"model":"embedding-mlp","inputs":{"wrong":{"shape":[1,64],"data":[1]}}})", 400, "wrong"},
      {R"({"model":"cnn-classifier","inputs":{"image":{"shape":[1,3,28,28],"b64":")" + b64_3 + R"("}}})", 400, "image"},
      {R"({"model":"cnn-classifier","inputs":{"image":{"shape":[1,1,2000000000,2000000000],"data":[1]}}})", 400, "image"},
      {R"({"model":"cnn-classifier","inputs":{"image":{"shape":[0],"data":[]}}})", 400, "image"},
      {R"({"model":"cnn-classifier","inputs":{"image":{"shape":[1,1,28,28],"b64":"@@@@"}}})", 400, "image"},
      {R"({"model":"cnn-classifier","inputs":{"image":{"shape":[1,1,28,28],"data":["x"]}}})", 400, "image"},
      {R"({"model":"../../etc/passwd","inputs":{"x":{"shape":[1],"data":[1]}}})", 400, "model"},
      {R"({"model":"embedding-mlp","inputs":{"input":{"shape":[1,64],"data":[1]}},"timeout_ms":-5})", 400, "timeout_ms"},
  };
  for (const auto& c : cases) {
    auto r = w_.call("POST", "/inference", c.body);
    ASSERT_TRUE(r.ok()) << r.message << " for " << c.body;
    EXPECT_EQ(r.response.status, c.status) << c.body << " -> " << r.response.body;
    EXPECT_NE(r.response.body.find(c.mentions), std::string::npos) << r.response.body;
    expectAlive();
  }
  EXPECT_EQ(w_.call("POST", "/models/load", "{}").response.status, 400);
  EXPECT_EQ(w_.call("POST", "/models/load", "nope").response.status, 400);
  EXPECT_EQ(w_.call("GET", "/inference").response.status, 405);
  expectAlive();
  EXPECT_EQ(w_.call("POST", "/inference", mlpBody(1)).response.status, 200);
}

// More clients than slots: never more than max_concurrent running, every request answered once
// with its own result.
TEST_F(WorkerApiTest, ConcurrentClientsBeyondMaxConcurrentAreQueuedNotLost) {
  constexpr int kMax = 2;
  constexpr int kClients = 8;
  constexpr int kPerClient = 6;
  startWorker({{"NPUFLEET_WORKER_MAX_CONCURRENT", std::to_string(kMax)},
               {"NPUFLEET_WORKER_QUEUE_LIMIT", "1000"},
               {"NPUFLEET_WORKER_PRELOAD", "cnn-classifier"}});
  // Expected outputs, computed one at a time.
  std::map<int, json::value> expected;
  for (int v = 0; v < kClients * kPerClient; ++v) {
    auto r = w_.call("POST", "/inference", cnnBody(static_cast<float>(v)));
    ASSERT_EQ(r.response.status, 200);
    expected[v] = WorkerHarness::json(r)["outputs"];
  }
  std::atomic<bool> done{false};
  std::atomic<int64_t> max_running{0};
  std::thread watcher([&] {
    while (!done) {
      auto h = WorkerHarness::json(w_.call("GET", "/health"));
      if (h.contains("running")) {
        max_running = std::max<int64_t>(max_running, h["running"].to_number<int64_t>());
      }
    }
  });
  std::atomic<int> ok{0}, wrong{0}, failed{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      for (int i = 0; i < kPerClient; ++i) {
        int v = c * kPerClient + i;
        auto r = w_.call("POST", "/inference", cnnBody(static_cast<float>(v)));
        if (!r.ok() || r.response.status != 200) {
          ++failed;
        } else if (WorkerHarness::json(r)["outputs"] != expected[v]) {
          ++wrong;
        } else {
          ++ok;
        }
      }
    });
  }
  for (auto& t : clients) t.join();
  done = true;
  watcher.join();
  EXPECT_EQ(ok, kClients * kPerClient);
  EXPECT_EQ(wrong, 0);
  EXPECT_EQ(failed, 0);
  EXPECT_LE(max_running, kMax);
  auto stats = WorkerHarness::json(w_.call("GET", "/stats"));
  // Exactly the requests sent: none lost, none run twice.
  EXPECT_EQ(stats["total"].as_object()["requests"], 2 * kClients * kPerClient);
  EXPECT_EQ(stats["total"].as_object()["errors"], 0);
}

TEST_F(WorkerApiTest, FullQueueAnswers503WithRetryAfter) {
  startWorker({{"NPUFLEET_WORKER_MAX_CONCURRENT", "1"},
               {"NPUFLEET_WORKER_QUEUE_LIMIT", "0"},
               {"NPUFLEET_WORKER_PRELOAD", "cnn-classifier"}});
  std::atomic<int> ok{0}, busy{0}, other{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < 8; ++c) {
    clients.emplace_back([&] {
      for (int i = 0; i < 10; ++i) {
        auto r = w_.call("POST", "/inference", cnnBody(1));
        if (r.response.status == 200) {
          ++ok;
        } else if (r.response.status == 503 && r.response.headers.has("Retry-After")) {
          ++busy;
        } else {
          ++other;
        }
      }
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_GT(ok, 0);
  EXPECT_EQ(other, 0);
  EXPECT_EQ(ok + busy, 80);
  expectAlive();
}

TEST_F(WorkerApiTest, SigtermShutsDownGracefullyWithExitZero) {
  startWorker();
  EXPECT_EQ(w_.call("GET", "/health").response.status, 200);
  EXPECT_EQ(w_.process().stop(std::chrono::seconds(15)), 0) << w_.process().stderrText();
}

// KServe Open Inference Protocol v2 (docs/worker.md): the same models, queue and stats as
// /inference, with v2's shapes and {"error"} bodies.
std::string v2MlpBody(float value, bool nested = false) {
  json::array data, row;
  for (int i = 0; i < 64; ++i) row.push_back(value + static_cast<float>(i) * 0.01f);
  if (nested) {
    data.push_back(std::move(row));
  } else {
    data = std::move(row);
  }
  return json::serialize(json::object{
      {"id", "req-42"},
      {"inputs", json::array{json::object{{"name", "input"},
                                          {"datatype", "FP32"},
                                          {"shape", json::array{1, 64}},
                                          {"data", std::move(data)}}}}});
}

// Only {"error": "<message>"}, and the message mentions `part`.
void expectV2Error(const http::ClientResult& r, int status, const std::string& part) {
  ASSERT_TRUE(r.ok()) << r.message;
  EXPECT_EQ(r.response.status, status) << r.response.body;
  auto body = WorkerHarness::json(r);
  EXPECT_EQ(body.size(), 1u) << r.response.body;
  ASSERT_TRUE(body.contains("error")) << r.response.body;
  ASSERT_TRUE(body.at("error").is_string()) << r.response.body;
  EXPECT_NE(std::string(body.at("error").as_string()).find(part), std::string::npos)
      << r.response.body << " lacks " << part;
}

TEST_F(WorkerApiTest, V2MetadataDescribesEmbeddingMlpInV2Terms) {
  startWorker();
  auto r = w_.call("GET", "/v2/models/embedding-mlp");
  ASSERT_EQ(r.response.status, 200) << r.response.body;
  EXPECT_EQ(WorkerHarness::json(r),
            (json::object{{"name", "embedding-mlp"},
                          {"versions", json::array{"1.0.0"}},
                          {"platform", "onnx"},
                          {"inputs", json::array{json::object{{"name", "input"},
                                                              {"datatype", "FP32"},
                                                              {"shape", json::array{1, 64}}}}},
                          {"outputs", json::array{json::object{{"name", "embedding"},
                                                               {"datatype", "FP32"},
                                                               {"shape", json::array{1, 32}}}}}}));
  expectV2Error(w_.call("GET", "/v2/models/nope"), 404, "nope");
  expectV2Error(w_.call("GET", "/v2/models/a%25b"), 400, "model names");
}

TEST_F(WorkerApiTest, V2HealthAndModelReadyFollowWhatIsLoaded) {
  startWorker();
  auto live = w_.call("GET", "/v2/health/live");
  EXPECT_EQ(live.response.status, 200);
  EXPECT_EQ(WorkerHarness::json(live), (json::object{{"live", true}}));
  // Nothing loaded and no auto_load: not ready.
  expectV2Error(w_.call("GET", "/v2/health/ready"), 503, "no model");
  expectV2Error(w_.call("GET", "/v2/models/embedding-mlp/ready"), 503, "not loaded");
  expectV2Error(w_.call("GET", "/v2/models/nope/ready"), 404, "nope");
  ASSERT_EQ(w_.call("POST", "/models/embedding-mlp/load").response.status, 200);
  auto ready = w_.call("GET", "/v2/health/ready");
  EXPECT_EQ(ready.response.status, 200) << ready.response.body;
  EXPECT_EQ(WorkerHarness::json(ready), (json::object{{"ready", true}}));
  auto model = w_.call("GET", "/v2/models/embedding-mlp/ready");
  EXPECT_EQ(model.response.status, 200) << model.response.body;
  EXPECT_EQ(WorkerHarness::json(model), (json::object{{"name", "embedding-mlp"}, {"ready", true}}));
  ASSERT_EQ(w_.call("POST", "/models/embedding-mlp/unload").response.status, 200);
  expectV2Error(w_.call("GET", "/v2/models/embedding-mlp/ready"), 503, "not loaded");
}

TEST_F(WorkerApiTest, V2ReadyIsRefusedWhileAPreloadFailed) {
  startWorker({{"NPUFLEET_WORKER_PRELOAD", "embedding-mlp,broken"}});
  expectV2Error(w_.call("GET", "/v2/health/ready"), 503, "broken");
  EXPECT_EQ(w_.call("GET", "/v2/models/embedding-mlp/ready").response.status, 200);
}

TEST_F(WorkerApiTest, V2InferGivesWhatInferenceGivesForTheSameInput) {
  startWorker({{"NPUFLEET_WORKER_PRELOAD", "embedding-mlp"}});
  auto ref = w_.call("POST", "/inference", mlpBody(0.5f));
  ASSERT_EQ(ref.response.status, 200) << ref.response.body;
  auto want = WorkerHarness::json(ref)["outputs"].as_object()["embedding"].as_object();
  for (bool nested : {false, true}) {
    auto r = w_.call("POST", "/v2/models/embedding-mlp/infer", v2MlpBody(0.5f, nested));
    ASSERT_EQ(r.response.status, 200) << r.response.body;
    auto out = WorkerHarness::json(r);
    EXPECT_EQ(out["model_name"], "embedding-mlp");
    EXPECT_EQ(out["id"], "req-42");
    ASSERT_EQ(out["outputs"].as_array().size(), 1u) << r.response.body;
    auto& emb = out["outputs"].as_array()[0].as_object();
    EXPECT_EQ(emb["name"], "embedding");
    EXPECT_EQ(emb["datatype"], "FP32");
    EXPECT_EQ(emb["shape"], want["shape"]);
    EXPECT_EQ(emb["data"], want["data"]);  // bit for bit: the same engine on the same floats
  }
  auto asked = w_.call("POST", "/v2/models/embedding-mlp/infer",
                       R"({"inputs":[{"name":"input","datatype":"FP32","shape":[1,64],"data":)" +
                           json::serialize(json::array(64, json::value(0.0))) +
                           R"(}],"outputs":[{"name":"embedding"}]})");
  ASSERT_EQ(asked.response.status, 200) << asked.response.body;
  EXPECT_FALSE(WorkerHarness::json(asked).contains("id"));
  // The same queue, stats and counters as /inference.
  auto stats = WorkerHarness::json(w_.call("GET", "/stats"));
  EXPECT_EQ(stats["models"].as_object()["embedding-mlp"].as_object()["requests"], 4);
  auto metrics = w_.call("GET", "/metrics").response.body;
  EXPECT_NE(metrics.find(R"(npufleet_worker_inference_requests_total{model="embedding-mlp",outcome="ok"} 4)"),
            std::string::npos)
      << metrics;
}

TEST_F(WorkerApiTest, V2InferErrorsAreKServeShapedAndNameTheProblem) {
  startWorker({{"NPUFLEET_WORKER_PRELOAD", "embedding-mlp"}});
  const std::string infer = "/v2/models/embedding-mlp/infer";
  expectV2Error(w_.call("POST", "/v2/models/nope/infer", v2MlpBody(1)), 404, "nope");
  expectV2Error(w_.call("POST", "/v2/models/cnn-classifier/infer",
                        R"({"inputs":[{"name":"image","datatype":"FP32","shape":[1],"data":[1]}]})"),
                409, "not loaded");
  expectV2Error(w_.call("POST", infer, "{"), 400, "");
  expectV2Error(w_.call("POST", infer, R"({"inputs":[]})"), 400, "inputs");
  expectV2Error(
      w_.call("POST", infer, R"({"inputs":[{"name":"input","datatype":"INT64","shape":[1,64],"data":[1]}]})"),
      400, "INT64");
  expectV2Error(
      w_.call("POST", infer, R"({"inputs":[{"name":"input","datatype":"FP32","shape":[1,64],"data":[1,2]}]})"),
      400, "'input'");
  // Parsed, then refused against the model: wrong input name, wrong shape, unknown output.
  expectV2Error(
      w_.call("POST", infer, R"({"inputs":[{"name":"wrong","datatype":"FP32","shape":[1],"data":[1]}]})"),
      400, "wrong");
  expectV2Error(
      w_.call("POST", infer, R"({"inputs":[{"name":"input","datatype":"FP32","shape":[2],"data":[1,2]}]})"),
      400, "input");
  std::string body = v2MlpBody(1);
  body.insert(body.size() - 1, R"(,"outputs":[{"name":"logits"}])");
  expectV2Error(w_.call("POST", infer, body), 400, "logits");
  EXPECT_EQ(w_.call("GET", infer).response.status, 405);
  expectAlive();
  EXPECT_EQ(w_.call("POST", infer, v2MlpBody(1)).response.status, 200);
}

TEST_F(WorkerApiTest, V2AutoLoadAndFullQueueBehaveAsOnInference) {
  startWorker({{"NPUFLEET_WORKER_AUTO_LOAD", "true"},
               {"NPUFLEET_WORKER_MAX_CONCURRENT", "1"},
               {"NPUFLEET_WORKER_QUEUE_LIMIT", "0"}});
  // auto_load: ready with nothing loaded, and the first infer loads the model.
  EXPECT_EQ(w_.call("GET", "/v2/health/ready").response.status, 200);
  auto first = w_.call("POST", "/v2/models/embedding-mlp/infer", v2MlpBody(1));
  EXPECT_EQ(first.response.status, 200) << first.response.body;
  EXPECT_EQ(w_.call("GET", "/v2/models/embedding-mlp/ready").response.status, 200);
  std::vector<float> img(28 * 28, 0.5f);
  json::array data;
  for (float f : img) data.push_back(f);
  std::string cnn = json::serialize(json::object{
      {"inputs", json::array{json::object{{"name", "image"},
                                          {"datatype", "FP32"},
                                          {"shape", json::array{1, 1, 28, 28}},
                                          {"data", std::move(data)}}}}});
  std::atomic<int> ok{0}, busy{0}, other{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < 6; ++c) {
    clients.emplace_back([&] {
      for (int i = 0; i < 8; ++i) {
        auto r = w_.call("POST", "/v2/models/cnn-classifier/infer", cnn);
        if (r.response.status == 200) {
          ++ok;
        } else if (r.response.status == 503 && r.response.headers.has("Retry-After") &&
                   WorkerHarness::json(r).contains("error")) {
          ++busy;
        } else {
          ++other;
        }
      }
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_GT(ok, 0);
  EXPECT_EQ(other, 0);
  EXPECT_EQ(ok + busy, 48);
  expectAlive();
}

TEST_F(WorkerApiTest, V2RoutesRefuseUnsignedRequests) {
  startWorker({{"NPUFLEET_WORKER_PRELOAD", "embedding-mlp"}});
  for (auto [method, target] : std::vector<std::pair<const char*, const char*>>{
           {"GET", "/v2/health/live"},
           {"GET", "/v2/health/ready"},
           {"GET", "/v2/models/embedding-mlp"},
           {"GET", "/v2/models/embedding-mlp/ready"},
           {"POST", "/v2/models/embedding-mlp/infer"}}) {
    std::string body = std::string(method) == "POST" ? v2MlpBody(1) : "";
    auto none = w_.unsigned_(method, target, body);
    ASSERT_TRUE(none.ok()) << none.message;
    EXPECT_EQ(none.response.status, 401) << method << " " << target;
    EXPECT_EQ(WorkerHarness::json(none)["authenticated"], json::value(false));
    EXPECT_EQ(w_.call(method, target, body, std::string(64, 'a')).response.status, 401) << target;
  }
  auto stats = WorkerHarness::json(w_.call("GET", "/stats"));
  EXPECT_EQ(stats["total"].as_object()["requests"], 0);
}

TEST(WorkerCommand, PrintConfigShowsWorkerAndAuthSections) {
  npufleet::testing::ProcessFixture p;
  npufleet::testing::ProcessFixture::Options o;
  o.binary = NPUFLEET_BINARY;
  o.args = {"worker", "--print-config", "--listen", "127.0.0.1:9999"};
  o.env = {{"NPUFLEET_WORKER_QUEUE_LIMIT", "7"}};
  o.ready_marker.clear();
  std::string error;
  ASSERT_TRUE(p.start(o, &error)) << error;
  EXPECT_EQ(p.wait(std::chrono::seconds(10)), 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // let the drainer catch up
  auto out = p.stdoutText();
  EXPECT_NE(out.find("127.0.0.1:9999"), std::string::npos) << out;
  EXPECT_NE(out.find("queue_limit = 7"), std::string::npos) << out;
  EXPECT_NE(out.find("[auth]"), std::string::npos) << out;
}

}  // namespace
}  // namespace npufleet::worker::testing
