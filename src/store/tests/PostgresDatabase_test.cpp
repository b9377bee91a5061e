// What only the PostgreSQL backend has to get right: its migrations (recorded, once, all or
// nothing, concurrent start-ups), bound parameters, its timeouts, a server that goes away and
// comes back, and passwords kept out of every message.
#include "store/PostgresDatabase.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "store/PostgresMigrations.h"
#include "store/tests/PostgresTestServer.h"

namespace npufleet::store {
namespace {

class PostgresDatabaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    pg_ = PostgresTestServer::instance(&error);
    ASSERT_NE(pg_, nullptr) << error;
    url_ = PostgresTestServer::freshUrl(&error);
    ASSERT_FALSE(url_.empty()) << error;
  }
  PostgresOptions options() const {
    PostgresOptions o;
    o.url = url_;
    o.password = pg_->password();
    return o;
  }
  std::vector<int64_t> appliedVersions(PostgresDatabase& db) {
    std::vector<int64_t> out;
    EXPECT_TRUE(db.exec("SELECT version FROM schema_migrations ORDER BY version", {},
                        [&](const PgRow& r) { out.push_back(r.getInt(0)); })
                    .ok());
    return out;
  }

  testing::PostgresInstance* pg_ = nullptr;
  std::string url_;  // a fresh schema
};

TEST(MaskPostgresUrl, HidesThePasswordWhereverItIsWritten) {
  EXPECT_EQ(maskPostgresUrl("postgresql://fleet:s3cret@db.example:5432/npufleet"),
            "postgresql://fleet:***@db.example:5432/npufleet");
  EXPECT_EQ(maskPostgresUrl("postgres://fleet:p%40ss@db/npufleet?sslmode=require"),
            "postgres://fleet:***@db/npufleet?sslmode=require");
  EXPECT_EQ(maskPostgresUrl("postgresql://fleet@db/npufleet?sslmode=require&password=s3cret&x=1"),
            "postgresql://fleet@db/npufleet?sslmode=require&password=***&x=1");
  EXPECT_EQ(maskPostgresUrl("host=db password = 's3 cret' dbname=n"), "host=db password = *** dbname=n");
  EXPECT_EQ(maskPostgresUrl("postgresql://fleet@db:5432/npufleet"), "postgresql://fleet@db:5432/npufleet");
  EXPECT_EQ(maskPostgresUrl("postgresql://db/npufleet"), "postgresql://db/npufleet");
}

TEST(PostgresUrl, OnlyPostgresSchemesArePostgres) {
  EXPECT_TRUE(isPostgresUrl("postgresql://u@h/db"));
  EXPECT_TRUE(isPostgresUrl("postgres://u@h/db"));
  EXPECT_FALSE(isPostgresUrl("/var/lib/npufleet/npufleet.db"));
  EXPECT_FALSE(isPostgresUrl("sqlite:///x.db"));
}

TEST_F(PostgresDatabaseTest, MigrationsAreRecordedAndAppliedOnce) {
  {
    auto db = PostgresDatabase::open(options(), postgresCoreMigrations());
    ASSERT_TRUE(db.ok()) << db.error().message;
    EXPECT_EQ(appliedVersions(**db), (std::vector<int64_t>{1, 2}));
    EXPECT_EQ((*db)->schemaVersion(), 2);
    ASSERT_TRUE((*db)->exec("INSERT INTO tokens (name, role, hash, created_at_ms) VALUES ('t', 'admin', "
                            "'h', 1)")
                    .ok());
  }
  auto again = PostgresDatabase::open(options(), postgresCoreMigrations());
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(appliedVersions(**again), (std::vector<int64_t>{1, 2}));
  int64_t tokens = 0;
  ASSERT_TRUE((*again)->exec("SELECT COUNT(*) FROM tokens", {}, [&](const PgRow& r) { tokens = r.getInt(0); }).ok());
  EXPECT_EQ(tokens, 1);  // reopening kept the data
}

