#include "api/NodeRoutes.h"

#include "api/HandlerSupport.h"
#include "fleet/NodeJson.h"
#include "fleet/RoleCatalog.h"

namespace npufleet::api {

using boost::asio::awaitable;
using http::Request;
using http::Response;

void registerNodeRoutes(http::Router& router, ApiContext& ctx) {
  auto node_response = [&ctx](const Result<fleet::Node>& r, int status = 200) {
    return respond(r, [&](const fleet::Node& n) { return nodeJson(ctx, n); }, status);
  };

  router.add("GET", "/api/fleet/roles", [](Request&) -> awaitable<Response> {
    boost::json::array roles;
    for (const auto& r : fleet::roleCatalog()) {
      roles.push_back({{"id", r.id}, {"label", r.label}, {"category", r.category},
                       {"description", r.description}});
    }
    co_return Response::json(200, boost::json::object{{"roles", std::move(roles)}});
  }, {.access = "viewer"});

  router.add("GET", "/api/fleet/nodes", [&ctx](Request& req) -> awaitable<Response> {
    auto pg = paging(req);
    if (!pg) co_return Response::error(pg.error());
    fleet::NodeFilter filter;
    filter.page = pg->page;
    filter.per_page = pg->per_page;
    if (auto role = req.queryParam("role"); role && !role->empty()) filter.role = *role;
    if (auto status = req.queryParam("status"); status && !status->empty()) {
      auto s = fleet::parseNodeStatus(*status);
      if (!s) {
        co_return Response::error(Error::badRequest(
            "'status' must be one of pending, online, degraded, offline, maintenance, unknown",
            "status"));
      }
      filter.status = *s;
    }
    if (auto q = req.queryParam("q")) filter.text = *q;
    auto page = ctx.nodes.list(filter);
    if (!page) co_return Response::error(page.error());
    boost::json::array nodes;
    for (const auto& n : page->nodes) nodes.push_back(nodeJson(ctx, n));
    co_return Response::json(200, boost::json::object{{"nodes", std::move(nodes)},
                                                      {"total", page->total},
                                                      {"page", filter.page},
                                                      {"per_page", filter.per_page}});
  }, {.access = "viewer"});

  router.add("POST", "/api/fleet/nodes", [&ctx, node_response](Request& req) -> awaitable<Response> {
    auto body = jsonBody(req);
    if (!body) co_return Response::error(body.error());
    auto input = fleet::nodeInputFromJson(*body, true);
    if (!input) co_return Response::error(input.error());
    auto created = ctx.nodes.create(*input, actor(req));
    auto resp = node_response(created, 201);
    if (created) resp.headers.set("Location", "/api/fleet/nodes/" + created->id);
    co_return resp;
  }, {.access = "admin"});

  router.add("GET", "/api/fleet/nodes/{id}", [&ctx, node_response](Request& req) -> awaitable<Response> {
    co_return node_response(ctx.nodes.get(req.param("id")));
  }, {.access = "viewer"});

  router.add("PATCH", "/api/fleet/nodes/{id}", [&ctx, node_response](Request& req) -> awaitable<Response> {
    auto body = jsonBody(req);
    if (!body) co_return Response::error(body.error());
    auto input = fleet::nodeInputFromJson(*body, false);
    if (!input) co_return Response::error(input.error());
    co_return node_response(ctx.nodes.patch(req.param("id"), *input, actor(req)));
  }, {.access = "admin"});

  router.add("DELETE", "/api/fleet/nodes/{id}", [&ctx](Request& req) -> awaitable<Response> {
    auto st = ctx.nodes.remove(req.param("id"), actor(req));
    if (!st) co_return Response::error(st.error());
    co_return Response::noContent();
  }, {.access = "admin"});

  router.add("POST", "/api/fleet/nodes/{id}/roles/{role}", [&ctx, node_response](Request& req) -> awaitable<Response> {
    co_return node_response(ctx.nodes.addRole(req.param("id"), req.param("role"), actor(req)));
  }, {.access = "admin"});

  router.add("DELETE", "/api/fleet/nodes/{id}/roles/{role}", [&ctx, node_response](Request& req) -> awaitable<Response> {
    co_return node_response(ctx.nodes.removeRole(req.param("id"), req.param("role"), actor(req)));
  }, {.access = "admin"});

  router.add("POST", "/api/fleet/nodes/{id}/drain", [&ctx, node_response](Request& req) -> awaitable<Response> {
    co_return node_response(ctx.nodes.setDraining(req.param("id"), true, actor(req)));
  }, {.access = "admin"});

  router.add("POST", "/api/fleet/nodes/{id}/undrain", [&ctx, node_response](Request& req) -> awaitable<Response> {
    co_return node_response(ctx.nodes.setDraining(req.param("id"), false, actor(req)));
  }, {.access = "admin"});
}

}  // namespace npufleet::api
