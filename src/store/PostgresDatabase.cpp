#include "store/PostgresDatabase.h"

#include <libpq-fe.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>

namespace npufleet::store {
namespace {

// pg_advisory_xact_lock key of the migration step ("npufleet" in ASCII, as a 64-bit number).
constexpr int64_t kMigrationLockKey = 0x6e7075666c656574;

using ResultPtr = std::unique_ptr<PGresult, void (*)(PGresult*)>;

ResultPtr wrap(PGresult* r) { return {r, PQclear}; }

// libpq's messages end in a newline and may span lines; one line reads better in a log.
std::string oneLine(const char* text) {
  std::string s = text ? text : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  std::replace(s.begin(), s.end(), '\n', ' ');
  return s.empty() ? "unknown error" : s;
}

bool startsWith(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.substr(0, prefix.size()) == prefix;
}

// Replaces the value of every "password=" (query parameter or key=value pair) with ***.
std::string maskPasswordParameters(std::string s) {
  std::string lower = s;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  size_t from = 0;
  for (;;) {
    size_t at = lower.find("password", from);
    if (at == std::string::npos) break;
    size_t eq = at + 8;
    while (eq < s.size() && s[eq] == ' ') ++eq;
    if (eq >= s.size() || s[eq] != '=') {
      from = at + 8;
      continue;
    }
    size_t start = eq + 1;
    while (start < s.size() && s[start] == ' ') ++start;
    size_t end = start;
    if (end < s.size() && s[end] == '\'') {
      ++end;
      while (end < s.size() && s[end] != '\'') end += (s[end] == '\\' ? 2 : 1);
      end = std::min(end + 1, s.size());
    } else {
      while (end < s.size() && s[end] != '&' && s[end] != ' ' && s[end] != '#') ++end;
    }
    s.replace(start, end - start, "***");
    lower.replace(start, end - start, "***");
    from = start + 3;
  }
  return s;
}

Error statementError(PGconn* conn, const PGresult* res, int statement_timeout_ms) {
  const char* state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  const std::string message = oneLine(res ? PQresultErrorMessage(res) : PQerrorMessage(conn));
  const std::string_view sqlstate = state ? state : "";
  if (sqlstate == "23505") return Error{ErrorCode::kConflict, message, {}};
  if (sqlstate == "57014") {
    return Error::unavailable("the database did not answer within the statement timeout (" +
                              std::to_string(statement_timeout_ms) + " ms): " + message);
  }
  if (PQstatus(conn) == CONNECTION_BAD || startsWith(sqlstate, "08") || startsWith(sqlstate, "57P")) {
    return Error::unavailable("lost the connection to the database: " + message);
  }
  if (startsWith(sqlstate, "53")) {  // insufficient resources: disk full, out of memory, too many connections
    return Error::unavailable("the database cannot take the change now: " + message);
  }
  return Error::internal("database statement failed: " + message);
}

Status applySession(PGconn* conn, int statement_timeout_ms) {
  const std::string timeout = std::to_string(statement_timeout_ms);
  const char* values[] = {timeout.c_str()};
  auto res = wrap(PQexecParams(conn, "SELECT set_config('statement_timeout', $1, false)", 1, nullptr,
                               values, nullptr, nullptr, 0));
  if (PQresultStatus(res.get()) != PGRES_TUPLES_OK) {
    return statementError(conn, res.get(), statement_timeout_ms);
  }
  return okStatus();
}

}  // namespace

bool isPostgresUrl(std::string_view url) {
  return startsWith(url, "postgresql://") || startsWith(url, "postgres://");
}

std::string maskPostgresUrl(std::string_view url) {
  std::string s(url);
  // Any scheme://user:password@host, not only postgresql://: a mistyped scheme is shown too.
  if (const size_t scheme = s.find("://"); scheme != std::string::npos) {
    const size_t authority = scheme + 3;
    const size_t end = s.find_first_of("/?#", authority);
    const size_t at = s.rfind('@', end == std::string::npos ? std::string::npos : end);
    if (at != std::string::npos && at >= authority) {
      const size_t colon = s.find(':', authority);
      if (colon != std::string::npos && colon < at) s.replace(colon + 1, at - colon - 1, "***");
    }
  }
  return maskPasswordParameters(std::move(s));
}

int64_t PgRow::getInt(int col) const {
  const char* v = PQgetvalue(result_, row_, col);
  int64_t out = 0;
  std::from_chars(v, v + std::strlen(v), out);
  return out;
}

double PgRow::getDouble(int col) const {
  const char* v = PQgetvalue(result_, row_, col);
  double out = 0;
  std::from_chars(v, v + std::strlen(v), out);
  return out;
}

std::string PgRow::getText(int col) const {
  return {PQgetvalue(result_, row_, col), static_cast<size_t>(PQgetlength(result_, row_, col))};
}

bool PgRow::getBool(int col) const { return PQgetvalue(result_, row_, col)[0] == 't'; }

bool PgRow::isNull(int col) const { return PQgetisnull(result_, row_, col) != 0; }

Result<std::shared_ptr<PostgresDatabase>> PostgresDatabase::open(
    const PostgresOptions& options, const std::vector<Migration>& migrations) {
  const std::string masked = maskPostgresUrl(options.url);
  if (!isPostgresUrl(options.url)) {
    return Error::badRequest("database URL " + masked + " is not a postgresql:// URL", "store.url");
  }
  // Keywords are processed in order and later ones win: the URL's own connect_timeout wins over
  // the default; the password file wins over a password in the URL.
  const std::string timeout = std::to_string(std::max(1, options.connect_timeout_s));
  std::vector<const char*> keys = {"connect_timeout", "application_name", "dbname"};
  std::vector<const char*> values = {timeout.c_str(), options.application_name.c_str(),
                                     options.url.c_str()};
  if (!options.password.empty()) {
    keys.push_back("password");
    values.push_back(options.password.c_str());
  }
  keys.push_back(nullptr);
  values.push_back(nullptr);
  PGconn* conn = PQconnectdbParams(keys.data(), values.data(), /*expand_dbname=*/1);
  if (conn == nullptr) return Error::unavailable("cannot connect to database " + masked + ": out of memory");
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string why = oneLine(PQerrorMessage(conn));
    PQfinish(conn);
    return Error::unavailable("cannot connect to database " + masked + ": " + why);
  }
  std::shared_ptr<PostgresDatabase> db(new PostgresDatabase(conn, masked, options.statement_timeout_ms));
  if (auto st = applySession(conn, options.statement_timeout_ms); !st) {
    return Error{st.error().code, "database " + masked + ": " + st.error().message, {}};
  }
  if (auto st = db->migrate(migrations); !st) {
    return Error{st.error().code, "database " + masked + ": " + st.error().message, {}};
  }
  return db;
}

