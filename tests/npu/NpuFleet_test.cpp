// The NPU control plane against fake workers on loopback: role assignment starts signed
// detection for every dialect, hung / wrong-key / dead workers fail with readable errors and
// bounded time, the monitor's state machine follows a worker that dies and comes back, model
// load/unload reaches the worker in both dialects, and every request that reached any worker
// carried a valid signature.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/detached.hpp>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <future>
#include <thread>

#include "FakeWorker.h"
#include "auth/ServiceHttpClient.h"
#include "fleet/NodeService.h"
#include "npu/HealthMonitor.h"
#include "npu/ModelLoader.h"
#include "npu/NpuRegistry.h"
#include "store/Database.h"
#include "store/Migrations.h"
#include "store/SqliteAuditLog.h"
#include "store/SqliteHistoryRepository.h"
#include "store/SqliteNodeRepository.h"
#include "store/SqliteNpuRepository.h"

namespace npufleet::npu {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using testing::Dialect;
using testing::FakeWorker;
using testing::HungWorker;

constexpr const char* kKey = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

// The adapter app/ wires: the domain's WorkerClient over the signing client.
class SignedWorkerClient final : public WorkerClient {
 public:
  explicit SignedWorkerClient(auth::ServiceHttpClient& c) : c_(c) {}
  asio::awaitable<http::ClientResult> send(http::ClientRequest r) override { co_return co_await c_.send(std::move(r)); }

 private:
  auth::ServiceHttpClient& c_;
};

template <typename Pred>
bool waitUntil(Pred pred, std::chrono::milliseconds limit = 10s) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return pred();
}

class NpuFleetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("npu-it-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    std::filesystem::create_directories(dir_);
    openStore();
    for (int i = 0; i < 2; ++i) threads_.emplace_back([this] { io_.run(); });
  }
  void TearDown() override {
    if (monitor_) monitor_->stop();
    work_.reset();
    io_.stop();
    for (auto& t : threads_) t.join();
    std::filesystem::remove_all(dir_);
  }

  void openStore() {
    auto migrations = store::coreMigrations();
    for (auto& m : store::npuMigrations()) migrations.push_back(m);
    auto db = store::Database::open((dir_ / "npufleet.db").string(), migrations);
    ASSERT_TRUE(db.ok()) << db.error().message;
    db_ = *db;
    node_repo_ = std::make_unique<store::SqliteNodeRepository>(db_);
    audit_ = std::make_unique<store::SqliteAuditLog>(db_);
    npu_repo_ = std::make_unique<store::SqliteNpuRepository>(db_);
    history_repo_ = std::make_unique<store::SqliteHistoryRepository>(db_);
    nodes_ = std::make_unique<fleet::NodeService>(*node_repo_, *audit_, SystemClock::instance());
    auto signer = auth::ServiceSigner::create("main-backend", kKey, SystemClock::instance());
    ASSERT_TRUE(signer.ok());
    service_client_ = std::make_unique<auth::ServiceHttpClient>(io_.get_executor(), *signer);
    client_ = std::make_unique<SignedWorkerClient>(*service_client_);
    settings_.detect = {500ms, 1000ms};
    settings_.monitor_timeout = 1000ms;
    settings_.health.degraded_latency = 900ms;
    detector_ = std::make_unique<CapabilityDetector>(*client_, settings_.detect);
    events_ = std::make_unique<EventBus>(SystemClock::instance());
    registry_ = std::make_unique<NpuRegistry>(io_.get_executor(), *node_repo_, *npu_repo_,
                                              *detector_, *events_, SystemClock::instance(), settings_);
    ASSERT_TRUE(registry_->start().ok());
    nodes_->addObserver(registry_.get());
    history_ = std::make_unique<UtilizationHistory>(SystemClock::instance(), history_repo_.get());
    monitor_ = std::make_unique<HealthMonitor>(io_.get_executor(), *registry_, *history_,
                                               SystemClock::instance());
    loader_ = std::make_unique<ModelLoader>(*registry_);
  }

  fleet::Node addWorker(const std::string& name, uint16_t port, bool with_role = true) {
    fleet::NodeInput in;
    in.name = name;
    in.ip = "127.0.0.1";
    in.npu_port = port;
    if (with_role) in.roles = std::vector<std::string>{fleet::kNpuWorkerRole};
    auto n = nodes_->create(in, "test-admin");
    EXPECT_TRUE(n.ok()) << n.error().message;
    return *n;
  }

  NodeNpuState detectedState(const std::string& id) {
    EXPECT_TRUE(waitUntil([&] {
      auto s = registry_->state(id);
      return s && s->detection_status != DetectionStatus::kDetecting;
    }));
    return *registry_->state(id);
  }

  // Runs a coroutine on the io threads and waits for its value (Result<T> has no default
  // constructor, which use_future would need).
  template <typename T>
  T await(asio::awaitable<T> a) {
    std::promise<T> promise;
    auto future = promise.get_future();
    asio::co_spawn(
        io_,
        [a = std::move(a), &promise]() mutable -> asio::awaitable<void> {
          promise.set_value(co_await std::move(a));
        },
        asio::detached);
    return future.get();
  }

  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_{io_.get_executor()};
  std::vector<std::thread> threads_;
  std::filesystem::path dir_;
  static inline int counter_ = 0;
  std::shared_ptr<store::Database> db_;
  std::unique_ptr<store::SqliteNodeRepository> node_repo_;
  std::unique_ptr<store::SqliteAuditLog> audit_;
  std::unique_ptr<store::SqliteNpuRepository> npu_repo_;
  std::unique_ptr<store::SqliteHistoryRepository> history_repo_;
  std::unique_ptr<fleet::NodeService> nodes_;
  std::unique_ptr<auth::ServiceHttpClient> service_client_;
  std::unique_ptr<SignedWorkerClient> client_;
  NpuSettings settings_;
  std::unique_ptr<CapabilityDetector> detector_;
  std::unique_ptr<EventBus> events_;
  std::unique_ptr<NpuRegistry> registry_;
  std::unique_ptr<UtilizationHistory> history_;
  std::unique_ptr<HealthMonitor> monitor_;
  std::unique_ptr<ModelLoader> loader_;
};

