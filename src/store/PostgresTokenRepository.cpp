#include "store/PostgresTokenRepository.h"

#include "store/ColumnCodec.h"

namespace npufleet::store {
namespace {
constexpr const char* kColumns = "id, name, role, hash, created_at_ms, last_used_ms, revoked";

auth::UserToken readToken(const PgRow& row) {
  auth::UserToken t;
  t.id = row.getInt(0);
  t.name = row.getText(1);
  t.role = auth::parseUserRole(row.getText(2)).value_or(auth::UserRole::kViewer);
  t.hash = row.getText(3);
  t.created_at = fromMillis(row.getInt(4));
  if (!row.isNull(5)) t.last_used_at = fromMillis(row.getInt(5));
  t.revoked = row.getBool(6);
  return t;
}
}  // namespace

Result<auth::UserToken> PostgresTokenRepository::insert(const auth::UserToken& t) {
  int64_t id = 0;
  auto r = db_->exec(
      "INSERT INTO tokens (name, role, hash, created_at_ms) VALUES ($1, $2, $3, $4) RETURNING id",
      {t.name, std::string(auth::userRoleName(t.role)), t.hash, toMillis(t.created_at)},
      [&](const PgRow& row) { id = row.getInt(0); });
  if (!r) {
    if (r.error().code == ErrorCode::kConflict) {
      if (r.error().message.find("tokens_hash_unique") != std::string::npos) {
        return Error::conflict("a token with this secret already exists");
      }
      return Error::conflict("a token named '" + t.name + "' already exists", "name");
    }
    return r.error();
  }
  auth::UserToken saved = t;
  saved.id = id;
  return saved;
}

Result<std::optional<auth::UserToken>> PostgresTokenRepository::findByHash(const std::string& hash) {
  std::optional<auth::UserToken> found;
  auto r = db_->exec(std::string("SELECT ") + kColumns + " FROM tokens WHERE hash = $1", {hash},
                     [&](const PgRow& row) { found = readToken(row); });
  if (!r) return r.error();
  return found;
}

Result<std::vector<auth::UserToken>> PostgresTokenRepository::list() {
  std::vector<auth::UserToken> out;
  auto r = db_->exec(std::string("SELECT ") + kColumns + " FROM tokens ORDER BY id", {},
                     [&](const PgRow& row) { out.push_back(readToken(row)); });
  if (!r) return r.error();
  return out;
}

Status PostgresTokenRepository::revoke(const std::string& name) {
  auto r = db_->exec("UPDATE tokens SET revoked = true WHERE name = $1", {name});
  if (!r) return r.error();
  if (*r == 0) return Error::notFound("token '" + name + "' not found");
  return okStatus();
}

Status PostgresTokenRepository::touch(int64_t id, std::chrono::system_clock::time_point when) {
  // Coarse (one write a minute per token at most) to keep reads from turning into writes.
  auto r = db_->exec(
      "UPDATE tokens SET last_used_ms = $1 WHERE id = $2 AND (last_used_ms IS NULL OR "
      "last_used_ms < $3)",
      {toMillis(when), id, toMillis(when) - 60'000});
  if (!r) return r.error();
  return okStatus();
}

Result<int64_t> PostgresTokenRepository::count() {
  int64_t n = 0;
  auto r = db_->exec("SELECT COUNT(*) FROM tokens", {}, [&](const PgRow& row) { n = row.getInt(0); });
  if (!r) return r.error();
  return n;
}

}  // namespace npufleet::store
