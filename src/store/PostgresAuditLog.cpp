#include "store/PostgresAuditLog.h"

#include <boost/json.hpp>

#include "store/ColumnCodec.h"

namespace npufleet::store {

Status PostgresAuditLog::record(fleet::AuditEntry e) {
  auto r = db_->exec(
      "INSERT INTO audit_log (at_ms, actor, action, target, before_json, after_json) VALUES "
      "($1, $2, $3, $4, $5, $6)",
      {toMillis(e.at), e.actor, e.action, e.target, boost::json::serialize(e.before),
       boost::json::serialize(e.after)});
  if (!r) return r.error();
  return okStatus();
}

Result<fleet::AuditPage> PostgresAuditLog::list(const fleet::AuditFilter& f) {
  std::string where;
  std::vector<SqlValue> params;
  auto add = [&](const char* column, const char* op, SqlValue value) {
    params.push_back(std::move(value));
    where += where.empty() ? " WHERE " : " AND ";
    where += std::string(column) + " " + op + " $" + std::to_string(params.size());
  };
  if (f.action) add("action", "=", *f.action);
  if (f.actor) add("actor", "=", *f.actor);
  if (f.target) add("target", "=", *f.target);
  if (f.since) add("at_ms", ">=", toMillis(*f.since));
  if (f.until) add("at_ms", "<=", toMillis(*f.until));

  fleet::AuditPage out;
  auto c = db_->exec("SELECT COUNT(*) FROM audit_log" + where, params,
                     [&](const PgRow& r) { out.total = r.getInt(0); });
  if (!c) return c.error();
  const size_t n = params.size();
  params.emplace_back(static_cast<int64_t>(f.per_page));
  params.emplace_back(static_cast<int64_t>(f.page - 1) * f.per_page);
  auto r = db_->exec("SELECT id, at_ms, actor, action, target, before_json, after_json FROM audit_log" +
                         where + " ORDER BY id DESC LIMIT $" + std::to_string(n + 1) + " OFFSET $" +
                         std::to_string(n + 2),
                     params, [&](const PgRow& row) {
                       fleet::AuditEntry e;
                       e.id = row.getInt(0);
                       e.at = fromMillis(row.getInt(1));
                       e.actor = row.getText(2);
                       e.action = row.getText(3);
                       e.target = row.getText(4);
                       e.before = jsonOrNull(row.getText(5));
                       e.after = jsonOrNull(row.getText(6));
                       out.entries.push_back(std::move(e));
                     });
  if (!r) return r.error();
  return out;
}

}  // namespace npufleet::store
