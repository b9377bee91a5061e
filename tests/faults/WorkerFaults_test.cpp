// Workers that die or misbehave under a real control plane: what the inference client sees
// (failover, never a hang), and what the control plane is left believing (node status, routing
// stats, ejections, detection errors), with real `npufleet server` and `npufleet worker`
// processes and raw-TCP misbehaving workers on loopback.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <boost/json.hpp>
#include <mutex>
#include <thread>

#include "faults/FaultFleet.h"
#include "faults/ScriptedWorker.h"

namespace npufleet::testing {
namespace {

namespace bj = boost::json;
using namespace std::chrono_literals;
using Kind = ScriptedReply::Kind;

// Sanitizer builds keep freed memory in quarantine: resident size says nothing there.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif
#else
constexpr bool kSanitized = false;
#endif

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

bool anyContains(const std::vector<std::string>& texts, const std::string& part) {
  for (const auto& t : texts) {
    if (contains(t, part)) return true;
  }
  return false;
}

int64_t counter(const bj::value& stats, const char* name) {
  return stats.is_object() && stats.as_object().contains(name) ? stats.at(name).as_int64() : -1;
}

// A control plane with one real worker ("good") registered and online.
class FleetWithGoodWorker : public ::testing::Test {
 protected:
  explicit FleetWithGoodWorker(std::map<std::string, std::string> env = {}) : cp_(std::move(env)) {}

  void SetUp() override {
    std::string error;
    ASSERT_TRUE(cp_.start(&error)) << error;
    good_ = std::make_unique<RealWorker>(cp_.serviceKey());
    ASSERT_TRUE(good_->start(0, &error)) << error;
    good_id_ = cp_.addWorkerNode("good", good_->port());
    ASSERT_FALSE(good_id_.empty());
    std::string last;
    ASSERT_TRUE(cp_.waitForNode(good_id_, "detected", "online", 30s, &last)) << last;
    // The control plane understands its own worker completely.
    EXPECT_TRUE(cp_.npuStatus(good_id_).at("detectionWarnings").as_array().empty()) << last;
  }

  // Registers a scripted worker and waits until it is detected and online.
  std::string addScripted(const std::string& name, ScriptedWorker& w) {
    std::string id = cp_.addWorkerNode(name, w.port());
    EXPECT_FALSE(id.empty());
    std::string last;
    EXPECT_TRUE(cp_.waitForNode(id, "detected", "online", 30s, &last)) << last;
    return id;
  }

  HttpReply infer(float seed = 0.5f) const {
    return cp_.call("POST", "/api/npu/inference", embeddingRequest(seed), 60s);
  }

