#include "auth/ReplayCache.h"

#include <gtest/gtest.h>

#include <string>

namespace npufleet::auth {
namespace {

std::string nonce(int i) {
  char buf[33];
  std::snprintf(buf, sizeof buf, "%032x", i);
  return buf;
}

TEST(ReplayCache, SecondSightingOfANonceIsAReplay) {
  FakeClock clock;
  ReplayCache cache({}, clock);
  EXPECT_EQ(cache.insert("main-backend", nonce(1)), ReplayCache::Outcome::kFresh);
  EXPECT_EQ(cache.insert("main-backend", nonce(1)), ReplayCache::Outcome::kReplay);
}

TEST(ReplayCache, NoncesAreKeptApartPerService) {
  FakeClock clock;
  ReplayCache cache({}, clock);
  EXPECT_EQ(cache.insert("a", nonce(1)), ReplayCache::Outcome::kFresh);
  EXPECT_EQ(cache.insert("b", nonce(1)), ReplayCache::Outcome::kFresh);
}

TEST(ReplayCache, EntryIsForgottenOnlyAfterItsTtl) {
  FakeClock clock;
  ReplayCache cache({.capacity = 100, .ttl = std::chrono::seconds(600), .shards = 4}, clock);
  ASSERT_EQ(cache.insert("s", nonce(1)), ReplayCache::Outcome::kFresh);
  clock.advance(std::chrono::seconds(599));
  EXPECT_EQ(cache.insert("s", nonce(1)), ReplayCache::Outcome::kReplay);
  clock.advance(std::chrono::seconds(1));
  EXPECT_EQ(cache.insert("s", nonce(1)), ReplayCache::Outcome::kFresh);
}

TEST(ReplayCache, FloodOfUniqueNoncesStaysWithinCapacityAndNeverEvictsAnUnexpiredOne) {
  FakeClock clock;
  ReplayCache cache({.capacity = 1000, .ttl = std::chrono::seconds(600), .shards = 16}, clock);
  std::vector<int> accepted;
  int full = 0;
  for (int i = 0; i < 20'000; ++i) {
    switch (cache.insert("s", nonce(i))) {
      case ReplayCache::Outcome::kFresh: accepted.push_back(i); break;
      case ReplayCache::Outcome::kFull: ++full; break;
      case ReplayCache::Outcome::kReplay: FAIL() << "fresh nonce taken for a replay: " << i;
    }
  }
  EXPECT_LE(cache.size(), cache.capacity());
  EXPECT_LE(cache.capacity(), 1000u + 16u);
  EXPECT_GT(full, 0);
  // Fairly full: shards fill unevenly, but none is left mostly empty.
  EXPECT_GE(accepted.size(), 900u);
  for (int i : accepted) {
    EXPECT_EQ(cache.insert("s", nonce(i)), ReplayCache::Outcome::kReplay) << i;
  }
}

TEST(ReplayCache, RoomComesBackOnceEntriesExpire) {
  FakeClock clock;
  ReplayCache cache({.capacity = 64, .ttl = std::chrono::seconds(10), .shards = 4}, clock);
  for (int i = 0; i < 1000; ++i) (void)cache.insert("s", nonce(i));
  EXPECT_EQ(cache.insert("s", nonce(5000)), ReplayCache::Outcome::kFull);
  clock.advance(std::chrono::seconds(10));
  EXPECT_EQ(cache.insert("s", nonce(5000)), ReplayCache::Outcome::kFresh);
}

TEST(ReplayCache, TinyCapacityIsExact) {
  FakeClock clock;
  ReplayCache cache({.capacity = 1, .ttl = std::chrono::seconds(10), .shards = 16}, clock);
  EXPECT_EQ(cache.capacity(), 1u);
  EXPECT_EQ(cache.insert("s", nonce(1)), ReplayCache::Outcome::kFresh);
  EXPECT_EQ(cache.insert("s", nonce(2)), ReplayCache::Outcome::kFull);
}

}  // namespace
}  // namespace npufleet::auth
