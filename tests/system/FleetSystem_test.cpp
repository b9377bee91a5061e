// The control plane with real workers, all as separate processes on loopback: role assignment
// and detection, the NPU status API, model management through signed calls, and the router's
// strategies, failover and ejection on live traffic.
#include <signal.h>

#include <unistd.h>

#include <atomic>
#include <set>
#include <thread>

#include "system/FleetHarness.h"

namespace npufleet::testing {
namespace {

namespace bj = boost::json;

std::string routedTo(const HttpReply& r) { return std::string(r.headers.get("X-Npufleet-Node")); }

class FleetSystemTest : public ::testing::Test {
 protected:
  virtual int monitorIntervalMs() const { return 300; }
  void SetUp() override {
    fleet.startServer(monitorIntervalMs());
    fleet.startWorker("w1");
    fleet.startWorker("w2");
    if (HasFatalFailure()) return;
    w1 = fleet.addWorkerNode("w1");
    w2 = fleet.addWorkerNode("w2");
  }

  FleetHarness fleet;
  std::string w1, w2;
};

TEST_F(FleetSystemTest, AssigningTheRoleDetectsTheRealWorkerAndTheStatusHasTheSeedShape) {
  const uint16_t port = fleet.startWorker("late");
  auto created = fleet.api("POST", "/api/fleet/nodes",
                           R"({"name":"late","ip":"127.0.0.1","npuPort":)" + std::to_string(port) + "}");
  ASSERT_EQ(created.status, 201) << created.body;
  std::string id(created.json().at("id").as_string());
  auto assigned = fleet.api("POST", "/api/fleet/nodes/" + id + "/roles/npu-worker");
  ASSERT_EQ(assigned.status, 200) << assigned.body;
  EXPECT_EQ(assigned.json().at("detectionStatus"), "detecting") << assigned.body;
  ASSERT_TRUE(waitFor([&] { return fleet.npuStatus(id) == "online"; }));

  auto r = fleet.api("GET", "/api/nodes/" + id + "/npu/status");
  ASSERT_EQ(r.status, 200);
  auto s = r.json().as_object();
  EXPECT_EQ(s.at("node_id"), id.c_str());
  EXPECT_EQ(s.at("detectionStatus"), "detected");
  const auto& caps = s.at("capabilities").as_object();
  std::set<std::string> models;
  for (const auto& m : caps.at("models").as_array()) models.insert(std::string(m.as_string()));
  EXPECT_EQ(models, (std::set<std::string>{"cnn-classifier", "embedding-mlp"}));
  EXPECT_EQ(caps.at("deviceType"), "cpu");
  EXPECT_GE(caps.at("maxConcurrent").as_int64(), 1);
  EXPECT_GT(caps.at("memoryGB").to_number<double>(), 0.0);
  EXPECT_TRUE(caps.at("utilization").is_number());
  EXPECT_EQ(s.at("loadedModels").as_array().size(), 2u);
  EXPECT_TRUE(s.at("queueDepth").is_int64());
  EXPECT_TRUE(s.at("lastHealthCheck").is_string());
  EXPECT_TRUE(s.at("metrics").is_object()) << r.body;

  // A node without the role is a conflict, an unknown one is not found.
  auto plain = fleet.api("POST", "/api/fleet/nodes", R"({"name":"plain","ip":"10.1.2.3"})");
  std::string plain_id(plain.json().at("id").as_string());
  EXPECT_EQ(fleet.api("GET", "/api/nodes/" + plain_id + "/npu/status").status, 409);
  EXPECT_EQ(fleet.api("GET", "/api/nodes/node-000000000000/npu/status").status, 404);
}

// The worker's /stats reaches the status API: after routed inference the figures the details
// panel shows are filled in, not null / empty (issue 21: the reader expected another shape).
TEST_F(FleetSystemTest, StatusShowsTheWorkersLatencyThroughputAndModelMemoryAfterInference) {
  ASSERT_EQ(fleet.setLoadBalancing(R"({"strategy":"round-robin"})").status, 200);
  for (int i = 0; i < 6; ++i) ASSERT_EQ(fleet.infer().status, 200);
  bj::value metrics;
  auto filled = [&] {
    auto r = fleet.api("GET", "/api/nodes/" + w1 + "/npu/status");
    if (r.status != 200) return false;
    metrics = r.json().at("metrics");
    const auto& m = metrics.as_object();
    // A probe that ran between the inferences saw fewer: wait for one after all of them.
    return m.at("inferenceTimeMs").at("p50").is_number() &&
           m.at("inferenceTimeMs").at("p95").is_number() && m.at("throughputPerMin").is_number() &&
           m.at("throughputPerMin").to_number<double>() == 3.0 &&  // w1's 3 of the 6
           !m.at("memory").at("models").as_object().empty();
  };
  ASSERT_TRUE(waitFor(filled)) << metrics;
  const auto& m = metrics.as_object();
  EXPECT_GT(m.at("inferenceTimeMs").at("p50").to_number<double>(), 0.0) << metrics;
  EXPECT_GE(m.at("inferenceTimeMs").at("p95").to_number<double>(),
            m.at("inferenceTimeMs").at("p50").to_number<double>()) << metrics;
  EXPECT_TRUE(m.at("memory").at("processRssBytes").is_number()) << metrics;
  // Both preloaded models hold memory, each its file's size.
  const auto& models = m.at("memory").at("models").as_object();
  EXPECT_EQ(models.size(), 2u) << metrics;
  for (const auto& kv : models) EXPECT_GT(kv.value().to_number<double>(), 0.0) << kv.key();
}

TEST_F(FleetSystemTest, ModelsAreUnloadedAndLoadedThroughTheControlPlane) {
  auto loaded = [&] {
    std::set<std::string> out;
    auto v = fleet.api("GET", "/api/nodes/" + w1 + "/npu/status").json();
    for (const auto& m : v.at("loadedModels").as_array()) out.insert(std::string(m.as_string()));
    return out;
  };
  auto un = fleet.api("POST", "/api/nodes/" + w1 + "/npu/models/cnn-classifier/unload");
  ASSERT_EQ(un.status, 200) << un.body;
  EXPECT_EQ(loaded().count("cnn-classifier"), 0u);
  auto load = fleet.api("POST", "/api/nodes/" + w1 + "/npu/models/cnn-classifier/load");
  ASSERT_EQ(load.status, 200) << load.body;
  EXPECT_EQ(loaded().count("cnn-classifier"), 1u);
  // The worker's own error comes back, naming the model.
  auto missing = fleet.api("POST", "/api/nodes/" + w1 + "/npu/models/no-such-model/load");
  EXPECT_EQ(missing.status, 404) << missing.body;
  EXPECT_NE(missing.body.find("no-such-model"), std::string::npos) << missing.body;
}

// Issue 21: a worker restarted without preloading came back online with its card still saying
// "2 / 2 loaded", and clients got its 409 "not loaded" while the other node had the model.
TEST_F(FleetSystemTest, AWorkerRestartedWithoutPreloadingIsFollowedAndNoClientSeesNotLoaded) {
  ASSERT_EQ(fleet.setLoadBalancing(R"({"strategy":"round-robin"})").status, 200);
  auto loadedOn = [&](const std::string& id) {
    std::set<std::string> out;
    auto r = fleet.api("GET", "/api/nodes/" + id + "/npu/status");
    if (r.status != 200) return std::set<std::string>{"<status " + std::to_string(r.status) + ">"};
    auto v = r.json();  // a range-for over a temporary's member would dangle
    for (const auto& m : v.at("loadedModels").as_array()) out.insert(std::string(m.as_string()));
    return out;
  };
  ASSERT_EQ(loadedOn(w2).size(), 2u);
  const uint16_t port = fleet.worker("w2").port();
  fleet.worker("w2").signal(SIGKILL);
  ASSERT_TRUE(fleet.worker("w2").wait(std::chrono::seconds(10)));
  fleet.startWorker("w2", {{"NPUFLEET_WORKER_PRELOAD", ""}}, port);
  ASSERT_TRUE(waitFor([&] { return loadedOn(w2).empty(); })) << "still " << loadedOn(w2).size();
  ASSERT_TRUE(waitFor([&] { return fleet.npuStatus(w2) == "online"; }));

  // Every request is served, by the node that has the model loaded (a request that reaches w2
  // before the router's view catches up gets its 409 and is retried on w1).
  for (int i = 0; i < 10; ++i) {
    auto r = fleet.infer();
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(routedTo(r), w1);
  }

  // Unloading what w2 no longer has is not an error, and the state says so.
  auto un = fleet.api("POST", "/api/nodes/" + w2 + "/npu/models/embedding-mlp/unload");
  ASSERT_EQ(un.status, 200) << un.body;
  EXPECT_EQ(un.json().at("changed"), false) << un.body;
  EXPECT_TRUE(un.json().at("npu").at("loadedModels").as_array().empty()) << un.body;
}

// Issue 21: removing the role from a node and killing its worker left it "online" in the table
// and the CSV export for minutes. Nothing watches it now, so the API says unknown, with
// lastSeen as the age of the last known status.
TEST_F(FleetSystemTest, ANodeWhoseRoleIsRemovedIsUnknownNotAFrozenOnline) {
  auto removed = fleet.api("DELETE", "/api/fleet/nodes/" + w2 + "/roles/npu-worker");
  ASSERT_EQ(removed.status, 200) << removed.body;
  EXPECT_EQ(removed.json().at("status"), "unknown") << removed.body;
  fleet.worker("w2").signal(SIGKILL);

  auto listed = fleet.api("GET", "/api/fleet/nodes");
  ASSERT_EQ(listed.status, 200);
  auto v = listed.json();
  std::map<std::string, std::string> status;
  for (const auto& n : v.at("nodes").as_array()) {
    status[std::string(n.at("id").as_string())] = std::string(n.at("status").as_string());
    if (n.at("id") == w2.c_str()) {
      EXPECT_TRUE(n.at("lastSeen").is_string()) << listed.body;
    }
  }
  EXPECT_EQ(status[w2], "unknown");
  EXPECT_EQ(status[w1], "online");
  auto one = fleet.api("GET", "/api/fleet/nodes/" + w2);
  EXPECT_EQ(one.json().at("status"), "unknown") << one.body;
  // The filter agrees with what is shown.
  auto unknown = fleet.api("GET", "/api/fleet/nodes?status=unknown").json();
  ASSERT_EQ(unknown.at("total"), 1) << unknown;
  EXPECT_EQ(unknown.at("nodes").at(0).at("id"), w2.c_str());
  EXPECT_EQ(fleet.api("GET", "/api/fleet/nodes?status=online").json().at("total"), 1);
  // An operator cannot claim it.
  EXPECT_EQ(fleet.api("PATCH", "/api/fleet/nodes/" + w1, R"({"status":"unknown"})").status, 400);
}

TEST_F(FleetSystemTest, RoundRobinSplitsTenRequestsFiveFive) {
  ASSERT_EQ(fleet.setLoadBalancing(R"({"strategy":"round-robin"})").status, 200);
  std::map<std::string, int> counts;
  for (int i = 0; i < 10; ++i) {
    auto r = fleet.infer();
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.headers.get("X-Npufleet-Strategy"), "round-robin");
    ++counts[routedTo(r)];
  }
  EXPECT_EQ(counts[w1], 5);
  EXPECT_EQ(counts[w2], 5);
  // The answer is the worker's real inference result.
  auto out = fleet.infer().json();
  EXPECT_TRUE(out.is_object()) << "inference answer is not JSON";
}

TEST_F(FleetSystemTest, ModelAffinityKeepsToItsListThenFallsBackOrRefuses) {
  auto set = fleet.setLoadBalancing(R"({"strategy":"model-affinity","modelAffinity":{"embedding-mlp":[")" +
                                    w1 + R"("]},"fallback":"least-loaded"})");
  ASSERT_EQ(set.status, 200) << set.body;
  for (int i = 0; i < 6; ++i) {
    auto r = fleet.infer();
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(routedTo(r), w1);
  }
  // The only affinity node goes down: the fallback serves from the other worker.
  fleet.worker("w1").stop();
  ASSERT_TRUE(waitFor([&] { return fleet.npuStatus(w1) == "offline"; }));
  auto fb = fleet.infer();
  ASSERT_EQ(fb.status, 200) << fb.body;
  EXPECT_EQ(routedTo(fb), w2);
  // Without a fallback the router refuses and says why.
  ASSERT_EQ(fleet.setLoadBalancing(R"({"fallback":"none"})").status, 200);
  auto refused = fleet.infer();
  EXPECT_EQ(refused.status, 503) << refused.body;
  EXPECT_FALSE(refused.json().at("error").at("message").as_string().empty());
}

