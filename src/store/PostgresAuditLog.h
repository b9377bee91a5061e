// AuditLog on PostgreSQL: append-only, newest first when listed; filters become a WHERE clause
// with bound parameters (indexes on (action|actor|target, id) from migration 2).
#pragma once

#include <memory>

#include "fleet/AuditLog.h"
#include "store/PostgresDatabase.h"

namespace npufleet::store {

class PostgresAuditLog final : public fleet::AuditLog {
 public:
  explicit PostgresAuditLog(std::shared_ptr<PostgresDatabase> db) : db_(std::move(db)) {}
  Status record(fleet::AuditEntry entry) override;
  Result<fleet::AuditPage> list(const fleet::AuditFilter& filter) override;

 private:
  std::shared_ptr<PostgresDatabase> db_;
};

}  // namespace npufleet::store
