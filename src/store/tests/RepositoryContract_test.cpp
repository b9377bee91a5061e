// The repository contract: one suite of tests, run against every store backend (SQLite and
// PostgreSQL), so that the two cannot drift apart. A backend is a factory of fresh, empty
// repositories; the PostgreSQL one gets a new database per test on one server per test binary
// (tests/support/PostgresInstance), started on first use and stopped at the end.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <functional>
#include <memory>

#include "store/Migrations.h"
#include "store/PostgresAuditLog.h"
#include "store/PostgresMigrations.h"
#include "store/PostgresNodeRepository.h"
#include "store/PostgresTokenRepository.h"
#include "store/SqliteAuditLog.h"
#include "store/SqliteNodeRepository.h"
#include "store/SqliteTokenRepository.h"
#include "store/tests/PostgresTestServer.h"

namespace npufleet::store {
namespace {

constexpr int64_t kT0 = 1'700'000'000'000;  // ms

class Backend {
 public:
  virtual ~Backend() = default;
  virtual fleet::NodeRepository& nodes() = 0;
  virtual auth::TokenRepository& tokens() = 0;
  virtual fleet::AuditLog& audit() = 0;
};

class SqliteBackend final : public Backend {
 public:
  explicit SqliteBackend(std::shared_ptr<Database> db, std::string dir)
      : dir_(std::move(dir)), db_(db), nodes_(db), tokens_(db), audit_(db) {}
  ~SqliteBackend() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  fleet::NodeRepository& nodes() override { return nodes_; }
  auth::TokenRepository& tokens() override { return tokens_; }
  fleet::AuditLog& audit() override { return audit_; }

 private:
  std::string dir_;
  std::shared_ptr<Database> db_;
  SqliteNodeRepository nodes_;
  SqliteTokenRepository tokens_;
  SqliteAuditLog audit_;
};

class PostgresBackend final : public Backend {
 public:
  explicit PostgresBackend(std::shared_ptr<PostgresDatabase> db)
      : db_(db), nodes_(db), tokens_(db), audit_(db) {}
  fleet::NodeRepository& nodes() override { return nodes_; }
  auth::TokenRepository& tokens() override { return tokens_; }
  fleet::AuditLog& audit() override { return audit_; }

 private:
  std::shared_ptr<PostgresDatabase> db_;
  PostgresNodeRepository nodes_;
  PostgresTokenRepository tokens_;
  PostgresAuditLog audit_;
};

struct BackendKind {
  std::string name;
  // A fresh, empty, migrated store; nullptr and `error` when it cannot be made.
  std::function<std::unique_ptr<Backend>(std::string* error)> make;
};

// gtest prints a parameter of a failed test; the name is what tells the two apart.
void PrintTo(const BackendKind& kind, std::ostream* os) { *os << kind.name; }

std::unique_ptr<Backend> makeSqlite(std::string* error) {
  char tmpl[] = "/tmp/npufleet-contract-XXXXXX";
  std::string dir = ::mkdtemp(tmpl);
  auto db = Database::open(dir + "/c.db", coreMigrations());
  if (!db) {
    *error = db.error().message;
    return nullptr;
  }
  return std::make_unique<SqliteBackend>(*db, dir);
}

std::unique_ptr<Backend> makePostgres(std::string* error) {
  auto db = PostgresTestServer::freshDatabase(postgresCoreMigrations(), error);
  if (!db) return nullptr;
  return std::make_unique<PostgresBackend>(db);
}

class RepositoryContract : public ::testing::TestWithParam<BackendKind> {
 protected:
  void SetUp() override {
    std::string error;
    backend_ = GetParam().make(&error);
    ASSERT_NE(backend_, nullptr) << GetParam().name << " backend: " << error;
  }
  fleet::NodeRepository& nodes() { return backend_->nodes(); }
  auth::TokenRepository& tokens() { return backend_->tokens(); }
  fleet::AuditLog& audit() { return backend_->audit(); }