TEST_F(FleetSystemTest, LeastLoadedSendsMoreToTheNodeWithMoreSlots) {
  fleet.startWorker("big", {{"NPUFLEET_WORKER_MAX_CONCURRENT", "4"}});
  auto big = fleet.addWorkerNode("big");
  // Only the two nodes being compared serve the model: w2 leaves the pool by draining.
  ASSERT_EQ(fleet.api("POST", "/api/fleet/nodes/" + w2 + "/drain").status, 200);
  ASSERT_EQ(fleet.setLoadBalancing(R"({"strategy":"least-loaded"})").status, 200);
  std::map<std::string, int> counts;
  std::mutex mu;
  std::atomic<int> failures{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 6; ++t) {
    clients.emplace_back([&] {
      for (int i = 0; i < 10; ++i) {
        auto r = fleet.infer();
        if (r.status != 200) ++failures;
        std::lock_guard lock(mu);
        ++counts[routedTo(r)];
      }
    });
  }
  for (auto& c : clients) c.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(counts.count(w2), 0u) << "a draining node got traffic";
  EXPECT_GT(counts[big], counts[w1]) << "big " << counts[big] << ", w1 " << counts[w1];
}

TEST_F(FleetSystemTest, AWorkerKilledMidRunCausesNoClientVisibleFailure) {
  ASSERT_EQ(fleet.setLoadBalancing(R"({"strategy":"round-robin"})").status, 200);
  std::atomic<int> done{0}, failures{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 4; ++t) {
    clients.emplace_back([&] {
      for (int i = 0; i < 15; ++i) {
        auto r = fleet.infer();
        if (r.status != 200) ++failures;
        ++done;
      }
    });
  }
  ASSERT_TRUE(waitFor([&] { return done >= 12; }));
  fleet.worker("w2").signal(SIGKILL);
  for (auto& c : clients) c.join();
  EXPECT_EQ(failures, 0);
  EXPECT_TRUE(waitFor([&] { return fleet.npuStatus(w2) == "offline"; }));
  auto stats = fleet.api("GET", "/api/npu/routing/stats").json();
  EXPECT_TRUE(stats.is_object());
}

