#include "api/NpuRoutes.h"

#include <set>

#include "api/HandlerSupport.h"
#include "common/Json.h"
#include "npu/NpuJson.h"

namespace npufleet::api {

using boost::asio::awaitable;
using http::Request;
using http::Response;
namespace bj = boost::json;

namespace {

// The node, or 404; with requireRole, 409 when it lacks the npu-worker role.
Result<fleet::Node> npuNode(ApiContext& ctx, const std::string& id, bool require_role = true) {
  auto node = ctx.nodes.get(id);
  if (!node) return node.error();
  if (require_role && !node->hasRole(fleet::kNpuWorkerRole)) {
    return Error::conflict("node '" + id + "' does not have the npu-worker role", "id");
  }
  return node;
}

npu::NodeNpuState stateOf(npu::NpuRegistry& registry, const fleet::Node& node) {
  if (auto s = registry.state(node.id)) return *s;
  npu::NodeNpuState s;
  s.node_id = node.id;
  s.status = node.status;
  return s;
}

Result<std::vector<fleet::Node>> allNpuNodes(ApiContext& ctx) {
  std::vector<fleet::Node> out;
  fleet::NodeFilter f;
  f.role = fleet::kNpuWorkerRole;
  f.per_page = 200;
  for (f.page = 1;; ++f.page) {
    auto page = ctx.nodes.list(f);
    if (!page) return page.error();
    out.insert(out.end(), page->nodes.begin(), page->nodes.end());
    if (page->nodes.empty() || static_cast<int64_t>(out.size()) >= page->total) break;
  }
  return out;
}

void audit(ApiContext& ctx, const Request& req, std::string action, const std::string& target,
           bj::value after) {
  fleet::AuditEntry e;
  e.at = ctx.clock.now();
  e.actor = actor(req);
  e.action = std::move(action);
  e.target = target;
  e.after = std::move(after);
  (void)ctx.audit.record(std::move(e));  // the action happened; a failed audit write is logged by the store
}

bj::object reportJson(const npu::DetectionReport& r) {
  return {{"nodeId", r.node_id},
          {"detectionStatus", npu::detectionStatusName(r.status)},
          {"detectionError", r.error.empty() ? bj::value(nullptr) : bj::value(r.error)}};
}

}  // namespace

void addNpuNodeDecorator(ApiContext& ctx, npu::NpuRegistry& registry) {
  ctx.node_decorators.push_back([&registry](const fleet::Node& node, bj::object& o) {
    if (!node.hasRole(fleet::kNpuWorkerRole)) {
      // Only monitoring sets these, and nothing monitors a node without the role: never show
      // its last one as current (the answer to the role's removal still carries it).
      if (node.status == fleet::NodeStatus::kOnline || node.status == fleet::NodeStatus::kDegraded ||
          node.status == fleet::NodeStatus::kOffline) {
        o["status"] = fleet::nodeStatusName(fleet::NodeStatus::kUnknown);
      }
      return;
    }
    auto s = registry.state(node.id);
    if (!s) return;
    o["detectionStatus"] = npu::detectionStatusName(s->detection_status);
    o["detectionError"] = s->detection_error.empty() ? bj::value(nullptr) : bj::value(s->detection_error);
  });
}

void registerNpuRoutes(http::Router& router, ApiContext& ctx, NpuApi& npu) {
  // {node_id, capabilities{models, maxConcurrent, memoryGB, deviceType, utilization},
  //  loadedModels, queueDepth, lastHealthCheck, detectionStatus, detectionError, status,
  //  metrics{inferenceTimeMs{p50,p95}, throughputPerMin, running, queued, maxConcurrent,
  //  memory{processRssBytes, models{name: bytes}}}, ...}
  router.add("GET", "/api/nodes/{id}/npu/status", [&ctx, &npu](Request& req) -> awaitable<Response> {
    auto node = npuNode(ctx, req.param("id"));
    if (!node) co_return Response::error(node.error());
    co_return Response::json(200, npu::statusJson(stateOf(npu.registry, *node)));
  }, {.access = "viewer"});

  // {nodes: [{node, npu}]}
  router.add("GET", "/api/npu/nodes", [&ctx, &npu](Request&) -> awaitable<Response> {
    auto nodes = allNpuNodes(ctx);
    if (!nodes) co_return Response::error(nodes.error());
    bj::array out;
    for (const auto& n : *nodes) {
      out.push_back(bj::object{{"node", nodeJson(ctx, n)},
                               {"npu", npu::statusJson(stateOf(npu.registry, n))}});
    }
    co_return Response::json(200, bj::object{{"nodes", std::move(out)}});
  }, {.access = "viewer"});

  // {npuNodes, totalModels (distinct), avgUtilization (over reachable nodes), byStatus{...},
  //  byDetection{...}}
  router.add("GET", "/api/npu/summary", [&ctx, &npu](Request&) -> awaitable<Response> {
    auto nodes = allNpuNodes(ctx);
    if (!nodes) co_return Response::error(nodes.error());
    std::set<std::string> models;
    double util_sum = 0;
    int reachable = 0;
    bj::object by_status{{"pending", 0}, {"online", 0}, {"degraded", 0}, {"offline", 0},
                         {"maintenance", 0}, {"unknown", 0}};
    bj::object by_detection{{"idle", 0}, {"detecting", 0}, {"detected", 0}, {"failed", 0}};
    for (const auto& n : *nodes) {
      auto s = stateOf(npu.registry, n);
      auto& st = by_status[fleet::nodeStatusName(s.status)];
      st = st.as_int64() + 1;
      auto& det = by_detection[npu::detectionStatusName(s.detection_status)];
      det = det.as_int64() + 1;
      if (s.capabilities) models.insert(s.capabilities->models.begin(), s.capabilities->models.end());
      bool up = s.status == fleet::NodeStatus::kOnline || s.status == fleet::NodeStatus::kDegraded;
      if (up && s.capabilities) {
        util_sum += s.capabilities->utilization;
        ++reachable;
      }
    }
    co_return Response::json(200, bj::object{
        {"npuNodes", nodes->size()},
        {"totalModels", models.size()},
        {"avgUtilization", reachable ? util_sum / reachable : 0.0},
        {"reachableNodes", reachable},
        {"byStatus", std::move(by_status)},
        {"byDetection", std::move(by_detection)}});
  }, {.access = "viewer"});

  // Runs detection now and answers with the resulting status.
  router.add("POST", "/api/nodes/{id}/npu/detect", [&ctx, &npu](Request& req) -> awaitable<Response> {
    auto node = npuNode(ctx, req.param("id"));
    if (!node) co_return Response::error(node.error());
    auto state = co_await npu.registry.detect(*node);
    audit(ctx, req, "npu.detect", node->id,
          bj::object{{"detectionStatus", npu::detectionStatusName(state.detection_status)}});
    co_return Response::json(200, npu::statusJson(state));
  }, {.access = "operator"});

  // {nodeIds?: [...]} -> {results: [{nodeId, detectionStatus, detectionError}]}
  router.add("POST", "/api/npu/detect", [&ctx, &npu](Request& req) -> awaitable<Response> {
    std::optional<std::vector<std::string>> ids;
    if (!req.body.empty()) {
      auto body = jsonBody(req);
      if (!body) co_return Response::error(body.error());
      if (auto st = json::onlyKeys(*body, {"nodeIds"}); !st) co_return Response::error(st.error());
      auto list = json::optStringList(*body, "nodeIds");
      if (!list) co_return Response::error(list.error());
      ids = *list;
    }
    std::vector<fleet::Node> targets;
    if (ids) {
      for (size_t i = 0; i < ids->size(); ++i) {
        std::string field = "nodeIds[" + std::to_string(i) + "]";
        auto node = ctx.nodes.get((*ids)[i]);
        if (!node) {
          Error e = node.error();
          e.field = field;
          co_return Response::error(e);
        }
        if (!node->hasRole(fleet::kNpuWorkerRole)) {
          co_return Response::error(Error::conflict(
              "node '" + node->id + "' does not have the npu-worker role", field));
        }
        targets.push_back(std::move(*node));
      }
    } else {
      auto all = allNpuNodes(ctx);
      if (!all) co_return Response::error(all.error());
      targets = std::move(*all);
    }
    auto reports = co_await npu.registry.detectMany(targets);
    bj::array results;
    for (const auto& r : reports) results.push_back(reportJson(r));
    audit(ctx, req, "npu.detect", "*", bj::object{{"nodes", reports.size()}});
    co_return Response::json(200, bj::object{{"results", std::move(results)}});
  }, {.access = "operator"});

  // Preview for the Assign modal, nothing stored: {ip, npuPort} ->
  // {ok, capabilities, loadedModels, deviceName, warnings, error}
  router.add("POST", "/api/npu/probe", [&ctx, &npu](Request& req) -> awaitable<Response> {
    auto body = jsonBody(req);
    if (!body) co_return Response::error(body.error());
    if (auto st = json::onlyKeys(*body, {"ip", "npuPort"}); !st) co_return Response::error(st.error());
    auto ip = json::optString(*body, "ip");
    if (!ip) co_return Response::error(ip.error());
    if (!*ip) co_return Response::error(Error::badRequest("'ip' is required", "ip"));
    auto port = json::optInt(*body, "npuPort");
    if (!port) co_return Response::error(port.error());
    // Range first: narrowing 4294975297 to int gave 8001, a port the caller never asked for.
    const int64_t requested = port->value_or(fleet::kDefaultNpuPort);
    const int p = requested < 1 || requested > 65535 ? 0 : static_cast<int>(requested);
    if (auto st = fleet::NodeService::validatePort(p); !st) co_return Response::error(st.error());
    // The same addresses as registration: a probe makes the control plane send signed requests
    // where the caller says and shows what comes back.
    auto address = ctx.nodes.addressPolicy().canonical(**ip, p);
    if (!address) co_return Response::error(address.error());
    auto r = co_await npu.detector.detect(*address, p);
    audit(ctx, req, "npu.probe", *address + ":" + std::to_string(p),
          bj::object{{"ip", *address}, {"npuPort", p}, {"ok", r.ok()},
                     {"error", r ? bj::value() : bj::value(r.error().message)}});
    if (!r) {
      co_return Response::json(200, bj::object{{"ok", false}, {"capabilities", nullptr},
                                               {"loadedModels", bj::array{}}, {"deviceName", ""},
                                               {"warnings", bj::array{}},
                                               {"error", r.error().message}});
    }
    bj::array loaded, warnings;
    for (const auto& m : r->loaded_models) loaded.emplace_back(m);
    for (const auto& w : r->warnings) warnings.emplace_back(w);
    co_return Response::json(200, bj::object{{"ok", true},
                                             {"capabilities", npu::toJson(r->capabilities)},
                                             {"loadedModels", std::move(loaded)},
                                             {"deviceName", r->device_name},
                                             {"warnings", std::move(warnings)},
                                             {"error", nullptr}});
  }, {.access = "admin"});

  // -> {nodeId, model, action, loadedModels, npu: <status>}; the worker's refusal as an error.
  for (auto action : {npu::ModelAction::kLoad, npu::ModelAction::kUnload}) {
    std::string verb = action == npu::ModelAction::kLoad ? "load" : "unload";
    router.add("POST", "/api/nodes/{id}/npu/models/{model}/" + verb,
               [&ctx, &npu, action, verb](Request& req) -> awaitable<Response> {
      auto node = npuNode(ctx, req.param("id"));
      if (!node) co_return Response::error(node.error());
      const std::string& model = req.param("model");
      auto r = co_await npu.models.run(*node, model, action);
      if (!r) co_return Response::error(r.error());
      bj::array loaded;
      for (const auto& m : r->loaded_models) loaded.emplace_back(m);
      audit(ctx, req, "npu.model." + verb, node->id, bj::object{{"model", model}});
      co_return Response::json(200, bj::object{{"nodeId", node->id},
                                               {"model", model},
                                               {"action", verb},
                                               {"changed", r->changed},
                                               {"loadedModels", std::move(loaded)},
                                               {"npu", npu::statusJson(stateOf(npu.registry, *node))}});
    }, {.access = "operator"});
  }

  // ?window=1h|24h|7d -> {window, points: [{t, utilization, queueDepth, running, latencyMs}]}
  router.add("GET", "/api/nodes/{id}/npu/history", [&ctx, &npu](Request& req) -> awaitable<Response> {
    auto node = npuNode(ctx, req.param("id"), /*require_role=*/false);
    if (!node) co_return Response::error(node.error());
    auto text = req.queryParam("window").value_or("1h");
    auto window = npu::parseHistoryWindow(text);
    if (!window) {
      co_return Response::error(Error::badRequest("'window' must be one of 1h, 24h, 7d", "window"));
    }
    bj::array points;
    for (const auto& p : npu.history.query(node->id, *window)) points.push_back(npu::historyPointJson(p));
    co_return Response::json(200, bj::object{{"window", npu::historyWindowName(*window)},
                                             {"points", std::move(points)}});
  }, {.access = "viewer"});
}

}  // namespace npufleet::api
