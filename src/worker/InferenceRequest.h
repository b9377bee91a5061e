// The JSON body of POST /inference, in both dialects: ours `{model, inputs: {<name>: {shape,
// data | b64}}}` and the reference worker's `model_id`. Parsing checks types and sizes and
// names the offending field; checking against the model's declared inputs is validateInputs.
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "common/Error.h"
#include "worker/Tensor.h"

namespace npufleet::worker {

struct InferenceRequest {
  std::string model;
  NamedTensors inputs;
  std::optional<int64_t> timeout_ms;  // the caller's own deadline, capped by the worker's
  bool b64_outputs = false;           // "output_encoding": "b64"
};

Result<InferenceRequest> parseInferenceRequest(std::string_view body);

// {"shape": [...], "data": [...]} or {"shape": [...], "b64": "..."} when `b64`.
boost::json::object tensorToJson(const Tensor& t, bool b64);

// Standard base64 of little-endian float32 values, and back.
std::string encodeFloatsBase64(const std::vector<float>& values);
Result<std::vector<float>> decodeFloatsBase64(std::string_view text, const std::string& field);

}  // namespace npufleet::worker
