#include "npu/HealthStateMachine.h"

#include <gtest/gtest.h>

namespace npufleet::npu {
namespace {

using fleet::NodeStatus;
using std::chrono::milliseconds;

ProbeObservation good() { return {true, "", false, "", milliseconds(20)}; }
ProbeObservation failed() { return {false, "connection refused", false, "", milliseconds(1)}; }

class HealthStateMachineTest : public ::testing::Test {
 protected:
  FakeClock clock;
  HealthStateMachine sm{HealthPolicy{3, 2, milliseconds(500)}, clock, NodeStatus::kOnline};
};

TEST_F(HealthStateMachineTest, FirstFailureDegradesThirdGoesOffline) {
  auto c1 = sm.observe(failed());
  ASSERT_TRUE(c1);
  EXPECT_EQ(c1->to, NodeStatus::kDegraded);
  EXPECT_EQ(c1->reason, "probe failed: connection refused");
  clock.advance(std::chrono::seconds(2));
  EXPECT_FALSE(sm.observe(failed()));
  clock.advance(std::chrono::seconds(2));
  auto c3 = sm.observe(failed());
  ASSERT_TRUE(c3);
  EXPECT_EQ(c3->from, NodeStatus::kDegraded);
  EXPECT_EQ(c3->to, NodeStatus::kOffline);
  EXPECT_EQ(c3->reason, "3 consecutive failed probes: connection refused");
  EXPECT_EQ(c3->at, clock.now());
}

TEST_F(HealthStateMachineTest, OfflineNeedsTwoGoodProbesToReturn) {
  for (int i = 0; i < 3; ++i) (void)sm.observe(failed());
  ASSERT_EQ(sm.status(), NodeStatus::kOffline);
  EXPECT_FALSE(sm.observe(good()));
  EXPECT_EQ(sm.status(), NodeStatus::kOffline);
  auto c = sm.observe(good());
  ASSERT_TRUE(c);
  EXPECT_EQ(c->to, NodeStatus::kOnline);
  EXPECT_EQ(c->reason, "2 consecutive good probes");
}

TEST_F(HealthStateMachineTest, ASuccessBetweenFailuresResetsTheCount) {
  (void)sm.observe(failed());
  (void)sm.observe(failed());
  (void)sm.observe(good());
  (void)sm.observe(failed());
  EXPECT_EQ(sm.status(), NodeStatus::kDegraded);
  EXPECT_EQ(sm.consecutiveFailures(), 1);
}

TEST_F(HealthStateMachineTest, SlowProbeDegradesAndRecoveryNeedsTwoFastOnes) {
  ProbeObservation slow = good();
  slow.latency = milliseconds(900);
  auto c = sm.observe(slow);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->to, NodeStatus::kDegraded);
  EXPECT_EQ(c->reason, "slow: health probe took 900 ms (> 500 ms)");
  EXPECT_FALSE(sm.observe(good()));
  ASSERT_TRUE(sm.observe(good()));
  EXPECT_EQ(sm.status(), NodeStatus::kOnline);
}

TEST_F(HealthStateMachineTest, WorkerReportedDegradedAndPartialFailureDegrade) {
  ProbeObservation d = good();
  d.worker_degraded = true;
  EXPECT_EQ(sm.observe(d)->reason, "worker reports degraded");
  HealthStateMachine other{HealthPolicy{}, clock, NodeStatus::kOnline};
  ProbeObservation p = good();
  p.partial_failure = "/stats: timed out after 1500 ms";
  EXPECT_EQ(other.observe(p)->reason, "partial failure: /stats: timed out after 1500 ms");
}

TEST_F(HealthStateMachineTest, OfflineWorkerBackButDegradedBecomesDegraded) {
  for (int i = 0; i < 3; ++i) (void)sm.observe(failed());
  ProbeObservation d = good();
  d.worker_degraded = true;
  EXPECT_FALSE(sm.observe(d));
  auto c = sm.observe(d);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->to, NodeStatus::kDegraded);
}

TEST_F(HealthStateMachineTest, PendingNodeDecidedByFirstAnswerOrNFailures) {
  HealthStateMachine fresh{HealthPolicy{3, 2, milliseconds(500)}, clock};
  EXPECT_EQ(fresh.observe(good())->to, NodeStatus::kOnline);
  HealthStateMachine dead{HealthPolicy{3, 2, milliseconds(500)}, clock};
  EXPECT_FALSE(dead.observe(failed()));
  EXPECT_FALSE(dead.observe(failed()));
  EXPECT_EQ(dead.observe(failed())->to, NodeStatus::kOffline);
}

TEST_F(HealthStateMachineTest, MaintenanceIsNeverOverriddenByProbes) {
  HealthStateMachine m{HealthPolicy{}, clock, NodeStatus::kMaintenance};
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(m.observe(failed()));
  EXPECT_FALSE(m.observe(good()));
  EXPECT_EQ(m.status(), NodeStatus::kMaintenance);
}

// A node watched again after its role came back (unknown meanwhile) is decided by its first
// answer, like a new one.
TEST(HealthStateMachine, UnknownIsDecidedByTheFirstProbe) {
  FakeClock clock;
  HealthStateMachine up{HealthPolicy{3, 2, milliseconds(500)}, clock, NodeStatus::kUnknown};
  auto c = up.observe(good());
  ASSERT_TRUE(c);
  EXPECT_EQ(c->from, NodeStatus::kUnknown);
  EXPECT_EQ(c->to, NodeStatus::kOnline);
  HealthStateMachine down{HealthPolicy{3, 2, milliseconds(500)}, clock, NodeStatus::kUnknown};
  EXPECT_FALSE(down.observe(failed()));
  EXPECT_FALSE(down.observe(failed()));
  auto off = down.observe(failed());
  ASSERT_TRUE(off);
  EXPECT_EQ(off->to, NodeStatus::kOffline);
}

}  // namespace
}  // namespace npufleet::npu
