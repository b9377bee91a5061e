// TokenRepository on SQLite (hashes only).
#pragma once

#include <memory>

#include "auth/tokens/UserToken.h"
#include "store/Database.h"

namespace npufleet::store {

class SqliteTokenRepository final : public auth::TokenRepository {
 public:
  explicit SqliteTokenRepository(std::shared_ptr<Database> db) : db_(std::move(db)) {}
  Result<auth::UserToken> insert(const auth::UserToken& token) override;
  Result<std::optional<auth::UserToken>> findByHash(const std::string& hash) override;
  Result<std::vector<auth::UserToken>> list() override;
  Status revoke(const std::string& name) override;
  Status touch(int64_t id, std::chrono::system_clock::time_point when) override;
  Result<int64_t> count() override;

 private:
  std::shared_ptr<Database> db_;
};

}  // namespace npufleet::store
