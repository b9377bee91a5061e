// Who changed what, when: every mutation of the registry, tokens and settings is recorded with
// the state before and after. Defined here, stored by store/.
#pragma once

#include <boost/json/value.hpp>
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

class AuditLog {
 public:
  virtual ~AuditLog() = default;
  virtual Status record(AuditEntry entry) = 0;
  virtual Result<AuditPage> list(int page, int per_page) = 0;
};

}  // namespace npufleet::fleet
