// A SQLite connection in WAL mode with versioned migrations, shared by the repositories in
// store/. Statements run under one mutex: SQLite calls here are short, and a single writer
// keeps transactions simple. A corrupt file or a schema newer than this binary knows stops
// start-up with a clear message instead of risking data.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/Error.h"

struct sqlite3;
struct sqlite3_stmt;

namespace npufleet::store {

using SqlValue = std::variant<std::monostate, int64_t, double, std::string>;

class Row {
 public:
  explicit Row(sqlite3_stmt* stmt) : stmt_(stmt) {}
  int64_t getInt(int col) const;
  double getDouble(int col) const;
  std::string getText(int col) const;
  bool isNull(int col) const;

 private:
  sqlite3_stmt* stmt_;
};

struct Migration {
  int version;
  std::string description;
  std::string sql;
};

class Database {
 public:
  // Opens (creating when absent) and migrates; errors name the file and the reason.
  static Result<std::shared_ptr<Database>> open(const std::string& path,
                                                const std::vector<Migration>& migrations);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Runs one statement; `on_row` is called for each result row. Returns rows changed.
  Result<int64_t> exec(std::string_view sql, const std::vector<SqlValue>& params = {},
                       const std::function<void(const Row&)>& on_row = {});

  // Runs `body` inside BEGIN IMMEDIATE / COMMIT (ROLLBACK when body fails).
  Status transaction(const std::function<Status()>& body);

  // SQLite's quick check: "ok" when healthy (readiness probe).
  Status check();
  int schemaVersion();
  int64_t lastInsertId();

 private:
  explicit Database(sqlite3* db) : db_(db) {}
  Result<int64_t> execLocked(std::string_view sql, const std::vector<SqlValue>& params,
                             const std::function<void(const Row&)>& on_row);
  Status migrate(const std::vector<Migration>& migrations);

  sqlite3* db_;
  std::recursive_mutex mu_;
};

}  // namespace npufleet::store
