#include "store/Database.h"

#include <spdlog/spdlog.h>

#include <sys/resource.h>
#include <sys/statvfs.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <optional>
#include <sqlite3.h>

namespace npufleet::store {
namespace {

Error sqlError(sqlite3* db, std::string_view what) {
  return Error::internal(std::string(what) + ": " + sqlite3_errmsg(db));
}

// Why a write found no room, or nullopt when it failed for another reason. SQLite reports ENOSPC
// as SQLITE_FULL, but a file size limit (EFBIG: RLIMIT_FSIZE, systemd LimitFSIZE=) or a quota
// (EDQUOT) only as SQLITE_IOERR_WRITE, whose saved errno later system calls may have replaced:
// the limit and the files' sizes tell as well.
std::optional<std::string> noRoomReason(sqlite3* db, int rc) {
  if (rc == SQLITE_FULL) return "the disk is full";
  if (sqlite3_extended_errcode(db) != SQLITE_IOERR_WRITE) return std::nullopt;
  switch (sqlite3_system_errno(db)) {
    case ENOSPC: return "the disk is full";
    case EDQUOT: return "the disk quota is exceeded";
    case EFBIG: return "the file size limit is reached";
    default: break;
  }
  const std::filesystem::path main = sqlite3_db_filename(db, "main");
  rlimit limit{};
  if (::getrlimit(RLIMIT_FSIZE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
    constexpr uintmax_t kLargestPage = 64 * 1024;
    for (const auto& file : {main, std::filesystem::path(main.string() + "-wal")}) {
      std::error_code ec;
      const uintmax_t size = std::filesystem::file_size(file, ec);
      if (!ec && size + kLargestPage >= limit.rlim_cur) {
        return "the file size limit (" + std::to_string(limit.rlim_cur) + " bytes) is reached";
      }
    }
  }
  struct statvfs fs {};
  if (::statvfs(main.parent_path().c_str(), &fs) == 0 &&
      static_cast<uintmax_t>(fs.f_bavail) * fs.f_frsize < 1024 * 1024) {
    return "the disk is full";
  }
  return std::nullopt;
}

}  // namespace

int64_t Row::getInt(int col) const { return sqlite3_column_int64(stmt_, col); }
double Row::getDouble(int col) const { return sqlite3_column_double(stmt_, col); }
bool Row::isNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
std::string Row::getText(int col) const {
  const auto* text = sqlite3_column_text(stmt_, col);
  if (text == nullptr) return {};
  return {reinterpret_cast<const char*>(text), static_cast<size_t>(sqlite3_column_bytes(stmt_, col))};
}

Result<std::shared_ptr<Database>> Database::open(const std::string& path,
                                                 const std::vector<Migration>& migrations) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                           nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = raw ? sqlite3_errmsg(raw) : "out of memory";
    sqlite3_close(raw);
    return Error::unavailable("cannot open database " + path + ": " + msg);
  }
  std::shared_ptr<Database> db(new Database(raw));
  sqlite3_busy_timeout(raw, 5000);
  // quick_check reads every page: a corrupt or non-SQLite file fails here, before any write.
  if (auto st = db->check(); !st) {
    return Error::unavailable("database " + path + " is damaged (" + st.error().message +
                              "); refusing to start. Restore it from a backup or move it aside.");
  }
  for (const char* pragma : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL",
                             "PRAGMA foreign_keys=ON"}) {
    if (auto r = db->exec(pragma); !r) {
      return Error::unavailable("database " + path + ": " + r.error().message);
    }
  }
  if (auto st = db->migrate(migrations); !st) {
    return Error{st.error().code, "database " + path + ": " + st.error().message, {}};
  }
  return db;
}

Database::~Database() { sqlite3_close_v2(db_); }

Result<int64_t> Database::exec(std::string_view sql, const std::vector<SqlValue>& params,
                               const std::function<void(const Row&)>& on_row) {
  std::lock_guard lock(mu_);
  return execLocked(sql, params, on_row);
}

