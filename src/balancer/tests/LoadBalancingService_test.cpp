#include "balancer/LoadBalancingService.h"

#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <boost/json.hpp>

#include "balancer/tests/RouterFakes.h"

namespace npufleet::balancer {
namespace {

using testing::FakeFleet;
using testing::FakeWorkerClient;
using testing::node;

class MemoryRepo final : public LoadBalancingRepository {
 public:
  Result<std::optional<LoadBalancingConfig>> load() override { return stored; }
  Status save(const LoadBalancingConfig& c) override {
    stored = c;
    ++saves;
    return okStatus();
  }
  std::optional<LoadBalancingConfig> stored;
  int saves = 0;
};

class MemoryAudit final : public fleet::AuditLog {
 public:
  Status record(fleet::AuditEntry e) override {
    if (fail) return Error::internal("disk I/O error");
    entries.push_back(std::move(e));
    return okStatus();
  }
  Result<fleet::AuditPage> list(const fleet::AuditFilter&) override {
    return fleet::AuditPage{entries, 0};
  }
  std::vector<fleet::AuditEntry> entries;
  bool fail = false;
};

class LoadBalancingServiceTest : public ::testing::Test {
 protected:
  LoadBalancingServiceTest()
      : fleet({node("a", {"phi"}), node("b", {"phi"})}),
        client(io.get_executor()),
        stats(clock, nullptr),
        router(fleet, client, clock, stats),
        service(router, repo, fleet, &audit, clock) {}

  boost::asio::io_context io;
  FakeClock clock;
  FakeFleet fleet;
  FakeWorkerClient client;
  RoutingStats stats;
  InferenceRouter router;
  MemoryRepo repo;
  MemoryAudit audit;
  LoadBalancingService service;
};

TEST_F(LoadBalancingServiceTest, AValidUpdateIsStoredAuditedAndApplied) {
  auto r = service.update(boost::json::parse(
                              R"({"strategy":"model-affinity","modelAffinity":{"phi":["b"]}})"),
                          "alice");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(router.config().strategy, StrategyKind::kModelAffinity);
  ASSERT_TRUE(repo.stored);
  EXPECT_EQ(repo.stored->modelAffinity.at("phi"), std::vector<std::string>{"b"});
  ASSERT_EQ(audit.entries.size(), 1u);
  EXPECT_EQ(audit.entries[0].action, "lb.update");
  EXPECT_EQ(audit.entries[0].actor, "alice");
  EXPECT_EQ(audit.entries[0].before.at("strategy"), "least-loaded");
  EXPECT_EQ(audit.entries[0].after.at("strategy"), "model-affinity");
}

TEST_F(LoadBalancingServiceTest, AnInvalidUpdateChangesNothing) {
  auto r = service.update(boost::json::parse(R"({"modelAffinity":{"phi":["ghost"]}})"), "alice");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().field, "modelAffinity.phi[0]");
  EXPECT_EQ(repo.saves, 0);
  EXPECT_TRUE(audit.entries.empty());
  EXPECT_TRUE(router.config().modelAffinity.empty());
}

TEST_F(LoadBalancingServiceTest, ALostAuditEntrySaysTheSettingIsInForce) {
  audit.fail = true;
  auto r = service.update(boost::json::parse(R"({"strategy":"round-robin"})"), "alice");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("in force"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("disk I/O error"), std::string::npos) << r.error().message;
  EXPECT_EQ(router.config().strategy, StrategyKind::kRoundRobin);
  EXPECT_EQ(repo.saves, 1);
}

TEST_F(LoadBalancingServiceTest, TheStoredSettingIsAppliedAtStart) {
  LoadBalancingConfig c;
  c.strategy = StrategyKind::kRoundRobin;
  c.maxRetries = 4;
  repo.stored = c;
  ASSERT_TRUE(service.loadStored().ok());
  EXPECT_EQ(router.config(), c);
}

}  // namespace
}  // namespace npufleet::balancer