// The fleet.metrics events of an SSE stream's bytes, parsed.
std::vector<bj::object> fleetMetricsEvents(const std::string& stream) {
  std::vector<bj::object> out;
  const std::string marker = "event: fleet.metrics\ndata: ";
  for (size_t at = stream.find(marker); at != std::string::npos; at = stream.find(marker, at + 1)) {
    const size_t start = at + marker.size();
    const size_t end = stream.find('\n', start);
    if (end == std::string::npos) break;
    boost::system::error_code ec;
    auto v = bj::parse(stream.substr(start, end - start), ec);
    if (!ec && v.is_object()) out.push_back(v.as_object());
  }
  return out;
}

TEST_F(FleetSystemTest, LiveFiguresStreamUnderTrafficAndAKilledWorkerIsOfflineWithItsReason) {
  const int stream = openStream("127.0.0.1", fleet.server().port(), "/api/events",
                                {{"Authorization", "Bearer " + fleet.admin()}});
  ASSERT_GE(stream, 0);
  std::atomic<bool> sending{true};
  std::thread traffic([&] {
    while (sending) fleet.infer();
  });
  // Within a few seconds an event carries the traffic: requests per second and latency, per
  // node and for the fleet.
  double fleet_rps = 0;
  bool node_figures = false;
  std::string seen;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while ((fleet_rps <= 0 || !node_figures) && std::chrono::steady_clock::now() < deadline) {
    seen += readUntil(stream, "event: fleet.metrics", std::chrono::seconds(3)).bytes;
    for (const auto& e : fleetMetricsEvents(seen)) {
      fleet_rps = std::max(fleet_rps, e.at("fleet").at("requestsPerSec").to_number<double>());
      for (const auto& n : e.at("nodes").as_array()) {
        if (n.at("requestsPerSec").to_number<double>() > 0 && n.at("p50Ms").is_number()) {
          node_figures = true;
        }
      }
    }
    if (seen.size() > 4096) seen.erase(0, seen.rfind("event: fleet.metrics"));
  }
  sending = false;
  traffic.join();
  ::close(stream);
  EXPECT_GT(fleet_rps, 0) << seen.substr(0, 2000);
  EXPECT_TRUE(node_figures) << seen.substr(0, 2000);

  auto overview = fleet.api("GET", "/api/npu/overview");
  ASSERT_EQ(overview.status, 200) << overview.body;
  EXPECT_EQ(overview.json().at("current").at("online"), 2) << overview.body;
  EXPECT_EQ(fleet.api("GET", "/api/npu/overview?window=7d").status, 400);

  // A dead worker: offline with why and since when; the last successful check stays the last
  // successful one; the figures are marked as the last known.
  fleet.worker("w2").signal(SIGKILL);
  ASSERT_TRUE(waitFor([&] { return fleet.npuStatus(w2) == "offline"; }));
  auto status = fleet.api("GET", "/api/nodes/" + w2 + "/npu/status").json();
  EXPECT_TRUE(status.at("stale").as_bool()) << status;
  EXPECT_FALSE(std::string(status.at("statusReason").as_string()).empty()) << status;
  EXPECT_TRUE(status.at("statusSince").is_string()) << status;
  const auto& probe = status.at("lastProbe");
  EXPECT_FALSE(probe.at("ok").as_bool()) << status;
  EXPECT_TRUE(probe.at("error").is_string()) << status;
  EXPECT_LT(std::string(status.at("lastHealthCheck").as_string()),
            std::string(probe.at("at").as_string()));
  // The CPU worker's memory is the host's, not a capacity of its own.
  EXPECT_EQ(status.at("device").at("memoryKind"), "host") << status;
  EXPECT_TRUE(status.at("device").at("memoryTotalGb").is_number()) << status;

  auto timeline = fleet.api("GET", "/api/npu/timeline?node=" + w2);
  ASSERT_EQ(timeline.status, 200) << timeline.body;
  bool went_offline = false, created = false;
  const auto listed = timeline.json();
  for (const auto& e : listed.at("events").as_array()) {
    const std::string summary(e.at("summary").as_string());
    if (e.at("type") == "status" && summary.find("-> offline") != std::string::npos) {
      went_offline = e.at("nodeName") == "w2";
    }
    if (e.at("type") == "config" && summary.find("node.create") != std::string::npos) created = true;
  }
  EXPECT_TRUE(went_offline) << timeline.body;
  EXPECT_TRUE(created) << timeline.body;
  EXPECT_EQ(fleet.api("GET", "/api/npu/timeline?type=status,bogus").status, 400);
  EXPECT_EQ(fleet.api("GET", "/api/npu/timeline?limit=0").status, 400);
}

