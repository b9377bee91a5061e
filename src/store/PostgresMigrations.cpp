#include "store/PostgresMigrations.h"

namespace npufleet::store {

// Columns mirror the SQLite schema (times in ms since the epoch, roles and labels as JSON) so one
// codec (ColumnCodec.h) serves both; unique constraints are named, as the repositories tell a
// duplicate name from a duplicate address by the constraint.
std::vector<Migration> postgresCoreMigrations() {
  return {
      {1, "nodes, tokens, audit log", R"sql(
CREATE TABLE nodes (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL CONSTRAINT nodes_name_unique UNIQUE,
  ip TEXT NOT NULL,
  npu_port INTEGER NOT NULL,
  roles JSONB NOT NULL DEFAULT '[]',
  status TEXT NOT NULL,
  labels JSONB NOT NULL DEFAULT '{}',
  draining BOOLEAN NOT NULL DEFAULT false,
  created_at_ms BIGINT NOT NULL,
  updated_at_ms BIGINT NOT NULL,
  last_seen_ms BIGINT,
  CONSTRAINT nodes_address_unique UNIQUE (ip, npu_port)
);
CREATE INDEX nodes_roles ON nodes USING GIN (roles jsonb_path_ops);
CREATE TABLE tokens (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name TEXT NOT NULL CONSTRAINT tokens_name_unique UNIQUE,
  role TEXT NOT NULL,
  hash TEXT NOT NULL CONSTRAINT tokens_hash_unique UNIQUE,
  created_at_ms BIGINT NOT NULL,
  last_used_ms BIGINT,
  revoked BOOLEAN NOT NULL DEFAULT false
);
CREATE TABLE audit_log (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at_ms BIGINT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT NOT NULL,
  before_json TEXT,
  after_json TEXT
);
CREATE INDEX audit_log_at ON audit_log (at_ms);
)sql"},
      // GET /api/audit?action=|actor=|target= newest first: (column, id) reads a filtered page
      // in index order.
      {2, "audit log filter indexes", R"sql(
CREATE INDEX audit_log_action ON audit_log (action, id);
CREATE INDEX audit_log_actor ON audit_log (actor, id);
CREATE INDEX audit_log_target ON audit_log (target, id);
)sql"},
  };
}

}  // namespace npufleet::store
