// Correctness on data nobody here wrote: the float32 node tests of Debian's libonnx-testdata
// (model.onnx + test_data_set_0/{input,output}_*.pb) go through POST /inference of the real
// worker and are compared with the reference outputs (rtol 1e-3, atol 1e-4). Models OpenCV 4.6
// cannot import or computes wrongly are listed, not hidden; at least 40 must pass.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cmath>
#include <filesystem>
#include <iostream>

#include "worker/InferenceRequest.h"
#include "worker/OnnxModelInfo.h"
#include "worker/OnnxTensor.h"
#include "worker/WorkerHarness.h"

namespace npufleet::worker::testing {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

const char* kNodeDir = "/usr/share/libonnx-testdata/data/node";

std::string readAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct NodeCase {
  std::string name;
  std::vector<OnnxTensor> inputs;
  std::vector<OnnxTensor> outputs;
  OnnxModelInfo info;
};

// Only cases whose every input and output is float32 and whose inputs match the model's.
std::optional<NodeCase> loadCase(const fs::path& dir) {
  NodeCase c;
  c.name = dir.filename().string();
  auto model = readAll(dir / "model.onnx");
  auto info = parseOnnxModel(model);
  if (!info) return std::nullopt;
  c.info = *info;
  auto data = dir / "test_data_set_0";
  for (int i = 0;; ++i) {
    auto p = data / ("input_" + std::to_string(i) + ".pb");
    if (!fs::exists(p)) break;
    auto t = parseOnnxTensor(readAll(p));
    if (!t) return std::nullopt;
    c.inputs.push_back(std::move(*t));
  }
  for (int i = 0;; ++i) {
    auto p = data / ("output_" + std::to_string(i) + ".pb");
    if (!fs::exists(p)) break;
    auto t = parseOnnxTensor(readAll(p));
    if (!t) return std::nullopt;
    c.outputs.push_back(std::move(*t));
  }
  if (c.inputs.empty() || c.outputs.empty()) return std::nullopt;
  if (c.inputs.size() != c.info.inputs.size()) return std::nullopt;
  if (c.outputs.size() != c.info.outputs.size()) return std::nullopt;
  for (size_t i = 0; i < c.inputs.size(); ++i) {
    if (c.inputs[i].name.empty()) c.inputs[i].name = c.info.inputs[i].name;
    if (c.info.inputs[i].elem_type != kOnnxFloat) return std::nullopt;
  }
  for (size_t i = 0; i < c.outputs.size(); ++i) {
    if (c.outputs[i].name.empty()) c.outputs[i].name = c.info.outputs[i].name;
  }
  return c;
}

std::string requestBody(const NodeCase& c) {
  json::object inputs;
  for (const auto& t : c.inputs) {
    json::array shape;
    for (auto d : t.dims) shape.push_back(d);
    inputs[t.name] = json::object{{"shape", shape}, {"b64", encodeFloatsBase64(t.values)}};
  }
  return json::serialize(
      json::object{{"model", c.name}, {"inputs", inputs}, {"output_encoding", "b64"}});
}

// Empty when the outputs match; otherwise why not.
std::string compare(const NodeCase& c, json::object& response) {
  auto* outputs = response.if_contains("outputs");
  if (!outputs || !outputs->is_object()) return "no outputs in the response";
  for (const auto& want : c.outputs) {
    auto* got = outputs->as_object().if_contains(want.name);
    if (!got) return "output '" + want.name + "' missing";
    auto values = decodeFloatsBase64(std::string_view(got->as_object().at("b64").as_string()), "b64");
    if (!values) return "bad b64";
    if (values->size() != want.values.size()) {
      return "output '" + want.name + "' has " + std::to_string(values->size()) + " values, want " +
             std::to_string(want.values.size());
    }
    std::vector<int64_t> shape;
    for (auto& d : got->as_object().at("shape").as_array()) shape.push_back(d.to_number<int64_t>());
    if (shape != want.dims) return "output '" + want.name + "' has the wrong shape";
    for (size_t i = 0; i < values->size(); ++i) {
      float a = (*values)[i], b = want.values[i];
      if (std::isnan(a) && std::isnan(b)) continue;
      if (!(std::fabs(a - b) <= 1e-4f + 1e-3f * std::fabs(b))) {
        return "output '" + want.name + "'[" + std::to_string(i) + "] = " + std::to_string(a) +
               ", want " + std::to_string(b);
      }
    }
  }
  return {};
}

TEST(WorkerOnnxNodes, Float32NodeTestsMatchTheReferenceOutputs) {
  if (!fs::exists(kNodeDir)) GTEST_SKIP() << "libonnx-testdata is not installed";
  WorkerHarness w;
  std::vector<NodeCase> cases;
  std::vector<fs::path> dirs;
  for (const auto& e : fs::directory_iterator(kNodeDir)) dirs.push_back(e.path());
  std::sort(dirs.begin(), dirs.end());
  for (const auto& d : dirs) {
    auto c = loadCase(d);
    if (!c) continue;
    fs::copy_file(d / "model.onnx", fs::path(w.modelsDir()) / (c->name + ".onnx"));
    cases.push_back(std::move(*c));
  }
  ASSERT_GE(cases.size(), 40u);
  std::string error;
  std::map<std::string, std::string> env{{"NPUFLEET_WORKER_REQUEST_TIMEOUT_MS", "20000"}};
  ASSERT_TRUE(w.start(env, {}, &error)) << error;

  std::vector<std::string> passed;
  std::map<std::string, std::string> import_failed, run_failed, wrong, crashed;
  size_t n = 0;
  for (const auto& c : cases) {
    // One line per case, flushed: when a run hits ctest's timeout, its output names the case
    // the worker was on (each call has its own 60 s timeout; a hang once took all 600 s).
    std::cout << "[" << ++n << "/" << cases.size() << "] " << c.name << std::endl;
    auto load = w.call("POST", "/models/" + c.name + "/load");
    if (!load.ok() || !w.process().alive()) {
      crashed[c.name] = "on load";
      ASSERT_TRUE(w.start(env, {}, &error)) << error;
      continue;
    }
    if (load.response.status != 200) {
      auto body = WorkerHarness::json(load);
      import_failed[c.name] = json::serialize(body["error"].as_object()["message"]);
      continue;
    }
    auto r = w.call("POST", "/inference", requestBody(c));
    if (!r.ok() || !w.process().alive()) {
      crashed[c.name] = "on inference";
      ASSERT_TRUE(w.start(env, {}, &error)) << error;
      continue;
    }
    if (r.response.status != 200) {
      run_failed[c.name] = std::to_string(r.response.status) + " " + r.response.body.substr(0, 300);
    } else {
      auto body = WorkerHarness::json(r);
      auto why = compare(c, body);
      if (why.empty()) {
        passed.push_back(c.name);
      } else {
        wrong[c.name] = why;
      }
    }
    w.call("POST", "/models/" + c.name + "/unload");
  }
  std::cout << "float32 node tests: " << cases.size() << " candidates, " << passed.size()
            << " passed, " << import_failed.size() << " not importable, " << run_failed.size()
            << " failed to run, " << wrong.size() << " wrong results, " << crashed.size()
            << " crashed the worker\n";
  std::cout << "PASSED:";
  for (const auto& n : passed) std::cout << ' ' << n;
  std::cout << "\n";
  for (const auto& [n, why] : import_failed) std::cout << "IMPORT " << n << ": " << why.substr(0, 200) << "\n";
  for (const auto& [n, why] : run_failed) std::cout << "RUN " << n << ": " << why << "\n";
  for (const auto& [n, why] : wrong) std::cout << "WRONG " << n << ": " << why << "\n";
  for (const auto& [n, why] : crashed) std::cout << "CRASH " << n << ": " << why << "\n";
  EXPECT_GE(passed.size(), 40u);
  EXPECT_TRUE(crashed.empty()) << crashed.size() << " models took the worker down";
}

}  // namespace
}  // namespace npufleet::worker::testing
