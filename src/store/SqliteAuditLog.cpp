#include "store/SqliteAuditLog.h"

#include <boost/json.hpp>

#include "store/SqliteNodeRepository.h"

namespace npufleet::store {

Status SqliteAuditLog::record(fleet::AuditEntry e) {
  auto r = db_->exec(
      "INSERT INTO audit_log (at_ms, actor, action, target, before_json, after_json) VALUES "
      "(?,?,?,?,?,?)",
      {toMillis(e.at), e.actor, e.action, e.target, boost::json::serialize(e.before),
       boost::json::serialize(e.after)});
  if (!r) return r.error();
  return okStatus();
}

namespace {
// " WHERE ..." (or "") and its parameters, in order.
std::string whereClause(const fleet::AuditFilter& f, std::vector<SqlValue>& params) {
  std::string where;
  auto add = [&](const char* condition, SqlValue value) {
    where += where.empty() ? " WHERE " : " AND ";
    where += condition;
    params.push_back(std::move(value));
  };
  if (f.action) add("action = ?", *f.action);
  if (f.actor) add("actor = ?", *f.actor);
  if (f.target) add("target = ?", *f.target);
  if (f.since) add("at_ms >= ?", toMillis(*f.since));
  if (f.until) add("at_ms <= ?", toMillis(*f.until));
  return where;
}
}  // namespace

Result<fleet::AuditPage> SqliteAuditLog::list(const fleet::AuditFilter& filter) {
  fleet::AuditPage out;
  std::vector<SqlValue> params;
  const std::string where = whereClause(filter, params);
  auto c = db_->exec("SELECT COUNT(*) FROM audit_log" + where, params,
                     [&](const Row& r) { out.total = r.getInt(0); });
  if (!c) return c.error();
  params.emplace_back(static_cast<int64_t>(filter.per_page));
  params.emplace_back(static_cast<int64_t>(filter.page - 1) * filter.per_page);
  auto r = db_->exec(
      "SELECT id, at_ms, actor, action, target, before_json, after_json FROM audit_log" + where +
          " ORDER BY id DESC LIMIT ? OFFSET ?",
      params, [&](const Row& row) {
        fleet::AuditEntry e;
        e.id = row.getInt(0);
        e.at = fromMillis(row.getInt(1));
        e.actor = row.getText(2);
        e.action = row.getText(3);
        e.target = row.getText(4);
        boost::system::error_code ec;
        e.before = boost::json::parse(row.getText(5), ec);
        if (ec) e.before = nullptr;
        e.after = boost::json::parse(row.getText(6), ec);
        if (ec) e.after = nullptr;
        out.entries.push_back(std::move(e));
      });
  if (!r) return r.error();
  return out;
}

}  // namespace npufleet::store
