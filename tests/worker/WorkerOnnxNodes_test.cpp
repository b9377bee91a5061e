// Correctness on data nobody here wrote: the float32 node tests of Debian's libonnx-testdata
// (model.onnx + test_data_set_0/{input,output}_*.pb) go through POST /inference of the real
// worker, and again through KServe v2's POST /v2/models/{m}/infer, and are compared with
// the reference outputs (rtol 1e-3, atol 1e-4). Models OpenCV 4.6
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

// The same case as a KServe v2 infer body: JSON numbers, so inputs must be finite.
std::optional<std::string> v2RequestBody(const NodeCase& c) {
  json::array inputs;
  for (const auto& t : c.inputs) {
    json::array shape, data;
    for (auto d : t.dims) shape.push_back(d);
    for (float f : t.values) {
      if (!std::isfinite(f)) return std::nullopt;
      data.push_back(static_cast<double>(f));
    }
    inputs.push_back(json::object{
        {"name", t.name}, {"datatype", "FP32"}, {"shape", shape}, {"data", data}});
  }
  return json::serialize(json::object{{"id", c.name}, {"inputs", inputs}});
}

// Empty when the v2 answer matches the reference outputs; otherwise why not. A null value
// stands for a non-finite one (JSON has none), so it matches a NaN or infinite reference.
std::string compareV2(const NodeCase& c, json::object& response) {
  if (response["model_name"] != json::value(c.name)) return "model_name is not the model";
  if (response["id"] != json::value(c.name)) return "id not echoed";
  auto* outputs = response.if_contains("outputs");
  if (!outputs || !outputs->is_array()) return "no outputs in the response";
  for (const auto& want : c.outputs) {
    const json::object* got = nullptr;
    for (const auto& o : outputs->as_array()) {
      if (o.is_object() && o.as_object().contains("name") &&
          o.as_object().at("name") == json::value(want.name)) {
        got = &o.as_object();
      }
    }
    if (!got) return "output '" + want.name + "' missing";
    if (got->at("datatype") != json::value("FP32")) return "output '" + want.name + "' not FP32";
    const auto& values = got->at("data").as_array();
    if (values.size() != want.values.size()) {
      return "output '" + want.name + "' has " + std::to_string(values.size()) + " values, want " +
             std::to_string(want.values.size());
    }
    std::vector<int64_t> shape;
    for (auto& d : got->at("shape").as_array()) shape.push_back(d.to_number<int64_t>());
    if (shape != want.dims) return "output '" + want.name + "' has the wrong shape";
    for (size_t i = 0; i < values.size(); ++i) {
      float b = want.values[i];
      if (values[i].is_null()) {
        if (!std::isfinite(b)) continue;
        return "output '" + want.name + "'[" + std::to_string(i) + "] = null, want " +
               std::to_string(b);
      }
      float a = static_cast<float>(values[i].to_number<double>());
      if (!(std::fabs(a - b) <= 1e-4f + 1e-3f * std::fabs(b))) {
        return "output '" + want.name + "'[" + std::to_string(i) + "] = " + std::to_string(a) +
               ", want " + std::to_string(b);
      }
    }
  }
  return {};
}

// How a case goes over the wire: the route, its body (nullopt: not expressible there) and the
// comparison of its answer with the reference outputs.
struct NodeRoute {
  std::string (*target)(const NodeCase&);
  std::optional<std::string> (*body)(const NodeCase&);
  std::string (*compare)(const NodeCase&, json::object&);
};

// Loads every candidate in turn on one real worker, runs it through `route` and reports.
void runNodeTests(const NodeRoute& route) {
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
  std::vector<std::string> not_expressible;
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
    auto body = route.body(c);
    if (!body) {
      not_expressible.push_back(c.name);
      w.call("POST", "/models/" + c.name + "/unload");
      continue;
    }
    auto r = w.call("POST", route.target(c), *body);
    if (!r.ok() || !w.process().alive()) {
      crashed[c.name] = "on inference";
      ASSERT_TRUE(w.start(env, {}, &error)) << error;
      continue;
    }
    if (r.response.status != 200) {
      run_failed[c.name] = std::to_string(r.response.status) + " " + r.response.body.substr(0, 300);
    } else {
      auto answer = WorkerHarness::json(r);
      auto why = route.compare(c, answer);
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
            << " crashed the worker, " << not_expressible.size()
            << " with inputs the route cannot carry\n";
  std::cout << "PASSED:";
  for (const auto& n : passed) std::cout << ' ' << n;
  std::cout << "\n";
  for (const auto& [n, why] : import_failed) std::cout << "IMPORT " << n << ": " << why.substr(0, 200) << "\n";
  for (const auto& [n, why] : run_failed) std::cout << "RUN " << n << ": " << why << "\n";
  for (const auto& [n, why] : wrong) std::cout << "WRONG " << n << ": " << why << "\n";
  for (const auto& [n, why] : crashed) std::cout << "CRASH " << n << ": " << why << "\n";
  for (const auto& n : not_expressible) std::cout << "NOT SENT " << n << "\n";
  EXPECT_GE(passed.size(), 40u);
  EXPECT_TRUE(crashed.empty()) << crashed.size() << " models took the worker down";
}

TEST(WorkerOnnxNodes, Float32NodeTestsMatchTheReferenceOutputs) {
  runNodeTests({[](const NodeCase&) { return std::string("/inference"); },
                [](const NodeCase& c) { return std::optional<std::string>(requestBody(c)); },
                compare});
}

// The same cases through POST /v2/models/{m}/infer (KServe v2, JSON data).
TEST(WorkerOnnxNodes, V2InferMatchesTheReferenceOutputs) {
  runNodeTests({[](const NodeCase& c) { return "/v2/models/" + c.name + "/infer"; },
                v2RequestBody, compareV2});
}

}  // namespace
}  // namespace npufleet::worker::testing
