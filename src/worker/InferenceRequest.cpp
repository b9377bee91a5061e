#include "worker/InferenceRequest.h"

#include <openssl/evp.h>

#include <bit>
#include <cmath>

#include "common/Json.h"
#include "worker/ModelRegistry.h"

namespace npufleet::worker {
namespace {

constexpr size_t kMaxRank = 8;

Result<Tensor> parseTensor(const boost::json::value& v, const std::string& field) {
  const auto* o = v.if_object();
  if (o == nullptr) return Error::badRequest(field + " must be an object {shape, data}", field);
  auto keys = json::onlyKeys(*o, {"shape", "data", "b64", "dtype"});
  if (!keys) return Error::badRequest(field + ": " + keys.error().message, field);
  if (auto dt = json::optString(*o, "dtype"); !dt || (*dt && **dt != "float32")) {
    return Error::badRequest(field + ".dtype must be \"float32\"", field + ".dtype");
  }
  Tensor t;
  const auto* shape = o->if_contains("shape");
  if (shape == nullptr || !shape->is_array()) {
    return Error::badRequest(field + ".shape must be an array of integers", field + ".shape");
  }
  if (shape->as_array().size() > kMaxRank) {
    return Error::badRequest(field + ".shape has more than 8 dimensions", field + ".shape");
  }
  for (const auto& d : shape->as_array()) {
    int64_t dim = -1;
    if (d.is_int64()) dim = d.as_int64();
    if (d.is_uint64() && d.as_uint64() < (uint64_t{1} << 62)) dim = static_cast<int64_t>(d.as_uint64());
    if (dim < 0) {
      return Error::badRequest(field + ".shape must hold non-negative integers", field + ".shape");
    }
    t.shape.push_back(dim);
  }
  const auto* data = o->if_contains("data");
  const auto* b64 = o->if_contains("b64");
  if ((data == nullptr) == (b64 == nullptr)) {
    return Error::badRequest(field + " needs exactly one of \"data\" or \"b64\"", field + ".data");
  }
  if (data != nullptr) {
    if (!data->is_array()) {
      return Error::badRequest(field + ".data must be a flat array of numbers", field + ".data");
    }
    t.data.reserve(data->as_array().size());
    for (const auto& x : data->as_array()) {
      auto n = json::asNumber(x);
      if (!n) {
        return Error::badRequest(field + ".data must be a flat array of numbers", field + ".data");
      }
      t.data.push_back(static_cast<float>(*n));
    }
  } else {
    if (!b64->is_string()) {
      return Error::badRequest(field + ".b64 must be a base64 string", field + ".b64");
    }
    auto values = decodeFloatsBase64(std::string_view(b64->as_string()), field + ".b64");
    if (!values) return values.error();
    t.data = std::move(*values);
  }
  return t;
}

}  // namespace

Result<InferenceRequest> parseInferenceRequest(std::string_view body) {
  auto obj = json::parseObject(body);
  if (!obj) return obj.error();
  auto keys = json::onlyKeys(*obj, {"model", "model_id", "inputs", "timeout_ms", "output_encoding"});
  if (!keys) return keys.error();
  InferenceRequest req;
  auto model = json::optString(*obj, "model");
  if (!model) return model.error();
  auto model_id = json::optString(*obj, "model_id");
  if (!model_id) return model_id.error();
  if (*model && *model_id && **model != **model_id) {
    return Error::badRequest("\"model\" and \"model_id\" name different models", "model");
  }
  req.model = *model ? **model : (*model_id ? **model_id : std::string());
  if (req.model.empty()) return Error::badRequest("\"model\" is required", "model");
  if (!isValidModelName(req.model)) {
    return Error::badRequest("\"model\" must match [A-Za-z0-9._-]{1,128}", "model");
  }
  auto timeout = json::optInt(*obj, "timeout_ms");
  if (!timeout) return timeout.error();
  if (*timeout && **timeout <= 0) {
    return Error::badRequest("\"timeout_ms\" must be positive", "timeout_ms");
  }
  req.timeout_ms = *timeout;
  auto enc = json::optString(*obj, "output_encoding");
  if (!enc) return enc.error();
  if (*enc && **enc != "json" && **enc != "b64") {
    return Error::badRequest("\"output_encoding\" must be \"json\" or \"b64\"", "output_encoding");
  }
  req.b64_outputs = *enc && **enc == "b64";
  const auto* inputs = obj->if_contains("inputs");
  if (inputs == nullptr || !inputs->is_object() || inputs->as_object().empty()) {
    return Error::badRequest("\"inputs\" must be a non-empty object {<name>: {shape, data}}",
                             "inputs");
  }
  for (const auto& [name, v] : inputs->as_object()) {
    std::string field = "inputs." + std::string(name);
    auto t = parseTensor(v, field);
    if (!t) return t.error();
    req.inputs.emplace(std::string(name), std::move(*t));
  }
  return req;
}

boost::json::object tensorToJson(const Tensor& t, bool b64) {
  boost::json::array shape;
  for (auto d : t.shape) shape.push_back(d);
  boost::json::object o{{"shape", std::move(shape)}};
  if (b64) {
    o["b64"] = encodeFloatsBase64(t.data);
  } else {
    boost::json::array data;
    data.reserve(t.data.size());
    for (float f : t.data) {
      // JSON has no NaN or infinity; null marks them instead of inventing a number.
      if (std::isfinite(f)) {
        data.push_back(static_cast<double>(f));
      } else {
        data.push_back(nullptr);
      }
    }
    o["data"] = std::move(data);
  }
  return o;
}

std::string encodeFloatsBase64(const std::vector<float>& values) {
  std::string raw(values.size() * 4, '\0');
  for (size_t i = 0; i < values.size(); ++i) {
    auto bits = std::bit_cast<uint32_t>(values[i]);
    for (size_t b = 0; b < 4; ++b) raw[i * 4 + b] = static_cast<char>((bits >> (8 * b)) & 0xff);
  }
  std::string out(4 * ((raw.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(raw.data()),
                          static_cast<int>(raw.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

Result<std::vector<float>> decodeFloatsBase64(std::string_view text, const std::string& field) {
  if (text.size() % 4 != 0) {
    return Error::badRequest(field + " is not valid base64 (length not a multiple of 4)", field);
  }
  std::string raw(text.size() / 4 * 3 + 1, '\0');
  int n = text.empty() ? 0
                       : EVP_DecodeBlock(reinterpret_cast<unsigned char*>(raw.data()),
                                         reinterpret_cast<const unsigned char*>(text.data()),
                                         static_cast<int>(text.size()));
  if (n < 0) return Error::badRequest(field + " is not valid base64", field);
  size_t len = static_cast<size_t>(n);
  // EVP_DecodeBlock counts the padding as zero bytes.
  if (!text.empty() && text.back() == '=') --len;
  if (text.size() >= 2 && text[text.size() - 2] == '=') --len;
  if (len % 4 != 0) {
    return Error::badRequest(field + " must hold whole little-endian float32 values (" +
                                 std::to_string(len) + " bytes)",
                             field);
  }
  std::vector<float> values(len / 4);
  for (size_t i = 0; i < values.size(); ++i) {
    uint32_t bits = 0;
    for (size_t b = 0; b < 4; ++b) {
      bits |= static_cast<uint32_t>(static_cast<uint8_t>(raw[i * 4 + b])) << (8 * b);
    }
    values[i] = std::bit_cast<float>(bits);
  }
  return values;
}

}  // namespace npufleet::worker
