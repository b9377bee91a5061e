// A throw-away PostgreSQL server for tests: initdb in a fresh temporary directory, pg_ctl start on
// 127.0.0.1 with a free ephemeral port (its unix socket inside that directory), stopped and
// removed by the destructor. PostgreSQL refuses to run as root, and CI runs as root: then
// initdb/pg_ctl run as the `postgres` user through `runuser` and the directory is handed to it.
// Connections over TCP need the superuser's password (scram-sha-256), as a real deployment would;
// the unix socket is trusted (the helper's own psql calls).
//
// Binaries come from /usr/lib/postgresql/15/bin (NPUFLEET_PG_BIN overrides); when absent start()
// fails saying to run scripts/install-deps.sh, so that tests fail rather than skip.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace npufleet::testing {

class PostgresInstance {
 public:
  struct Options {
    std::string bin_dir;  // empty: NPUFLEET_PG_BIN, else /usr/lib/postgresql/15/bin
    std::string password = "npufleet-test-password";
    std::vector<std::string> settings;  // extra "name=value" server settings
  };

  // nullptr on failure, with `error` saying why (missing binaries, initdb's or the server's log).
  static std::unique_ptr<PostgresInstance> start(const Options& options, std::string* error);
  static std::unique_ptr<PostgresInstance> start(std::string* error) { return start(Options{}, error); }
  ~PostgresInstance();
  PostgresInstance(const PostgresInstance&) = delete;
  PostgresInstance& operator=(const PostgresInstance&) = delete;

  const std::string& host() const { return host_; }
  uint16_t port() const { return port_; }
  const std::string& user() const { return user_; }
  const std::string& password() const { return password_; }
  const std::string& directory() const { return dir_; }
  // postgresql://postgres@127.0.0.1:PORT/DB, without the password; with a schema, its sessions
  // use it (search_path), so one database can hold a fresh schema per test (CREATE SCHEMA costs
  // milliseconds, CREATE DATABASE a third of a second).
  std::string url(const std::string& database, const std::string& schema = {}) const;

  // Runs SQL through psql on the unix socket as the superuser (CREATE DATABASE, DROP ...).
  bool runSql(const std::string& sql, std::string* error, const std::string& database = "postgres");
  bool createDatabase(const std::string& name, std::string* error);
  bool createSchema(const std::string& name, std::string* error, const std::string& database = "postgres");

  // Stops the server (immediately: a crash, as far as clients can tell) and starts it again on
  // the same port and data; for tests of a database that goes away and comes back.
  bool stopServer(std::string* error);
  bool startServer(std::string* error);
  bool running() const { return running_; }

  // The server's log, for failure messages.
  std::string serverLog() const;

 private:
  PostgresInstance() = default;
  // Runs a PostgreSQL program (as `postgres` when we are root); output appended to the command
  // log. Returns the exit status, -1 when it could not be started.
  int runAsServerUser(const std::vector<std::string>& argv);
  int runAsSelf(const std::vector<std::string>& argv);
  std::string commandLog() const;

  std::string bin_dir_, dir_, host_ = "127.0.0.1", user_ = "postgres", password_;
  std::vector<std::string> settings_;
  uint16_t port_ = 0;
  bool as_root_ = false;
  bool running_ = false;
};

}  // namespace npufleet::testing
