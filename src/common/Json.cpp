#include "common/Json.h"

#include "common/DuplicateKeyFinder.h"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace npufleet::json {

Result<boost::json::value> parse(std::string_view text) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(text, ec);
  if (ec) return Error::badRequest("request body is not valid JSON: " + ec.message(), "body");
  // Only objects can repeat a key; a second pass over keys alone is cheap next to the parse.
  if (text.find('{') != std::string_view::npos) {
    if (auto dup = DuplicateKeyFinder::find(text)) {
      return Error::badRequest("duplicate key '" + *dup + "' in the request body", *dup);
    }
  }
  return v;
}

Result<boost::json::object> parseObject(std::string_view text) {
  auto v = parse(text);
  if (!v) return v.error();
  if (!v->is_object()) return Error::badRequest("request body must be a JSON object", "body");
  return std::move(v->as_object());
}

std::string serialize(const boost::json::value& v) { return boost::json::serialize(v); }

Result<std::optional<std::string>> optString(const boost::json::object& o, std::string_view field) {
  auto it = o.find(field);
  if (it == o.end() || it->value().is_null()) return std::optional<std::string>{};
  if (!it->value().is_string()) {
    return Error::badRequest("'" + std::string(field) + "' must be a string", std::string(field));
  }
  return std::optional<std::string>{std::string(it->value().as_string())};
}

Result<std::optional<int64_t>> optInt(const boost::json::object& o, std::string_view field) {
  auto it = o.find(field);
  if (it == o.end() || it->value().is_null()) return std::optional<int64_t>{};
  const auto& v = it->value();
  if (v.is_int64()) return std::optional<int64_t>{v.as_int64()};
  if (v.is_uint64() && v.as_uint64() <= static_cast<uint64_t>(INT64_MAX)) {
    return std::optional<int64_t>{static_cast<int64_t>(v.as_uint64())};
  }
  return Error::badRequest("'" + std::string(field) + "' must be an integer", std::string(field));
}

Result<std::optional<double>> optNumber(const boost::json::object& o, std::string_view field) {
  auto it = o.find(field);
  if (it == o.end() || it->value().is_null()) return std::optional<double>{};
  if (auto d = asNumber(it->value())) return std::optional<double>{*d};
  return Error::badRequest("'" + std::string(field) + "' must be a number", std::string(field));
}

Result<std::optional<bool>> optBool(const boost::json::object& o, std::string_view field) {
  auto it = o.find(field);
  if (it == o.end() || it->value().is_null()) return std::optional<bool>{};
  if (!it->value().is_bool()) {
    return Error::badRequest("'" + std::string(field) + "' must be true or false",
                             std::string(field));
  }
  return std::optional<bool>{it->value().as_bool()};
}

Result<std::optional<std::vector<std::string>>> optStringList(const boost::json::object& o,
                                                              std::string_view field) {
  auto it = o.find(field);
  if (it == o.end() || it->value().is_null()) return std::optional<std::vector<std::string>>{};
  if (!it->value().is_array()) {
    return Error::badRequest("'" + std::string(field) + "' must be a list of strings",
                             std::string(field));
  }
  std::vector<std::string> out;
  size_t i = 0;
  for (const auto& el : it->value().as_array()) {
    if (!el.is_string()) {
      std::string name = std::string(field) + "[" + std::to_string(i) + "]";
      return Error::badRequest("'" + name + "' must be a string", name);
    }
    out.emplace_back(el.as_string());
    ++i;
  }
  return std::optional<std::vector<std::string>>{std::move(out)};
}

Status onlyKeys(const boost::json::object& o, std::initializer_list<std::string_view> allowed) {
  for (const auto& kv : o) {
    if (std::find(allowed.begin(), allowed.end(), kv.key()) == allowed.end()) {
      return Error::badRequest("unknown field '" + std::string(kv.key()) + "'",
                               std::string(kv.key()));
    }
  }
  return okStatus();
}

std::optional<double> asNumber(const boost::json::value& v) {
  if (v.is_double()) return v.as_double();
  if (v.is_int64()) return static_cast<double>(v.as_int64());
  if (v.is_uint64()) return static_cast<double>(v.as_uint64());
  return std::nullopt;
}

}  // namespace npufleet::json