PostgresDatabase::~PostgresDatabase() { PQfinish(conn_); }

Status PostgresDatabase::reconnectIfLost() {
  if (PQstatus(conn_) == CONNECTION_OK) return okStatus();
  PQreset(conn_);
  if (PQstatus(conn_) != CONNECTION_OK) {
    return Error::unavailable("the database " + masked_url_ + " cannot be reached: " +
                              oneLine(PQerrorMessage(conn_)));
  }
  spdlog::warn("reconnected to the database {}", masked_url_);
  return applySession(conn_, statement_timeout_ms_);
}

Result<int64_t> PostgresDatabase::exec(std::string_view sql, const std::vector<SqlValue>& params,
                                       const std::function<void(const PgRow&)>& on_row) {
  std::lock_guard lock(mu_);
  return execLocked(sql, params, on_row);
}

Result<int64_t> PostgresDatabase::execLocked(std::string_view sql, const std::vector<SqlValue>& params,
                                             const std::function<void(const PgRow&)>& on_row) {
  if (auto st = reconnectIfLost(); !st) return st.error();
  std::vector<std::string> text(params.size());
  std::vector<const char*> values(params.size(), nullptr);
  for (size_t i = 0; i < params.size(); ++i) {
    const auto& p = params[i];
    if (std::holds_alternative<std::monostate>(p)) continue;
    if (const auto* iv = std::get_if<int64_t>(&p)) {
      text[i] = std::to_string(*iv);
    } else if (const auto* dv = std::get_if<double>(&p)) {
      char buf[64];
      auto [end, ec] = std::to_chars(buf, buf + sizeof buf, *dv);
      text[i] = ec == std::errc{} ? std::string(buf, end) : std::to_string(*dv);
    } else {
      text[i] = std::get<std::string>(p);
    }
    values[i] = text[i].c_str();
  }
  const std::string statement(sql);
  auto res = wrap(PQexecParams(conn_, statement.c_str(), static_cast<int>(params.size()), nullptr,
                               values.data(), nullptr, nullptr, /*resultFormat=*/0));
  const ExecStatusType status = PQresultStatus(res.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    return statementError(conn_, res.get(), statement_timeout_ms_);
  }
  if (status == PGRES_TUPLES_OK && on_row) {
    const int rows = PQntuples(res.get());
    for (int i = 0; i < rows; ++i) on_row(PgRow(res.get(), i));
  }
  const char* changed = PQcmdTuples(res.get());
  int64_t n = 0;
  if (changed != nullptr && *changed != '\0') std::from_chars(changed, changed + std::strlen(changed), n);
  return n;
}

