// Worker POST /inference throughput against a bare OpenCV forward() loop on the same model
// (models/samples/cnn-classifier.onnx): what the HTTP layer, JSON/base64, validation, the
// queue and the thread hand-offs cost on top of the engine. The worker runs in-process on
// 127.0.0.1 without the signature middleware (its cost is measured in bench/auth).
#include <benchmark/benchmark.h>
#include <spdlog/spdlog.h>
#include <opencv2/dnn.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <fstream>
#include <sstream>
#include <thread>

#include "common/Clock.h"
#include "http/Client.h"
#include "http/Server.h"
#include "worker/InferenceRequest.h"
#include "worker/WorkerService.h"
#include "worker/device/DeviceDetector.h"

namespace {
using namespace npufleet;

const std::string kModel = std::string(NPUFLEET_SOURCE_DIR) + "/models/samples/cnn-classifier.onnx";

std::vector<float> image() {
  std::vector<float> img(28 * 28);
  for (size_t i = 0; i < img.size(); ++i) img[i] = static_cast<float>(i % 28) / 28.0f;
  return img;
}

void BM_OpenCvForward(benchmark::State& state) {
  cv::dnn::Net net = cv::dnn::readNetFromONNX(kModel);
  auto img = image();
  int sizes[] = {1, 1, 28, 28};
  for (auto _ : state) {
    cv::Mat blob(4, sizes, CV_32F, img.data());
    net.setInput(blob, "image");
    cv::Mat out = net.forward("probabilities");
    benchmark::DoNotOptimize(out.data);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_OpenCvForward)->UseRealTime();

struct InProcessWorker {
  explicit InProcessWorker(int max_concurrent) {
    spdlog::set_level(spdlog::level::warn);  // no access log per request
    worker::WorkerSettings s;
    s.models_dir = std::string(NPUFLEET_SOURCE_DIR) + "/models/samples";
    s.max_concurrent = max_concurrent;
    s.queue_limit = 1024;
    s.preload = {"cnn-classifier"};
    worker::DeviceDetectorOptions d;
    d.device = "cpu";
    service = std::make_unique<worker::WorkerService>(s, worker::DeviceDetector(d).detect(),
                                                      SystemClock::instance(), "bench");
    service->preload();
    http::ServerOptions o;
    o.listen = "127.0.0.1:0";
    server = std::make_unique<http::Server>(io, service->router(), o, service->metricsRegistry());
    port = server->start()->port;
    for (int i = 0; i < 2; ++i) threads.emplace_back([this] { io.run(); });
  }
  ~InProcessWorker() {
    io.stop();
    for (auto& t : threads) t.join();
    server.reset();
    service->stop();
  }
  boost::asio::io_context io;
  std::unique_ptr<worker::WorkerService> service;
  std::unique_ptr<http::Server> server;
  std::vector<std::thread> threads;
  uint16_t port = 0;
};

InProcessWorker* g_worker = nullptr;

void BM_WorkerInference(benchmark::State& state) {
  if (state.thread_index() == 0 && g_worker == nullptr) g_worker = new InProcessWorker(2);
  std::string body = boost::json::serialize(boost::json::object{
      {"model", "cnn-classifier"},
      {"inputs", boost::json::object{{"image", boost::json::object{
                                                   {"shape", boost::json::array{1, 1, 28, 28}},
                                                   {"b64", worker::encodeFloatsBase64(image())}}}}},
      {"output_encoding", "b64"}});
  while (g_worker == nullptr || g_worker->port == 0) std::this_thread::yield();
  int64_t failures = 0;
  for (auto _ : state) {
    http::ClientRequest r;
    r.method = "POST";
    r.host = "127.0.0.1";
    r.port = g_worker->port;
    r.target = "/inference";
    r.body = body;
    r.headers.set("Content-Type", "application/json");
    auto res = http::sendBlocking(std::move(r));
    if (!res.ok() || res.response.status != 200) ++failures;
  }
  state.counters["failures"] = static_cast<double>(failures);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_WorkerInference)->UseRealTime()->Threads(1)->Threads(4);

}  // namespace

BENCHMARK_MAIN();
