// The real `npufleet worker` serving the project's GGUF samples (random weights, real
// architectures and tokenizers) through llama.cpp on its OpenAI-compatible routes: answers and
// streams in OpenAI's shapes, stop strings, reproducible sampling, embeddings, batching shown by
// the engine's counters, a client that leaves mid-stream, and files the worker must refuse.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <boost/json.hpp>
#include <cmath>
#include <cstring>
#include <fstream>
#include <thread>

#include "auth/ServiceSigner.h"
#include "common/Clock.h"
#include "common/HostPort.h"
#include "support/TestHttp.h"
#include "worker/InferenceRequest.h"
#include "worker/WorkerHarness.h"
#include "worker/llama/GgufSamples.h"

namespace npufleet::worker::testing {
namespace {

namespace bj = boost::json;

class WorkerLlmTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto written = llama::writeGgufSamples(w_.modelsDir());
    ASSERT_TRUE(written.ok()) << written.error().message;
  }
  void TearDown() override {
    if (HasFailure() && started_) {
      std::cout << "worker alive: " << w_.process().alive() << "\nstderr:\n"
                << w_.process().stderrText() << std::endl;
    }
  }
  void startWorker(std::map<std::string, std::string> env = {}) {
    started_ = true;
    env.emplace("NPUFLEET_WORKER_PRELOAD", "tiny-chat,tiny-embed");
    env.emplace("NPUFLEET_WORKER_LLM_CONTEXT_PER_SLOT", "512");
    env.emplace("NPUFLEET_AUTH_FAILURE_LIMIT", "100000");
    std::string error;
    ASSERT_TRUE(w_.start(env, {}, &error)) << error;
  }
  bj::object post(const std::string& path, const bj::object& body, int expect = 200) {
    auto r = w_.call("POST", path, bj::serialize(body));
    EXPECT_TRUE(r.ok()) << r.message;
    EXPECT_EQ(r.response.status, expect) << r.response.body;
    return WorkerHarness::json(r);
  }
  // The `data:` payloads of an event stream, [DONE] included.
  static std::vector<std::string> events(const std::string& body) {
    std::vector<std::string> out;
    size_t at = 0;
    while ((at = body.find("data: ", at)) != std::string::npos) {
      const auto end = body.find("\n\n", at);
      out.push_back(body.substr(at + 6, end - at - 6));
      at = end;
    }
    return out;
  }
  bj::object modelEntry(const std::string& name) {
    auto models = WorkerHarness::json(w_.call("GET", "/models"));
    for (const auto& m : models["models"].as_array()) {
      if (m.as_object().at("name").as_string() == name) return m.as_object();
    }
    return {};
  }
  WorkerHarness w_;
  bool started_ = false;
};

bj::object chatBody(int max_tokens, bool stream = false) {
  return {{"model", "tiny-chat"},
          {"messages", bj::array{bj::object{{"role", "system"}, {"content", "Be brief."}},
                                 bj::object{{"role", "user"}, {"content", "Say hello"}}}},
          {"max_tokens", max_tokens},
          {"temperature", 0},
          {"stream", stream}};
}

TEST_F(WorkerLlmTest, ModelsSayTheirKindEngineAndSize) {
  startWorker();
  auto chat = modelEntry("tiny-chat");
  EXPECT_EQ(chat["engine"], "llama");
  EXPECT_EQ(chat["kind"], "chat");
  EXPECT_EQ(chat["loaded"], true);
  EXPECT_EQ(chat["contextLength"], 4096);
  EXPECT_GT(chat["parameters"].to_number<double>(), 1e6);
  EXPECT_EQ(chat["kvCache"].as_object().at("capacityCells").to_number<int64_t>() % 512, 0);
  auto embed = modelEntry("tiny-embed");
  EXPECT_EQ(embed["kind"], "embedding");
  EXPECT_EQ(embed["embeddingDim"], 64);
  EXPECT_EQ(modelEntry("embedding-mlp")["kind"], "tensor");
  EXPECT_EQ(modelEntry("embedding-mlp")["engine"], "opencv");
  auto v1 = WorkerHarness::json(w_.call("GET", "/v1/models"));
  EXPECT_EQ(v1["object"], "list");
  ASSERT_EQ(v1["data"].as_array().size(), 2u);
  EXPECT_EQ(v1["data"].as_array()[0].as_object().at("object"), "model");
}

