// SQLite's own side of the audit log: the filter indexes of migration 2. What every backend must
// do with the filters (exact matches, an inclusive window, totals) is in RepositoryContract_test.
#include "store/Database.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "store/Migrations.h"

namespace npufleet::store {
namespace {

class AuditLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/npufleet-audit-XXXXXX";
    dir = mkdtemp(tmpl);
    db = *Database::open(dir + "/a.db", coreMigrations());
  }
  void TearDown() override { std::filesystem::remove_all(dir); }

  std::string dir;
  std::shared_ptr<Database> db;
};

TEST_F(AuditLogTest, FilterIndexesExist) {
  std::vector<std::string> names;
  ASSERT_TRUE(db->exec("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = "
                       "'audit_log' ORDER BY name",
                       {}, [&](const Row& r) { names.push_back(r.getText(0)); })
                  .ok());
  EXPECT_EQ(names, (std::vector<std::string>{"audit_log_action", "audit_log_actor", "audit_log_at",
                                             "audit_log_target"}));
}

}  // namespace
}  // namespace npufleet::store
