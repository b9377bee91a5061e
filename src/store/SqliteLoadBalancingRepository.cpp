#include "store/SqliteLoadBalancingRepository.h"

#include <boost/json.hpp>

namespace npufleet::store {

std::vector<Migration> loadBalancingMigrations() {
  return {{200, "load-balancing setting",
           "CREATE TABLE load_balancing (id INTEGER PRIMARY KEY CHECK (id = 1), "
           "config_json TEXT NOT NULL, updated_at_ms INTEGER NOT NULL)"}};
}

Result<std::optional<balancer::LoadBalancingConfig>> SqliteLoadBalancingRepository::load() {
  std::optional<std::string> text;
  auto r = db_->exec("SELECT config_json FROM load_balancing WHERE id = 1", {},
                     [&](const Row& row) { text = row.getText(0); });
  if (!r) return r.error();
  if (!text) return std::optional<balancer::LoadBalancingConfig>{};
  boost::system::error_code ec;
  auto v = boost::json::parse(*text, ec);
  if (ec) return Error::internal("stored load-balancing setting is not valid JSON: " + ec.message());
  auto c = balancer::parseLoadBalancingConfig(v);
  if (!c) return Error::internal("stored load-balancing setting is invalid: " + c.error().message);
  return std::optional<balancer::LoadBalancingConfig>{std::move(*c)};
}

Status SqliteLoadBalancingRepository::save(const balancer::LoadBalancingConfig& config) {
  const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  auto r = db_->exec(
      "INSERT INTO load_balancing (id, config_json, updated_at_ms) VALUES (1, ?, ?) "
      "ON CONFLICT(id) DO UPDATE SET config_json = excluded.config_json, "
      "updated_at_ms = excluded.updated_at_ms",
      {boost::json::serialize(balancer::toJson(config)), static_cast<int64_t>(now_ms)});
  if (!r) return r.error();
  return okStatus();
}

}  // namespace npufleet::store