TEST_F(WorkerLlmTest, ChatAnswersInOpenAIsShapeAndHonoursMaxTokens) {
  startWorker();
  auto a = post("/v1/chat/completions", chatBody(8));
  EXPECT_EQ(a["object"], "chat.completion");
  EXPECT_EQ(std::string(a["id"].as_string()).rfind("chatcmpl-", 0), 0u);
  EXPECT_EQ(a["model"], "tiny-chat");
  EXPECT_TRUE(a["created"].is_int64());
  const auto& choice = a["choices"].as_array().at(0).as_object();
  EXPECT_EQ(choice.at("message").as_object().at("role"), "assistant");
  EXPECT_TRUE(choice.at("message").as_object().at("content").is_string());
  const auto reason = std::string(choice.at("finish_reason").as_string());
  EXPECT_TRUE(reason == "length" || reason == "stop") << reason;
  const auto& u = a["usage"].as_object();
  const auto completion = u.at("completion_tokens").to_number<int64_t>();
  EXPECT_LE(completion, 8);
  if (reason == "length") {
    EXPECT_EQ(completion, 8);
  }
  EXPECT_GT(u.at("prompt_tokens").to_number<int64_t>(), 5);
  EXPECT_EQ(u.at("total_tokens").to_number<int64_t>(),
            u.at("prompt_tokens").to_number<int64_t>() + completion);
  // Temperature 0: the same answer again; a seed makes sampling reproducible too.
  EXPECT_EQ(post("/v1/chat/completions", chatBody(8))["choices"], a["choices"]);
  auto seeded = chatBody(8);
  seeded["temperature"] = 0.9;
  seeded["seed"] = 7;
  EXPECT_EQ(post("/v1/chat/completions", seeded)["choices"],
            post("/v1/chat/completions", seeded)["choices"]);
}

TEST_F(WorkerLlmTest, AStreamSendsChunksThenDoneAndItsUsageAddsUp) {
  startWorker();
  const auto whole = post("/v1/chat/completions", chatBody(16));
  auto body = chatBody(16, true);
  body["stream_options"] = bj::object{{"include_usage", true}};
  auto r = w_.call("POST", "/v1/chat/completions", bj::serialize(body));
  ASSERT_EQ(r.response.status, 200) << r.response.body;
  EXPECT_EQ(r.response.headers.get("Content-Type"), "text/event-stream");
  auto ev = events(r.response.body);
  ASSERT_GE(ev.size(), 3u) << r.response.body;
  EXPECT_EQ(ev.back(), "[DONE]");
  std::string text, finish;
  bj::object usage;
  for (size_t i = 0; i + 1 < ev.size(); ++i) {
    boost::system::error_code ec;
    auto v = bj::parse(ev[i], ec);
    ASSERT_FALSE(ec) << "chunk " << i << " is not JSON: " << ev[i];
    auto& o = v.as_object();
    EXPECT_EQ(o["object"], "chat.completion.chunk");
    if (o["choices"].as_array().empty()) {
      usage = o["usage"].as_object();
      continue;
    }
    auto& c = o["choices"].as_array()[0].as_object();
    if (i == 0) {
      EXPECT_EQ(c["delta"].as_object()["role"], "assistant");
    }
    if (auto* t = c["delta"].as_object().if_contains("content")) text += t->as_string();
    if (c["finish_reason"].is_string()) finish = c["finish_reason"].as_string();
  }
  const auto& wc = whole.at("choices").as_array()[0].as_object();
  EXPECT_EQ(text, wc.at("message").as_object().at("content").as_string());
  EXPECT_EQ(finish, wc.at("finish_reason").as_string());
  EXPECT_EQ(usage, whole.at("usage").as_object());
}

TEST_F(WorkerLlmTest, CompletionStopsBeforeAStopString) {
  startWorker();
  bj::object body{{"model", "tiny-chat"}, {"prompt", "The weather today"}, {"max_tokens", 24},
                  {"temperature", 0}};
  auto free_run = post("/v1/completions", body);
  EXPECT_EQ(free_run["object"], "text_completion");
  const std::string text(free_run["choices"].as_array()[0].as_object().at("text").as_string());
  ASSERT_GE(text.size(), 8u) << text;
  const std::string stop = text.substr(text.size() / 2, 3);
  body["stop"] = bj::array{bj::string(stop), "never-appears"};
  auto stopped = post("/v1/completions", body);
  const auto& c = stopped["choices"].as_array()[0].as_object();
  EXPECT_EQ(c.at("text").as_string(), text.substr(0, text.find(stop)));
  EXPECT_EQ(c.at("finish_reason"), "stop");
}

