#include "store/SqliteNodeRepository.h"

namespace npufleet::store {

using fleet::Node;

namespace {

constexpr const char* kColumns =
    "id, name, ip, npu_port, roles, status, labels, draining, created_at_ms, updated_at_ms, "
    "last_seen_ms";

Node readNode(const Row& row) {
  Node n;
  n.id = row.getText(0);
  n.name = row.getText(1);
  n.ip = row.getText(2);
  n.npu_port = static_cast<int>(row.getInt(3));
  n.roles = rolesFromJson(row.getText(4));
  n.status = fleet::parseNodeStatus(row.getText(5)).value_or(fleet::NodeStatus::kPending);
  n.labels = labelsFromJson(row.getText(6));
  n.draining = row.getInt(7) != 0;
  n.created_at = fromMillis(row.getInt(8));
  n.updated_at = fromMillis(row.getInt(9));
  if (!row.isNull(10)) n.last_seen = fromMillis(row.getInt(10));
  return n;
}

Error conflictFor(const Error& e, const Node& n) {
  if (e.message.find("nodes.name") != std::string::npos) {
    return Error::conflict("a node named '" + n.name + "' already exists", "name");
  }
  if (e.message.find("nodes.ip") != std::string::npos) {
    return Error::conflict("a node at " + n.ip + ":" + std::to_string(n.npu_port) + " already exists",
                           "ip");
  }
  return e;
}

SqlValue lastSeen(const Node& n) {
  if (n.last_seen) return toMillis(*n.last_seen);
  return std::monostate{};
}

}  // namespace

Result<fleet::NodePage> SqliteNodeRepository::list(const fleet::NodeFilter& f) {
  std::string where = " WHERE 1=1";
  std::vector<SqlValue> params;
  if (f.role) {
    where += " AND EXISTS (SELECT 1 FROM json_each(nodes.roles) WHERE value = ?)";
    params.emplace_back(*f.role);
  }
  if (f.status) {
    where += " AND status = ?";
    params.emplace_back(std::string(fleet::nodeStatusName(*f.status)));
  }
  if (f.text && !f.text->empty()) {
    where += " AND (instr(lower(name), lower(?)) > 0 OR instr(lower(ip), lower(?)) > 0 OR "
             "instr(lower(id), lower(?)) > 0)";
    params.emplace_back(*f.text);
    params.emplace_back(*f.text);
    params.emplace_back(*f.text);
  }
  fleet::NodePage page;
  auto counted = db_->exec("SELECT COUNT(*) FROM nodes" + where, params,
                           [&](const Row& r) { page.total = r.getInt(0); });
  if (!counted) return counted.error();
  auto paged = params;
  paged.emplace_back(static_cast<int64_t>(f.per_page));
  paged.emplace_back(static_cast<int64_t>((f.page - 1) * f.per_page));
  auto r = db_->exec(std::string("SELECT ") + kColumns + " FROM nodes" + where +
                         " ORDER BY name COLLATE NOCASE, id LIMIT ? OFFSET ?",
                     paged, [&](const Row& row) { page.nodes.push_back(readNode(row)); });
  if (!r) return r.error();
  return page;
}

Result<std::vector<Node>> SqliteNodeRepository::listWithRole(const std::string& role) {
  std::vector<Node> out;
  auto r = db_->exec(std::string("SELECT ") + kColumns +
                         " FROM nodes WHERE EXISTS (SELECT 1 FROM json_each(nodes.roles) WHERE "
                         "value = ?) ORDER BY name",
                     {role}, [&](const Row& row) { out.push_back(readNode(row)); });
  if (!r) return r.error();
  return out;
}

Result<Node> SqliteNodeRepository::get(const std::string& id) {
  std::optional<Node> found;
  auto r = db_->exec(std::string("SELECT ") + kColumns + " FROM nodes WHERE id = ?", {id},
                     [&](const Row& row) { found = readNode(row); });
  if (!r) return r.error();
  if (!found) return Error::notFound("node '" + id + "' not found");
  return *found;
}

Result<Node> SqliteNodeRepository::insert(const Node& n) {
  auto r = db_->exec(
      "INSERT INTO nodes (id, name, ip, npu_port, roles, status, labels, draining, created_at_ms, "
      "updated_at_ms, last_seen_ms) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
      {n.id, n.name, n.ip, static_cast<int64_t>(n.npu_port), rolesToJson(n.roles),
       std::string(fleet::nodeStatusName(n.status)), labelsToJson(n.labels), static_cast<int64_t>(n.draining),
       toMillis(n.created_at), toMillis(n.updated_at), lastSeen(n)});
  if (!r) return r.error().code == ErrorCode::kConflict ? conflictFor(r.error(), n) : r.error();
  return get(n.id);
}

Result<Node> SqliteNodeRepository::update(const Node& n) {
  auto r = db_->exec(
      "UPDATE nodes SET name=?, ip=?, npu_port=?, roles=?, status=?, labels=?, draining=?, "
      "updated_at_ms=? WHERE id=?",
      {n.name, n.ip, static_cast<int64_t>(n.npu_port), rolesToJson(n.roles),
       std::string(fleet::nodeStatusName(n.status)), labelsToJson(n.labels), static_cast<int64_t>(n.draining),
       toMillis(n.updated_at), n.id});
  if (!r) return r.error().code == ErrorCode::kConflict ? conflictFor(r.error(), n) : r.error();
  if (*r == 0) return Error::notFound("node '" + n.id + "' not found");
  return get(n.id);
}

Status SqliteNodeRepository::remove(const std::string& id) {
  auto r = db_->exec("DELETE FROM nodes WHERE id = ?", {id});
  if (!r) return r.error();
  if (*r == 0) return Error::notFound("node '" + id + "' not found");
  return okStatus();
}

Status SqliteNodeRepository::updateHealth(const std::string& id, fleet::NodeStatus status,
                                          std::optional<fleet::TimePoint> last_seen) {
  SqlValue seen = std::monostate{};
  if (last_seen) seen = toMillis(*last_seen);
  // A node in maintenance stays there until an operator takes it out.
  auto r = db_->exec(
      "UPDATE nodes SET status = CASE WHEN status = 'maintenance' THEN status ELSE ? END, "
      "last_seen_ms = COALESCE(?, last_seen_ms) WHERE id = ?",
      {std::string(fleet::nodeStatusName(status)), seen, id});
  if (!r) return r.error();
  if (*r == 0) return Error::notFound("node '" + id + "' not found");
  return okStatus();
}

}  // namespace npufleet::store
