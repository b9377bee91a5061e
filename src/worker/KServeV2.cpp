#include "worker/KServeV2.h"

#include <boost/json.hpp>
#include <cfloat>
#include <cmath>
#include <set>

#include "common/Json.h"

namespace npufleet::worker {
namespace {

constexpr size_t kMaxRank = 8;

std::string quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

// One JSON number as float32; out-of-range values are refused rather than cast (the cast is
// undefined behaviour, and infinity is not what the caller sent).
Result<float> toFloat(const boost::json::value& v, const std::string& where,
                      const std::string& field) {
  auto n = json::asNumber(v);
  if (!n) return Error::badRequest(where + ": data must hold numbers only", field);
  if (!(std::fabs(*n) <= static_cast<double>(FLT_MAX))) {
    return Error::badRequest(
        where + ": data value " + json::serialize(v) + " is outside the FP32 range", field);
  }
  return static_cast<float>(*n);
}

// Nested data: level `level` must be an array of shape[level] items, numbers at the last level.
Status flattenNested(const boost::json::value& v, const std::vector<int64_t>& shape, size_t level,
                     std::vector<float>& out, const std::string& where, const std::string& field) {
  if (level == shape.size()) {
    auto f = toFloat(v, where, field);
    if (!f) return f.error();
    out.push_back(*f);
    return okStatus();
  }
  const auto* a = v.if_array();
  if (a == nullptr || static_cast<int64_t>(a->size()) != shape[level]) {
    return Error::badRequest(where + ": nested data does not match shape at dimension " +
                                 std::to_string(level) + " (want " + std::to_string(shape[level]) +
                                 " items)",
                             field);
  }
  for (const auto& x : *a) {
    if (auto st = flattenNested(x, shape, level + 1, out, where, field); !st) return st;
  }
  return okStatus();
}

Result<std::pair<std::string, Tensor>> parseInput(const boost::json::value& v, size_t index) {
  std::string field = "inputs[" + std::to_string(index) + "]";
  const auto* o = v.if_object();
  if (o == nullptr) {
    return Error::badRequest(field + " must be an object {name, datatype, shape, data}", field);
  }
  auto name = json::optString(*o, "name");
  if (!name || !*name || (*name)->empty()) {
    return Error::badRequest(field + ".name must be a non-empty string", field + ".name");
  }
  std::string where = "input " + quoted(**name);
  if (auto keys = json::onlyKeys(*o, {"name", "datatype", "shape", "data", "parameters"}); !keys) {
    return Error::badRequest(where + ": " + keys.error().message, field);
  }
  auto datatype = json::optString(*o, "datatype");
  if (!datatype || !*datatype) {
    return Error::badRequest(where + ": datatype must be a string such as \"FP32\"",
                             field + ".datatype");
  }
  if (**datatype != "FP32") {
    return Error::badRequest(
        where + " has datatype " + **datatype + "; this engine serves FP32 inputs only",
        field + ".datatype");
  }
  if (const auto* p = o->if_contains("parameters"); p != nullptr) {
    if (!p->is_object()) {
      return Error::badRequest(where + ": parameters must be an object", field + ".parameters");
    }
    if (p->as_object().contains("binary_data_size")) {
      return Error::badRequest(where +
                                   ": the binary tensor extension is not supported; send "
                                   "data as JSON",
                               field + ".parameters.binary_data_size");
    }
  }
  Tensor t;
  const auto* shape = o->if_contains("shape");
  if (shape == nullptr || !shape->is_array()) {
    return Error::badRequest(where + ": shape must be an array of integers", field + ".shape");
  }
  if (shape->as_array().size() > kMaxRank) {
    return Error::badRequest(where + ": shape has more than 8 dimensions", field + ".shape");
  }
  for (const auto& d : shape->as_array()) {
    int64_t dim = -1;
    if (d.is_int64()) dim = d.as_int64();
    if (d.is_uint64() && d.as_uint64() < (uint64_t{1} << 62)) {
      dim = static_cast<int64_t>(d.as_uint64());
    }
    if (dim < 0) {
      return Error::badRequest(where + ": shape must hold non-negative integers", field + ".shape");
    }
    t.shape.push_back(dim);
  }
  const auto* data = o->if_contains("data");
  if (data == nullptr || !data->is_array()) {
    return Error::badRequest(where + ": data must be an array of numbers, flat or nested",
                             field + ".data");
  }
  const auto& arr = data->as_array();
  bool nested = !arr.empty() && arr[0].is_array();
  if (nested) {
    if (auto st = flattenNested(*data, t.shape, 0, t.data, where, field + ".data"); !st) {
      return st.error();
    }
  } else {
    // The element count the shape implies, saturating well above anything a body can carry.
    uint64_t want = 1;
    for (auto d : t.shape) {
      want = (d != 0 && want > (uint64_t{1} << 40) / static_cast<uint64_t>(d))
                 ? (uint64_t{1} << 40)
                 : want * static_cast<uint64_t>(d);
    }
    if (want != arr.size()) {
      return Error::badRequest(where + ": shape implies " + std::to_string(want) +
                                   " elements but data has " + std::to_string(arr.size()),
                               field + ".data");
    }
    t.data.reserve(arr.size());
    for (const auto& x : arr) {
      auto f = toFloat(x, where, field + ".data");
      if (!f) return f.error();
      t.data.push_back(*f);
    }
  }
  return std::pair{**name, std::move(t)};
}

boost::json::array shapeJson(const std::vector<int64_t>& shape) {
  boost::json::array a;
  for (auto d : shape) a.push_back(d);
  return a;
}

boost::json::object outputJson(const std::string& name, const Tensor& t) {
  boost::json::array data;
  data.reserve(t.data.size());
  for (float f : t.data) {
    if (std::isfinite(f)) {
      data.push_back(static_cast<double>(f));
    } else {
      data.push_back(nullptr);  // JSON has no NaN or infinity
    }
  }
  return boost::json::object{{"name", name},
                             {"datatype", "FP32"},
                             {"shape", shapeJson(t.shape)},
                             {"data", std::move(data)}};
}

boost::json::array specsJson(const std::vector<TensorSpec>& specs) {
  boost::json::array out;
  for (const auto& s : specs) {
    boost::json::array shape;
    if (s.has_shape) {
      for (auto d : s.shape) shape.push_back(d < 0 ? int64_t{-1} : d);
    } else {
      shape.push_back(-1);
    }
    out.push_back(boost::json::object{
        {"name", s.name}, {"datatype", v2Datatype(s.elem_type)}, {"shape", std::move(shape)}});
  }
  return out;
}

}  // namespace

Result<V2InferRequest> parseV2InferRequest(std::string_view body, const std::string& model) {
  auto obj = json::parseObject(body);
  if (!obj) return obj.error();
  if (auto keys = json::onlyKeys(*obj, {"id", "inputs", "outputs", "parameters"}); !keys) {
    return keys.error();
  }
  V2InferRequest out;
  out.request.model = model;
  auto id = json::optString(*obj, "id");
  if (!id) return id.error();
  out.id = *id;
  if (const auto* p = obj->if_contains("parameters"); p != nullptr) {
    if (!p->is_object()) return Error::badRequest("parameters must be an object", "parameters");
    if (const auto* b = p->as_object().if_contains("binary_data_output");
        b != nullptr && b->is_bool() && b->as_bool()) {
      return Error::badRequest("the binary tensor extension is not supported",
                               "parameters.binary_data_output");
    }
  }
  const auto* inputs = obj->if_contains("inputs");
  if (inputs == nullptr || !inputs->is_array() || inputs->as_array().empty()) {
    return Error::badRequest("inputs must be a non-empty array of {name, datatype, shape, data}",
                             "inputs");
  }
  size_t index = 0;
  for (const auto& v : inputs->as_array()) {
    auto input = parseInput(v, index);
    if (!input) return input.error();
    auto& [name, tensor] = *input;
    if (out.request.inputs.contains(name)) {
      return Error::badRequest("input " + quoted(name) + " is given more than once",
                               "inputs[" + std::to_string(index) + "].name");
    }
    out.request.inputs.emplace(name, std::move(tensor));
    ++index;
  }
  if (const auto* outputs = obj->if_contains("outputs"); outputs != nullptr) {
    if (!outputs->is_array()) {
      return Error::badRequest("outputs must be an array of {name}", "outputs");
    }
    std::set<std::string> seen;
    index = 0;
    for (const auto& v : outputs->as_array()) {
      std::string field = "outputs[" + std::to_string(index++) + "]";
      const auto* o = v.if_object();
      if (o == nullptr) return Error::badRequest(field + " must be an object {name}", field);
      if (auto keys = json::onlyKeys(*o, {"name", "parameters"}); !keys) {
        return Error::badRequest(field + ": " + keys.error().message, field);
      }
      auto name = json::optString(*o, "name");
      if (!name || !*name || (*name)->empty()) {
        return Error::badRequest(field + ".name must be a non-empty string", field + ".name");
      }
      if (const auto* p = o->if_contains("parameters"); p != nullptr) {
        if (!p->is_object()) {
          return Error::badRequest(field + ".parameters must be an object", field + ".parameters");
        }
        if (const auto* b = p->as_object().if_contains("binary_data");
            b != nullptr && b->is_bool() && b->as_bool()) {
          return Error::badRequest(
              "output " + quoted(**name) + ": the binary tensor extension is not supported",
              field + ".parameters.binary_data");
        }
      }
      if (!seen.insert(**name).second) {
        return Error::badRequest("output " + quoted(**name) + " is requested more than once",
                                 field + ".name");
      }
      out.outputs.push_back(**name);
    }
  }
  return out;
}

Status checkV2RequestedOutputs(const OnnxModelInfo& info, const std::vector<std::string>& outputs) {
  for (size_t i = 0; i < outputs.size(); ++i) {
    bool declared = false;
    for (const auto& s : info.outputs) declared = declared || s.name == outputs[i];
    if (!declared) {
      return Error::badRequest("output " + quoted(outputs[i]) + " is not an output of the model",
                               "outputs[" + std::to_string(i) + "].name");
    }
  }
  return okStatus();
}

boost::json::object formatV2InferResponse(const std::string& model,
                                          const std::optional<std::string>& version,
                                          const std::optional<std::string>& id,
                                          const NamedTensors& results,
                                          const std::vector<std::string>& requested,
                                          const std::vector<std::string>& declared) {
  boost::json::array outputs;
  std::set<std::string> done;
  auto put = [&](const std::string& name) {
    auto it = results.find(name);
    if (it == results.end() || !done.insert(name).second) return;
    outputs.push_back(outputJson(name, it->second));
  };
  if (!requested.empty()) {
    for (const auto& n : requested) put(n);
  } else {
    for (const auto& n : declared) put(n);
    for (const auto& [n, t] : results) put(n);
  }
  boost::json::object o{{"model_name", model}};
  if (version) o["model_version"] = *version;
  if (id) o["id"] = *id;
  o["outputs"] = std::move(outputs);
  return o;
}

std::string v2Datatype(int onnx_elem_type) {
  switch (onnx_elem_type) {
    case 1:
      return "FP32";
    case 2:
      return "UINT8";
    case 3:
      return "INT8";
    case 4:
      return "UINT16";
    case 5:
      return "INT16";
    case 6:
      return "INT32";
    case 7:
      return "INT64";
    case 8:
      return "BYTES";
    case 9:
      return "BOOL";
    case 10:
      return "FP16";
    case 11:
      return "FP64";
    case 12:
      return "UINT32";
    case 13:
      return "UINT64";
    case 16:
      return "BF16";
    default:
      return "UNKNOWN";
  }
}

boost::json::object formatV2ModelMetadata(const ModelEntry& entry) {
  boost::json::object o{{"name", entry.name}};
  if (entry.version) o["versions"] = boost::json::array{boost::json::string(*entry.version)};
  o["platform"] = "onnx";
  o["inputs"] = entry.info ? specsJson(entry.info->inputs) : boost::json::array{};
  o["outputs"] = entry.info ? specsJson(entry.info->outputs) : boost::json::array{};
  return o;
}

boost::json::object formatV2Error(const Error& error) {
  return boost::json::object{{"error", error.message}};
}

}  // namespace npufleet::worker
