#include "support/ControlPlaneWorld.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/json.hpp>
#include <exception>
#include <map>
#include <optional>

#include "api/AdminRoutes.h"
#include "api/BalancerRoutes.h"
#include "api/EventRoutes.h"
#include "api/NodeRoutes.h"
#include "api/NpuRoutes.h"
#include "api/UserAuthMiddleware.h"
#include "app/FleetCandidates.h"
#include "balancer/CandidateSource.h"
#include "balancer/InferenceRouter.h"
#include "balancer/LoadBalancingRepository.h"
#include "balancer/LoadBalancingService.h"
#include "balancer/RoutingStats.h"
#include "balancer/WorkerClient.h"
#include "fakes/InMemoryNodeRepository.h"
#include "fleet/RoleCatalog.h"
#include "npu/CapabilityDetector.h"
#include "npu/EventBus.h"
#include "npu/ModelLoader.h"
#include "npu/NpuRegistry.h"
#include "npu/NpuRepository.h"
#include "npu/UtilizationHistory.h"
#include "npu/WorkerClient.h"

namespace npufleet::fuzz {

namespace asio = boost::asio;

namespace {

class MemoryTokens final : public auth::TokenRepository {
 public:
  Result<auth::UserToken> insert(const auth::UserToken& t) override {
    for (const auto& [id, x] : tokens_) {
      if (x.name == t.name) return Error::conflict("a token named '" + t.name + "' exists", "name");
    }
    auth::UserToken stored = t;
    stored.id = static_cast<int64_t>(tokens_.size()) + 1;
    tokens_[stored.id] = stored;
    return stored;
  }
  Result<std::optional<auth::UserToken>> findByHash(const std::string& hash) override {
    for (const auto& [id, x] : tokens_) {
      if (x.hash == hash) return std::optional<auth::UserToken>(x);
    }
    return std::optional<auth::UserToken>{};
  }
  Result<std::vector<auth::UserToken>> list() override {
    std::vector<auth::UserToken> out;
    for (const auto& [id, x] : tokens_) out.push_back(x);
    return out;
  }
  Status revoke(const std::string& name) override {
    for (auto& [id, x] : tokens_) {
      if (x.name == name) {
        x.revoked = true;
        return okStatus();
      }
    }
    return Error::notFound("no token named '" + name + "'");
  }
  Status touch(int64_t id, std::chrono::system_clock::time_point when) override {
    if (auto it = tokens_.find(id); it != tokens_.end()) it->second.last_used_at = when;
    return okStatus();
  }
  Result<int64_t> count() override { return static_cast<int64_t>(tokens_.size()); }

 private:
  std::map<int64_t, auth::UserToken> tokens_;
};

class MemoryNpuRepository final : public npu::NpuRepository {
 public:
  Status save(const npu::NodeNpuState& state) override {
    states_[state.node_id] = state;
    return okStatus();
  }
  Result<std::vector<npu::NodeNpuState>> loadAll() override {
    std::vector<npu::NodeNpuState> out;
    for (const auto& [id, s] : states_) out.push_back(s);
    return out;
  }
  Status remove(const std::string& node_id) override {
    states_.erase(node_id);
    return okStatus();
  }
  Status recordTransition(const npu::StatusTransition& t) override {
    transitions_.push_back(t);
    return okStatus();
  }
  Result<std::vector<npu::StatusTransition>> transitions(const std::string&, int) override {
    return std::vector<npu::StatusTransition>(transitions_.rbegin(), transitions_.rend());
  }

 private:
  std::map<std::string, npu::NodeNpuState> states_;
  std::vector<npu::StatusTransition> transitions_;
};

class MemoryLoadBalancingRepository final : public balancer::LoadBalancingRepository {
 public:
  Result<std::optional<balancer::LoadBalancingConfig>> load() override { return stored_; }
  Status save(const balancer::LoadBalancingConfig& config) override {
    stored_ = config;
    return okStatus();
  }

