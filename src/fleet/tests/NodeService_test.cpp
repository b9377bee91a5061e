#include "fleet/NodeService.h"

#include <gtest/gtest.h>

#include "fakes/InMemoryNodeRepository.h"

namespace npufleet::fleet {
namespace {

struct RecordingObserver : NodeObserver {
  std::vector<std::pair<std::optional<Node>, std::optional<Node>>> calls;
  void onNodeChanged(const Node* before, const Node* after) override {
    calls.emplace_back(before ? std::optional<Node>(*before) : std::nullopt,
                       after ? std::optional<Node>(*after) : std::nullopt);
  }
};

class NodeServiceTest : public ::testing::Test {
 protected:
  testing::InMemoryNodeRepository repo;
  testing::InMemoryAuditLog audit;
  FakeClock clock;
  NodeService service{repo, audit, clock};

  Node mustCreate(const std::string& name, const std::string& ip, std::vector<std::string> roles = {}) {
    NodeInput in;
    in.name = name;
    in.ip = ip;
    in.roles = std::move(roles);
    auto r = service.create(in, "tester");
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return *r;
  }
};

TEST_F(NodeServiceTest, CreateFillsDefaultsAndAudits) {
  Node n = mustCreate("npu-a", "10.0.0.5");
  EXPECT_EQ(n.id.rfind("node-", 0), 0u);
  EXPECT_EQ(n.npu_port, 8081);
  EXPECT_EQ(n.status, NodeStatus::kPending);
  ASSERT_EQ(audit.entries.size(), 1u);
  EXPECT_EQ(audit.entries[0].action, "node.create");
  EXPECT_EQ(audit.entries[0].actor, "tester");
  EXPECT_TRUE(audit.entries[0].before.is_null());
}

TEST_F(NodeServiceTest, RejectsBadAddressNamingTheField) {
  for (std::string bad : {"300.1.1.1", "1.2.3", "bad host!", "-lead.example", ""}) {
    NodeInput in;
    in.name = "x";
    in.ip = bad;
    auto r = service.create(in, "t");
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().field, "ip") << bad;
  }
  for (std::string good : {"192.168.1.10", "::1", "fd00::1", "npu-01.lab.example", "localhost"}) {
    NodeInput in;
    in.name = "n-" + std::to_string(good.size());
    in.ip = good;
    EXPECT_TRUE(service.create(in, "t").ok()) << good;
  }
}

// 127.0.0.1, localhost and 0.0.0.0 all reach the same worker: one is stored, the spelling is
// canonical, 0.0.0.0 is refused, so the (ip, port) uniqueness means one node per worker.
TEST_F(NodeServiceTest, OneWorkerCannotBeRegisteredUnderSeveralSpellings) {
  Node a = mustCreate("by-name", "LOCALHOST");
  EXPECT_EQ(a.ip, "127.0.0.1");
  for (std::string other : {"127.0.0.1", "localhost", "0.0.0.0", "0x7f000001", "::ffff:127.0.0.1"}) {
    NodeInput in;
    in.name = "again";
    in.ip = other;
    auto r = service.create(in, "t");
    ASSERT_FALSE(r.ok()) << other;
    EXPECT_EQ(r.error().field, "ip") << other;
  }
  NodeInput v6;
  v6.name = "v6";
  v6.ip = "[0:0::1]";
  auto r = service.create(v6, "t");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->ip, "::1");
}

TEST_F(NodeServiceTest, PatchCanonicalisesAndChecksTheAddressAgainstTheNewPort) {
  auto policy = WorkerAddressPolicy::create({}, "127.0.0.1", 8080);
  ASSERT_TRUE(policy.ok());
  service.setAddressPolicy(std::move(*policy));
  Node n = mustCreate("w", "10.0.0.9");
  NodeInput to_link_local;
  to_link_local.ip = "169.254.169.254";
  EXPECT_FALSE(service.patch(n.id, to_link_local, "t").ok());
  NodeInput by_name;
  by_name.ip = "localhost";
  auto moved = service.patch(n.id, by_name, "t");
  ASSERT_TRUE(moved.ok()) << moved.error().message;
  EXPECT_EQ(moved->ip, "127.0.0.1");
  NodeInput to_own_port;
  to_own_port.npu_port = 8080;
  auto self = service.patch(n.id, to_own_port, "t");
  ASSERT_FALSE(self.ok());
  EXPECT_EQ(self.error().field, "ip");
  EXPECT_EQ(service.get(n.id)->npu_port, 8081);
}

