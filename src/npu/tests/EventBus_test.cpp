#include "npu/EventBus.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <gtest/gtest.h>

namespace npufleet::npu {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

TEST(EventBus, EverySubscriberGetsEveryEventInOrder) {
  asio::io_context io;
  FakeClock clock;
  EventBus bus(clock);
  auto a = bus.subscribe(io.get_executor());
  auto b = bus.subscribe(io.get_executor());
  bus.publish("node.status", "n1", boost::json::object{{"status", "online"}});
  bus.publish("node.detection", "n1", boost::json::object{});
  for (auto* s : {a.get(), b.get()}) {
    auto e1 = s->tryNext();
    auto e2 = s->tryNext();
    ASSERT_TRUE(e1 && e2);
    EXPECT_EQ(e1->type, "node.status");
    EXPECT_EQ(e1->data.as_object().at("nodeId").as_string(), "n1");
    EXPECT_EQ(e1->data.as_object().at("status").as_string(), "online");
    EXPECT_EQ(e2->type, "node.detection");
    EXPECT_LT(e1->id, e2->id);
    EXPECT_FALSE(s->tryNext());
  }
}

TEST(EventBus, KeepsRecentEventsNewestFirstButNotLiveOnlyOnes) {
  FakeClock clock;
  EventBus bus(clock);
  bus.publish("node.status", "n1", boost::json::object{{"status", "online"}});
  bus.publish("fleet.metrics", "", boost::json::object{}, EventBus::Keep::kLiveOnly);
  bus.publish("node.ejected", "n2", boost::json::object{{"reason", "x"}});
  auto recent = bus.recent(10);
  ASSERT_EQ(recent.size(), 2u);
  EXPECT_EQ(recent[0].type, "node.ejected");
  EXPECT_EQ(recent[1].type, "node.status");
  EXPECT_EQ(bus.recent(1).size(), 1u);
  for (size_t i = 0; i < EventBus::kRecentLimit + 5; ++i) bus.publish("node.updated", "n", {});
  EXPECT_EQ(bus.recent(EventBus::kRecentLimit * 2).size(), EventBus::kRecentLimit);
}

TEST(EventBus, FullSubscriberDropsInsteadOfBlocking) {
  asio::io_context io;
  FakeClock clock;
  EventBus bus(clock);
  auto slow = bus.subscribe(io.get_executor(), 2);
  auto fast = bus.subscribe(io.get_executor(), 100);
  for (int i = 0; i < 10; ++i) bus.publish("node.status", "n", boost::json::object{});
  EXPECT_EQ(slow->dropped(), 8u);
  int n = 0;
  while (fast->tryNext()) ++n;
  EXPECT_EQ(n, 10);
  EXPECT_TRUE(slow->tryNext());
  EXPECT_TRUE(slow->tryNext());
  EXPECT_FALSE(slow->tryNext());
}

TEST(EventBus, DroppedSubscriptionIsForgotten) {
  asio::io_context io;
  FakeClock clock;
  EventBus bus(clock);
  auto s = bus.subscribe(io.get_executor());
  EXPECT_EQ(bus.subscriberCount(), 1u);
  s.reset();
  bus.publish("x", "n", boost::json::object{});
  EXPECT_EQ(bus.subscriberCount(), 0u);
}

TEST(EventBus, WaitingSubscriberWakesOnPublish) {
  asio::io_context io;
  FakeClock clock;
  EventBus bus(clock);
  auto s = bus.subscribe(io.get_executor());
  auto fut = asio::co_spawn(io, s->next(60s), asio::use_future);
  io.poll();  // the subscriber is now waiting
  bus.publish("node.capabilities", "n9", boost::json::object{});
  io.run();
  auto e = fut.get();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->node_id, "n9");
}

TEST(EventBus, ClosedSubscriptionStopsWaiting) {
  asio::io_context io;
  FakeClock clock;
  EventBus bus(clock);
  auto s = bus.subscribe(io.get_executor());
  auto fut = asio::co_spawn(io, s->next(60s), asio::use_future);
  io.poll();
  s->close();
  io.run();
  EXPECT_FALSE(fut.get());
}

}  // namespace
}  // namespace npufleet::npu
