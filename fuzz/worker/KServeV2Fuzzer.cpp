// libFuzzer target: KServe v2 request bodies (worker/KServeV2.h) through the real
// worker::WorkerService (router, parseV2InferRequest, validation against the model, the shared
// tensor path with its queue and deadline, OpenCV) with the two sample models loaded.
//
// Input: byte 0 picks what the rest is:
//   0: the body of POST /v2/models/embedding-mlp/infer
//   1: the body of POST /v2/models/cnn-classifier/infer
//   2: an infer body parsed with parseV2InferRequest and checked against each sample model
//      directly (no engine), then formatted back as if its inputs were outputs
//   3: a model name for GET /v2/models/{m} and GET /v2/models/{m}/ready
//
// Properties (abort = finding): nothing throws; only documented statuses (never 500); every
// answer is JSON, and every error is exactly {"error": "<message>"}; a 200 infer answer names
// the model and carries FP32 outputs whose data fits their shape; a parsed tensor's data count
// is the product of its shape.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <memory>
#include <opencv2/core/utils/logger.hpp>
#include <optional>
#include <string>

#include "common/Clock.h"
#include "common/Log.h"
#include "worker/KServeV2.h"
#include "worker/ModelRegistry.h"
#include "worker/OnnxModel.h"
#include "worker/WorkerService.h"
#include "worker/device/DeviceProbe.h"

namespace {

using namespace npufleet;
namespace asio = boost::asio;
namespace bj = boost::json;

class FixedCpu final : public worker::DeviceProbe {
 public:
  FixedCpu() {
    info_.type = worker::DeviceType::kCpu;
    info_.name = "fuzz CPU";
    info_.driver = "cpu";
    info_.memory_total_gb = 16;
    info_.cpu_cores = 2;
  }
  const worker::DeviceInfo& info() const override { return info_; }
  std::optional<double> utilizationPercent() override { return std::nullopt; }
  std::optional<double> memoryUsedGb() override { return 4.0; }
  void refresh() override {}

 private:
  worker::DeviceInfo info_;
};

struct Worker {
  Worker() {
    worker::WorkerSettings s;
    s.models_dir = std::string(NPUFLEET_SOURCE_DIR) + "/models/samples";
    s.preload = {"embedding-mlp", "cnn-classifier"};
    s.max_concurrent = 2;
    s.threads = 1;
    s.queue_limit = 8;
    s.request_timeout_ms = 10'000;
    service = std::make_unique<worker::WorkerService>(s, std::make_unique<FixedCpu>(),
                                                      SystemClock::instance(), "fuzz");
    if (!service->preload().empty()) std::abort();
    worker::ModelRegistry registry(s.models_dir);
    for (const char* name : {"embedding-mlp", "cnn-classifier"}) {
      if (!registry.load(name)) std::abort();
      auto model = registry.get(name);
      if (!model) std::abort();
      infos.push_back((*model)->info());
    }
  }
  asio::io_context io;
  std::unique_ptr<worker::WorkerService> service;
  std::vector<worker::OnnxModelInfo> infos;
};

Worker& theWorker() {
  static Worker* w = new Worker();  // lives for the process; engine threads keep running
  return *w;
}

asio::awaitable<void> dispatch(const http::Route& route, http::Request& req,
                               std::optional<http::Response>& out) {
  out = co_await route.handler(req);
}

// nullopt when no route matches (a name with '/' in it) or the body is over the route's limit.
std::optional<http::Response> call(Worker& w, const char* method, const std::string& path,
                                   std::string body) {
  http::Request req;
  req.method = method;
  req.path = path;
  req.target = path;
  req.body = std::move(body);
  req.principal = "main-backend";
  auto match = w.service->router().match(req.method, req.path);
  if (match.route == nullptr) return std::nullopt;
  if (req.body.size() > match.route->options.body_limit) return std::nullopt;
  req.path_params = match.params;
  std::optional<http::Response> out;
  std::exception_ptr failure;
  asio::co_spawn(w.io, dispatch(*match.route, req, out),
                 [&failure](std::exception_ptr e) { failure = e; });
  w.io.restart();
  w.io.run();
  if (failure) std::rethrow_exception(failure);
  if (!out) std::abort();
  return out;
}

bool documentedStatus(int status) {
  switch (status) {
    case 200:
    case 400:
    case 404:
    case 409:
    case 503:
    case 504:
      return true;
    default:
      return false;
  }
}

// Checks status and error shape; returns the answer's JSON object.
bj::object checkAnswer(const http::Response& resp) {
  if (!documentedStatus(resp.status)) std::abort();
  boost::system::error_code ec;
  auto v = bj::parse(resp.body, ec);
  if (ec || !v.is_object()) std::abort();
  auto& o = v.as_object();
  if (resp.status != 200 && (o.size() != 1 || !o.contains("error") || !o.at("error").is_string())) {
    std::abort();
  }
  return o;
}

uint64_t elements(const bj::array& shape) {
  uint64_t n = 1;
  for (const auto& d : shape) {
    if (!d.is_int64() || d.as_int64() < 0) std::abort();
    n *= static_cast<uint64_t>(d.as_int64());
  }
  return n;
}

void checkInferAnswer(const http::Response& resp, const char* model) {
  auto o = checkAnswer(resp);
  if (resp.status != 200) return;
  if (o.at("model_name") != bj::value(model)) std::abort();
  const auto* outputs = o.if_contains("outputs");
  if (outputs == nullptr || !outputs->is_array() || outputs->as_array().empty()) std::abort();
  for (const auto& out : outputs->as_array()) {
    const auto& t = out.as_object();
    if (t.at("datatype") != bj::value("FP32")) std::abort();
    if (elements(t.at("shape").as_array()) != t.at("data").as_array().size()) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  (void)configureLogging("off");
  cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_SILENT);
  theWorker();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  Worker& w = theWorker();
  std::string body(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (data[0] % 4) {
    case 0:
    case 1: {
      const char* model = data[0] % 4 == 0 ? "embedding-mlp" : "cnn-classifier";
      auto resp = call(w, "POST", std::string("/v2/models/") + model + "/infer", std::move(body));
      if (resp) checkInferAnswer(*resp, model);
      break;
    }
    case 2: {
      auto req = worker::parseV2InferRequest(body, "m");
      if (!req) break;
      for (const auto& [name, t] : req->request.inputs) {
        uint64_t n = 1;
        for (auto d : t.shape) n *= static_cast<uint64_t>(d);
        if (n != t.data.size()) std::abort();
      }
      for (const auto& info : w.infos) {
        (void)worker::validateInputs(info, req->request.inputs);
        (void)worker::checkV2RequestedOutputs(info, req->outputs);
      }
      auto answer = worker::formatV2InferResponse("m", std::nullopt, req->id, req->request.inputs,
                                                  req->outputs, {});
      (void)bj::serialize(answer);
      break;
    }
    default: {
      for (const char* suffix : {"", "/ready"}) {
        auto resp = call(w, "GET", "/v2/models/" + body + suffix, "");
        if (resp) (void)checkAnswer(*resp);
      }
      break;
    }
  }
  return 0;
}
