// libFuzzer target: the worker's request bodies and inference tensors, through the real
// worker::WorkerService (its router, InferenceRequest parsing, validation against the model,
// the bounded queue, and OnnxModel turning tensors into cv::Mat and back) with the two sample
// models of models/samples loaded.
//
// Input: byte 0 picks what the rest is:
//   0: the body of POST /inference
//   1: the body of POST /models/load (the reference worker's {model_id, model_config})
//   2: an inference body parsed with parseInferenceRequest and checked against each sample
//      model's declared inputs directly (no engine), plus the float <-> base64 codec
//
// Properties (abort = finding): nothing throws; the worker answers only statuses it documents
// (never 500: an OpenCV failure on inputs that validation let through is a bug of validation);
// every answer is JSON; a 200 to /inference carries the model's outputs; every tensor that
// parses survives base64 encoding and decoding bit for bit.
#include <opencv2/core/utils/logger.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <memory>
#include <optional>
#include <string>

#include "common/Clock.h"
#include "common/Log.h"
#include "worker/InferenceRequest.h"
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

http::Response call(Worker& w, const char* method, const char* path, std::string body) {
  http::Request req;
  req.method = method;
  req.path = path;
  req.target = path;
  req.body = std::move(body);
  req.principal = "main-backend";
  auto match = w.service->router().match(req.method, req.path);
  if (match.route == nullptr) std::abort();
  if (req.body.size() > match.route->options.body_limit) return http::Response::noContent();
  req.path_params = match.params;
  std::optional<http::Response> out;
  std::exception_ptr failure;
  asio::co_spawn(w.io, dispatch(*match.route, req, out),
                 [&failure](std::exception_ptr e) { failure = e; });
  w.io.restart();
  w.io.run();
  if (failure) std::rethrow_exception(failure);
  if (!out) std::abort();
  return std::move(*out);
}

bool documentedStatus(int status) {
  switch (status) {
    case 200: case 204: case 400: case 404: case 409: case 413: case 429: case 503: case 504:
      return true;
    default:
      return false;
  }
}

bj::value answerJson(const http::Response& resp) {
  boost::system::error_code ec;
  auto v = bj::parse(resp.body, ec);
  if (ec) std::abort();
  return v;
}

void checkCodec(const worker::Tensor& t) {
  auto decoded = worker::decodeFloatsBase64(worker::encodeFloatsBase64(t.data), "x");
  if (!decoded || decoded->size() != t.data.size()) std::abort();
  for (size_t i = 0; i < t.data.size(); ++i) {
    if (std::bit_cast<uint32_t>((*decoded)[i]) != std::bit_cast<uint32_t>(t.data[i])) std::abort();
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
  switch (data[0] % 3) {
    case 0: {
      auto resp = call(w, "POST", "/inference", std::move(body));
      if (resp.status == 204) return 0;  // over the route's body limit: the server's 413
      if (!documentedStatus(resp.status)) std::abort();
      auto answer = answerJson(resp);
      if (resp.status == 200) {
        const auto* o = answer.if_object();
        if (o == nullptr || !o->contains("outputs") || !o->at("outputs").is_object() ||
            o->at("outputs").as_object().empty()) {
          std::abort();
        }
      }
      break;
    }
    case 1: {
      auto resp = call(w, "POST", "/models/load", std::move(body));
      if (!documentedStatus(resp.status)) std::abort();
      (void)answerJson(resp);
      break;
    }
    default: {
      auto req = worker::parseInferenceRequest(body);
      if (!req) break;
      for (const auto& [name, t] : req->inputs) checkCodec(t);
      for (const auto& info : w.infos) (void)worker::validateInputs(info, req->inputs);
      (void)worker::tensorToJson(req->inputs.begin()->second, req->b64_outputs);
      break;
    }
  }
  return 0;
}