  ControlPlane cp_;
  std::unique_ptr<RealWorker> good_;
  std::string good_id_;
};

// Round-robin so that every other request goes to the faulty node; a short request timeout and
// ejection after one failure, so the test is quick; two retries (the default).
constexpr const char* kFastFailover =
    R"({"strategy":"round-robin","maxRetries":2,"requestTimeoutMs":1000,)"
    R"("ejection":{"enabled":true,"consecutiveFailures":1,"baseEjectionMs":30000,)"
    R"("maxEjectionMs":300000,"maxEjectionPercent":50}})";

TEST(WorkerFaults, WorkerSigkilledDuringABurstIsInvisibleToClientsAndEndsOffline) {
  ControlPlane cp;
  std::string error;
  ASSERT_TRUE(cp.start(&error)) << error;
  RealWorker a(cp.serviceKey()), b(cp.serviceKey());
  ASSERT_TRUE(a.start(0, &error)) << error;
  ASSERT_TRUE(b.start(0, &error)) << error;
  const std::string ida = cp.addWorkerNode("doomed", a.port());
  const std::string idb = cp.addWorkerNode("survivor", b.port());
  std::string last;
  ASSERT_TRUE(cp.waitForNode(ida, "detected", "online", 30s, &last)) << last;
  ASSERT_TRUE(cp.waitForNode(idb, "detected", "online", 30s, &last)) << last;
  ASSERT_TRUE(
      cp.setLoadBalancing(R"({"strategy":"round-robin","maxRetries":2,"requestTimeoutMs":10000})"));

  std::atomic<bool> stop{false}, killed{false};
  std::atomic<int> ok_before{0}, ok_after{0}, served_by_a_before{0};
  std::mutex mu;
  std::vector<std::string> failures, after_kill_nodes;
  std::vector<std::thread> clients;
  for (int c = 0; c < 4; ++c) {
    clients.emplace_back([&, c] {
      for (int i = 0; !stop; ++i) {
        const bool started_after_kill = killed;
        auto r = cp.call("POST", "/api/npu/inference",
                         embeddingRequest(0.1f * static_cast<float>(c + i % 5)), 60s);
        std::lock_guard lock(mu);
        if (r.status != 200) {
          failures.push_back(std::to_string(r.status) + " " + r.failure + " " + r.body);
        } else if (started_after_kill) {
          ++ok_after;
          after_kill_nodes.emplace_back(r.headers.get("X-Npufleet-Node"));
        } else {
          ++ok_before;
          if (r.headers.get("X-Npufleet-Node") == ida) ++served_by_a_before;
        }
      }
    });
  }
  const bool warmed = waitUntil([&] { return ok_before >= 20 && served_by_a_before >= 5; }, 60s);
  if (warmed) {
    a.kill();  // SIGKILL while four clients keep requests in flight
    killed = true;
  }
  const bool drained = warmed && waitUntil([&] { return ok_after >= 40; }, 60s);
  stop = true;
  for (auto& t : clients) t.join();
  ASSERT_TRUE(warmed) << "burst never reached both workers";
  ASSERT_TRUE(drained) << "only " << ok_after << " answers after the kill";

  // What the clients saw: every request answered, after the kill only by the survivor.
  EXPECT_TRUE(failures.empty()) << failures.size() << " failures, first: " << failures.front();
  for (const auto& node : after_kill_nodes) EXPECT_EQ(node, idb);

  // What the control plane is left with: the router saw the dead worker fail and retried on
  // the survivor; the monitor marks the node offline, in the NPU status and in the registry.
  EXPECT_GE(counter(cp.routingStats(ida), "failures"), 1);
  EXPECT_GE(counter(cp.routingStats(idb), "retries"), 1);
  EXPECT_TRUE(cp.waitForNode(ida, "", "offline", 30s, &last)) << last;
  auto node = cp.call("GET", "/api/fleet/nodes/" + ida);
  ASSERT_EQ(node.status, 200);
  EXPECT_EQ(node.json().at("status"), "offline") << node.body;
  auto survivor = cp.npuStatus(idb);
  EXPECT_EQ(survivor.at("status"), "online") << bj::serialize(survivor);
}

// A worker that is healthy for the monitor but breaks the inference exchange in one way.
class MisbehavingInference : public FleetWithGoodWorker,
                             public ::testing::WithParamInterface<Kind> {};

TEST_P(MisbehavingInference, FailsOverToAHealthyWorkerWithinTheTimeoutAndEjectsTheNode) {
  const Kind kind = GetParam();
  ScriptedWorker bad(
      [](const std::string& m, const std::string& p) { return ScriptedWorker::healthy(m, p); });
  const std::string bad_id = addScripted("bad", bad);
  bad.setScript([kind](const std::string& m, const std::string& p) {
    ScriptedReply r = ScriptedWorker::healthy(m, p);
    if (p == "/inference") r.kind = kind;
    return r;
  });
  ASSERT_TRUE(cp_.setLoadBalancing(kFastFailover));

  for (int i = 0; i < 6; ++i) {
    const auto started = std::chrono::steady_clock::now();
    auto r = infer(0.1f * static_cast<float>(i));
    const auto took = std::chrono::steady_clock::now() - started;
    ASSERT_EQ(r.status, 200) << r.failure << r.body;
    EXPECT_EQ(r.headers.get("X-Npufleet-Node"), good_id_);
    // The whole answer of the healthy worker, never the faulty worker's half body.
    auto body = r.json();
    ASSERT_TRUE(body.is_object()) << r.body;
    EXPECT_TRUE(body.as_object().contains("outputs")) << r.body;
    EXPECT_NE(body.at("device"), "scripted");
    // 1 s request timeout plus one retry: a generous bound that a hang would break.
    EXPECT_LT(took, 15s);
  }

  ASSERT_GE(bad.requests("/inference"), 1) << "the faulty worker was never tried";
  auto stats = cp_.routingStats(bad_id);
  EXPECT_GE(counter(stats, "failures"), 1) << bj::serialize(stats);
  EXPECT_GE(counter(stats, "ejections"), 1) << bj::serialize(stats);
  EXPECT_EQ(counter(cp_.routingStats(good_id_), "failures"), 0);
  const auto decisions = cp_.routingDecisions();
  const std::string why = kind == Kind::kPartialThenClose
                              ? "connection closed by the worker before a complete response"
                              : "timed out after 1 s";
  EXPECT_TRUE(anyContains(decisions, "ejected after consecutive failures: " + why))
      << bj::serialize(bj::value_from(decisions));
  EXPECT_TRUE(anyContains(decisions, "retry 1 after " + bad_id))
      << bj::serialize(bj::value_from(decisions));

  if (kind != Kind::kPartialThenClose) {
    // The router closed every exchange it gave up on: no connection is left hanging.
    EXPECT_TRUE(waitUntil([&] { return bad.hanging() == 0; }, 10s)) << bad.hanging();
    EXPECT_GE(bad.abandonedByPeer(), 1);
  }
  // The health monitor still sees the worker answer /health: it stays online (passive ejection
  // is the router's business), and the control plane itself is responsive.
  EXPECT_EQ(cp_.npuStatus(bad_id).at("status"), "online");
  EXPECT_EQ(cp_.call("GET", "/healthz").status, 200);
}

INSTANTIATE_TEST_SUITE_P(Faults, MisbehavingInference,
                         ::testing::Values(Kind::kHang, Kind::kPartialThenStall,
                                           Kind::kPartialThenClose),
                         [](const ::testing::TestParamInfo<Kind>& info) {
                           switch (info.param) {
                             case Kind::kHang:
                               return "AcceptsAndNeverAnswers";
                             case Kind::kPartialThenStall:
                               return "SendsHalfAResponseAndStalls";
                             case Kind::kPartialThenClose:
                               return "SendsHalfAResponseAndCloses";
                             default:
                               return "Other";
                           }
                         });

class HungWorker : public FleetWithGoodWorker {};

TEST_F(HungWorker, IsMarkedOfflineByTheMonitorAndNoLongerTried) {
  ScriptedWorker hung(
      [](const std::string& m, const std::string& p) { return ScriptedWorker::healthy(m, p); });
  const std::string hung_id = addScripted("hung", hung);
  ASSERT_TRUE(cp_.setLoadBalancing(kFastFailover));
  // From now on it accepts every connection and answers nothing, health checks included.
  hung.setScript([](const std::string&, const std::string&) {
    ScriptedReply r;
    r.kind = Kind::kHang;
    return r;
  });

  std::string last;
  ASSERT_TRUE(cp_.waitForNode(hung_id, "", "offline", 30s, &last)) << last;
  auto status = cp_.npuStatus(hung_id);
  EXPECT_TRUE(contains(std::string(status.at("statusReason").as_string()), "timed out"))
      << bj::serialize(status);
  EXPECT_EQ(cp_.call("GET", "/api/fleet/nodes/" + hung_id).json().at("status"), "offline");

  // Offline nodes are not candidates: requests go straight to the healthy worker.
  const int inference_before = hung.requests("/inference");
  for (int i = 0; i < 5; ++i) {
    auto r = infer();
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.headers.get("X-Npufleet-Node"), good_id_);
  }
  EXPECT_EQ(hung.requests("/inference"), inference_before);
  // Probes that timed out were closed by the control plane, not left open forever.
  EXPECT_GE(hung.abandonedByPeer(), 1);
  EXPECT_EQ(cp_.call("GET", "/healthz").status, 200);
}

// Garbage from a worker fails detection with a readable reason; the control plane stays up and
// its memory stays bounded (the detector reads at most 4 MiB of an answer).
TEST(WorkerFaults, GarbageFromAWorkerFailsDetectionReadably) {
  ControlPlane cp;
  std::string error;
  ASSERT_TRUE(cp.start(&error)) << error;
  const long rss_before = residentKiB(cp.process().pid());

  auto healthWith = [](ScriptedReply health) {
    return [health](const std::string& m, const std::string& p) {
      return p == "/health" ? health : ScriptedWorker::healthy(m, p);
    };
  };
  ScriptedReply truncated;
  truncated.body = R"({"status":"healthy","max_concurrent":4,"memory_gb")";
  ScriptedReply huge;
  huge.body = R"({"status":"healthy","padding":")" + std::string(10 * 1024 * 1024, 'x') + "\"}";
  ScriptedReply not_http;
  not_http.kind = Kind::kRaw;
  not_http.body = "SSH-2.0-OpenSSH_9.2p1\r\nProtocol mismatch.\r\n";
  ScriptedReply html_models;
  html_models.body = "<html><body>It works!</body></html>";
  html_models.content_type = "text/html";