// Monitoring slow enough that the router's passive outlier detection acts first.
class FleetSlowMonitorTest : public FleetSystemTest {
 protected:
  int monitorIntervalMs() const override { return 3000; }
};

TEST_F(FleetSlowMonitorTest, AHungWorkerIsEjectedAndTrafficMovesOn) {
  ASSERT_EQ(fleet.setLoadBalancing(R"({"strategy":"round-robin","requestTimeoutMs":500})").status, 200);
  // SIGSTOP: the kernel still accepts connections, nothing ever answers.
  fleet.worker("w2").signal(SIGSTOP);
  int failures = 0;
  for (int i = 0; i < 12; ++i) {
    auto r = fleet.infer();
    if (r.status != 200) ++failures;
  }
  EXPECT_EQ(failures, 0) << "every request should fail over to w1";
  auto stats = fleet.api("GET", "/api/npu/routing/stats");
  bool ejected = false;
  auto v = stats.json();
  for (const auto& n : v.at("nodes").as_array()) {
    if (n.at("nodeId") == w2.c_str()) ejected = n.at("ejected").as_bool();
  }
  EXPECT_TRUE(ejected) << stats.body.substr(0, 1500);
  // The ejection is on the timeline, with the node's name.
  auto timeline = fleet.api("GET", "/api/npu/timeline?type=ejection");
  ASSERT_EQ(timeline.status, 200) << timeline.body;
  auto events = timeline.json().at("events").as_array();
  ASSERT_FALSE(events.empty()) << timeline.body;
  EXPECT_EQ(events[0].at("nodeId"), w2.c_str());
  EXPECT_EQ(events[0].at("nodeName"), "w2");
  EXPECT_NE(std::string(events[0].at("summary").as_string()).find("ejected"), std::string::npos);
  fleet.worker("w2").signal(SIGCONT);
}