 private:
  std::optional<balancer::LoadBalancingConfig> stored_;
};

// Both worker-client interfaces, answering at once as an npufleet worker would.
class CannedWorker final : public npu::WorkerClient, public balancer::WorkerClient {
 public:
  CannedWorkerAnswers answers;

  asio::awaitable<http::ClientResult> send(http::ClientRequest request) override {
    http::ClientResult r;
    r.response.status = 200;
    r.response.headers.set("Content-Type", "application/json");
    const std::string path = request.target.substr(0, request.target.find('?'));
    if (path == "/health") {
      r.response.body =
          R"({"status":"healthy","max_concurrent":4,"memory_gb":16,"utilization":12.5,)"
          R"("device_type":"intel-npu","device_name":"Intel(R) AI Boost","queue_depth":0,)"
          R"("loaded_models":["resnet50"]})";
    } else if (path == "/models") {
      r.response.body = R"({"available":["resnet50","bert-base"],"loaded":["resnet50"]})";
    } else if (path == "/stats") {
      r.response.body = R"({"inference_ms":{"p50":3.5,"p95":7.0},"throughput_per_min":120,)"
                        R"("running":0,"queued":0,"max_concurrent":4})";
    } else if (path == "/inference") {
      r.response.status = answers.inference_status;
      r.response.body = answers.inference_body;
    } else if (path.rfind("/models/", 0) == 0) {
      r.response.body = R"({"status":"ok","loaded":["resnet50"]})";
    } else {
      r.response.status = 404;
      r.response.body = R"({"detail":"not found"})";
    }
    co_return r;
  }
};

// A named coroutine rather than a lambda: GCC 12 miscompiles some coroutine lambdas.
asio::awaitable<void> dispatch(const http::Route& route, http::Request& req,
                               const http::Middleware* middleware,
                               std::optional<http::Response>& out) {
  if (middleware != nullptr) {
    if (auto early = co_await (*middleware)(req, route)) {
      out = std::move(*early);
      co_return;
    }
  }
  out = co_await route.handler(req);
}

}  // namespace

struct ControlPlaneWorld::Impl {
  Impl()
      : nodes(node_repo, audit, clock),
        tokens(token_repo, clock),
        ctx{nodes, audit, tokens, clock, nullptr, [] { return okStatus(); }, {}},
        detector(worker, settings.detect),
        events(clock),
        registry(io.get_executor(), node_repo, npu_repo, detector, events, clock, settings),
        history(clock, nullptr),
        loader(registry),
        npu_api{registry, history, loader, detector},
        candidates(node_repo, registry, std::chrono::milliseconds(0)),  // no cache: always current
        stats(clock, nullptr),
        inference(candidates, worker, clock, stats),
        lb(inference, lb_repo, candidates, &audit, clock),
        middleware(api::makeUserAuthMiddleware(tokens)) {}

  asio::io_context io;
  FakeClock clock;
  testing::InMemoryNodeRepository node_repo;
  testing::InMemoryAuditLog audit;
  MemoryTokens token_repo;
  MemoryNpuRepository npu_repo;
  MemoryLoadBalancingRepository lb_repo;
  fleet::NodeService nodes;
  auth::TokenService tokens;
  api::ApiContext ctx;
  npu::NpuSettings settings;
  CannedWorker worker;
  npu::CapabilityDetector detector;
  npu::EventBus events;
  npu::NpuRegistry registry;
  npu::UtilizationHistory history;
  npu::ModelLoader loader;
  api::NpuApi npu_api;
  app::FleetCandidates candidates;
  balancer::RoutingStats stats;
  balancer::InferenceRouter inference;
  balancer::LoadBalancingService lb;
  http::Middleware middleware;
  http::Router router;
  std::string worker_node_id;
  std::string admin_token;
  std::string viewer_token;