TEST_F(WorkerLlmTest, EmbeddingsAreUnitVectorsInFloatAndBase64) {
  startWorker();
  auto r = post("/v1/embeddings", {{"model", "tiny-embed"},
                                   {"input", bj::array{"hello world", "another text", "hello world"}}});
  EXPECT_EQ(r["object"], "list");
  const auto& data = r["data"].as_array();
  ASSERT_EQ(data.size(), 3u);
  std::vector<std::vector<double>> vecs;
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(data[i].as_object().at("index"), i);
    std::vector<double> v;
    for (const auto& x : data[i].as_object().at("embedding").as_array()) v.push_back(x.to_number<double>());
    ASSERT_EQ(v.size(), 64u);
    double n = 0;
    for (double x : v) n += x * x;
    EXPECT_NEAR(std::sqrt(n), 1.0, 1e-4);
    vecs.push_back(v);
  }
  EXPECT_EQ(vecs[0], vecs[2]);
  EXPECT_NE(vecs[0], vecs[1]);
  EXPECT_GT(r["usage"].as_object().at("prompt_tokens").to_number<int64_t>(), 4);
  auto one = post("/v1/embeddings", {{"model", "tiny-embed"}, {"input", "hello world"},
                                     {"encoding_format", "base64"}});
  const std::string b64(one["data"].as_array()[0].as_object().at("embedding").as_string());
  auto floats = decodeFloatsBase64(b64, "embedding");
  ASSERT_TRUE(floats.ok());
  ASSERT_EQ(floats->size(), 64u);
  for (size_t i = 0; i < 64; ++i) EXPECT_NEAR((*floats)[i], vecs[0][i], 1e-4);
}

TEST_F(WorkerLlmTest, BadRequestsGetOpenAIErrorsNamingTheProblem) {
  startWorker();
  auto err = [&](const std::string& path, const bj::object& body, int status) {
    auto o = post(path, body, status);
    EXPECT_TRUE(o["error"].is_object()) << bj::serialize(o);
    return o["error"].is_object() ? o["error"].as_object() : bj::object{};
  };
  auto unknown = err("/v1/chat/completions", {{"model", "nope"}, {"messages", bj::array{bj::object{{"role", "user"}, {"content", "x"}}}}}, 404);
  EXPECT_EQ(unknown["code"], "model_not_found");
  EXPECT_EQ(unknown["type"], "invalid_request_error");
  auto empty = err("/v1/chat/completions", {{"model", "tiny-chat"}, {"messages", bj::array{}}}, 400);
  EXPECT_EQ(empty["param"], "messages");
  auto n = chatBody(4);
  n["n"] = 2;
  EXPECT_EQ(err("/v1/chat/completions", n, 400)["param"], "n");
  auto wrong_type = chatBody(4);
  wrong_type["max_tokens"] = "many";
  EXPECT_NE(std::string(err("/v1/chat/completions", wrong_type, 400)["message"].as_string()).find("max_tokens"), std::string::npos);
  auto on_embed = chatBody(4);
  on_embed["model"] = "tiny-embed";
  EXPECT_NE(std::string(err("/v1/chat/completions", on_embed, 400)["message"].as_string()).find("/v1/embeddings"), std::string::npos);
  auto on_chat = err("/v1/embeddings", {{"model", "tiny-chat"}, {"input", "x"}}, 400);
  EXPECT_NE(std::string(on_chat["message"].as_string()).find("/v1/chat/completions"), std::string::npos);
  auto on_tensor = err("/v1/embeddings", {{"model", "embedding-mlp"}, {"input", "x"}}, 400);
  EXPECT_NE(std::string(on_tensor["message"].as_string()).find("/v2/models/embedding-mlp/infer"), std::string::npos);
  std::string lng;
  for (int i = 0; i < 700; ++i) lng += "word ";
  auto too_long = err("/v1/completions", {{"model", "tiny-chat"}, {"prompt", lng}}, 400);
  EXPECT_EQ(too_long["code"], "context_length_exceeded");
  // A tensor inference on an LLM says where it is served.
  auto r = w_.call("POST", "/inference", R"({"model":"tiny-chat","inputs":{"x":{"shape":[1],"data":[1]}}})");
  EXPECT_EQ(r.response.status, 400) << r.response.body;
  EXPECT_NE(r.response.body.find("/v1/chat/completions"), std::string::npos);
  EXPECT_EQ(w_.unsigned_("POST", "/v1/chat/completions", bj::serialize(chatBody(4))).response.status, 401);
}

