// How domain values become column values, shared by the SQLite and PostgreSQL repositories so
// both backends store and read exactly the same thing: time points as milliseconds since the
// epoch, a node's roles as a JSON array and its labels as a JSON object of strings.
#pragma once

#include <boost/json/value.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace npufleet::store {

inline int64_t toMillis(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

inline std::chrono::system_clock::time_point fromMillis(int64_t ms) {
  return std::chrono::system_clock::time_point(std::chrono::milliseconds(ms));
}

std::string rolesToJson(const std::vector<std::string>& roles);
// Not-JSON or non-string elements are skipped: a damaged row still reads.
std::vector<std::string> rolesFromJson(const std::string& json);
std::string labelsToJson(const std::map<std::string, std::string>& labels);
std::map<std::string, std::string> labelsFromJson(const std::string& json);
// null for text that is not JSON (an audit entry's before/after).
boost::json::value jsonOrNull(const std::string& text);

}  // namespace npufleet::store
