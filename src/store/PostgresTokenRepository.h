// TokenRepository on PostgreSQL (hashes only), the same rows as SqliteTokenRepository.
#pragma once

#include <memory>

#include "auth/tokens/UserToken.h"
#include "store/PostgresDatabase.h"

namespace npufleet::store {

class PostgresTokenRepository final : public auth::TokenRepository {
 public:
  explicit PostgresTokenRepository(std::shared_ptr<PostgresDatabase> db) : db_(std::move(db)) {}
  Result<auth::UserToken> insert(const auth::UserToken& token) override;
  Result<std::optional<auth::UserToken>> findByHash(const std::string& hash) override;
  Result<std::vector<auth::UserToken>> list() override;
  Status revoke(const std::string& name) override;
  Status touch(int64_t id, std::chrono::system_clock::time_point when) override;
  Result<int64_t> count() override;

 private:
  std::shared_ptr<PostgresDatabase> db_;
};

}  // namespace npufleet::store