TEST_F(PostgresDatabaseTest, AuditFilterIndexesExist) {
  auto db = PostgresDatabase::open(options(), postgresCoreMigrations());
  ASSERT_TRUE(db.ok()) << db.error().message;
  std::vector<std::string> names;
  ASSERT_TRUE((*db)->exec("SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND "
                          "tablename = $1 ORDER BY indexname",
                          {std::string("audit_log")}, [&](const PgRow& r) { names.push_back(r.getText(0)); })
                  .ok());
  EXPECT_EQ(names, (std::vector<std::string>{"audit_log_action", "audit_log_actor", "audit_log_at",
                                             "audit_log_pkey", "audit_log_target"}));
}

TEST_F(PostgresDatabaseTest, ReplicasStartingTogetherMigrateOnce) {
  std::vector<Result<std::shared_ptr<PostgresDatabase>>> opened(4, Error::internal("not run"));
  std::vector<std::thread> threads;
  for (size_t i = 0; i < opened.size(); ++i) {
    threads.emplace_back([&, i] { opened[i] = PostgresDatabase::open(options(), postgresCoreMigrations()); });
  }
  for (auto& t : threads) t.join();
  for (const auto& db : opened) ASSERT_TRUE(db.ok()) << db.error().message;
  EXPECT_EQ(appliedVersions(*opened[0].value()), (std::vector<int64_t>{1, 2}));
}

TEST_F(PostgresDatabaseTest, AFailedMigrationLeavesNothingBehindAndNamesItself) {
  auto migrations = postgresCoreMigrations();
  migrations.push_back({3, "broken on purpose", "CREATE TABLE half_done (a int); SELECT no_such_function()"});
  auto db = PostgresDatabase::open(options(), migrations);
  ASSERT_FALSE(db.ok());
  EXPECT_NE(db.error().message.find("migration 3 (broken on purpose) failed"), std::string::npos)
      << db.error().message;
  EXPECT_NE(db.error().message.find("no_such_function"), std::string::npos) << db.error().message;
  // The whole start-up ran in one transaction: not even migrations 1 and 2 stayed.
  auto clean = PostgresDatabase::open(options(), {});
  ASSERT_TRUE(clean.ok()) << clean.error().message;
  EXPECT_TRUE(appliedVersions(**clean).empty());
  int64_t tables = -1;
  ASSERT_TRUE((*clean)->exec("SELECT COUNT(*) FROM pg_tables WHERE schemaname = current_schema() AND "
                             "tablename IN ('half_done', 'nodes')", {},
                             [&](const PgRow& r) { tables = r.getInt(0); })
                  .ok());
  EXPECT_EQ(tables, 0);
}

TEST_F(PostgresDatabaseTest, AMigrationFromANewerBinaryRefusesStart) {
  auto newer = postgresCoreMigrations();
  newer.push_back({99, "from the future", "CREATE TABLE future (a int)"});
  ASSERT_TRUE(PostgresDatabase::open(options(), newer).ok());
  auto db = PostgresDatabase::open(options(), postgresCoreMigrations());
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(db.error().message.find("schema migration 99 was applied by a newer npufleet"),
            std::string::npos)
      << db.error().message;
}

