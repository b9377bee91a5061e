// Paths of the committed sample models, shared by the worker's unit tests.
#pragma once

#include <fstream>
#include <sstream>
#include <string>

namespace npufleet::worker::testing {

inline std::string samplePath(const std::string& name) {
  return std::string(NPUFLEET_SOURCE_DIR) + "/models/samples/" + name + ".onnx";
}

inline std::string readAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace npufleet::worker::testing
