// A PostgreSQL connection (libpq) with versioned migrations, the replicated counterpart of
// Database for the repositories in store/Postgres*. Calls are synchronous on the caller's thread,
// as SQLite's are (docs/scale-out.md says why for now and what comes next); one connection, its
// statements under one mutex. Every statement takes its values as bound parameters; every
// connection has a connect timeout and a statement timeout, so a stuck server costs a bounded
// wait. libpq's headers stay in the .cpp: this header is included by app/ and the tests.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/Error.h"
#include "store/Database.h"  // SqlValue, Migration

struct pg_conn;
struct pg_result;

namespace npufleet::store {

struct PostgresOptions {
  // postgresql://USER@HOST:PORT/DB (libpq URI syntax; query parameters allowed). A password in
  // it works but is discouraged: `password` (read from [store] password_file) is the place.
  std::string url;
  std::string password;  // empty: none, or what libpq finds itself (PGPASSFILE, .pgpass)
  int connect_timeout_s = 5;
  int statement_timeout_ms = 10'000;
  std::string application_name = "npufleet";
};

// One result row; columns by index, in text format.
class PgRow {
 public:
  PgRow(const pg_result* result, int row) : result_(result), row_(row) {}
  int64_t getInt(int col) const;
  double getDouble(int col) const;
  std::string getText(int col) const;
  bool getBool(int col) const;
  bool isNull(int col) const;

 private:
  const pg_result* result_;
  int row_;
};

// The URL (or key=value conninfo) with any password replaced by "***", for messages and logs.
std::string maskPostgresUrl(std::string_view url);
bool isPostgresUrl(std::string_view url);

class PostgresDatabase {
 public:
  // Connects and applies pending migrations (under an advisory lock, so replicas starting
  // together migrate once). Errors name the masked URL and the reason.
  static Result<std::shared_ptr<PostgresDatabase>> open(const PostgresOptions& options,
                                                        const std::vector<Migration>& migrations);
  ~PostgresDatabase();
  PostgresDatabase(const PostgresDatabase&) = delete;
  PostgresDatabase& operator=(const PostgresDatabase&) = delete;

  // One statement with $1, $2, ... placeholders; `on_row` per result row. Returns the rows the
  // statement changed (or returned, for a SELECT). A unique violation is kConflict (the message
  // names the constraint); a lost connection or a timeout is kUnavailable.
  Result<int64_t> exec(std::string_view sql, const std::vector<SqlValue>& params = {},
                       const std::function<void(const PgRow&)>& on_row = {});

  // Runs `body` inside BEGIN / COMMIT (ROLLBACK when body fails), on this connection.
  Status transaction(const std::function<Status()>& body);

  // SELECT 1: the database answers (readiness).
  Status check();
  int schemaVersion();
  const std::string& maskedUrl() const { return masked_url_; }

 private:
  PostgresDatabase(pg_conn* conn, std::string masked_url, int statement_timeout_ms)
      : conn_(conn), masked_url_(std::move(masked_url)), statement_timeout_ms_(statement_timeout_ms) {}
  Result<int64_t> execLocked(std::string_view sql, const std::vector<SqlValue>& params,
                             const std::function<void(const PgRow&)>& on_row);
  Status reconnectIfLost();
  Status migrate(const std::vector<Migration>& migrations);

  pg_conn* conn_;
  std::string masked_url_;
  int statement_timeout_ms_;
  std::recursive_mutex mu_;
};

}  // namespace npufleet::store