Result<int64_t> Database::execLocked(std::string_view sql, const std::vector<SqlValue>& params,
                                     const std::function<void(const Row&)>& on_row) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr) != SQLITE_OK) {
    return sqlError(db_, "prepare");
  }
  std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> guard(stmt, sqlite3_finalize);
  for (size_t i = 0; i < params.size(); ++i) {
    const int idx = static_cast<int>(i) + 1;
    const auto& p = params[i];
    int rc = SQLITE_OK;
    if (std::holds_alternative<std::monostate>(p)) {
      rc = sqlite3_bind_null(stmt, idx);
    } else if (const auto* iv = std::get_if<int64_t>(&p)) {
      rc = sqlite3_bind_int64(stmt, idx, *iv);
    } else if (const auto* dv = std::get_if<double>(&p)) {
      rc = sqlite3_bind_double(stmt, idx, *dv);
    } else {
      const auto& s = std::get<std::string>(p);
      rc = sqlite3_bind_text(stmt, idx, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
    }
    if (rc != SQLITE_OK) return sqlError(db_, "bind");
  }
  for (;;) {
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
      if (on_row) on_row(Row(stmt));
      continue;
    }
    if (rc == SQLITE_DONE) break;
    if (rc == SQLITE_CONSTRAINT) {
      return Error{ErrorCode::kConflict, sqlite3_errmsg(db_), {}};
    }
    if (auto why = noRoomReason(db_, rc)) {
      return Error::unavailable("cannot write to the database: " + *why +
                                "; the change was not saved. Free space in the data dir (or raise "
                                "the limit); reads keep working meanwhile");
    }
    return sqlError(db_, "step");
  }
  return static_cast<int64_t>(sqlite3_changes(db_));
}

Status Database::transaction(const std::function<Status()>& body) {
  std::lock_guard lock(mu_);
  if (auto r = execLocked("BEGIN IMMEDIATE", {}, {}); !r) return r.error();
  Status st = body();
  if (!st) {
    (void)execLocked("ROLLBACK", {}, {});
    return st;
  }
  if (auto r = execLocked("COMMIT", {}, {}); !r) {
    (void)execLocked("ROLLBACK", {}, {});
    return r.error();
  }
  return okStatus();
}

Status Database::check() {
  std::string result;
  auto r = exec("PRAGMA quick_check", {}, [&](const Row& row) {
    if (result.empty()) result = row.getText(0);
  });
  if (!r) return r.error();
  if (result != "ok") return Error::unavailable("quick_check: " + result);
  return okStatus();
}

int Database::schemaVersion() {
  int64_t v = 0;
  (void)exec("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", {},
             [&](const Row& row) { v = row.getInt(0); });
  return static_cast<int>(v);
}

int64_t Database::lastInsertId() { return sqlite3_last_insert_rowid(db_); }

// Applied migrations are recorded one row each (not a single user_version), so that modules
// numbering their migrations in separate ranges (core 1-99, npu 100+, balancer 200+) can each add
// new ones without being skipped.
Status Database::migrate(const std::vector<Migration>& migrations) {
  if (auto r = exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
                    "description TEXT NOT NULL, applied_at TEXT NOT NULL DEFAULT "
                    "(strftime('%Y-%m-%dT%H:%M:%fZ','now')))");
      !r) {
    return r.error();
  }
  std::vector<int64_t> applied;
  if (auto r = exec("SELECT version FROM schema_migrations", {},
                    [&](const Row& row) { applied.push_back(row.getInt(0)); });
      !r) {
    return r.error();
  }
  for (int64_t v : applied) {
    bool known = std::any_of(migrations.begin(), migrations.end(),
                             [&](const Migration& m) { return m.version == v; });
    if (!known) {
      return Error::unavailable("schema migration " + std::to_string(v) +
                                " was applied by a newer npufleet than this binary; refusing to "
                                "start. Run a newer npufleet.");
    }
  }
  std::vector<const Migration*> pending;
  for (const auto& m : migrations) {
    if (std::find(applied.begin(), applied.end(), m.version) == applied.end()) pending.push_back(&m);
  }
  std::sort(pending.begin(), pending.end(),
            [](const Migration* a, const Migration* b) { return a->version < b->version; });
  for (const Migration* m : pending) {
    std::lock_guard lock(mu_);
    char* err = nullptr;
    // A migration's SQL may or may not end with ';': an empty statement is harmless.
    std::string script = "BEGIN IMMEDIATE;\n" + m->sql +
                         ";\nINSERT INTO schema_migrations(version, description) VALUES (" +
                         std::to_string(m->version) + ", 'migration');\nCOMMIT;";
    if (sqlite3_exec(db_, script.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : "unknown error";
      sqlite3_free(err);
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      return Error::internal("migration " + std::to_string(m->version) + " (" + m->description +
                             ") failed: " + msg);
    }
    (void)execLocked("UPDATE schema_migrations SET description = ? WHERE version = ?",
                     {m->description, static_cast<int64_t>(m->version)}, {});
    spdlog::info("database migration {} applied ({})", m->version, m->description);
  }
  return okStatus();
}

}  // namespace npufleet::store