  ScriptedWorker w_truncated(healthWith(truncated));
  ScriptedWorker w_huge(healthWith(huge));
  ScriptedWorker w_not_http(healthWith(not_http));
  ScriptedWorker w_html_models([html_models](const std::string& m, const std::string& p) {
    return p == "/models" ? html_models : ScriptedWorker::healthy(m, p);
  });

  struct Case {
    std::string name;
    ScriptedWorker* worker;
    std::string expected_error;
  };
  const std::vector<Case> cases = {
      {"truncated-json", &w_truncated, "worker answered /health with invalid JSON"},
      {"ten-megabytes", &w_huge, "response larger than 4194304 bytes"},
      {"not-http", &w_not_http, "malformed HTTP response"},
      {"html-models", &w_html_models, "worker answered /models with invalid JSON"},
  };
  std::vector<std::string> ids;
  for (const auto& c : cases) {
    ids.push_back(cp.addWorkerNode(c.name, c.worker->port()));
    ASSERT_FALSE(ids.back().empty()) << c.name;
  }
  for (size_t i = 0; i < cases.size(); ++i) {
    std::string last;
    ASSERT_TRUE(cp.waitForNode(ids[i], "failed", "", 30s, &last)) << cases[i].name << ": " << last;
    auto s = cp.npuStatus(ids[i]);
    ASSERT_TRUE(s.at("detectionError").is_string()) << bj::serialize(s);
    EXPECT_TRUE(contains(std::string(s.at("detectionError").as_string()), cases[i].expected_error))
        << cases[i].name << ": " << bj::serialize(s);
    EXPECT_TRUE(s.at("capabilities").is_null()) << bj::serialize(s);
  }