  static fleet::Node node(const std::string& id, const std::string& name, const std::string& ip) {
    fleet::Node n;
    n.id = id;
    n.name = name;
    n.ip = ip;
    n.roles = {"backend"};
    n.labels = {{"rack", "r1"}};
    n.created_at = n.updated_at = fromMillis(kT0);
    return n;
  }
  static std::vector<std::string> names(const std::vector<fleet::Node>& list) {
    std::vector<std::string> out;
    for (const auto& n : list) out.push_back(n.name);
    return out;
  }
  static auth::UserToken token(const std::string& name, const std::string& hash,
                               auth::UserRole role = auth::UserRole::kViewer) {
    auth::UserToken t;
    t.name = name;
    t.hash = hash;
    t.role = role;
    t.created_at = fromMillis(kT0);
    return t;
  }
  void record(int second, const std::string& actor, const std::string& action,
              const std::string& target) {
    ASSERT_TRUE(audit()
                    .record({0, fromMillis(kT0 + second * 1000), actor, action, target, nullptr,
                             boost::json::object{{"n", second}}})
                    .ok());
  }
  // The audit fixture: one entry a second, oldest first, ids 1..6.
  void recordSix() {
    record(0, "admin", "node.create", "n1");
    record(1, "admin", "node.update", "n1");
    record(2, "ops", "node.update", "n2");
    record(3, "ops", "node.update", "n1");
    record(4, "admin", "token.create", "ci");
    record(5, "ops", "node.update", "n1");
  }
  fleet::AuditPage list(const fleet::AuditFilter& f) {
    auto r = audit().list(f);
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r.ok() ? *r : fleet::AuditPage{};
  }
  // Positions (1 = oldest) of the listed entries, so the tests do not depend on id values.
  std::vector<int> seconds(const fleet::AuditPage& p) {
    std::vector<int> out;
    for (const auto& e : p.entries) out.push_back(static_cast<int>(e.after.at("n").as_int64()) + 1);
    return out;
  }

