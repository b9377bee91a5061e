#include "balancer/ModelNameReader.h"

#include <boost/json/basic_parser_impl.hpp>
#include <optional>

namespace npufleet::balancer {

namespace {

using boost::system::error_code;
using std::string_view;

// Top-level keys of interest; values anywhere else are validated and dropped.
class ModelNameHandler {
 public:
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = std::size_t(-1);
  static constexpr std::size_t max_string_size = std::size_t(-1);

  enum class Key { kOther, kModel, kModelId };

  bool rootIsObject = false;
  std::optional<std::string> model;  // a string value of `model` (null: absent)
  std::optional<std::string> modelId;
  bool modelNotString = false;
  int modelKeys = 0;    // top-level `model` keys seen
  int modelIdKeys = 0;  // top-level `model_id` keys seen
  std::optional<std::string> duplicate;  // the first of them seen twice

  bool on_document_begin(error_code&) { return true; }
  bool on_document_end(error_code&) { return true; }
  bool on_object_begin(error_code&) {
    if (depth_ == 0) rootIsObject = true;
    nonString();
    ++depth_;
    return true;
  }
  bool on_object_end(std::size_t, error_code&) {
    --depth_;
    return true;
  }
  bool on_array_begin(error_code&) {
    nonString();
    ++depth_;
    return true;
  }
  bool on_array_end(std::size_t, error_code&) {
    --depth_;
    return true;
  }
  bool on_key_part(string_view s, std::size_t, error_code&) {
    if (depth_ == 1) key_.append(s);
    return true;
  }
  bool on_key(string_view s, std::size_t, error_code&) {
    if (depth_ != 1) return true;
    key_.append(s);
    current_ = key_ == "model" ? Key::kModel : key_ == "model_id" ? Key::kModelId : Key::kOther;
    if (current_ != Key::kOther) {
      auto& seen = current_ == Key::kModel ? modelKeys : modelIdKeys;
      if (++seen > 1) duplicate = key_;
    }
    key_.clear();
    return true;
  }
  bool on_string_part(string_view s, std::size_t, error_code&) {
    if (depth_ == 1 && current_ != Key::kOther) value_.append(s);
    return true;
  }
  bool on_string(string_view s, std::size_t, error_code&) {
    if (depth_ != 1 || current_ == Key::kOther) return true;
    value_.append(s);
    if (current_ == Key::kModel) {
      model = std::move(value_);
      modelNotString = false;
    } else {
      modelId = std::move(value_);
    }
    value_.clear();
    current_ = Key::kOther;
    return true;
  }
  bool on_number_part(string_view, error_code&) { return true; }
  bool on_int64(int64_t, string_view, error_code&) { return nonString(); }
  bool on_uint64(uint64_t, string_view, error_code&) { return nonString(); }
  bool on_double(double, string_view, error_code&) { return nonString(); }
  bool on_bool(bool, error_code&) { return nonString(); }
  bool on_null(error_code&) {
    if (depth_ == 1 && current_ == Key::kModel) {
      model.reset();
      modelNotString = false;
    } else if (depth_ == 1 && current_ == Key::kModelId) {
      modelId.reset();
    }
    current_ = Key::kOther;
    return true;
  }
  bool on_comment_part(string_view, error_code&) { return true; }
  bool on_comment(string_view, error_code&) { return true; }

 private:
  // A top-level value of another type than string (or null): for `model` an error, for
  // `model_id` ignored as the whole-document reading ignored it.
  bool nonString() {
    if (depth_ == 1 && current_ == Key::kModel) {
      model.reset();
      modelNotString = true;
    } else if (depth_ == 1 && current_ == Key::kModelId) {
      modelId.reset();
    }
    current_ = Key::kOther;
    return true;
  }

  int depth_ = 0;
  Key current_ = Key::kOther;
  std::string key_;
  std::string value_;
};

}  // namespace

Result<std::string> readModelName(std::string_view body) {
  boost::json::basic_parser<ModelNameHandler> parser{boost::json::parse_options{}};
  error_code ec;
  const std::size_t used = parser.write_some(false, body.data(), body.size(), ec);
  if (!ec && used < body.size()) ec = boost::json::error::extra_data;
  if (ec) return Error::badRequest("request body is not valid JSON: " + ec.message(), "body");
  const ModelNameHandler& h = parser.handler();
  if (!h.rootIsObject) return Error::badRequest("request body must be a JSON object", "body");
  // As every other request body (common/Json): a second `model` would route on one value while
  // the worker reads, or refuses, the other.
  if (h.duplicate) {
    return Error::badRequest("duplicate key '" + *h.duplicate + "' in the request body",
                             *h.duplicate);
  }
  if (h.modelNotString) return Error::badRequest("'model' must be a string", "model");
  std::optional<std::string> name = h.model ? h.model : h.modelId;
  if (!name || name->empty()) return Error::badRequest("'model' is required", "model");
  return std::move(*name);
}

}  // namespace npufleet::balancer