TEST_F(NpuFleetTest, AssigningTheRoleDetectsEveryDialectThroughSignedRequests) {
  auto events = events_->subscribe(io_.get_executor(), 1000);
  FakeWorker ours(io_, Dialect::kNpufleet, kKey);
  FakeWorker seed(io_, Dialect::kSeed, kKey);
  FakeWorker container(io_, Dialect::kContainer, kKey);
  FakeWorker windows(io_, Dialect::kWindows, kKey);
  FakeWorker minimal(io_, Dialect::kMinimalLinux, kKey);

  auto a = addWorker("ours", ours.port());
  // Detection is marked before the create call returns (on loopback it may even be finished).
  const auto started = registry_->state(a.id)->detection_status;
  EXPECT_TRUE(started == DetectionStatus::kDetecting || started == DetectionStatus::kDetected)
      << detectionStatusName(started);
  auto b = addWorker("seed", seed.port());
  auto c = addWorker("container", container.port());
  // Assigning the role later (not at creation) also starts detection.
  auto d = addWorker("windows", windows.port(), false);
  EXPECT_FALSE(registry_->state(d.id));
  ASSERT_TRUE(nodes_->addRole(d.id, fleet::kNpuWorkerRole, "test-admin").ok());
  auto e = addWorker("minimal", minimal.port());

  auto sa = detectedState(a.id);
  ASSERT_EQ(sa.detection_status, DetectionStatus::kDetected) << sa.detection_error;
  EXPECT_EQ(sa.capabilities->models, (std::vector<std::string>{"llama-3.2-1b", "phi-3-mini", "resnet50"}));
  EXPECT_DOUBLE_EQ(sa.capabilities->memory_gb, 16);
  EXPECT_EQ(sa.device_name, "Intel(R) AI Boost");
  auto sb = detectedState(b.id);
  ASSERT_EQ(sb.detection_status, DetectionStatus::kDetected) << sb.detection_error;
  EXPECT_EQ(sb.capabilities->max_concurrent, 8);
  auto sc = detectedState(c.id);
  ASSERT_EQ(sc.detection_status, DetectionStatus::kDetected) << sc.detection_error;
  EXPECT_EQ(sc.loaded_models, (std::vector<std::string>{"phi-3-mini"}));
  EXPECT_EQ(sc.capabilities->device_type, DeviceType::kIntelGpu);
  auto sd = detectedState(d.id);
  ASSERT_EQ(sd.detection_status, DetectionStatus::kDetected) << sd.detection_error;
  EXPECT_DOUBLE_EQ(sd.capabilities->utilization, 45);
  auto se = detectedState(e.id);
  ASSERT_EQ(se.detection_status, DetectionStatus::kDetected) << se.detection_error;
  EXPECT_EQ(se.capabilities->models, (std::vector<std::string>{"phi-3-mini"}));

  // Monitoring, model management in both dialects, and a bulk re-detect.
  for (int i = 0; i < 3; ++i) await(monitor_->sweep());
  EXPECT_EQ(registry_->state(a.id)->status, fleet::NodeStatus::kOnline) << registry_->state(a.id)->status_reason;
  EXPECT_EQ(registry_->state(a.id)->metrics->inference_p95_ms, 40);
  auto loaded = await(loader_->run(*nodes_->get(a.id), "resnet50", ModelAction::kLoad));
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_TRUE(ours.loaded().count("resnet50"));
  EXPECT_EQ(registry_->state(a.id)->loaded_models, (std::vector<std::string>{"phi-3-mini", "resnet50"}));
  auto unloaded = await(loader_->run(*nodes_->get(c.id), "phi-3-mini", ModelAction::kUnload));
  ASSERT_TRUE(unloaded.ok()) << unloaded.error().message;
  EXPECT_FALSE(container.loaded().count("phi-3-mini"));
  auto missing = await(loader_->run(*nodes_->get(a.id), "no-such-model", ModelAction::kLoad));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message,
            "worker could not load model 'no-such-model': 404 from worker on /models/no-such-model/load: "
            "model 'no-such-model' not found in models dir");
  auto reports = await(registry_->detectMany({*nodes_->get(a.id), *nodes_->get(b.id)}));
  ASSERT_EQ(reports.size(), 2u);
  EXPECT_EQ(reports[1].status, DetectionStatus::kDetected);

  // The seed's Security Tests: every request that reached any worker was validly signed.
  size_t total = 0;
  for (auto* w : {&ours, &seed, &container, &windows, &minimal}) {
    for (const auto& r : w->requests()) {
      ++total;
      EXPECT_TRUE(r.signature_valid) << r.method << " " << r.target << ": " << r.reason;
    }
  }
  EXPECT_GT(total, 30u);

  bool saw_detection = false, saw_status = false;
  while (auto ev = events->tryNext()) {
    saw_detection |= ev->type == "node.detection";
    saw_status |= ev->type == "node.status";
  }
  EXPECT_TRUE(saw_detection);
  EXPECT_TRUE(saw_status);
}

