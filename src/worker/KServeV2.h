// The KServe Open Inference Protocol v2 (REST) on the worker's tensor models (DESIGN.md 4.4c):
// reading `POST /v2/models/{m}/infer` bodies into the same InferenceRequest that
// `POST /inference` runs, and writing v2 answers (infer results, model metadata, errors). Pure
// functions: the routes, the queue and the deadline stay in WorkerService.
//
// The OpenCV engine computes in float32 only, so FP32 is the one input datatype served; any
// other is refused naming the input and its datatype, never converted behind the caller's back.
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/Error.h"
#include "worker/InferenceRequest.h"
#include "worker/ModelRegistry.h"
#include "worker/OnnxModelInfo.h"
#include "worker/Tensor.h"

namespace npufleet::worker {

struct V2InferRequest {
  std::optional<std::string> id;  // echoed in the answer
  InferenceRequest request;       // model from the path, inputs from the body
  // Outputs asked for by name, in the caller's order; empty means every declared output.
  std::vector<std::string> outputs;
};

// Parses an infer body for `model` (already checked against isValidModelName). `data` may be
// flat or nested row-major as deep as the shape; errors are 400 and name the input or field.
Result<V2InferRequest> parseV2InferRequest(std::string_view body, const std::string& model);

// 400 naming the first requested output the model does not declare.
Status checkV2RequestedOutputs(const OnnxModelInfo& info, const std::vector<std::string>& outputs);

// {"model_name", "model_version"?, "id"?, "outputs": [{"name", "datatype": "FP32", "shape",
// "data"}]}. Outputs come in the requested order, else in the model's declared order
// (`declared`), then any the engine returned that the model does not declare. Non-finite values
// are null, as on /inference.
boost::json::object formatV2InferResponse(const std::string& model,
                                          const std::optional<std::string>& version,
                                          const std::optional<std::string>& id,
                                          const NamedTensors& results,
                                          const std::vector<std::string>& requested,
                                          const std::vector<std::string>& declared);

// v2 name of an ONNX TensorProto.DataType: FP32, INT64, ...; "UNKNOWN" for 0 or a type v2 has
// no name for.
std::string v2Datatype(int onnx_elem_type);

// {"name", "versions"?, "platform": "onnx", "inputs": [{"name", "datatype", "shape"}],
// "outputs": [...]}; -1 marks a dynamic dimension, and a tensor whose model declares no shape
// at all has shape [-1] (rank unknown).
boost::json::object formatV2ModelMetadata(const ModelEntry& entry);

// KServe's error body: {"error": "<message>"}.
boost::json::object formatV2Error(const Error& error);

}  // namespace npufleet::worker
