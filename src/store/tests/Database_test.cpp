#include "store/Database.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "store/Migrations.h"
#include "store/SqliteLoadBalancingRepository.h"
#include "store/SqliteNpuRepository.h"

namespace npufleet::store {
namespace {

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/npufleet-db-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string path;
};

TEST(Database, MigratesOnceAndRecordsEachVersion) {
  TempDir dir;
  auto file = dir.path + "/a.db";
  std::vector<Migration> m = {{1, "one", "CREATE TABLE t(x INTEGER);"},
                              {100, "hundred", "CREATE TABLE u(y INTEGER);"}};
  {
    auto db = Database::open(file, m);
    ASSERT_TRUE(db.ok()) << db.error().message;
    EXPECT_EQ((*db)->schemaVersion(), 100);
  }
  // A migration added later in a lower range still runs.
  m.push_back({2, "two", "CREATE TABLE v(z INTEGER);"});
  auto db = Database::open(file, m);
  ASSERT_TRUE(db.ok()) << db.error().message;
  EXPECT_TRUE((*db)->exec("INSERT INTO v VALUES (1)").ok());
}

// The control plane opens one database with every module's migrations (app/ServerConfig.cpp).
TEST(Database, EveryModulesMigrationsApplyTogether) {
  TempDir dir;
  auto all = coreMigrations();
  for (auto& m : npuMigrations()) all.push_back(m);
  for (auto& m : loadBalancingMigrations()) all.push_back(m);
  auto db = Database::open(dir.path + "/all.db", all);
  ASSERT_TRUE(db.ok()) << db.error().message;
  EXPECT_EQ((*db)->schemaVersion(), all.back().version);
}

TEST(Database, MigrationWithoutTrailingSemicolonApplies) {
  TempDir dir;
  auto db = Database::open(dir.path + "/a.db", {{1, "one", "CREATE TABLE t(x INTEGER)"}});
  ASSERT_TRUE(db.ok()) << db.error().message;
}

TEST(Database, RefusesASchemaFromANewerBinary) {
  TempDir dir;
  auto file = dir.path + "/a.db";
  ASSERT_TRUE(Database::open(file, {{1, "one", "SELECT 1;"}, {2, "two", "SELECT 1;"}}).ok());
  auto db = Database::open(file, {{1, "one", "SELECT 1;"}});
  ASSERT_FALSE(db.ok());
  EXPECT_NE(db.error().message.find("newer"), std::string::npos) << db.error().message;
}

TEST(Database, RefusesACorruptFile) {
  TempDir dir;
  auto file = dir.path + "/bad.db";
  std::ofstream(file) << std::string(8192, 'x');
  auto db = Database::open(file, coreMigrations());
  ASSERT_FALSE(db.ok());
  EXPECT_NE(db.error().message.find(file), std::string::npos) << db.error().message;
}

TEST(Database, TransactionRollsBackWhenTheBodyFails) {
  TempDir dir;
  auto db = *Database::open(dir.path + "/t.db", {{1, "t", "CREATE TABLE t(x INTEGER);"}});
  auto st = db->transaction([&]() -> Status {
    EXPECT_TRUE(db->exec("INSERT INTO t VALUES (1)").ok());
    return Error::badRequest("nope");
  });
  EXPECT_FALSE(st.ok());
  int64_t n = -1;
  ASSERT_TRUE(db->exec("SELECT COUNT(*) FROM t", {}, [&](const Row& r) { n = r.getInt(0); }).ok());
  EXPECT_EQ(n, 0);
}

}  // namespace
}  // namespace npufleet::store