TEST_F(NpuFleetTest, HungWorkerFailsWithATimeoutInsteadOfWaitingForever) {
  HungWorker hung(io_);
  auto n = addWorker("hung", hung.port());
  auto started = std::chrono::steady_clock::now();
  auto s = detectedState(n.id);
  EXPECT_EQ(s.detection_status, DetectionStatus::kFailed);
  EXPECT_EQ(s.detection_error, "timed out after 1 s");
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
}

TEST_F(NpuFleetTest, WrongKeyIsReportedAsASignatureProblem) {
  FakeWorker other(io_, Dialect::kNpufleet, std::string("a-completely-different-key-of-sufficient-length!!"));
  auto n = addWorker("wrong-key", other.port());
  auto s = detectedState(n.id);
  EXPECT_EQ(s.detection_status, DetectionStatus::kFailed);
  EXPECT_EQ(s.detection_error.rfind("401 from worker: signature rejected, check the service key", 0), 0u)
      << s.detection_error;
  EXPECT_EQ(s.detection_error.find(kKey), std::string::npos);
}

TEST_F(NpuFleetTest, RefusedConnectionIsReadable) {
  uint16_t port;
  {
    HungWorker gone(io_);
    port = gone.port();
  }
  auto n = addWorker("nobody", port);
  auto s = detectedState(n.id);
  EXPECT_EQ(s.detection_status, DetectionStatus::kFailed);
  EXPECT_EQ(s.detection_error, "connection refused");
}

