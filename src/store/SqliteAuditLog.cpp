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

Result<fleet::AuditPage> SqliteAuditLog::list(int page, int per_page) {
  fleet::AuditPage out;
  auto c = db_->exec("SELECT COUNT(*) FROM audit_log", {},
                     [&](const Row& r) { out.total = r.getInt(0); });
  if (!c) return c.error();
  auto r = db_->exec(
      "SELECT id, at_ms, actor, action, target, before_json, after_json FROM audit_log ORDER BY "
      "id DESC LIMIT ? OFFSET ?",
      {static_cast<int64_t>(per_page), static_cast<int64_t>((page - 1) * per_page)},
      [&](const Row& row) {
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