TEST_F(WorkerLlmTest, EightConcurrentRequestsDecodeTogether) {
  startWorker({{"NPUFLEET_WORKER_MAX_CONCURRENT", "8"}});
  std::vector<std::thread> clients;
  std::atomic<int> ok{0};
  for (int i = 0; i < 8; ++i) {
    clients.emplace_back([&, i] {
      bj::object body{{"model", "tiny-chat"}, {"prompt", "Client " + std::to_string(i)},
                      {"max_tokens", 200}, {"temperature", 0}};
      auto r = w_.call("POST", "/v1/completions", bj::serialize(body));
      if (r.ok() && r.response.status == 200) ++ok;
    });
  }
  for (auto& c : clients) c.join();
  EXPECT_EQ(ok, 8);
  auto counters = modelEntry("tiny-chat")["engineCounters"].as_object();
  EXPECT_EQ(counters["maxSequencesInOneDecode"].to_number<int64_t>(), 8) << bj::serialize(counters);
  EXPECT_EQ(counters["sequencesStarted"].to_number<int64_t>(), 8);
  auto stats = WorkerHarness::json(w_.call("GET", "/stats"));
  auto& tokens = stats["models"].as_object()["tiny-chat"].as_object()["tokens"].as_object();
  EXPECT_GT(tokens["completion_tokens"].to_number<int64_t>(), 8);
  EXPECT_GT(tokens["tokens_per_s"].to_number<double>(), 0);
  auto metrics = w_.call("GET", "/metrics").response.body;
  EXPECT_NE(metrics.find("npufleet_worker_generated_tokens_total{model=\"tiny-chat\"}"), std::string::npos);
  EXPECT_NE(metrics.find("npufleet_worker_time_to_first_token_seconds_bucket"), std::string::npos);
}

TEST_F(WorkerLlmTest, AClientThatLeavesMidStreamFreesItsSlotAtOnce) {
  startWorker({{"NPUFLEET_WORKER_MAX_CONCURRENT", "1"}});
  auto body = bj::serialize(bj::object{{"model", "tiny-chat"}, {"prompt", "Go on forever"},
                                       {"max_tokens", 100000}, {"temperature", 0}, {"stream", true}});
  auto req = w_.request("POST", "/v1/completions", body);
  auto signer = auth::ServiceSigner::create("main-backend", w_.key(), SystemClock::instance());
  ASSERT_TRUE(signer->sign(req));
  std::map<std::string, std::string> headers;
  for (const auto& [k, v] : req.headers.all()) headers[k] = v;
  headers["Host"] = hostPort("127.0.0.1", w_.process().port());
  const int fd = npufleet::testing::openStream("127.0.0.1", w_.process().port(), "/v1/completions",
                                               headers, "POST", body);
  ASSERT_GE(fd, 0);
  auto first = npufleet::testing::readUntil(fd, "data: ", std::chrono::seconds(20));
  ASSERT_NE(first.bytes.find("data: "), std::string::npos) << first.bytes;
  ::close(fd);
  // The only slot is free again: the next request runs at once and the engine counted a cancel.
  auto next = post("/v1/completions", {{"model", "tiny-chat"}, {"prompt", "Hi"}, {"max_tokens", 2}});
  EXPECT_EQ(next["object"], "text_completion");
  auto counters = modelEntry("tiny-chat")["engineCounters"].as_object();
  EXPECT_EQ(counters["sequencesCancelled"].to_number<int64_t>(), 1);
  // 512 cells per slot: the cancelled one ended long before its context did.
  EXPECT_LT(counters["generatedTokens"].to_number<int64_t>(), 512);
}

TEST_F(WorkerLlmTest, CorruptTruncatedAndForeignGgufFilesAreRefusedAndTheWorkerServesOn) {
  std::ifstream in(w_.modelsDir() + "/tiny-chat.gguf", std::ios::binary);
  std::string good((std::istreambuf_iterator<char>(in)), {});
  std::ofstream(w_.modelsDir() + "/cut.gguf", std::ios::binary) << good.substr(0, good.size() / 3);
  std::ofstream(w_.modelsDir() + "/junk.gguf", std::ios::binary) << "this is not a model";
  std::string foreign = good;
  const auto arch = foreign.find("llama");  // general.architecture's value
  ASSERT_NE(arch, std::string::npos);
  foreign.replace(arch, 5, "zzzzz");
  std::ofstream(w_.modelsDir() + "/foreign.gguf", std::ios::binary) << foreign;
  startWorker();
  for (const char* name : {"cut", "junk", "foreign"}) {
    auto r = w_.call("POST", std::string("/models/") + name + "/load");
    EXPECT_EQ(r.response.status, 400) << name << ": " << r.response.body;
    EXPECT_NE(r.response.body.find(name), std::string::npos);
  }
  EXPECT_TRUE(w_.process().alive());
  EXPECT_EQ(post("/v1/chat/completions", chatBody(2))["object"], "chat.completion");
}

}  // namespace
}  // namespace npufleet::worker::testing
