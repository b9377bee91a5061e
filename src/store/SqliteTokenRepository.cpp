#include "store/SqliteTokenRepository.h"

#include "store/SqliteNodeRepository.h"

namespace npufleet::store {
namespace {
constexpr const char* kColumns = "id, name, role, hash, created_at_ms, last_used_ms, revoked";

auth::UserToken readToken(const Row& row) {
  auth::UserToken t;
  t.id = row.getInt(0);
  t.name = row.getText(1);
  t.role = auth::parseUserRole(row.getText(2)).value_or(auth::UserRole::kViewer);
  t.hash = row.getText(3);
  t.created_at = fromMillis(row.getInt(4));
  if (!row.isNull(5)) t.last_used_at = fromMillis(row.getInt(5));
  t.revoked = row.getInt(6) != 0;
  return t;
}
}  // namespace

Result<auth::UserToken> SqliteTokenRepository::insert(const auth::UserToken& t) {
  auto r = db_->exec("INSERT INTO tokens (name, role, hash, created_at_ms) VALUES (?,?,?,?)",
                     {t.name, std::string(auth::userRoleName(t.role)), t.hash, toMillis(t.created_at)});
  if (!r) {
    if (r.error().code == ErrorCode::kConflict) {
      return Error::conflict("a token named '" + t.name + "' already exists", "name");
    }
    return r.error();
  }
  auth::UserToken saved = t;
  saved.id = db_->lastInsertId();
  return saved;
}

Result<std::optional<auth::UserToken>> SqliteTokenRepository::findByHash(const std::string& hash) {
  std::optional<auth::UserToken> found;
  auto r = db_->exec(std::string("SELECT ") + kColumns + " FROM tokens WHERE hash = ?", {hash},
                     [&](const Row& row) { found = readToken(row); });
  if (!r) return r.error();
  return found;
}

Result<std::vector<auth::UserToken>> SqliteTokenRepository::list() {
  std::vector<auth::UserToken> out;
  auto r = db_->exec(std::string("SELECT ") + kColumns + " FROM tokens ORDER BY id", {},
                     [&](const Row& row) { out.push_back(readToken(row)); });
  if (!r) return r.error();
  return out;
}

Status SqliteTokenRepository::revoke(const std::string& name) {
  auto r = db_->exec("UPDATE tokens SET revoked = 1 WHERE name = ?", {name});
  if (!r) return r.error();
  if (*r == 0) return Error::notFound("token '" + name + "' not found");
  return okStatus();
}

Status SqliteTokenRepository::touch(int64_t id, std::chrono::system_clock::time_point when) {
  // Coarse (one write a minute per token at most) to keep reads from turning into writes.
  auto r = db_->exec(
      "UPDATE tokens SET last_used_ms = ? WHERE id = ? AND (last_used_ms IS NULL OR last_used_ms < ?)",
      {toMillis(when), id, toMillis(when) - 60'000});
  if (!r) return r.error();
  return okStatus();
}

Result<int64_t> SqliteTokenRepository::count() {
  int64_t n = 0;
  auto r = db_->exec("SELECT COUNT(*) FROM tokens", {}, [&](const Row& row) { n = row.getInt(0); });
  if (!r) return r.error();
  return n;
}

}  // namespace npufleet::store
