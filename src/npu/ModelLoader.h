// Loads and unloads models on a worker through the signing client: POST /models/{name}/load and
// /unload (npufleet worker), falling back to the reference dialect (POST /models/load
// {model_id}, DELETE /models/{id}) when the worker answers 404 to the first form. The worker's
// own error is passed back; on success capabilities are re-read and stored in the registry, and
// so they are when the worker refuses with 409 (its models are not what the registry thought).
// Unloading a model the worker has not loaded succeeds with `changed` false.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <string>

#include "common/Error.h"
#include "npu/NpuRegistry.h"

namespace npufleet::npu {

enum class ModelAction { kLoad, kUnload };

struct ModelActionResult {
  std::string node_id;
  std::string model;
  ModelAction action = ModelAction::kLoad;
  std::vector<std::string> loaded_models;  // after the action, as the worker reports it
  // False when the worker said the model already was as asked (an unload of a model it had
  // not loaded): the registry's view was stale and has been refreshed.
  bool changed = true;
};

class ModelLoader {
 public:
  explicit ModelLoader(NpuRegistry& registry);

  // Model names: 1-128 of [A-Za-z0-9._:-]; anything else is a 400 naming "model".
  static Status validateModelName(const std::string& model);

  boost::asio::awaitable<Result<ModelActionResult>> run(const fleet::Node& node,
                                                        const std::string& model,
                                                        ModelAction action);

 private:
  NpuRegistry& registry_;
};

}  // namespace npufleet::npu
