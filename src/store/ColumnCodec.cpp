#include "store/ColumnCodec.h"

#include <boost/json.hpp>

namespace npufleet::store {

std::string rolesToJson(const std::vector<std::string>& roles) {
  boost::json::array a;
  for (const auto& r : roles) a.emplace_back(r);
  return boost::json::serialize(a);
}

std::vector<std::string> rolesFromJson(const std::string& json) {
  std::vector<std::string> out;
  boost::system::error_code ec;
  auto roles = boost::json::parse(json, ec);
  if (!ec && roles.is_array()) {
    for (const auto& r : roles.as_array()) {
      if (r.is_string()) out.emplace_back(r.as_string());
    }
  }
  return out;
}

std::string labelsToJson(const std::map<std::string, std::string>& labels) {
  boost::json::object o;
  for (const auto& [k, v] : labels) o[k] = v;
  return boost::json::serialize(o);
}

std::map<std::string, std::string> labelsFromJson(const std::string& json) {
  std::map<std::string, std::string> out;
  boost::system::error_code ec;
  auto labels = boost::json::parse(json, ec);
  if (!ec && labels.is_object()) {
    for (const auto& kv : labels.as_object()) {
      if (kv.value().is_string()) out[std::string(kv.key())] = std::string(kv.value().as_string());
    }
  }
  return out;
}

boost::json::value jsonOrNull(const std::string& text) {
  boost::system::error_code ec;
  auto v = boost::json::parse(text, ec);
  if (ec) return nullptr;
  return v;
}

}  // namespace npufleet::store