  std::unique_ptr<Backend> backend_;
};

// --- nodes ---

TEST_P(RepositoryContract, NodeRoundTripsEveryField) {
  auto n = node("node-1", "a", "10.0.0.1");
  n.last_seen = fromMillis(kT0 + 1000);
  n.draining = true;
  n.npu_port = 9001;
  n.status = fleet::NodeStatus::kDegraded;
  n.roles = {"npu-worker", "backend"};
  n.labels = {{"rack", "r1"}, {"zone", "eu-west \"1\""}, {"ünï", "çødé"}};
  auto inserted = nodes().insert(n);
  ASSERT_TRUE(inserted.ok()) << inserted.error().message;
  auto got = nodes().get("node-1");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->name, "a");
  EXPECT_EQ(got->ip, "10.0.0.1");
  EXPECT_EQ(got->npu_port, 9001);
  EXPECT_EQ(got->status, fleet::NodeStatus::kDegraded);
  EXPECT_EQ(got->roles, n.roles);  // order kept
  EXPECT_EQ(got->labels, n.labels);
  EXPECT_EQ(got->created_at, n.created_at);
  EXPECT_EQ(got->updated_at, n.updated_at);
  EXPECT_EQ(got->last_seen, n.last_seen);
  EXPECT_TRUE(got->draining);
  EXPECT_EQ(inserted->labels, n.labels);
}

TEST_P(RepositoryContract, NodeWithoutLastSeenReadsBackWithout) {
  ASSERT_TRUE(nodes().insert(node("node-1", "a", "10.0.0.1")).ok());
  EXPECT_FALSE(nodes().get("node-1")->last_seen.has_value());
  EXPECT_FALSE(nodes().get("node-1")->draining);
}

TEST_P(RepositoryContract, MissingNodeIsNotFound) {
  EXPECT_EQ(nodes().get("node-x").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(nodes().update(node("node-x", "x", "10.0.0.9")).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(nodes().remove("node-x").error().code, ErrorCode::kNotFound);
}

TEST_P(RepositoryContract, DuplicateNameAndAddressAreConflictsNamingTheField) {
  ASSERT_TRUE(nodes().insert(node("node-1", "a", "10.0.0.1")).ok());
  auto dup_name = nodes().insert(node("node-2", "a", "10.0.0.2"));
  ASSERT_FALSE(dup_name.ok());
  EXPECT_EQ(dup_name.error().code, ErrorCode::kConflict);
  EXPECT_EQ(dup_name.error().field, "name");
  auto dup_addr = nodes().insert(node("node-3", "b", "10.0.0.1"));
  ASSERT_FALSE(dup_addr.ok());
  EXPECT_EQ(dup_addr.error().code, ErrorCode::kConflict);
  EXPECT_EQ(dup_addr.error().field, "ip");
  auto other_port = node("node-4", "c", "10.0.0.1");
  other_port.npu_port = 9000;
  EXPECT_TRUE(nodes().insert(other_port).ok());
}

TEST_P(RepositoryContract, UpdateChangesUserFieldsAndRefusesDuplicates) {
  ASSERT_TRUE(nodes().insert(node("node-1", "a", "10.0.0.1")).ok());
  ASSERT_TRUE(nodes().insert(node("node-2", "b", "10.0.0.2")).ok());
  auto n = *nodes().get("node-1");
  n.name = "a2";
  n.roles = {"npu-worker"};
  n.labels = {};
  n.draining = true;
  n.updated_at = fromMillis(kT0 + 5000);
  auto updated = nodes().update(n);
  ASSERT_TRUE(updated.ok()) << updated.error().message;
  EXPECT_EQ(updated->name, "a2");
  EXPECT_EQ(updated->roles, std::vector<std::string>{"npu-worker"});
  EXPECT_TRUE(updated->labels.empty());
  EXPECT_TRUE(updated->draining);
  EXPECT_EQ(updated->updated_at, fromMillis(kT0 + 5000));
  EXPECT_EQ(updated->created_at, fromMillis(kT0));
  n.name = "b";
  EXPECT_EQ(nodes().update(n).error().field, "name");
  n.name = "a2";
  n.ip = "10.0.0.2";
  EXPECT_EQ(nodes().update(n).error().field, "ip");
  EXPECT_EQ(nodes().get("node-1")->ip, "10.0.0.1");
}

TEST_P(RepositoryContract, RemovedNodeIsGoneAndItsNameFree) {
  ASSERT_TRUE(nodes().insert(node("node-1", "a", "10.0.0.1")).ok());
  ASSERT_TRUE(nodes().remove("node-1").ok());
  EXPECT_EQ(nodes().get("node-1").error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(nodes().insert(node("node-2", "a", "10.0.0.1")).ok());
}

TEST_P(RepositoryContract, FiltersByRoleStatusAndTextWithPaging) {
  for (int i = 0; i < 5; ++i) {
    auto n = node("node-" + std::to_string(i), "n" + std::to_string(i), "10.0.0." + std::to_string(i));
    if (i % 2 == 0) n.roles.push_back("npu-worker");
    if (i == 1) n.status = fleet::NodeStatus::kOffline;
    ASSERT_TRUE(nodes().insert(n).ok());
  }
  fleet::NodeFilter f;
  f.role = "npu-worker";
  EXPECT_EQ(nodes().list(f)->total, 3);
  EXPECT_EQ(names(nodes().list(f)->nodes), (std::vector<std::string>{"n0", "n2", "n4"}));
  f.per_page = 2;
  f.page = 2;
  auto page = nodes().list(f);
  EXPECT_EQ(page->total, 3);
  EXPECT_EQ(names(page->nodes), std::vector<std::string>{"n4"});
  fleet::NodeFilter t;
  t.text = "10.0.0.3";
  EXPECT_EQ(nodes().list(t)->total, 1);
  fleet::NodeFilter s;
  s.status = fleet::NodeStatus::kOffline;
  EXPECT_EQ(names(nodes().list(s)->nodes), std::vector<std::string>{"n1"});
  fleet::NodeFilter none;
  none.role = "npu";  // a prefix of a role is not the role
  EXPECT_EQ(nodes().list(none)->total, 0);
  EXPECT_EQ(names(*nodes().listWithRole("npu-worker")), (std::vector<std::string>{"n0", "n2", "n4"}));
}

TEST_P(RepositoryContract, TextFilterIsACaseInsensitiveLiteralSubstringOfNameIpOrId) {
  ASSERT_TRUE(nodes().insert(node("node-abc", "Rack_A%1", "10.1.0.1")).ok());
  ASSERT_TRUE(nodes().insert(node("node-def", "rackb", "gpu.example")).ok());
  auto count = [&](const std::string& text) {
    fleet::NodeFilter f;
    f.text = text;
    return nodes().list(f)->total;
  };
  EXPECT_EQ(count("rack"), 2);
  EXPECT_EQ(count("RACK_a%"), 1);
  EXPECT_EQ(count("_"), 1);  // not a wildcard
  EXPECT_EQ(count("%"), 1);
  EXPECT_EQ(count("EXAMPLE"), 1);
  EXPECT_EQ(count("node-ab"), 1);
  EXPECT_EQ(count("zzz"), 0);
}

TEST_P(RepositoryContract, ListIsOrderedByNameIgnoringCaseThenId) {
  for (const auto& [id, name] : std::vector<std::pair<std::string, std::string>>{
           {"node-3", "beta"}, {"node-1", "Alpha"}, {"node-2", "alpha2"}, {"node-4", "Gamma"}}) {
    ASSERT_TRUE(nodes().insert(node(id, name, "10.0.0." + id.substr(5))).ok());
  }
  EXPECT_EQ(names(nodes().list({})->nodes),
            (std::vector<std::string>{"Alpha", "alpha2", "beta", "Gamma"}));
}

TEST_P(RepositoryContract, HealthUpdateLeavesMaintenanceAndUserFieldsAlone) {
  auto n = node("node-1", "a", "10.0.0.1");
  n.status = fleet::NodeStatus::kMaintenance;
  ASSERT_TRUE(nodes().insert(n).ok());
  ASSERT_TRUE(nodes().insert(node("node-2", "b", "10.0.0.2")).ok());
  ASSERT_TRUE(nodes().updateHealth("node-1", fleet::NodeStatus::kOnline, fromMillis(5)).ok());
  auto got = nodes().get("node-1");
  EXPECT_EQ(got->status, fleet::NodeStatus::kMaintenance);
  EXPECT_EQ(got->last_seen, fromMillis(5));
  ASSERT_TRUE(nodes().updateHealth("node-2", fleet::NodeStatus::kOnline, fromMillis(7)).ok());
  ASSERT_TRUE(nodes().updateHealth("node-2", fleet::NodeStatus::kOffline, std::nullopt).ok());
  auto second = nodes().get("node-2");
  EXPECT_EQ(second->status, fleet::NodeStatus::kOffline);
  EXPECT_EQ(second->last_seen, fromMillis(7));  // no sighting keeps the last one
  EXPECT_EQ(second->labels, n.labels);
  EXPECT_EQ(second->updated_at, fromMillis(kT0));
  EXPECT_EQ(nodes().updateHealth("nope", fleet::NodeStatus::kOnline, {}).error().code,
            ErrorCode::kNotFound);
}

// --- tokens ---

TEST_P(RepositoryContract, TokensRoundTripAndAreFoundByHash) {
  auto saved = tokens().insert(token("ci", "aa11", auth::UserRole::kOperator));
  ASSERT_TRUE(saved.ok()) << saved.error().message;
  EXPECT_GT(saved->id, 0);
  auto found = tokens().findByHash("aa11");
  ASSERT_TRUE(found.ok());
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->id, saved->id);
  EXPECT_EQ((*found)->name, "ci");
  EXPECT_EQ((*found)->role, auth::UserRole::kOperator);
  EXPECT_EQ((*found)->created_at, fromMillis(kT0));
  EXPECT_FALSE((*found)->last_used_at.has_value());
  EXPECT_FALSE((*found)->revoked);
  auto missing = tokens().findByHash("bb22");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
}

TEST_P(RepositoryContract, DuplicateTokenNameIsAConflictNamingTheField) {
  ASSERT_TRUE(tokens().insert(token("ci", "aa11")).ok());
  auto dup = tokens().insert(token("ci", "bb22"));
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code, ErrorCode::kConflict);
  EXPECT_EQ(dup.error().field, "name");
  EXPECT_EQ(*tokens().count(), 1);
}

TEST_P(RepositoryContract, TokensListInCreationOrderAndCount) {
  EXPECT_EQ(*tokens().count(), 0);
  ASSERT_TRUE(tokens().insert(token("zeta", "h1", auth::UserRole::kAdmin)).ok());
  ASSERT_TRUE(tokens().insert(token("alpha", "h2", auth::UserRole::kInference)).ok());
  auto all = tokens().list();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].name, "zeta");
  EXPECT_EQ((*all)[1].name, "alpha");
  EXPECT_LT((*all)[0].id, (*all)[1].id);
  EXPECT_EQ((*all)[1].role, auth::UserRole::kInference);
  EXPECT_EQ(*tokens().count(), 2);
}

