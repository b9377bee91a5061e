// FleetMetrics: one interval's figures from the router and the nodes' load, published as
// fleet.metrics only while someone listens and when something changed (or as a heartbeat), and
// 10-second points of the last hour for the overview.
#include "api/FleetMetrics.h"

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

namespace npufleet::api {
namespace {

using namespace std::chrono_literals;

class FleetMetricsTest : public ::testing::Test {
 protected:
  FleetMetricsTest()
      : stats(clock, nullptr), events(clock), metrics([this] { return nodes; }, stats, events, clock) {
    stats.takeInterval();
  }

  void answer(const std::string& node, int count, std::chrono::milliseconds latency, bool ok = true) {
    for (int i = 0; i < count; ++i) {
      stats.onRouted(node, false);
      stats.onFinished(node, ok, latency);
    }
  }

  FakeClock clock;
  balancer::RoutingStats stats;
  npu::EventBus events;
  std::vector<NodeLoad> nodes{{"a", fleet::NodeStatus::kOnline, 40, 2, 1},
                              {"b", fleet::NodeStatus::kOnline, 20, 0, 3},
                              {"c", fleet::NodeStatus::kOffline, 90, 7, 4}};
  FleetMetrics metrics;
  boost::asio::io_context io;
};

TEST_F(FleetMetricsTest, AnIntervalBecomesOneEventWithFleetAndNodeFigures) {
  auto sub = events.subscribe(io.get_executor());
  answer("a", 8, 10ms);
  answer("a", 2, 30ms, false);
  answer("b", 10, 20ms);
  clock.advance(1s);
  ASSERT_TRUE(metrics.tick());
  auto e = sub->tryNext();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->type, "fleet.metrics");
  const auto& f = e->data.at("fleet").as_object();
  EXPECT_DOUBLE_EQ(f.at("requestsPerSec").as_double(), 20);
  EXPECT_DOUBLE_EQ(f.at("errorRate").as_double(), 0.1);
  // The offline node's last figures are not current: they count for neither the average nor
  // the queue.
  EXPECT_DOUBLE_EQ(f.at("avgUtilization").as_double(), 30);
  EXPECT_EQ(f.at("queueDepth").as_int64(), 2);
  EXPECT_EQ(f.at("online").as_int64(), 2);
  EXPECT_EQ(f.at("total").as_int64(), 3);
  EXPECT_DOUBLE_EQ(f.at("p50Ms").as_double(), 20);
  const auto& n = e->data.at("nodes").as_array();
  ASSERT_EQ(n.size(), 3u);
  EXPECT_DOUBLE_EQ(n[0].at("requestsPerSec").as_double(), 10);
  EXPECT_DOUBLE_EQ(n[0].at("errorRate").as_double(), 0.2);
  EXPECT_DOUBLE_EQ(n[0].at("p50Ms").as_double(), 10);
  EXPECT_EQ(n[2].at("status").as_string(), "offline");
  EXPECT_DOUBLE_EQ(n[2].at("utilization").as_double(), 0);
  EXPECT_TRUE(n[2].at("p50Ms").is_null());
  // Not kept for the timeline.
  EXPECT_TRUE(events.recent(10).empty());
}

TEST_F(FleetMetricsTest, NothingIsPublishedWithoutListenersNorTwiceUnchangedUntilTheHeartbeat) {
  clock.advance(1s);
  EXPECT_FALSE(metrics.tick());  // nobody listens
  auto sub = events.subscribe(io.get_executor());
  clock.advance(1s);
  EXPECT_TRUE(metrics.tick());
  clock.advance(1s);
  EXPECT_FALSE(metrics.tick());  // same figures
  nodes[0].queue_depth = 5;
  clock.advance(1s);
  EXPECT_TRUE(metrics.tick());
  for (int i = 0; i < 4; ++i) {
    clock.advance(1s);
    EXPECT_FALSE(metrics.tick());
  }
  clock.advance(1s);
  EXPECT_TRUE(metrics.tick()) << "a heartbeat 5 s after the last event";
}

TEST_F(FleetMetricsTest, TheOverviewKeepsTenSecondPointsOfTheLastHour) {
  for (int second = 0; second < 25; ++second) {
    answer("a", second < 10 ? 5 : 1, second < 10 ? 10ms : 50ms);
    clock.advance(1s);
    metrics.tick();
  }
  auto o = metrics.overviewJson();
  EXPECT_EQ(o.at("window").as_string(), "1h");
  EXPECT_EQ(o.at("intervalSec").as_int64(), 10);
  const auto& points = o.at("points").as_array();
  ASSERT_EQ(points.size(), 2u);
  EXPECT_DOUBLE_EQ(points[0].at("requestsPerSec").as_double(), 5);
  EXPECT_DOUBLE_EQ(points[0].at("p95Ms").as_double(), 10);
  EXPECT_DOUBLE_EQ(points[0].at("avgUtilization").as_double(), 30);
  EXPECT_DOUBLE_EQ(points[1].at("requestsPerSec").as_double(), 1);
  EXPECT_DOUBLE_EQ(points[1].at("p50Ms").as_double(), 50);
  EXPECT_LT(points[0].at("t").as_string(), points[1].at("t").as_string());
  EXPECT_DOUBLE_EQ(o.at("current").at("requestsPerSec").as_double(), 1);

  for (int second = 0; second < 3700; ++second) {
    clock.advance(1s);
    metrics.tick();
  }
  EXPECT_EQ(metrics.overviewJson().at("points").as_array().size(), FleetMetrics::kPointLimit);
}

}  // namespace
}  // namespace npufleet::api
