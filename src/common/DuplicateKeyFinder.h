// Finds the first key that appears twice in one JSON object. Boost.JSON keeps the last of
// duplicate keys, so {"ip":"127.0.0.5","ip":"169.254.169.254"} would be read as the second
// while a proxy, a log or a reviewer in front reads the first; request bodies with duplicates
// are refused instead (json::parse).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace npufleet::json {

class DuplicateKeyFinder {
 public:
  // The path of the first duplicate ("ip", "labels.env", "inputs[2].name"), or nullopt when
  // there is none. `text` must already be known to be valid JSON.
  static std::optional<std::string> find(std::string_view text);
};

}  // namespace npufleet::json