TEST_F(FleetSystemTest, SettingChangesApplyToTheNextRequestAndBadOnesNameTheField) {
  ASSERT_EQ(fleet.setLoadBalancing(R"({"strategy":"model-affinity","modelAffinity":{"embedding-mlp":[")" +
                                   w2 + R"("]}})").status, 200);
  EXPECT_EQ(routedTo(fleet.infer()), w2);
  ASSERT_EQ(fleet.setLoadBalancing(R"({"modelAffinity":{"embedding-mlp":[")" + w1 + R"("]}})").status, 200);
  EXPECT_EQ(routedTo(fleet.infer()), w1);

  auto field = [&](const std::string& body) {
    auto r = fleet.setLoadBalancing(body);
    EXPECT_EQ(r.status, 400) << body << " -> " << r.body;
    auto v = r.json();
    const auto& details = v.at("error").at("details").as_array();
    return details.empty() ? std::string() : std::string(details[0].at("field").as_string());
  };
  EXPECT_EQ(field(R"({"strategy":"fastest"})"), "strategy");
  EXPECT_EQ(field(R"({"modelAffinity":{"embedding-mlp":["node-000000000000"]}})"),
            "modelAffinity.embedding-mlp[0]");
  EXPECT_EQ(field(R"({"modelAffinity":{"embedding-mlp":[]}})"), "modelAffinity.embedding-mlp");
  EXPECT_EQ(field(R"({"maxRetries":-1})"), "maxRetries");
  // A registered node without the role is named as such, not as an unknown id.
  auto plain = fleet.api("POST", "/api/fleet/nodes", R"({"name":"plain","ip":"127.0.0.9"})");
  ASSERT_EQ(plain.status, 201) << plain.body;
  const std::string plain_id(plain.json().at("id").as_string());
  auto no_role = fleet.setLoadBalancing(R"({"modelAffinity":{"embedding-mlp":[")" + plain_id +
                                        R"("]}})");
  EXPECT_EQ(no_role.status, 400) << no_role.body;
  EXPECT_NE(no_role.body.find("does not have the npu-worker role"), std::string::npos)
      << no_role.body;
  EXPECT_NE(no_role.body.find("modelAffinity.embedding-mlp[0]"), std::string::npos)
      << no_role.body;
  // A refused change leaves the setting in force.
  EXPECT_EQ(routedTo(fleet.infer()), w1);
}

TEST_F(FleetSystemTest, UnknownModelIsNotFoundAndSaysWhereModelsAre) {
  auto r = fleet.infer("no-such-model");
  EXPECT_EQ(r.status, 404) << r.body;
  EXPECT_NE(r.body.find("embedding-mlp"), std::string::npos) << r.body;
}

}  // namespace
}  // namespace npufleet::testing