TEST_F(NodeServiceTest, NamesMayNotStartOrEndWithABlankOrBeAllBlank) {
  for (std::string bad : {" npu-a", "npu-a ", " ", "   "}) {
    NodeInput in;
    in.name = bad;
    in.ip = "10.0.0.1";
    auto r = service.create(in, "t");
    ASSERT_FALSE(r.ok()) << "'" << bad << "'";
    EXPECT_EQ(r.error().field, "name");
  }
  EXPECT_EQ(mustCreate("npu a", "10.0.0.1").name, "npu a");
}

TEST_F(NodeServiceTest, LabelsRefuseControlCharactersAndMarkup) {
  using Labels = std::map<std::string, std::string>;
  for (const auto& [labels, field] : std::vector<std::pair<Labels, std::string>>{
           {{{"env", std::string("prod\0x", 6)}}, "labels.env"},
           {{{"env", "prod\r\nX-Injected: 1"}}, "labels.env"},
           {{{"env", "<script>alert(1)</script>"}}, "labels.env"},
           {{{"env", "a>b"}}, "labels.env"},
           {{{"env", "tab\there"}}, "labels.env"},
           {{{std::string("k\0", 2), "v"}}, "labels"},
           {{{"k\n", "v"}}, "labels"},
           {{{"<k>", "v"}}, "labels"}}) {
    NodeInput in;
    in.name = "labelled";
    in.ip = "10.0.0.2";
    in.labels = labels;
    auto r = service.create(in, "t");
    ASSERT_FALSE(r.ok()) << labels.begin()->first << "=" << labels.begin()->second;
    EXPECT_EQ(r.error().field, field);
  }
  NodeInput ok;
  ok.name = "labelled";
  ok.ip = "10.0.0.2";
  ok.labels = Labels{{"rack", "b-12 / row 3 (\"east\")"}, {"owner", "ml-team@example.com"}};
  EXPECT_TRUE(service.create(ok, "t").ok());
}

TEST_F(NodeServiceTest, UnknownRoleIsRejectedWithItsIndex) {
  NodeInput in;
  in.name = "x";
  in.ip = "10.0.0.1";
  in.roles = std::vector<std::string>{"npu-worker", "space-laser"};
  auto r = service.create(in, "t");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kBadRequest);
  EXPECT_EQ(r.error().field, "roles[1]");
  EXPECT_NE(r.error().message.find("space-laser"), std::string::npos);
}

TEST_F(NodeServiceTest, PatchChangesOnlyGivenFields) {
  Node n = mustCreate("a", "10.0.0.1", {"backend"});
  NodeInput in;
  in.npu_port = 9000;
  clock.advance(std::chrono::seconds(5));
  auto r = service.patch(n.id, in, "t");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->npu_port, 9000);
  EXPECT_EQ(r->name, "a");
  EXPECT_EQ(r->roles, std::vector<std::string>{"backend"});
  EXPECT_GT(r->updated_at, n.updated_at);
}

TEST_F(NodeServiceTest, ObserversHearCreateRoleChangeAndDelete) {
  RecordingObserver obs;
  service.addObserver(&obs);
  Node n = mustCreate("a", "10.0.0.1");
  ASSERT_TRUE(service.addRole(n.id, "npu-worker", "t").ok());
  ASSERT_TRUE(service.remove(n.id, "t").ok());
  ASSERT_EQ(obs.calls.size(), 3u);
  EXPECT_FALSE(obs.calls[0].first.has_value());
  EXPECT_FALSE(obs.calls[1].first->hasRole("npu-worker"));
  EXPECT_TRUE(obs.calls[1].second->hasRole("npu-worker"));
  EXPECT_FALSE(obs.calls[2].second.has_value());
}

TEST_F(NodeServiceTest, AddingAnExistingRoleChangesNothing) {
  Node n = mustCreate("a", "10.0.0.1", {"npu-worker"});
  size_t audits = audit.entries.size();
  auto r = service.addRole(n.id, "npu-worker", "t");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->roles.size(), 1u);
  EXPECT_EQ(audit.entries.size(), audits);
}

TEST_F(NodeServiceTest, StatusMaySetOnlyMaintenanceOrPending) {
  Node n = mustCreate("a", "10.0.0.1");
  NodeInput in;
  in.status = NodeStatus::kOnline;
  auto r = service.patch(n.id, in, "t");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().field, "status");
  in.status = NodeStatus::kMaintenance;
  EXPECT_TRUE(service.patch(n.id, in, "t").ok());
}

TEST_F(NodeServiceTest, MissingNodeIsNotFound) {
  EXPECT_EQ(service.get("node-nope").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(service.addRole("node-nope", "npu-worker", "t").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(service.setDraining("node-nope", true, "t").error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace npufleet::fleet
