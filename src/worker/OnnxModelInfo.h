// What the worker needs to know about an ONNX model before handing it to OpenCV: its real
// inputs (graph inputs minus initializers, since IR3 models list weights among the inputs),
// their element types and declared shapes, the outputs and the operators used. Parsed from the
// protobuf bytes by hand; hostile bytes give an error, never a crash.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/Error.h"

namespace npufleet::worker {

// ONNX TensorProto.DataType values the worker cares about.
inline constexpr int kOnnxFloat = 1;

struct TensorSpec {
  std::string name;
  int elem_type = 0;           // ONNX TensorProto.DataType; 0 when undeclared
  std::vector<int64_t> shape;  // -1 for a symbolic or missing dimension
  bool has_shape = false;      // false when the model declares no shape at all

  // Product of the dimensions; nullopt-like -1 when any dimension is dynamic.
  int64_t elementCount() const;
};

struct OnnxModelInfo {
  int64_t ir_version = 0;
  int64_t opset = 0;  // default-domain opset, 0 when absent
  std::string producer;
  std::vector<TensorSpec> inputs;   // without initializers
  std::vector<TensorSpec> outputs;
  std::vector<std::string> op_types;  // distinct, in order of first use
  size_t node_count = 0;
  size_t initializer_count = 0;
};

// Parses a serialized ModelProto. Errors name what was malformed.
Result<OnnxModelInfo> parseOnnxModel(std::string_view bytes);

}  // namespace npufleet::worker