TEST_F(PostgresDatabaseTest, ValuesTravelAsBoundParameters) {
  auto db = PostgresDatabase::open(options(), {});
  ASSERT_TRUE(db.ok()) << db.error().message;
  const std::string hostile = "it's'; DROP TABLE schema_migrations; --";
  std::string text;
  bool was_null = false;
  double number = 0;
  int64_t integer = 0;
  ASSERT_TRUE((*db)->exec("SELECT $1::text, $2::text IS NULL, $3::float8, $4::bigint",
                          {hostile, std::monostate{}, 2.5, int64_t{-9'007'199'254'740'993}},
                          [&](const PgRow& r) {
                            text = r.getText(0);
                            was_null = r.getBool(1);
                            number = r.getDouble(2);
                            integer = r.getInt(3);
                          })
                  .ok());
  EXPECT_EQ(text, hostile);
  EXPECT_TRUE(was_null);
  EXPECT_EQ(number, 2.5);
  EXPECT_EQ(integer, -9'007'199'254'740'993);
}

TEST_F(PostgresDatabaseTest, AStatementPastTheTimeoutIsUnavailable) {
  auto o = options();
  o.statement_timeout_ms = 200;
  auto db = PostgresDatabase::open(o, {});
  ASSERT_TRUE(db.ok()) << db.error().message;
  auto r = (*db)->exec("SELECT pg_sleep(30)");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(r.error().message.find("statement timeout (200 ms)"), std::string::npos) << r.error().message;
  EXPECT_TRUE((*db)->check().ok());  // the connection is still good
}

TEST_F(PostgresDatabaseTest, AWrongPasswordFailsWithoutShowingIt) {
  auto o = options();
  o.password = "wrong-secret-1234";
  auto db = PostgresDatabase::open(o, {});
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(db.error().message.find("cannot connect to database " + url_), std::string::npos)
      << db.error().message;
  EXPECT_NE(db.error().message.find("password authentication failed"), std::string::npos)
      << db.error().message;
  EXPECT_EQ(db.error().message.find("wrong-secret-1234"), std::string::npos) << db.error().message;

  PostgresOptions inline_password;
  inline_password.url = "postgresql://postgres:inline-secret-99@" + pg_->host() + ":" +
                        std::to_string(pg_->port()) + "/postgres";
  auto inline_db = PostgresDatabase::open(inline_password, {});
  ASSERT_FALSE(inline_db.ok());
  EXPECT_EQ(inline_db.error().message.find("inline-secret-99"), std::string::npos)
      << inline_db.error().message;
  EXPECT_NE(inline_db.error().message.find("postgres:***@"), std::string::npos) << inline_db.error().message;
}

TEST_F(PostgresDatabaseTest, APasswordInTheUrlIsUsedWhenNoneIsGiven) {
  PostgresOptions o;
  o.url = "postgresql://postgres:" + pg_->password() + "@" + pg_->host() + ":" + std::to_string(pg_->port()) +
          "/postgres";
  auto db = PostgresDatabase::open(o, {});
  ASSERT_TRUE(db.ok()) << db.error().message;
  EXPECT_EQ((*db)->maskedUrl().find(pg_->password()), std::string::npos);
}

TEST_F(PostgresDatabaseTest, AServerThatNeverAnswersTimesOutTheConnect) {
  // A listening socket nobody accepts on: the kernel completes the handshake, nothing answers.
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(fd, 4), 0);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  PostgresOptions o;
  o.url = "postgresql://postgres@127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) + "/x";
  o.connect_timeout_s = 2;  // libpq's smallest
  auto db = PostgresDatabase::open(o, {});
  ::close(fd);
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(db.error().message.find("timeout expired"), std::string::npos) << db.error().message;
}

TEST_F(PostgresDatabaseTest, NotAPostgresUrlIsABadRequestNamingTheKey) {
  PostgresOptions o;
  o.url = "mysql://u:pw@h/db";
  auto db = PostgresDatabase::open(o, {});
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.error().code, ErrorCode::kBadRequest);
  EXPECT_EQ(db.error().field, "store.url");
  EXPECT_EQ(db.error().message.find(":pw@"), std::string::npos) << db.error().message;
}

// Stops the binary's shared server and starts it again before returning, so the tests after it
// find it running.
TEST_F(PostgresDatabaseTest, AServerThatGoesAwayIsUnavailableUntilItIsBack) {
  auto db = PostgresDatabase::open(options(), postgresCoreMigrations());
  ASSERT_TRUE(db.ok()) << db.error().message;
  std::string error;
  ASSERT_TRUE(pg_->stopServer(&error)) << error;
  auto down = (*db)->exec("SELECT COUNT(*) FROM nodes");
  const bool restarted = pg_->startServer(&error);
  ASSERT_FALSE(down.ok());
  EXPECT_EQ(down.error().code, ErrorCode::kUnavailable) << down.error().message;
  ASSERT_TRUE(restarted) << error;
  // The next statement reconnects, with the session's statement timeout set again.
  auto up = (*db)->exec("SELECT COUNT(*) FROM nodes");
  ASSERT_TRUE(up.ok()) << up.error().message;
  std::string timeout;
  ASSERT_TRUE((*db)->exec("SHOW statement_timeout", {}, [&](const PgRow& r) { timeout = r.getText(0); }).ok());
  EXPECT_EQ(timeout, "10s");
}

}  // namespace
}  // namespace npufleet::store
