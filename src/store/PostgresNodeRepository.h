// NodeRepository on PostgreSQL: the same rows as SqliteNodeRepository (roles and labels as JSONB),
// duplicates refused by the named unique constraints nodes_name_unique and nodes_address_unique.
#pragma once

#include <memory>

#include "fleet/NodeRepository.h"
#include "store/PostgresDatabase.h"

namespace npufleet::store {

class PostgresNodeRepository final : public fleet::NodeRepository {
 public:
  explicit PostgresNodeRepository(std::shared_ptr<PostgresDatabase> db) : db_(std::move(db)) {}

  Result<fleet::NodePage> list(const fleet::NodeFilter& filter) override;
  Result<std::vector<fleet::Node>> listWithRole(const std::string& role) override;
  Result<fleet::Node> get(const std::string& id) override;
  Result<fleet::Node> insert(const fleet::Node& node) override;
  Result<fleet::Node> update(const fleet::Node& node) override;
  Status remove(const std::string& id) override;
  Status updateHealth(const std::string& id, fleet::NodeStatus status,
                      std::optional<fleet::TimePoint> last_seen) override;

 private:
  std::shared_ptr<PostgresDatabase> db_;
};

}  // namespace npufleet::store
