// A dense float32 tensor as it travels between the HTTP layer and the engine: row-major data
// and its shape. Free of OpenCV so that request parsing and tests stay light.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace npufleet::worker {

struct Tensor {
  std::vector<int64_t> shape;
  std::vector<float> data;
};

using NamedTensors = std::map<std::string, Tensor>;

}  // namespace npufleet::worker
