#include "worker/InferenceQueue.h"

#include <gtest/gtest.h>

#include <vector>

namespace npufleet::worker {
namespace {

using namespace std::chrono_literals;
using Outcome = InferenceQueue::Outcome;

// Jobs handed to the "engine" wait here until the test runs them.
struct ManualExecutor {
  std::vector<std::function<void()>> tasks;
  InferenceQueue::Executor executor() {
    return [this](std::function<void()> f) { tasks.push_back(std::move(f)); };
  }
  void runOne() {
    ASSERT_FALSE(tasks.empty());
    auto f = std::move(tasks.front());
    tasks.erase(tasks.begin());
    f();
  }
};

struct Log {
  std::vector<std::string> events;
  InferenceQueue::Job job(std::string name) {
    return [this, name](Outcome o, std::chrono::nanoseconds) {
      events.push_back((o == Outcome::kRun ? "run:" : "expired:") + name);
    };
  }
};

TEST(InferenceQueue, RunsAtMostMaxConcurrentAtOnce) {
  FakeClock clock;
  ManualExecutor ex;
  InferenceQueue q({2, 10}, clock, ex.executor());
  Log log;
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(q.submit("m", clock.steadyNow() + 10s, log.job(std::to_string(i))).ok());
  }
  EXPECT_EQ(ex.tasks.size(), 2u);
  EXPECT_EQ(q.running(), 2u);
  EXPECT_EQ(q.waiting(), 3u);
  ex.runOne();  // frees a slot: the next waiting job is handed over
  EXPECT_EQ(ex.tasks.size(), 2u);
  EXPECT_EQ(q.waiting(), 2u);
  while (!ex.tasks.empty()) ex.runOne();
  EXPECT_EQ(q.running(), 0u);
  EXPECT_EQ(q.peakRunning(), 2u);
  EXPECT_EQ(log.events.size(), 5u);
}

TEST(InferenceQueue, RejectsBeyondQueueLimitWith503) {
  FakeClock clock;
  ManualExecutor ex;
  InferenceQueue q({1, 2}, clock, ex.executor());
  Log log;
  ASSERT_TRUE(q.submit("m", clock.steadyNow() + 10s, log.job("a")).ok());  // runs
  ASSERT_TRUE(q.submit("m", clock.steadyNow() + 10s, log.job("b")).ok());  // waits
  ASSERT_TRUE(q.submit("m", clock.steadyNow() + 10s, log.job("c")).ok());  // waits
  auto full = q.submit("m", clock.steadyNow() + 10s, log.job("d"));
  ASSERT_FALSE(full.ok());
  EXPECT_EQ(full.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(q.waiting(), 2u);
}

TEST(InferenceQueue, ZeroQueueLimitStillRunsWhenASlotIsFree) {
  FakeClock clock;
  ManualExecutor ex;
  InferenceQueue q({1, 0}, clock, ex.executor());
  Log log;
  EXPECT_TRUE(q.submit("m", clock.steadyNow() + 1s, log.job("a")).ok());
  EXPECT_FALSE(q.submit("m", clock.steadyNow() + 1s, log.job("b")).ok());
}

TEST(InferenceQueue, StartsWaitingJobsInArrivalOrder) {
  FakeClock clock;
  ManualExecutor ex;
  InferenceQueue q({1, 10}, clock, ex.executor());
  Log log;
  for (const char* n : {"a1", "b1", "a2", "b2", "a3"}) {
    ASSERT_TRUE(q.submit(std::string(1, n[0]), clock.steadyNow() + 10s, log.job(n)).ok());
  }
  while (!ex.tasks.empty()) ex.runOne();
  EXPECT_EQ(log.events, (std::vector<std::string>{"run:a1", "run:b1", "run:a2", "run:b2", "run:a3"}));
}

TEST(InferenceQueue, ExpiresJobsWhoseDeadlinePassedWhileWaiting) {
  FakeClock clock;
  ManualExecutor ex;
  InferenceQueue q({1, 10}, clock, ex.executor());
  Log log;
  ASSERT_TRUE(q.submit("m", clock.steadyNow() + 10s, log.job("running")).ok());
  ASSERT_TRUE(q.submit("m", clock.steadyNow() + 100ms, log.job("short")).ok());
  ASSERT_TRUE(q.submit("m", clock.steadyNow() + 10s, log.job("long")).ok());
  clock.advance(200ms);
  EXPECT_EQ(q.expireOverdue(), 1u);
  EXPECT_EQ(log.events, (std::vector<std::string>{"expired:short"}));
  EXPECT_EQ(q.waiting(), 1u);
  while (!ex.tasks.empty()) ex.runOne();
  EXPECT_EQ(log.events.back(), "run:long");
}

TEST(InferenceQueue, OverdueHeadIsExpiredAtDispatchWithoutTakingASlot) {
  FakeClock clock;
  ManualExecutor ex;
  InferenceQueue q({1, 10}, clock, ex.executor());
  Log log;
  ASSERT_TRUE(q.submit("m", clock.steadyNow() + 10s, log.job("a")).ok());
  ASSERT_TRUE(q.submit("m", clock.steadyNow() + 1s, log.job("b")).ok());
  ASSERT_TRUE(q.submit("m", clock.steadyNow() + 10s, log.job("c")).ok());
  clock.advance(2s);
  ex.runOne();  // a finishes; b is overdue and expires; c takes the slot
  EXPECT_EQ(log.events, (std::vector<std::string>{"run:a", "expired:b"}));
  ASSERT_EQ(ex.tasks.size(), 1u);
  ex.runOne();
  EXPECT_EQ(log.events.back(), "run:c");
}

TEST(InferenceQueue, ExpireByIdOnlyTouchesWaitingJobs) {
  FakeClock clock;
  ManualExecutor ex;
  InferenceQueue q({1, 10}, clock, ex.executor());
  Log log;
  auto a = q.submit("m", clock.steadyNow() + 10s, log.job("a"));
  auto b = q.submit("m", clock.steadyNow() + 10s, log.job("b"));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_FALSE(q.expire(*a));  // already holds the slot
  EXPECT_TRUE(q.expire(*b));
  EXPECT_FALSE(q.expire(*b));  // only once
  EXPECT_EQ(log.events, (std::vector<std::string>{"expired:b"}));
}

TEST(InferenceQueue, ReportsHowLongAJobWaited) {
  FakeClock clock;
  ManualExecutor ex;
  InferenceQueue q({1, 10}, clock, ex.executor());
  std::chrono::nanoseconds waited{-1};
  ASSERT_TRUE(q.submit("m", clock.steadyNow() + 10s, [](Outcome, auto) {}).ok());
  ASSERT_TRUE(q.submit("m", clock.steadyNow() + 10s, [&](Outcome, auto w) { waited = w; }).ok());
  clock.advance(250ms);
  ex.runOne();
  ex.runOne();
  EXPECT_EQ(waited, std::chrono::nanoseconds(250ms));
}

}  // namespace
}  // namespace npufleet::worker
