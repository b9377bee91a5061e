#include "store/SqliteNodeRepository.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "store/Migrations.h"

namespace npufleet::store {
namespace {

class RepoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/npufleet-repo-XXXXXX";
    dir = mkdtemp(tmpl);
    db = *Database::open(dir + "/n.db", coreMigrations());
    repo = std::make_unique<SqliteNodeRepository>(db);
  }
  void TearDown() override { std::filesystem::remove_all(dir); }
  fleet::Node node(const std::string& id, const std::string& name, const std::string& ip) {
    fleet::Node n;
    n.id = id;
    n.name = name;
    n.ip = ip;
    n.roles = {"backend"};
    n.labels = {{"rack", "r1"}};
    n.created_at = n.updated_at = fromMillis(1'700'000'000'000);
    return n;
  }
  std::string dir;
  std::shared_ptr<Database> db;
  std::unique_ptr<SqliteNodeRepository> repo;
};

TEST_F(RepoTest, RoundTripsEveryField) {
  auto n = node("node-1", "a", "10.0.0.1");
  n.last_seen = fromMillis(1'700'000'001'000);
  n.draining = true;
  ASSERT_TRUE(repo->insert(n).ok());
  auto got = repo->get("node-1");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->name, "a");
  EXPECT_EQ(got->roles, n.roles);
  EXPECT_EQ(got->labels, n.labels);
  EXPECT_EQ(got->created_at, n.created_at);
  EXPECT_EQ(got->last_seen, n.last_seen);
  EXPECT_TRUE(got->draining);
}

TEST_F(RepoTest, DuplicateNameAndAddressAreConflictsNamingTheField) {
  ASSERT_TRUE(repo->insert(node("node-1", "a", "10.0.0.1")).ok());
  auto dup_name = repo->insert(node("node-2", "a", "10.0.0.2"));
  ASSERT_FALSE(dup_name.ok());
  EXPECT_EQ(dup_name.error().code, ErrorCode::kConflict);
  EXPECT_EQ(dup_name.error().field, "name");
  auto dup_addr = repo->insert(node("node-3", "b", "10.0.0.1"));
  ASSERT_FALSE(dup_addr.ok());
  EXPECT_EQ(dup_addr.error().field, "ip");
  auto other_port = node("node-4", "c", "10.0.0.1");
  other_port.npu_port = 9000;
  EXPECT_TRUE(repo->insert(other_port).ok());
}

TEST_F(RepoTest, FiltersByRoleStatusAndTextWithPaging) {
  for (int i = 0; i < 5; ++i) {
    auto n = node("node-" + std::to_string(i), "n" + std::to_string(i), "10.0.0." + std::to_string(i));
    if (i % 2 == 0) n.roles.push_back("npu-worker");
    ASSERT_TRUE(repo->insert(n).ok());
  }
  fleet::NodeFilter f;
  f.role = "npu-worker";
  EXPECT_EQ(repo->list(f)->total, 3);
  f.per_page = 2;
  f.page = 2;
  auto page = repo->list(f);
  EXPECT_EQ(page->total, 3);
  EXPECT_EQ(page->nodes.size(), 1u);
  fleet::NodeFilter t;
  t.text = "10.0.0.3";
  EXPECT_EQ(repo->list(t)->total, 1);
  EXPECT_EQ(repo->listWithRole("npu-worker")->size(), 3u);
}

TEST_F(RepoTest, HealthUpdateLeavesMaintenanceAlone) {
  auto n = node("node-1", "a", "10.0.0.1");
  n.status = fleet::NodeStatus::kMaintenance;
  ASSERT_TRUE(repo->insert(n).ok());
  ASSERT_TRUE(repo->updateHealth("node-1", fleet::NodeStatus::kOnline, fromMillis(5)).ok());
  auto got = repo->get("node-1");
  EXPECT_EQ(got->status, fleet::NodeStatus::kMaintenance);
  EXPECT_EQ(got->last_seen, fromMillis(5));
  EXPECT_EQ(repo->updateHealth("nope", fleet::NodeStatus::kOnline, {}).error().code,
            ErrorCode::kNotFound);
}

}  // namespace
}  // namespace npufleet::store
