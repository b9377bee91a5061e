#include "app/ServerConfig.h"

#include <CLI/CLI.hpp>

#include <boost/asio/io_context.hpp>

#include <filesystem>
#include <spdlog/spdlog.h>

#include "api/BalancerRoutes.h"
#include "api/EventRoutes.h"
#include "api/FleetViewRoutes.h"
#include "api/NpuRoutes.h"
#include "app/ConfigLoading.h"
#include "app/FleetCandidates.h"
#include "app/StoreSelection.h"
#include "auth/KeyFile.h"
#include "auth/ServiceAuthConfig.h"
#include "auth/ServiceHttpClient.h"
#include "balancer/BalancerConfigKeys.h"
#include "balancer/CandidateSource.h"
#include "balancer/InferenceRouter.h"
#include "balancer/LoadBalancingService.h"
#include "balancer/RoutingStats.h"
#include "balancer/WorkerClient.h"
#include "fleet/WorkerAddressPolicy.h"
#include "http/ConnectionLimitsConfig.h"
#include "http/TlsConfig.h"
#include "npu/EventBus.h"
#include "npu/HealthMonitor.h"
#include "npu/NpuSettings.h"
#include "npu/WorkerClient.h"
#include "store/Migrations.h"
#include "store/SqliteHistoryRepository.h"
#include "store/SqliteLoadBalancingRepository.h"
#include "store/SqliteNpuRepository.h"

namespace npufleet::app {

ConfigSchema serverConfigSchema() {
  ConfigSchema s;
  s.add({"server", "listen", ConfigType::kString, std::string("127.0.0.1:8080"),
         "HOST:PORT the API and UI listen on", false, hostPort()});
  s.add({"server", "data_dir", ConfigType::kString, std::string("./npufleet-data"),
         "database and admin.token", false, {}});
  s.add({"server", "web_dir", ConfigType::kString, std::string(""),
         "built web UI; empty = find web/dist", false, {}});
  s.add({"server", "threads", ConfigType::kInt, int64_t{2},
         "I/O threads serving connections (one event loop each)", false, intRange(1, 64)});
  s.add({"server", "shutdown_grace_ms", ConfigType::kInt, int64_t{10000},
         "how long in-flight requests may finish after SIGTERM", false, intRange(0, 600000)});
  s.add({"server", "idle_timeout_s", ConfigType::kInt, int64_t{60}, "keep-alive idle timeout",
         false, intRange(1, 3600)});
  s.add({"server", "header_timeout_s", ConfigType::kInt, int64_t{10},
         "time allowed to send request headers", false, intRange(1, 600)});
  http::addServerTlsConfigKeys(s, "server");
  http::addServerConnectionLimitKeys(s, "server");
  addStoreConfigKeys(s);
  s.add({"log", "level", ConfigType::kString, std::string("info"), "trace|debug|info|warn|error",
         false, oneOf({"trace", "debug", "info", "warn", "error", "off"})});
  s.add({"log", "access", ConfigType::kBool, true,
         "one access-log line per request (at level info), written in batches off the request path",
         false, {}});
  auth::addServiceAuthConfigKeys(s);
  npu::addNpuConfigKeys(s);
  fleet::addFleetConfigKeys(s);
  balancer::addBalancerConfigKeys(s);
  return s;
}

std::vector<store::Migration> allMigrations() {
  auto all = store::coreMigrations();
  for (auto& m : store::npuMigrations()) all.push_back(std::move(m));
  for (auto& m : store::loadBalancingMigrations()) all.push_back(std::move(m));
  return all;
}

void addServiceFlags(CLI::App& cmd, ConfigFlags& flags, std::string& service_id,
                     std::string& service_key_file) {
  bindFlag(cmd, flags, "--service-id", "auth.service_id", service_id,
           "Service id this process signs worker calls with");
  bindFlag(cmd, flags, "--service-key-file", "auth.service_key_file", service_key_file,
           "File holding the signing key (one line, mode 0600)");
}

namespace {

// Detection, monitoring and routing all call workers through one pooled client that signs every
// request (DESIGN.md: workers reject anything unsigned), and that sets HTTPS for every one of
// them when npu.worker_tls is on. TLS keeps the traffic confidential and the worker
// authenticated to the control plane; the signature still authenticates the control plane.
class SignedWorkerClient final : public npu::WorkerClient, public balancer::WorkerClient {
 public:
  SignedWorkerClient(auth::ServiceHttpClient& client, const npu::NpuSettings& settings)
      : client_(client), tls_(settings.worker_tls), ca_file_(settings.worker_ca_file) {}
  // Not a coroutine: hands on the client's (one frame fewer per worker call).
  boost::asio::awaitable<http::ClientResult> send(http::ClientRequest request) override {
    request.tls = tls_;
    request.tls_ca_file = ca_file_;
    return client_.send(std::move(request));
  }

