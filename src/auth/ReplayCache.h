// Remembers the nonces of accepted v2 requests long enough that none can be accepted twice,
// in bounded memory. Entries live for `ttl` (at least twice the signature window: a request
// stamped at the far edge of the future window stays acceptable for 2x window after it first
// arrives). The cache is split into shards, each with its own mutex and a fixed share of the
// capacity.
//
// When a shard is full of unexpired nonces a new nonce is refused (kFull) rather than evicting
// an old one: evicting an unexpired nonce would make its request replayable. Only requests with
// a valid signature reach the cache, so filling it takes a trusted key; the verifier answers
// kFull with 503 so that callers retry elsewhere.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "common/Clock.h"

namespace npufleet::auth {

class ReplayCache {
 public:
  struct Options {
    size_t capacity = 500'000;  // entries, all shards together
    std::chrono::seconds ttl{600};
    size_t shards = 16;
  };
  enum class Outcome { kFresh, kReplay, kFull };

  ReplayCache(Options options, const Clock& clock);
  ~ReplayCache();
  ReplayCache(const ReplayCache&) = delete;
  ReplayCache& operator=(const ReplayCache&) = delete;

  // Records the nonce of `service_id` unless it is already remembered or there is no room.
  Outcome insert(std::string_view service_id, std::string_view nonce);

  size_t size() const;
  size_t capacity() const { return per_shard_capacity_ * shards_.size(); }
  // Upper bound of the bytes one entry costs (key, expiry queue slot, hash node, bucket); used
  // by tests and docs to state the memory bound.
  static constexpr size_t kBytesPerEntryBound = 128;

 private:
  using Digest = std::array<uint64_t, 2>;  // 128 bits of SHA-256(service_id '\n' nonce)
  struct DigestHash {
    size_t operator()(const Digest& d) const { return static_cast<size_t>(d[0]); }
  };
  struct Shard {
    mutable std::mutex mu;
    std::unordered_set<Digest, DigestHash> seen;
    std::deque<std::pair<std::chrono::steady_clock::time_point, Digest>> expiry;  // oldest first
  };

  Options options_;
  const Clock& clock_;
  size_t per_shard_capacity_;
  std::vector<std::unique_ptr<Shard>> shards_;
};

}  // namespace npufleet::auth
