// Who changed what, when: every mutation of the registry, tokens and settings is recorded with
// the state before and after. Defined here, stored by store/.
#pragma once

#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/Error.h"
#include "fleet/Node.h"

namespace npufleet::fleet {

struct AuditEntry {
  int64_t id = 0;
  TimePoint at{};
  std::string actor;   // token name, or "system"
  std::string action;  // "node.create", "node.update", "node.role.add", "lb.update", ...
  std::string target;  // node id, token name, setting name
  boost::json::value before;
  boost::json::value after;
};

struct AuditPage {
  std::vector<AuditEntry> entries;
  int64_t total = 0;
};

// What GET /api/audit selects: every criterion set must hold (exact match for the strings,
// `since` <= at <= `until`, both inclusive); `total` counts the entries selected, before paging.
struct AuditFilter {
  std::optional<std::string> action;
  std::optional<std::string> actor;
  std::optional<std::string> target;
  std::optional<TimePoint> since;
  std::optional<TimePoint> until;
  int page = 1;
  int per_page = 50;
};

class AuditLog {
 public:
  virtual ~AuditLog() = default;
  virtual Status record(AuditEntry entry) = 0;
  // Newest first.
  virtual Result<AuditPage> list(const AuditFilter& filter) = 0;
};

}  // namespace npufleet::fleet