TEST_F(NpuFleetTest, WorkerKilledMidRunGoesOfflineAndRemovingTheRoleStopsMonitoring) {
  auto worker = std::make_unique<FakeWorker>(io_, Dialect::kNpufleet, kKey);
  auto n = addWorker("victim", worker->port());
  ASSERT_EQ(detectedState(n.id).detection_status, DetectionStatus::kDetected);
  await(monitor_->sweep());
  EXPECT_EQ(registry_->state(n.id)->status, fleet::NodeStatus::kOnline);
  worker->stop();
  worker.reset();
  await(monitor_->sweep());
  EXPECT_EQ(registry_->state(n.id)->status, fleet::NodeStatus::kDegraded);
  await(monitor_->sweep());
  await(monitor_->sweep());
  auto s = registry_->state(n.id);
  EXPECT_EQ(s->status, fleet::NodeStatus::kOffline);
  EXPECT_NE(s->status_reason.find("3 consecutive failed probes"), std::string::npos) << s->status_reason;
  EXPECT_EQ(nodes_->get(n.id)->status, fleet::NodeStatus::kOffline);
  auto transitions = registry_->transitions(n.id, 10);
  ASSERT_TRUE(transitions.ok());
  ASSERT_EQ(transitions->size(), 3u);  // pending->online, online->degraded, degraded->offline
  EXPECT_EQ((*transitions)[0].to, fleet::NodeStatus::kOffline);

  ASSERT_TRUE(nodes_->removeRole(n.id, fleet::kNpuWorkerRole, "test-admin").ok());
  EXPECT_FALSE(registry_->isMonitored(n.id));
  auto swept = await(monitor_->sweep());
  EXPECT_EQ(swept.probed, 0u);
  EXPECT_TRUE(registry_->state(n.id)) << "state and history are kept after the role goes";
  EXPECT_FALSE(history_->query(n.id, HistoryWindow::kHour).empty());
}

// Issue 21: a worker restarted without preloading came back online with its card still
// saying "2 / 2 loaded": the registry ignored an empty loaded list.
TEST_F(NpuFleetTest, TheRegistryFollowsTheWorkersLoadedListExactlyEmptyIncluded) {
  FakeWorker worker(io_, Dialect::kNpufleet, kKey);
  auto n = addWorker("restarted", worker.port());
  auto detected = detectedState(n.id);
  ASSERT_EQ(detected.loaded_models, std::vector<std::string>{"phi-3-mini"});
  EXPECT_TRUE(detected.loaded_models_known);
  worker.setLoaded({"phi-3-mini", "resnet50"});
  await(monitor_->sweep());
  EXPECT_EQ(registry_->state(n.id)->loaded_models,
            (std::vector<std::string>{"phi-3-mini", "resnet50"}));
  worker.setLoaded({});
  await(monitor_->sweep());
  auto s = registry_->state(n.id);
  EXPECT_TRUE(s->loaded_models.empty());
  EXPECT_TRUE(s->loaded_models_known);
  EXPECT_EQ(s->status, fleet::NodeStatus::kOnline);
  // The reference container's /health gives only a count: what /models said stays.
  FakeWorker container(io_, Dialect::kContainer, kKey);
  auto c = addWorker("container", container.port());
  ASSERT_EQ(detectedState(c.id).loaded_models, std::vector<std::string>{"phi-3-mini"});
  await(monitor_->sweep());
  EXPECT_EQ(registry_->state(c.id)->loaded_models, std::vector<std::string>{"phi-3-mini"});
}

