// Small helpers over Boost.JSON for reading request bodies with errors that name the field.
// DTO mappings themselves live next to each type (tag_invoke or toJson/fromJson pairs).
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/Error.h"

namespace npufleet::json {

// Parses text that must be a JSON object; the error says where parsing failed.
Result<boost::json::object> parseObject(std::string_view text);
Result<boost::json::value> parse(std::string_view text);
std::string serialize(const boost::json::value& v);

// Typed optional readers: absent -> nullopt; present with the wrong type -> error naming `field`.
Result<std::optional<std::string>> optString(const boost::json::object& o, std::string_view field);
Result<std::optional<int64_t>> optInt(const boost::json::object& o, std::string_view field);
Result<std::optional<double>> optNumber(const boost::json::object& o, std::string_view field);
Result<std::optional<bool>> optBool(const boost::json::object& o, std::string_view field);
Result<std::optional<std::vector<std::string>>> optStringList(const boost::json::object& o,
                                                              std::string_view field);

// Rejects keys not in `allowed`, naming the first unknown one.
Status onlyKeys(const boost::json::object& o, std::initializer_list<std::string_view> allowed);

// Number as double, whether stored as int64, uint64 or double.
std::optional<double> asNumber(const boost::json::value& v);

}  // namespace npufleet::json