Status PostgresDatabase::transaction(const std::function<Status()>& body) {
  std::lock_guard lock(mu_);
  if (auto r = execLocked("BEGIN", {}, {}); !r) return r.error();
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

Status PostgresDatabase::check() {
  auto r = exec("SELECT 1");
  if (!r) return r.error();
  return okStatus();
}

int PostgresDatabase::schemaVersion() {
  int64_t v = 0;
  (void)exec("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", {},
             [&](const PgRow& row) { v = row.getInt(0); });
  return static_cast<int>(v);
}

// As Database::migrate: one row per applied migration, a version this binary does not know stops
// start-up. All of it runs in one transaction under an advisory lock: replicas that start
// together wait for the first one, then find nothing left to do. PostgreSQL's DDL is
// transactional, so a failed migration leaves nothing behind.
Status PostgresDatabase::migrate(const std::vector<Migration>& migrations) {
  return transaction([&]() -> Status {
    if (auto r = execLocked("SELECT pg_advisory_xact_lock($1)", {kMigrationLockKey}, {}); !r) {
      return r.error();
    }
    if (auto r = execLocked("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
                            "description TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
                            {}, {});
        !r) {
      return r.error();
    }
    std::vector<int64_t> applied;
    if (auto r = execLocked("SELECT version FROM schema_migrations", {},
                            [&](const PgRow& row) { applied.push_back(row.getInt(0)); });
        !r) {
      return r.error();
    }
    for (int64_t v : applied) {
      const bool known = std::any_of(migrations.begin(), migrations.end(),
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
      // The migration's SQL is a constant script of several statements, with no values in it:
      // the simple-query protocol (PQexec) is what runs several statements at once.
      auto res = wrap(PQexec(conn_, m->sql.c_str()));
      if (PQresultStatus(res.get()) != PGRES_COMMAND_OK && PQresultStatus(res.get()) != PGRES_TUPLES_OK) {
        const Error e = statementError(conn_, res.get(), statement_timeout_ms_);
        return Error{e.code, "migration " + std::to_string(m->version) + " (" + m->description +
                                 ") failed: " + e.message, {}};
      }
      if (auto r = execLocked("INSERT INTO schema_migrations (version, description) VALUES ($1, $2)",
                              {static_cast<int64_t>(m->version), m->description}, {});
          !r) {
        return r.error();
      }
      spdlog::info("database migration {} applied ({})", m->version, m->description);
    }
    return okStatus();
  });
}

}  // namespace npufleet::store
