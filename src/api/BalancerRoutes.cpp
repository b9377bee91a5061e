#include "api/BalancerRoutes.h"

#include <boost/json.hpp>

#include "api/HandlerSupport.h"

namespace npufleet::api {

using boost::asio::awaitable;
using http::Request;
using http::Response;

void registerBalancerRoutes(http::Router& router, ApiContext& /*ctx*/, BalancerRouteDeps deps) {
  auto& settings = deps.settings;
  auto& inference = deps.router;

  router.add("GET", "/api/npu/load-balancing", [&settings](Request&) -> awaitable<Response> {
    co_return Response::json(200, balancer::toJson(settings.current()));
  }, {.access = "viewer"});

  // Persisted and audited by the service; the router applies it to the next request.
  router.add("POST", "/api/npu/load-balancing", [&settings](Request& req) -> awaitable<Response> {
    auto body = jsonBody(req);
    if (!body) co_return Response::error(body.error());
    auto updated = settings.update(boost::json::value(std::move(*body)), actor(req));
    co_return respond(updated, [](const balancer::LoadBalancingConfig& c) { return balancer::toJson(c); });
  }, {.access = "admin"});

  // Hands on the router's coroutine (no frame of its own on the request path).
  router.add("POST", "/api/npu/inference", [&inference](Request& req) -> awaitable<Response> {
    return inference.route(std::move(req.body));
  }, {.body_limit = deps.inference_body_limit, .access = "inference"});

  router.add("GET", "/api/npu/routing/stats", [&inference](Request&) -> awaitable<Response> {
    co_return Response::json(200, inference.statsJson());
  }, {.access = "viewer"});
}

}  // namespace npufleet::api