TEST_P(RepositoryContract, RevokedTokenStaysListedAndRevoked) {
  ASSERT_TRUE(tokens().insert(token("ci", "aa11")).ok());
  ASSERT_TRUE(tokens().revoke("ci").ok());
  EXPECT_TRUE((*tokens().findByHash("aa11"))->revoked);
  EXPECT_TRUE((*tokens().list())[0].revoked);
  EXPECT_EQ(tokens().revoke("nobody").error().code, ErrorCode::kNotFound);
}

TEST_P(RepositoryContract, TouchRecordsUseAtMostOnceAMinute) {
  auto saved = *tokens().insert(token("ci", "aa11"));
  ASSERT_TRUE(tokens().touch(saved.id, fromMillis(kT0 + 1000)).ok());
  EXPECT_EQ((*tokens().findByHash("aa11"))->last_used_at, fromMillis(kT0 + 1000));
  ASSERT_TRUE(tokens().touch(saved.id, fromMillis(kT0 + 30'000)).ok());
  EXPECT_EQ((*tokens().findByHash("aa11"))->last_used_at, fromMillis(kT0 + 1000));
  ASSERT_TRUE(tokens().touch(saved.id, fromMillis(kT0 + 61'001)).ok());
  EXPECT_EQ((*tokens().findByHash("aa11"))->last_used_at, fromMillis(kT0 + 61'001));
}

// --- audit log ---

TEST_P(RepositoryContract, AuditRoundTripsAnEntry) {
  ASSERT_TRUE(audit()
                  .record({0, fromMillis(kT0 + 7), "admin", "node.update", "node-1",
                           boost::json::object{{"name", "a"}},
                           boost::json::object{{"name", "b"}, {"labels", boost::json::object{}}}})
                  .ok());
  auto p = list({});
  ASSERT_EQ(p.entries.size(), 1u);
  const auto& e = p.entries[0];
  EXPECT_GT(e.id, 0);
  EXPECT_EQ(e.at, fromMillis(kT0 + 7));
  EXPECT_EQ(e.actor, "admin");
  EXPECT_EQ(e.action, "node.update");
  EXPECT_EQ(e.target, "node-1");
  EXPECT_EQ(e.before, (boost::json::object{{"name", "a"}}));
  EXPECT_EQ(e.after, (boost::json::object{{"name", "b"}, {"labels", boost::json::object{}}}));
}

TEST_P(RepositoryContract, AuditNoFilterListsEverythingNewestFirst) {
  recordSix();
  auto p = list({});
  EXPECT_EQ(seconds(p), (std::vector<int>{6, 5, 4, 3, 2, 1}));
  EXPECT_EQ(p.total, 6);
  EXPECT_TRUE(p.entries[0].before.is_null());
}

TEST_P(RepositoryContract, AuditActionActorAndTargetMatchExactly) {
  recordSix();
  EXPECT_EQ(seconds(list({.action = "node.update"})), (std::vector<int>{6, 4, 3, 2}));
  EXPECT_EQ(seconds(list({.actor = "admin"})), (std::vector<int>{5, 2, 1}));
  EXPECT_EQ(seconds(list({.target = "n2"})), (std::vector<int>{3}));
  EXPECT_TRUE(list({.action = "node"}).entries.empty());
  EXPECT_TRUE(list({.action = "node.%"}).entries.empty());
  EXPECT_TRUE(list({.target = "n"}).entries.empty());
}

TEST_P(RepositoryContract, AuditSinceAndUntilAreInclusive) {
  recordSix();
  auto at = [](int second) { return fromMillis(kT0 + second * 1000); };
  EXPECT_EQ(seconds(list({.since = at(4)})), (std::vector<int>{6, 5}));
  EXPECT_EQ(seconds(list({.until = at(1)})), (std::vector<int>{2, 1}));
  EXPECT_EQ(seconds(list({.since = at(2), .until = at(3)})), (std::vector<int>{4, 3}));
  EXPECT_TRUE(list({.since = at(6)}).entries.empty());
}

TEST_P(RepositoryContract, AuditCriteriaCombineAndTotalCountsTheFilteredSetAcrossPages) {
  recordSix();
  fleet::AuditFilter f{.action = "node.update", .actor = "ops", .target = "n1",
                       .since = fromMillis(kT0 + 1000)};
  f.per_page = 1;
  auto first = list(f);
  EXPECT_EQ(seconds(first), (std::vector<int>{6}));
  EXPECT_EQ(first.total, 2);
  f.page = 2;
  auto second = list(f);
  EXPECT_EQ(seconds(second), (std::vector<int>{4}));
  EXPECT_EQ(second.total, 2);
  f.page = 3;
  auto past = list(f);
  EXPECT_TRUE(past.entries.empty());
  EXPECT_EQ(past.total, 2);
}

INSTANTIATE_TEST_SUITE_P(Backends, RepositoryContract,
                         ::testing::Values(BackendKind{"SQLite", makeSqlite},
                                           BackendKind{"PostgreSQL", makePostgres}),
                         [](const ::testing::TestParamInfo<BackendKind>& info) { return info.param.name; });

}  // namespace
}  // namespace npufleet::store
