// libFuzzer target: ONNX files as the worker reads them. Model files come from the models
// directory, test tensors from ONNX test data sets; both are parsed by the worker's own
// protobuf reader (worker/ProtobufReader, OnnxModelInfo, OnnxTensor) before OpenCV sees them.
//
// Input: byte 0 picks the parser, the rest is the file:
//   0: parseOnnxModel (ModelProto: inputs minus initializers, shapes, element types, operators)
//   1: parseOnnxTensor (TensorProto: float_data / raw_data)
//   2: what ModelRegistry::load does: parseOnnxModel, then OnnxModel::load (OpenCV's importer)
//      for a model the worker would accept
//
// Properties (abort = finding): nothing throws and nothing reads out of bounds; a parsed model
// has an IR version, its shapes hold -1 (unknown) or non-negative sizes and elementCount() never
// overflows; a parsed tensor is float32 and holds exactly as many values as its shape says.
#include <opencv2/core/utils/logger.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "worker/OnnxModel.h"
#include "worker/OnnxModelInfo.h"
#include "worker/OnnxTensor.h"

namespace {

using namespace npufleet;

void checkSpec(const worker::TensorSpec& s) {
  for (auto d : s.shape) {
    if (d < -1) std::abort();
  }
  if (!s.has_shape && !s.shape.empty()) std::abort();
  const int64_t n = s.elementCount();
  if (n < -1) std::abort();
}

void checkTensor(const worker::OnnxTensor& t) {
  int64_t count = 1;
  for (auto d : t.dims) {
    if (d < 0) std::abort();
    count *= d;
  }
  if (t.data_type != worker::kOnnxFloat) std::abort();
  if (static_cast<int64_t>(t.values.size()) != count) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // OpenCV logs every model it cannot import; the fuzzer makes thousands.
  cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_SILENT);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const std::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (data[0] % 3) {
    case 0:
    case 2: {
      auto info = worker::parseOnnxModel(bytes);
      if (!info) return 0;
      if (info->ir_version <= 0) std::abort();
      for (const auto& s : info->inputs) checkSpec(s);
      for (const auto& s : info->outputs) checkSpec(s);
      if (data[0] % 3 != 2) return 0;
      // ModelRegistry::load's next step; OnnxModel::load refuses non-float inputs first.
      auto model = worker::OnnxModel::load("fuzz", std::string(bytes), *info);
      (void)model;
      return 0;
    }
    default: {
      auto t = worker::parseOnnxTensor(bytes);
      if (t) checkTensor(*t);
      return 0;
    }
  }
}
