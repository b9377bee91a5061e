// Cost of signing and verifying one service request (v1 + v2), by body size, and of the
// replay cache under contention. Figures: docs/performance.md, "Service signatures".
#include <benchmark/benchmark.h>

#include <atomic>
#include <memory>
#include <string>

#include "auth/ReplayCache.h"
#include "auth/ServiceSigner.h"
#include "auth/SignatureFormat.h"
#include "auth/SignatureVerifier.h"

namespace {

using namespace npufleet;

const std::string kKey = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

http::ClientRequest request(size_t body_bytes) {
  http::ClientRequest c;
  c.method = "POST";
  c.host = "10.0.0.7";
  c.port = 8081;
  c.target = "/inference?model=phi-3-mini";
  c.body.assign(body_bytes, 'x');
  return c;
}

http::Request toServer(const http::ClientRequest& c) {
  http::Request r;
  r.method = c.method;
  r.target = c.target;
  r.headers.add("Host", c.host + ":" + std::to_string(c.port));
  for (const auto& [k, v] : c.headers.all()) r.headers.add(k, v);
  r.body = c.body;
  return r;
}

void BM_Sign(benchmark::State& state) {
  FakeClock clock;
  auto signer = auth::ServiceSigner::create("main-backend", kKey, clock).value();
  const auto base = request(static_cast<size_t>(state.range(0)));
  for (auto _ : state) {
    auto c = base;
    benchmark::DoNotOptimize(signer.sign(c));
  }
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_Sign)->Arg(0)->Arg(1024)->Arg(64 * 1024)->Arg(1024 * 1024);

// Verification of distinct, valid requests (each nonce new), with the replay cache in the path.
void BM_VerifyV2(benchmark::State& state) {
  FakeClock clock;
  auto signer = auth::ServiceSigner::create("main-backend", kKey, clock).value();
  auto ring = std::make_shared<auth::Keyring>();
  (void)ring->add("main-backend", kKey);
  auth::VerifierOptions options;
  options.replay_capacity = 50'000'000;
  auth::SignatureVerifier verifier(options, ring, clock);
  const size_t body = static_cast<size_t>(state.range(0));
  // Pre-signed pool so that only verification is timed.
  std::vector<http::Request> pool;
  for (int i = 0; i < 4096; ++i) {
    auto c = request(body);
    (void)signer.sign(c);
    pool.push_back(toServer(c));
  }
  size_t i = 0;
  for (auto _ : state) {
    auto& r = pool[i++ % pool.size()];
    if (i % pool.size() == 0) {
      state.PauseTiming();
      for (auto& p : pool) {
        auto c = request(body);
        (void)signer.sign(c);
        p = toServer(c);
      }
      state.ResumeTiming();
    }
    auto result = verifier.verify(r);
    if (!result.ok()) state.SkipWithError(result.error().message.c_str());
  }
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_VerifyV2)->Arg(0)->Arg(1024)->Arg(64 * 1024)->Arg(1024 * 1024);

// The rejection path an attacker drives: a bad signature (no body hashing, no cache insert).
void BM_VerifyRejectBadSignature(benchmark::State& state) {
  FakeClock clock;
  auto signer = auth::ServiceSigner::create("main-backend", kKey, clock).value();
  auto ring = std::make_shared<auth::Keyring>();
  (void)ring->add("main-backend", kKey);
  auth::SignatureVerifier verifier({}, ring, clock);
  auto c = request(0);
  (void)signer.sign(c);
  auto r = toServer(c);
  r.headers.set("X-Service-Signature-V2", std::string(64, '0'));
  for (auto _ : state) benchmark::DoNotOptimize(verifier.verify(r));
}
BENCHMARK(BM_VerifyRejectBadSignature);

void BM_ReplayCacheInsert(benchmark::State& state) {
  static std::unique_ptr<FakeClock> clock;
  static std::unique_ptr<auth::ReplayCache> cache;
  static std::atomic<uint64_t> counter{0};
  if (state.thread_index() == 0) {
    clock = std::make_unique<FakeClock>();
    cache = std::make_unique<auth::ReplayCache>(
        auth::ReplayCache::Options{.capacity = 50'000'000}, *clock);
  }
  char nonce[33];
  for (auto _ : state) {
    std::snprintf(nonce, sizeof nonce, "%032llx",
                  static_cast<unsigned long long>(counter.fetch_add(1)));
    benchmark::DoNotOptimize(cache->insert("main-backend", nonce));
  }
  if (state.thread_index() == 0) state.counters["entries"] = static_cast<double>(cache->size());
}
BENCHMARK(BM_ReplayCacheInsert)->Threads(1)->Threads(2)->Threads(8)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
