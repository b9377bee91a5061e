// AuditLog on SQLite: append-only, newest first when listed; filters become a WHERE clause with
// bound parameters (indexes on action, actor and target from migration 2).
#pragma once

#include <memory>

#include "fleet/AuditLog.h"
#include "store/Database.h"

namespace npufleet::store {

class SqliteAuditLog final : public fleet::AuditLog {
 public:
  explicit SqliteAuditLog(std::shared_ptr<Database> db) : db_(std::move(db)) {}
  Status record(fleet::AuditEntry entry) override;
  Result<fleet::AuditPage> list(const fleet::AuditFilter& filter) override;

 private:
  std::shared_ptr<Database> db_;
};

}  // namespace npufleet::store