// Issue 21: a node whose role was removed (and its worker killed) stayed "online" for minutes,
// because nothing probes it any more. Its status is unknown, with lastSeen as its age.
TEST_F(NpuFleetTest, RemovingTheRoleMakesTheStatusUnknownNotAFrozenOnline) {
  auto worker = std::make_unique<FakeWorker>(io_, Dialect::kNpufleet, kKey);
  auto n = addWorker("unwatched", worker->port());
  ASSERT_EQ(detectedState(n.id).detection_status, DetectionStatus::kDetected);
  await(monitor_->sweep());
  auto online = nodes_->get(n.id);
  ASSERT_EQ(online->status, fleet::NodeStatus::kOnline);
  ASSERT_TRUE(online->last_seen);

  ASSERT_TRUE(nodes_->removeRole(n.id, fleet::kNpuWorkerRole, "test-admin").ok());
  worker->stop();
  auto stored = nodes_->get(n.id);
  EXPECT_EQ(stored->status, fleet::NodeStatus::kUnknown);
  EXPECT_EQ(stored->last_seen, online->last_seen) << "lastSeen keeps the age of what was known";
  fleet::NodeFilter unknown;
  unknown.status = fleet::NodeStatus::kUnknown;
  EXPECT_EQ(nodes_->list(unknown)->total, 1);
  auto s = registry_->state(n.id);
  EXPECT_EQ(s->status, fleet::NodeStatus::kUnknown);
  EXPECT_EQ(s->status_reason, "npu-worker role removed: no longer monitored");

  // The role back on a live worker: watched again, and its first answer decides.
  FakeWorker back(io_, Dialect::kNpufleet, kKey);
  fleet::NodeInput moved;
  moved.npu_port = back.port();
  ASSERT_TRUE(nodes_->patch(n.id, moved, "test-admin").ok());
  ASSERT_TRUE(nodes_->addRole(n.id, fleet::kNpuWorkerRole, "test-admin").ok());
  ASSERT_EQ(detectedState(n.id).detection_status, DetectionStatus::kDetected);
  await(monitor_->sweep());
  EXPECT_EQ(nodes_->get(n.id)->status, fleet::NodeStatus::kOnline);
}

// A database written before unknown existed still says online for a role-less node: start-up
// puts that right.
TEST_F(NpuFleetTest, AStaleOnlineOfARoleLessNodeIsUnknownAfterARestart) {
  FakeWorker worker(io_, Dialect::kNpufleet, kKey);
  auto n = addWorker("legacy", worker.port());
  ASSERT_EQ(detectedState(n.id).detection_status, DetectionStatus::kDetected);
  await(monitor_->sweep());
  ASSERT_TRUE(nodes_->removeRole(n.id, fleet::kNpuWorkerRole, "test-admin").ok());
  ASSERT_TRUE(node_repo_->updateHealth(n.id, fleet::NodeStatus::kOnline, std::nullopt).ok());
  NpuRegistry again(io_.get_executor(), *node_repo_, *npu_repo_, *detector_, *events_,
                    SystemClock::instance(), settings_);
  ASSERT_TRUE(again.start().ok());
  EXPECT_EQ(nodes_->get(n.id)->status, fleet::NodeStatus::kUnknown);
  EXPECT_EQ(again.state(n.id)->status, fleet::NodeStatus::kUnknown);
}

TEST_F(NpuFleetTest, StateAndHistorySurviveARestart) {
  FakeWorker worker(io_, Dialect::kSeed, kKey);
  auto n = addWorker("persisted", worker.port());
  ASSERT_EQ(detectedState(n.id).detection_status, DetectionStatus::kDetected);
  await(monitor_->sweep());
  ASSERT_TRUE(history_->flush().ok());
  // A second registry and history over the same database, as after a restart.
  NpuRegistry again(io_.get_executor(), *node_repo_, *npu_repo_, *detector_, *events_,
                    SystemClock::instance(), settings_);
  ASSERT_TRUE(again.start().ok());
  auto s = again.state(n.id);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->detection_status, DetectionStatus::kDetected);
  EXPECT_EQ(s->capabilities->max_concurrent, 8);
  UtilizationHistory restored(SystemClock::instance(), history_repo_.get());
  ASSERT_TRUE(restored.restore().ok());
  EXPECT_EQ(restored.query(n.id, HistoryWindow::kHour).size(), 1u);
}

}  // namespace
}  // namespace npufleet::npu
