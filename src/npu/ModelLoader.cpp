#include "npu/ModelLoader.h"

#include <boost/json/serialize.hpp>

#include "common/ModelName.h"

namespace npufleet::npu {

namespace asio = boost::asio;

ModelLoader::ModelLoader(NpuRegistry& registry) : registry_(registry) {}

// The worker's own rule (common/ModelName): a name the worker would refuse is refused here,
// with a message naming the field, instead of as the worker's 400.
Status ModelLoader::validateModelName(const std::string& model) {
  if (!isValidModelName(model)) {
    return Error::badRequest(
        "model name must be 1-128 letters, digits, '.', '_' or '-', and not '.' or '..'", "model");
  }
  return okStatus();
}

asio::awaitable<Result<ModelActionResult>> ModelLoader::run(const fleet::Node& node,
                                                            const std::string& model,
                                                            ModelAction action) {
  if (auto st = validateModelName(model); !st) co_return st.error();
  CapabilityDetector& d = registry_.detector();
  // Loading a model can take a while (reading and compiling it): allow more than a probe.
  DetectorTimeouts timeouts{d.timeouts().connect, std::max(d.timeouts().total, std::chrono::milliseconds(60000))};
  const char* verb = action == ModelAction::kLoad ? "load" : "unload";
  auto r = co_await d.call("POST", node.ip, node.npu_port, "/models/" + model + "/" + verb, {},
                           timeouts);
  // A 404 that names no route ("Not Found", "no such endpoint") means this worker speaks the
  // reference container's dialect; a 404 with the worker's own reason (an unknown model) is the
  // answer and is passed back.
  auto routeMissing = [](const Error& e) {
    const std::string& m = e.message;
    return m.find("no such endpoint") != std::string::npos ||
           (m.size() >= 11 && m.compare(m.size() - 11, 11, ": Not Found") == 0) ||
           m.find(": ") == std::string::npos;
  };
  if (!r && r.error().code == ErrorCode::kNotFound && routeMissing(r.error())) {
    if (action == ModelAction::kLoad) {
      std::string body = boost::json::serialize(
          boost::json::object{{"model_id", model}, {"model_config", boost::json::object{}}});
      r = co_await d.call("POST", node.ip, node.npu_port, "/models/load", body, timeouts);
    } else {
      r = co_await d.call("DELETE", node.ip, node.npu_port, "/models/" + model, {}, timeouts);
    }
  }
  // 409: the worker's models are not what the registry thought (the npufleet worker's answer
  // to unloading a model it has not loaded). The registry follows the worker either way.
  const bool stale = !r && r.error().code == ErrorCode::kConflict;
  const bool already_unloaded = stale && action == ModelAction::kUnload;
  if (!r && !already_unloaded) {
    Error e = r.error();
    e.message = std::string("worker could not ") + verb + " model '" + model + "': " + e.message;
    if (stale) {
      auto fresh = co_await d.detect(node.ip, node.npu_port);
      if (fresh) registry_.applyReport(node.id, *fresh);
    }
    co_return e;
  }
  ModelActionResult out{node.id, model, action, {}, !already_unloaded};
  auto fresh = co_await d.detect(node.ip, node.npu_port);
  if (fresh) {
    registry_.applyReport(node.id, *fresh);
    out.loaded_models = fresh->loaded_models;
  } else if (auto s = registry_.state(node.id)) {
    out.loaded_models = s->loaded_models;
  }
  co_return out;
}

}  // namespace npufleet::npu