  // The monitor keeps probing failed nodes (to re-detect them when they recover): let it read the
  // 10 MB answer a few more times, then check that nothing grew without bound.
  const int huge_reads = w_huge.requests("/health");
  ASSERT_TRUE(waitUntil([&] { return w_huge.requests("/health") >= huge_reads + 5; }, 30s));
  EXPECT_TRUE(cp.alive());
  EXPECT_EQ(cp.call("GET", "/healthz").status, 200);
  auto list = cp.call("GET", "/api/fleet/nodes");
  EXPECT_EQ(list.status, 200);
  const long rss_after = residentKiB(cp.process().pid());
  ASSERT_GT(rss_before, 0);
  if (!kSanitized) {
    EXPECT_LT(rss_after - rss_before, 96 * 1024)
        << "RSS " << rss_before << " -> " << rss_after << " KiB";
  }
}

// Wrong types in /health are not fatal: DESIGN.md 4.4 asks for the seed's defaults where a field
// is unusable, and the detector says which field it ignored.
TEST(WorkerFaults, WrongTypesInHealthFallBackToDefaultsWithWarnings) {
  ControlPlane cp;
  std::string error;
  ASSERT_TRUE(cp.start(&error)) << error;
  ScriptedWorker w([](const std::string& m, const std::string& p) {
    ScriptedReply r = ScriptedWorker::healthy(m, p);
    if (p == "/health") {
      r.body =
          R"({"status":"healthy","max_concurrent":"lots","memory_gb":[16],"utilization":"busy"})";
    }
    return r;
  });
  const std::string id = cp.addWorkerNode("wrong-types", w.port());
  std::string last;
  ASSERT_TRUE(cp.waitForNode(id, "detected", "", 30s, &last)) << last;
  auto s = cp.npuStatus(id);
  EXPECT_EQ(s.at("capabilities").at("maxConcurrent"), 4) << bj::serialize(s);
  EXPECT_EQ(s.at("capabilities").at("memoryGB").to_number<double>(), 8.0);
  EXPECT_EQ(s.at("capabilities").at("utilization").to_number<double>(), 0.0);
  std::vector<std::string> warnings;
  for (const auto& v : s.at("detectionWarnings").as_array()) warnings.emplace_back(v.as_string());
  EXPECT_TRUE(anyContains(warnings, "max_concurrent: expected a number, got string"))
      << bj::serialize(s);
  EXPECT_TRUE(anyContains(warnings, "memory_gb: expected a number, got array")) << bj::serialize(s);
}

// A worker whose inference answer exceeds [router] max_response_bytes is a failed attempt: the
// router stops reading, fails over, and never buffers the whole answer.
class OversizedAnswer : public FleetWithGoodWorker {
 protected:
  OversizedAnswer() : FleetWithGoodWorker({{"NPUFLEET_ROUTER_MAX_RESPONSE_BYTES", "1048576"}}) {}
};

TEST_F(OversizedAnswer, IsRefusedAndTheRequestFailsOver) {
  ScriptedWorker big([](const std::string& m, const std::string& p) {
    ScriptedReply r = ScriptedWorker::healthy(m, p);
    if (p == "/inference") {
      r.body = R"({"model":"embedding-mlp","outputs":{"output":{"shape":[1],"data":[0]}},"pad":")" +
               std::string(10 * 1024 * 1024, 'y') + "\"}";
    }
    return r;
  });
  const std::string big_id = addScripted("big", big);
  ASSERT_TRUE(cp_.setLoadBalancing(kFastFailover));
  for (int i = 0; i < 4; ++i) {
    auto r = infer();
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.headers.get("X-Npufleet-Node"), good_id_);
    EXPECT_LT(r.body.size(), 1024u * 1024u);
  }
  ASSERT_GE(big.requests("/inference"), 1);
  EXPECT_GE(counter(cp_.routingStats(big_id), "failures"), 1);
  EXPECT_TRUE(anyContains(cp_.routingDecisions(), "response larger than 1048576 bytes"));
}

}  // namespace
}  // namespace npufleet::testing