 private:
  auth::ServiceHttpClient& client_;
  const bool tls_;
  const std::string ca_file_;
};

// A CA file given without TLS, or one that cannot be loaded, stops start-up rather than failing
// every worker call later.
Status checkWorkerTls(const npu::NpuSettings& settings) {
  if (!settings.worker_tls) {
    if (!settings.worker_ca_file.empty()) {
      return Error::badRequest(
          "npu.worker_ca_file is set but npu.worker_tls is false: set npu.worker_tls = true to "
          "reach workers over HTTPS",
          "npu.worker_tls");
    }
    return okStatus();
  }
  if (auto st = http::checkTlsTrust(settings.worker_ca_file); !st) {
    return Error{st.error().code, "npu.worker_ca_file: " + st.error().message, "npu.worker_ca_file"};
  }
  return okStatus();
}

// The control plane's signing key: auth.service_key_file, or <data-dir>/service.key, created
// (mode 0600) on first start so a fresh install works; workers must trust the same key.
Result<auth::ServiceSigner> makeControlPlaneSigner(const Config& config, const Clock& clock,
                                                   bool ephemeral) {
  if (ephemeral) {
    auto key = auth::generateKey();
    if (!key) return key.error();
    return auth::ServiceSigner::create(config.getString("auth.service_id"), std::move(*key), clock);
  }
  if (!config.getString("auth.service_key_file").empty()) {
    return auth::makeSignerFromConfig(config, clock);
  }
  const auto path = std::filesystem::path(config.getString("server.data_dir")) / "service.key";
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    auto key = auth::generateKey();
    if (!key) return key.error();
    if (auto st = auth::writeKeyLine(path.string(), *key, false); !st) return st.error();
    spdlog::info("first start: service signing key written to {}; copy it to each worker's "
                 "trusted-keys directory as {}.key",
                 path.string(), config.getString("auth.service_id"));
  }
  auto key = auth::loadServiceKeyFile(path.string());
  if (!key) return key.error();
  return auth::ServiceSigner::create(config.getString("auth.service_id"), std::move(*key), clock);
}

// Drops the router's load, ejection state and figures of a node deleted from the fleet.
class RouterNodeRemoval final : public fleet::NodeObserver {
 public:
  explicit RouterNodeRemoval(balancer::InferenceRouter& router) : router_(router) {}
  void onNodeChanged(const fleet::Node* before, const fleet::Node* after) override {
    if (before != nullptr && after == nullptr) router_.forgetNode(before->id);
  }

 private:
  balancer::InferenceRouter& router_;
};

}  // namespace

struct ControlPlaneExtensions::Impl {
  Impl(boost::asio::io_context& io, const Config& config, api::ApiContext& ctx,
       std::shared_ptr<store::Database> db, store::SqliteNodeRepository& nodes,
       auth::ServiceSigner signer)
      : settings(npu::NpuSettings::fromConfig(config)),
        npu_repo(db),
        history_repo(db),
        lb_repo(db),
        service_client(io.get_executor(), std::move(signer)),
        client(service_client, settings),
        detector(client, settings.detect),
        events(ctx.clock),
        registry(io.get_executor(), nodes, npu_repo, detector, events, ctx.clock, settings),
        history(ctx.clock, &history_repo),
        monitor(io.get_executor(), registry, history, ctx.clock),
        loader(registry),
        npu_api{registry, history, loader, detector},
        candidates(nodes, registry),
        stats(ctx.clock, ctx.metrics),
        router(candidates, client, ctx.clock, stats, balancer::routerOptionsFromConfig(config),
               balancer::defaultLoadBalancingConfig(config)),
        lb(router, lb_repo, candidates, &ctx.audit, ctx.clock),
        router_removal(router),
        fleet_metrics(
            [this] {
              std::vector<api::NodeLoad> out;
              for (const auto& s : registry.activeStates()) {
                out.push_back({s.node_id, s.status,
                               s.capabilities ? s.capabilities->utilization : 0.0, s.queue_depth,
                               s.running});
              }
              return out;
            },
            stats, events, ctx.clock),
        executor(io.get_executor()) {}

