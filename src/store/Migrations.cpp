#include "store/Migrations.h"

namespace npufleet::store {

std::vector<Migration> coreMigrations() {
  return {
      {1, "nodes, tokens, audit log", R"sql(
CREATE TABLE nodes (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  ip TEXT NOT NULL,
  npu_port INTEGER NOT NULL,
  roles TEXT NOT NULL DEFAULT '[]',
  status TEXT NOT NULL,
  labels TEXT NOT NULL DEFAULT '{}',
  draining INTEGER NOT NULL DEFAULT 0,
  created_at_ms INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL,
  last_seen_ms INTEGER,
  UNIQUE (ip, npu_port)
);
CREATE TABLE tokens (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL UNIQUE,
  role TEXT NOT NULL,
  hash TEXT NOT NULL UNIQUE,
  created_at_ms INTEGER NOT NULL,
  last_used_ms INTEGER,
  revoked INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at_ms INTEGER NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT NOT NULL,
  before_json TEXT,
  after_json TEXT
);
CREATE INDEX audit_log_at ON audit_log(at_ms);
)sql"},
      // GET /api/audit?action=|actor=|target= : each index also orders by rowid (id), so a
      // filtered page reads only its rows, newest first.
      {2, "audit log filter indexes", R"sql(
CREATE INDEX audit_log_action ON audit_log(action);
CREATE INDEX audit_log_actor ON audit_log(actor);
CREATE INDEX audit_log_target ON audit_log(target);
)sql"},
  };
}

}  // namespace npufleet::store
