// NodeRepository on SQLite: nodes with roles and labels as JSON columns, unique name and
// ip:npuPort enforced by the schema.
#pragma once

#include <memory>

#include "fleet/NodeRepository.h"
#include "store/ColumnCodec.h"  // toMillis/fromMillis, which other files take from here
#include "store/Database.h"

namespace npufleet::store {

class SqliteNodeRepository final : public fleet::NodeRepository {
 public:
  explicit SqliteNodeRepository(std::shared_ptr<Database> db) : db_(std::move(db)) {}

  Result<fleet::NodePage> list(const fleet::NodeFilter& filter) override;
  Result<std::vector<fleet::Node>> listWithRole(const std::string& role) override;
  Result<fleet::Node> get(const std::string& id) override;
  Result<fleet::Node> insert(const fleet::Node& node) override;
  Result<fleet::Node> update(const fleet::Node& node) override;
  Status remove(const std::string& id) override;
  Status updateHealth(const std::string& id, fleet::NodeStatus status,
                      std::optional<fleet::TimePoint> last_seen) override;

 private:
  std::shared_ptr<Database> db_;
};

}  // namespace npufleet::store