  npu::NpuSettings settings;
  store::SqliteNpuRepository npu_repo;
  store::SqliteHistoryRepository history_repo;
  store::SqliteLoadBalancingRepository lb_repo;
  auth::ServiceHttpClient service_client;
  SignedWorkerClient client;
  npu::CapabilityDetector detector;
  npu::EventBus events;
  npu::NpuRegistry registry;
  npu::UtilizationHistory history;
  npu::HealthMonitor monitor;
  npu::ModelLoader loader;
  api::NpuApi npu_api;
  FleetCandidates candidates;
  balancer::RoutingStats stats;
  balancer::InferenceRouter router;
  balancer::LoadBalancingService lb;
  RouterNodeRemoval router_removal;
  api::FleetMetrics fleet_metrics;
  boost::asio::any_io_executor executor;  // loop 0's: background work
};

Result<std::unique_ptr<ControlPlaneExtensions>> ControlPlaneExtensions::create(
    boost::asio::io_context& io, const Config& config, api::ApiContext& ctx, http::Router& router,
    std::shared_ptr<store::Database> db, store::SqliteNodeRepository& nodes, bool ephemeral_key) {
  if (auto st = checkWorkerTls(npu::NpuSettings::fromConfig(config)); !st) return st.error();
  auto signer = makeControlPlaneSigner(config, ctx.clock, ephemeral_key);
  if (!signer) return signer.error();
  std::unique_ptr<ControlPlaneExtensions> ext(new ControlPlaneExtensions());
  ext->impl_ = std::make_unique<Impl>(io, config, ctx, std::move(db), nodes, std::move(*signer));
  Impl& x = *ext->impl_;
  if (auto st = x.registry.start(); !st) return st.error();
  if (auto st = x.history.restore(); !st) return st.error();
  if (auto st = x.lb.loadStored(); !st) return st.error();
  ctx.nodes.addObserver(&x.registry);
  ctx.nodes.addObserver(&x.candidates);
  ctx.nodes.addObserver(&x.router_removal);
  // A node that answers its health check, and does not call itself degraded, is readmitted by
  // the router's outlier detection (only an ejected node: probes leave the others alone).
  x.monitor.setProbeListener([&x](const std::string& node_id, const npu::ProbeObservation& obs) {
    if (obs.reachable && !obs.worker_degraded) x.router.onProbeSuccess(node_id);
  });
  api::addNpuNodeDecorator(ctx, x.registry);
  api::registerNpuRoutes(router, ctx, x.npu_api);
  api::registerBalancerRoutes(router, ctx, {x.router, x.lb, balancer::inferenceBodyLimit(config)});
  api::registerEventRoutes(router, ctx, x.events);
  api::registerFleetViewRoutes(router, ctx, {x.fleet_metrics, x.events});
  // Ejections reach the UI live and stay on the timeline.
  x.stats.setEjectionListener([&events = x.events](const std::string& node_id, const std::string& why) {
    events.publish("node.ejected", node_id, boost::json::object{{"reason", why}});
  });
  return ext;
}

ControlPlaneExtensions::ControlPlaneExtensions() = default;
ControlPlaneExtensions::~ControlPlaneExtensions() = default;

void ControlPlaneExtensions::start() {
  impl_->monitor.start();
  impl_->fleet_metrics.start(impl_->executor);
}

void ControlPlaneExtensions::stop() {
  impl_->monitor.stop();
  impl_->fleet_metrics.stop();
  impl_->events.closeAll();
  if (auto st = impl_->history.flush(); !st) {
    spdlog::warn("utilization history not flushed: {}", st.error().message);
  }
}

}  // namespace npufleet::app
