// Many threads verifying at once (the io_context is multi-threaded): each nonce is accepted
// exactly once, the failure limiter and keyring swaps stay consistent. Run under TSan.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "AuthTestSupport.h"
#include "auth/FailureLimiter.h"
#include "auth/ServiceSigner.h"
#include "auth/SignatureVerifier.h"

namespace npufleet::auth {
namespace {

const std::string kKey = "concurrency-key-0123456789abcdef";
const std::string kKey2 = "concurrency-key-2-0123456789abcdef";

TEST(ServiceAuthConcurrency, EveryNonceIsAcceptedExactlyOnceAcrossThreads) {
  FakeClock clock;
  auto ring = std::make_shared<Keyring>();
  ASSERT_TRUE(ring->add("main-backend", kKey).ok());
  ASSERT_TRUE(ring->add("main-backend", kKey2).ok());
  SignatureVerifier verifier({}, ring, clock);
  FailureLimiter limiter({}, clock);
  auto signer = ServiceSigner::create("main-backend", kKey, clock);
  ASSERT_TRUE(signer.ok());

  constexpr int kRequests = 400;
  std::vector<http::Request> requests;
  for (int i = 0; i < kRequests; ++i) {
    http::ClientRequest c;
    c.method = "POST";
    c.host = "127.0.0.1";
    c.port = 8081;
    c.target = "/inference?i=" + std::to_string(i);
    c.body = std::string(static_cast<size_t>(i), 'x');
    ASSERT_TRUE(signer->sign(c).ok());
    requests.push_back(testing::toServerRequest(c));
  }

  constexpr int kThreads = 8;
  std::atomic<int> accepted{0};
  std::atomic<int> replays{0};
  std::atomic<bool> stop_swapping{false};
  std::thread swapper([&] {
    // Keyring reloads racing with verification; both rings hold the signing key.
    while (!stop_swapping) {
      auto fresh = std::make_shared<Keyring>();
      (void)fresh->add("main-backend", kKey);
      verifier.setKeyring(fresh);
    }
  });
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      // Every thread submits every request: all but one submission of each is a replay.
      for (int i = 0; i < kRequests; ++i) {
        const auto& req = requests[static_cast<size_t>((i + t * 37) % kRequests)];
        auto r = verifier.verify(req);
        if (r.ok()) {
          ++accepted;
        } else {
          if (r.error().message == "replayed nonce") ++replays;
          limiter.recordFailure("10.0.0." + std::to_string(t));
          (void)limiter.blockedFor("10.0.0." + std::to_string(t));
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  stop_swapping = true;
  swapper.join();

  EXPECT_EQ(accepted.load(), kRequests);
  EXPECT_EQ(replays.load(), kRequests * (kThreads - 1));
  EXPECT_EQ(verifier.replayCacheSize(), static_cast<size_t>(kRequests));
  // Only threads that saw a failure are tracked; each saw at most one address of its own.
  EXPECT_GE(limiter.trackedAddresses(), 1u);
  EXPECT_LE(limiter.trackedAddresses(), static_cast<size_t>(kThreads));
}

}  // namespace
}  // namespace npufleet::auth
