// A float32 tensor read from a serialized ONNX TensorProto (test data sets, initializers).
// Accepts float_data and raw_data (little-endian) encodings; other element types are refused.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/Error.h"

namespace npufleet::worker {

struct OnnxTensor {
  std::string name;
  int data_type = 0;
  std::vector<int64_t> dims;
  std::vector<float> values;
};

Result<OnnxTensor> parseOnnxTensor(std::string_view bytes);

}  // namespace npufleet::worker
