#include "auth/ReplayCache.h"

#include <openssl/sha.h>

#include <algorithm>
#include <cstring>
#include <string>

namespace npufleet::auth {

ReplayCache::ReplayCache(Options options, const Clock& clock)
    : options_(options), clock_(clock) {
  // Never more shards than entries, so a tiny capacity is exact rather than rounded up.
  const size_t shards = std::clamp<size_t>(options_.shards, 1, std::max<size_t>(1, options_.capacity));
  per_shard_capacity_ = std::max<size_t>(1, (options_.capacity + shards - 1) / shards);
  shards_.reserve(shards);
  for (size_t i = 0; i < shards; ++i) shards_.push_back(std::make_unique<Shard>());
}

ReplayCache::~ReplayCache() = default;

ReplayCache::Outcome ReplayCache::insert(std::string_view service_id, std::string_view nonce) {
  // Hashing (rather than storing the nonce) fixes the entry size whatever the nonce length, and
  // the service id keeps two services' nonces apart.
  std::string material;
  material.reserve(service_id.size() + 1 + nonce.size());
  material.append(service_id).append("\n").append(nonce);
  unsigned char full[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(material.data()), material.size(), full);
  Digest digest;
  std::memcpy(digest.data(), full, sizeof digest);

  Shard& shard = *shards_[digest[1] % shards_.size()];
  const auto now = clock_.steadyNow();
  std::lock_guard lock(shard.mu);
  while (!shard.expiry.empty() && shard.expiry.front().first <= now) {
    shard.seen.erase(shard.expiry.front().second);
    shard.expiry.pop_front();
  }
  if (shard.seen.count(digest) != 0) return Outcome::kReplay;
  if (shard.seen.size() >= per_shard_capacity_) return Outcome::kFull;
  shard.seen.insert(digest);
  shard.expiry.emplace_back(now + options_.ttl, digest);
  return Outcome::kFresh;
}

size_t ReplayCache::size() const {
  size_t n = 0;
  for (const auto& s : shards_) {
    std::lock_guard lock(s->mu);
    n += s->seen.size();
  }
  return n;
}

}  // namespace npufleet::auth