  void runIo() {
    io.restart();
    io.run();
  }
};

ControlPlaneWorld::ControlPlaneWorld() : impl_(std::make_unique<Impl>()) {
  Impl& x = *impl_;
  if (!x.registry.start() || !x.history.restore() || !x.lb.loadStored()) std::abort();
  x.nodes.addObserver(&x.registry);
  api::registerAdminRoutes(x.router, x.ctx);
  api::registerNodeRoutes(x.router, x.ctx);
  api::addNpuNodeDecorator(x.ctx, x.registry);
  api::registerNpuRoutes(x.router, x.ctx, x.npu_api);
  api::registerBalancerRoutes(x.router, x.ctx, {x.inference, x.lb});
  api::registerEventRoutes(x.router, x.ctx, x.events);

  fleet::NodeInput worker;
  worker.name = "npu-worker-1";
  worker.ip = "10.0.0.11";
  worker.roles = std::vector<std::string>{fleet::kNpuWorkerRole};
  auto created = x.nodes.create(worker, "fuzz");
  fleet::NodeInput plain;
  plain.name = "gpu-host-2";
  plain.ip = "10.0.0.12";
  auto other = x.nodes.create(plain, "fuzz");
  auto admin = x.tokens.create("fuzz-admin", auth::UserRole::kAdmin);
  auto viewer = x.tokens.create("fuzz-viewer", auth::UserRole::kViewer);
  if (!created || !other || !admin || !viewer) std::abort();
  x.worker_node_id = created->id;
  x.admin_token = admin->secret;
  x.viewer_token = viewer->secret;
  x.runIo();  // detection of the worker node finishes against the canned worker
}

ControlPlaneWorld::~ControlPlaneWorld() {
  impl_->events.closeAll();
  impl_->runIo();
}

http::Response ControlPlaneWorld::handle(http::Request& req, bool authenticate) {
  Impl& x = *impl_;
  const http::RouteMatch match = x.router.match(req.method, req.path);
  if (match.route == nullptr) {
    if (match.path_known) {
      return http::Response::error(
          {ErrorCode::kMethodNotAllowed, req.method + " is not allowed on " + req.path, {}});
    }
    return http::Response::error(Error::notFound("no such endpoint: " + req.path));
  }
  req.path_params = match.params;
  if (!authenticate) {
    req.principal = "fuzz-admin";
    req.principal_role = "admin";
  }
  std::optional<http::Response> out;
  std::exception_ptr failure;
  asio::co_spawn(x.io, dispatch(*match.route, req, authenticate ? &x.middleware : nullptr, out),
                 [&failure](std::exception_ptr e) { failure = e; });
  x.runIo();
  if (failure) std::rethrow_exception(failure);
  if (!out) std::abort();  // the handler never finished: it waits on something that never comes
  return std::move(*out);
}

const http::Router& ControlPlaneWorld::router() const { return impl_->router; }
asio::io_context& ControlPlaneWorld::io() { return impl_->io; }
const http::Middleware& ControlPlaneWorld::middleware() const { return impl_->middleware; }
void ControlPlaneWorld::closeEventStreams() { impl_->events.closeAll(); }
const std::string& ControlPlaneWorld::workerNodeId() const { return impl_->worker_node_id; }
const std::string& ControlPlaneWorld::adminToken() const { return impl_->admin_token; }
const std::string& ControlPlaneWorld::viewerToken() const { return impl_->viewer_token; }
CannedWorkerAnswers& ControlPlaneWorld::worker() { return impl_->worker.answers; }

size_t bodyLimitFor(const http::Router& router, const http::Request& req) {
  auto match = router.match(req.method, req.path);
  return match.route ? match.route->options.body_limit : 64 * 1024;
}

bool isExpectedApiStatus(int status) {
  switch (status) {
    case 200: case 201: case 204: case 400: case 401: case 403: case 404: case 405: case 409:
    case 413: case 429: case 502: case 503: case 504:
      return true;
    default:
      return false;
  }
}

}  // namespace npufleet::fuzz
