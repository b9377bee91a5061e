// The load-balancing setting on SQLite: one row holding the setting's JSON, so that new fields
// need no schema change. Migrations in the balancer's range (200+).
#pragma once

#include <memory>
#include <vector>

#include "balancer/LoadBalancingRepository.h"
#include "store/Database.h"

namespace npufleet::store {

std::vector<Migration> loadBalancingMigrations();

class SqliteLoadBalancingRepository final : public balancer::LoadBalancingRepository {
 public:
  explicit SqliteLoadBalancingRepository(std::shared_ptr<Database> db) : db_(std::move(db)) {}
  Result<std::optional<balancer::LoadBalancingConfig>> load() override;
  Status save(const balancer::LoadBalancingConfig& config) override;

 private:
  std::shared_ptr<Database> db_;
};

}  // namespace npufleet::store
