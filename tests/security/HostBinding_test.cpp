// A v2 signature covers the Host header; by default a real worker accepts only its own (issue
// 20, item 4), so a request the control plane signed for one worker, captured by another worker
// of the fleet, cannot be replayed to a third within the window.
#include <gtest/gtest.h>

#include "worker/WorkerHarness.h"

namespace npufleet::testing {
namespace {

using worker::testing::WorkerHarness;

http::ClientResult signedForAnotherWorker(WorkerHarness& worker) {
  auto r = worker.request("GET", "/health");
  // What the rogue worker 10.9.9.9 received, sent on to this one.
  r.headers.set("Host", "10.9.9.9:" + std::to_string(worker.process().port()));
  auto signer = auth::ServiceSigner::create("main-backend", worker.key(), SystemClock::instance());
  if (!signer->sign(r)) throw std::runtime_error("cannot sign");
  return http::sendBlocking(std::move(r));
}

TEST(HostBindingTest, WorkerRefusesARequestSignedForAnotherWorkerByDefault) {
  WorkerHarness worker;
  std::string error;
  ASSERT_TRUE(worker.start({}, {}, &error)) << error;
  auto replayed = signedForAnotherWorker(worker);
  ASSERT_TRUE(replayed.ok()) << replayed.message;
  EXPECT_EQ(replayed.response.status, 401) << replayed.response.body;
  EXPECT_NE(replayed.response.body.find("host mismatch"), std::string::npos)
      << replayed.response.body;
  // Its own address (the harness calls 127.0.0.1:PORT) is accepted.
  auto own = worker.call("GET", "/health");
  ASSERT_TRUE(own.ok()) << own.message;
  EXPECT_EQ(own.response.status, 200) << own.response.body;
}

TEST(HostBindingTest, ConfiguredHostsReplaceTheDerivedOnes) {
  WorkerHarness worker;
  std::string error;
  ASSERT_TRUE(worker.start({{"NPUFLEET_AUTH_ACCEPTED_HOSTS", "npu-7.example:8081"}}, {}, &error))
      << error;
  auto own = worker.call("GET", "/health");
  ASSERT_TRUE(own.ok()) << own.message;
  EXPECT_EQ(own.response.status, 401) << "127.0.0.1 is not among the configured names";
}

TEST(HostBindingTest, TurningTheCheckOffIsWarnedAboutAtStart) {
  WorkerHarness worker;
  std::string error;
  ASSERT_TRUE(worker.start({{"NPUFLEET_AUTH_ACCEPTED_HOSTS", "*"}}, {}, &error)) << error;
  auto replayed = signedForAnotherWorker(worker);
  ASSERT_TRUE(replayed.ok()) << replayed.message;
  EXPECT_EQ(replayed.response.status, 200) << replayed.response.body;
  EXPECT_NE(worker.process().stderrText().find("is not checked"), std::string::npos)
      << worker.process().stderrText();
}

}  // namespace
}  // namespace npufleet::testing
