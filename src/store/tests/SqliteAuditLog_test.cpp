// The audit log's filters (GET /api/audit?action=&actor=&target=&since=&until=): exact matches,
// an inclusive time window, every criterion at once, and `total` counting the selection.
#include "store/SqliteAuditLog.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "store/Migrations.h"
#include "store/SqliteNodeRepository.h"

namespace npufleet::store {
namespace {

constexpr int64_t kT0 = 1'700'000'000'000;  // ms

class AuditLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/npufleet-audit-XXXXXX";
    dir = mkdtemp(tmpl);
    db = *Database::open(dir + "/a.db", coreMigrations());
    log = std::make_unique<SqliteAuditLog>(db);
    // One entry a second, oldest first: ids 1..6.
    record(0, "admin", "node.create", "n1");
    record(1, "admin", "node.update", "n1");
    record(2, "ops", "node.update", "n2");
    record(3, "ops", "node.update", "n1");
    record(4, "admin", "token.create", "ci");
    record(5, "ops", "node.update", "n1");
  }
  void TearDown() override { std::filesystem::remove_all(dir); }
  void record(int second, const std::string& actor, const std::string& action,
              const std::string& target) {
    ASSERT_TRUE(log->record({0, fromMillis(kT0 + second * 1000), actor, action, target, nullptr,
                             boost::json::object{{"n", second}}})
                    .ok());
  }
  static std::vector<int64_t> ids(const fleet::AuditPage& p) {
    std::vector<int64_t> out;
    for (const auto& e : p.entries) out.push_back(e.id);
    return out;
  }
  fleet::AuditPage list(const fleet::AuditFilter& f) {
    auto r = log->list(f);
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r.ok() ? *r : fleet::AuditPage{};
  }

  std::string dir;
  std::shared_ptr<Database> db;
  std::unique_ptr<SqliteAuditLog> log;
};

TEST_F(AuditLogTest, NoFilterListsEverythingNewestFirst) {
  auto p = list({});
  EXPECT_EQ(ids(p), (std::vector<int64_t>{6, 5, 4, 3, 2, 1}));
  EXPECT_EQ(p.total, 6);
  EXPECT_EQ(p.entries[0].after.at("n"), 5);
}

TEST_F(AuditLogTest, ActionActorAndTargetMatchExactly) {
  EXPECT_EQ(ids(list({.action = "node.update"})), (std::vector<int64_t>{6, 4, 3, 2}));
  EXPECT_EQ(ids(list({.actor = "admin"})), (std::vector<int64_t>{5, 2, 1}));
  EXPECT_EQ(ids(list({.target = "n2"})), (std::vector<int64_t>{3}));
  // Exact, not a prefix or pattern.
  EXPECT_TRUE(list({.action = "node"}).entries.empty());
  EXPECT_TRUE(list({.action = "node.%"}).entries.empty());
  EXPECT_TRUE(list({.target = "n"}).entries.empty());
}

TEST_F(AuditLogTest, SinceAndUntilAreInclusive) {
  auto at = [](int second) { return fromMillis(kT0 + second * 1000); };
  EXPECT_EQ(ids(list({.since = at(4)})), (std::vector<int64_t>{6, 5}));
  EXPECT_EQ(ids(list({.until = at(1)})), (std::vector<int64_t>{2, 1}));
  EXPECT_EQ(ids(list({.since = at(2), .until = at(3)})), (std::vector<int64_t>{4, 3}));
  EXPECT_TRUE(list({.since = at(6)}).entries.empty());
}

TEST_F(AuditLogTest, CriteriaCombineAndTotalCountsTheFilteredSetAcrossPages) {
  fleet::AuditFilter f{.action = "node.update", .actor = "ops", .target = "n1",
                       .since = fromMillis(kT0 + 1000)};
  f.per_page = 1;
  auto first = list(f);
  EXPECT_EQ(ids(first), (std::vector<int64_t>{6}));
  EXPECT_EQ(first.total, 2);
  f.page = 2;
  auto second = list(f);
  EXPECT_EQ(ids(second), (std::vector<int64_t>{4}));
  EXPECT_EQ(second.total, 2);
  f.page = 3;
  auto past = list(f);
  EXPECT_TRUE(past.entries.empty());
  EXPECT_EQ(past.total, 2);
}

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
