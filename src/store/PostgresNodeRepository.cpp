#include "store/PostgresNodeRepository.h"

#include "store/ColumnCodec.h"

namespace npufleet::store {

using fleet::Node;

namespace {

constexpr const char* kColumns =
    "id, name, ip, npu_port, roles, status, labels, draining, created_at_ms, updated_at_ms, "
    "last_seen_ms";

Node readNode(const PgRow& row) {
  Node n;
  n.id = row.getText(0);
  n.name = row.getText(1);
  n.ip = row.getText(2);
  n.npu_port = static_cast<int>(row.getInt(3));
  n.roles = rolesFromJson(row.getText(4));
  n.status = fleet::parseNodeStatus(row.getText(5)).value_or(fleet::NodeStatus::kPending);
  n.labels = labelsFromJson(row.getText(6));
  n.draining = row.getBool(7);
  n.created_at = fromMillis(row.getInt(8));
  n.updated_at = fromMillis(row.getInt(9));
  if (!row.isNull(10)) n.last_seen = fromMillis(row.getInt(10));
  return n;
}

Error conflictFor(const Error& e, const Node& n) {
  if (e.message.find("nodes_name_unique") != std::string::npos) {
    return Error::conflict("a node named '" + n.name + "' already exists", "name");
  }
  if (e.message.find("nodes_address_unique") != std::string::npos) {
    return Error::conflict("a node at " + n.ip + ":" + std::to_string(n.npu_port) + " already exists",
                           "ip");
  }
  return e;
}

SqlValue lastSeen(const Node& n) {
  if (n.last_seen) return toMillis(*n.last_seen);
  return std::monostate{};
}

std::string boolText(bool b) { return b ? "true" : "false"; }

}  // namespace

Result<fleet::NodePage> PostgresNodeRepository::list(const fleet::NodeFilter& f) {
  std::string where = " WHERE true";
  std::vector<SqlValue> params;
  auto next = [&](SqlValue v) {
    params.push_back(std::move(v));
    return "$" + std::to_string(params.size());
  };
  if (f.role) where += " AND roles @> jsonb_build_array(" + next(*f.role) + "::text)";
  if (f.status) where += " AND status = " + next(std::string(fleet::nodeStatusName(*f.status)));
  if (f.text && !f.text->empty()) {
    // strpos, not LIKE: the text is matched literally, % and _ included (as SQLite's instr).
    const std::string p = next(*f.text);
    where += " AND (strpos(lower(name), lower(" + p + ")) > 0 OR strpos(lower(ip), lower(" + p +
             ")) > 0 OR strpos(lower(id), lower(" + p + ")) > 0)";
  }
  fleet::NodePage page;
  auto counted = db_->exec("SELECT COUNT(*) FROM nodes" + where, params,
                           [&](const PgRow& r) { page.total = r.getInt(0); });
  if (!counted) return counted.error();
  const std::string limit = next(static_cast<int64_t>(f.per_page));
  const std::string offset = next(static_cast<int64_t>(f.page - 1) * f.per_page);
  // COLLATE "C": the same order whatever the database's locale, as SQLite's NOCASE/BINARY.
  auto r = db_->exec(std::string("SELECT ") + kColumns + " FROM nodes" + where +
                         " ORDER BY lower(name) COLLATE \"C\", id COLLATE \"C\" LIMIT " + limit +
                         " OFFSET " + offset,
                     params, [&](const PgRow& row) { page.nodes.push_back(readNode(row)); });
  if (!r) return r.error();
  return page;
}

Result<std::vector<Node>> PostgresNodeRepository::listWithRole(const std::string& role) {
  std::vector<Node> out;
  auto r = db_->exec(std::string("SELECT ") + kColumns +
                         " FROM nodes WHERE roles @> jsonb_build_array($1::text) ORDER BY name "
                         "COLLATE \"C\"",
                     {role}, [&](const PgRow& row) { out.push_back(readNode(row)); });
  if (!r) return r.error();
  return out;
}

Result<Node> PostgresNodeRepository::get(const std::string& id) {
  std::optional<Node> found;
  auto r = db_->exec(std::string("SELECT ") + kColumns + " FROM nodes WHERE id = $1", {id},
                     [&](const PgRow& row) { found = readNode(row); });
  if (!r) return r.error();
  if (!found) return Error::notFound("node '" + id + "' not found");
  return *found;
}

Result<Node> PostgresNodeRepository::insert(const Node& n) {
  std::optional<Node> saved;
  auto r = db_->exec(
      std::string("INSERT INTO nodes (id, name, ip, npu_port, roles, status, labels, draining, "
                  "created_at_ms, updated_at_ms, last_seen_ms) VALUES "
                  "($1, $2, $3, $4, $5::jsonb, $6, $7::jsonb, $8::boolean, $9, $10, $11) RETURNING ") +
          kColumns,
      {n.id, n.name, n.ip, static_cast<int64_t>(n.npu_port), rolesToJson(n.roles),
       std::string(fleet::nodeStatusName(n.status)), labelsToJson(n.labels), boolText(n.draining),
       toMillis(n.created_at), toMillis(n.updated_at), lastSeen(n)},
      [&](const PgRow& row) { saved = readNode(row); });
  if (!r) return r.error().code == ErrorCode::kConflict ? conflictFor(r.error(), n) : r.error();
  if (!saved) return Error::internal("node '" + n.id + "' was inserted but not returned");
  return *saved;
}

Result<Node> PostgresNodeRepository::update(const Node& n) {
  std::optional<Node> saved;
  auto r = db_->exec(
      std::string("UPDATE nodes SET name = $1, ip = $2, npu_port = $3, roles = $4::jsonb, "
                  "status = $5, labels = $6::jsonb, draining = $7::boolean, updated_at_ms = $8 "
                  "WHERE id = $9 RETURNING ") +
          kColumns,
      {n.name, n.ip, static_cast<int64_t>(n.npu_port), rolesToJson(n.roles),
       std::string(fleet::nodeStatusName(n.status)), labelsToJson(n.labels), boolText(n.draining),
       toMillis(n.updated_at), n.id},
      [&](const PgRow& row) { saved = readNode(row); });
  if (!r) return r.error().code == ErrorCode::kConflict ? conflictFor(r.error(), n) : r.error();
  if (!saved) return Error::notFound("node '" + n.id + "' not found");
  return *saved;
}

Status PostgresNodeRepository::remove(const std::string& id) {
  auto r = db_->exec("DELETE FROM nodes WHERE id = $1", {id});
  if (!r) return r.error();
  if (*r == 0) return Error::notFound("node '" + id + "' not found");
  return okStatus();
}

Status PostgresNodeRepository::updateHealth(const std::string& id, fleet::NodeStatus status,
                                            std::optional<fleet::TimePoint> last_seen) {
  SqlValue seen = std::monostate{};
  if (last_seen) seen = toMillis(*last_seen);
  // A node in maintenance stays there until an operator takes it out.
  auto r = db_->exec(
      "UPDATE nodes SET status = CASE WHEN status = 'maintenance' THEN status ELSE $1::text END, "
      "last_seen_ms = COALESCE($2::bigint, last_seen_ms) WHERE id = $3",
      {std::string(fleet::nodeStatusName(status)), seen, id});
  if (!r) return r.error();
  if (*r == 0) return Error::notFound("node '" + id + "' not found");
  return okStatus();
}

}  // namespace npufleet::store
