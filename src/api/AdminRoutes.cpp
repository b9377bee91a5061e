#include "api/AdminRoutes.h"

#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include "api/HandlerSupport.h"
#include "common/Json.h"

namespace npufleet::api {

using boost::asio::awaitable;
using http::Request;
using http::Response;

namespace {
boost::json::object tokenJson(const auth::UserToken& t) {
  boost::json::object o{{"name", t.name},
                        {"role", auth::userRoleName(t.role)},
                        {"createdAt", formatTimestamp(t.created_at)},
                        {"revoked", t.revoked}};
  o["lastUsedAt"] = t.last_used_at ? boost::json::value(formatTimestamp(*t.last_used_at)) : nullptr;
  return o;
}

// GET /api/audit's filters; a bad value is a 400 naming its parameter.
Result<fleet::AuditFilter> auditFilter(const Request& req) {
  auto pg = paging(req);
  if (!pg) return pg.error();
  fleet::AuditFilter f;
  f.page = pg->page;
  f.per_page = pg->per_page;
  for (auto [name, field] : {std::pair{"action", &f.action}, std::pair{"actor", &f.actor},
                             std::pair{"target", &f.target}}) {
    auto v = req.queryParam(name);
    if (!v) continue;
    if (v->empty()) {
      return Error::badRequest(std::string("'") + name + "' must not be empty (leave it out to match any)",
                               name);
    }
    *field = std::move(*v);
  }
  for (auto [name, field] : {std::pair{"since", &f.since}, std::pair{"until", &f.until}}) {
    auto v = req.queryParam(name);
    if (!v) continue;
    auto t = parseTimestamp(*v);
    if (!t) {
      return Error::badRequest(std::string("'") + name +
                                   "' must be an ISO-8601 date-time such as 2026-02-04T10:30:00.000Z",
                               name);
    }
    *field = *t;
  }
  if (f.since && f.until && *f.until < *f.since) {
    return Error::badRequest("'until' must not be before 'since'", "until");
  }
  return f;
}
}  // namespace

void registerAdminRoutes(http::Router& router, ApiContext& ctx) {
  router.add("GET", "/healthz", [](Request&) -> awaitable<Response> {
    co_return Response::json(200, boost::json::object{{"status", "ok"}});
  });

  router.add("GET", "/readyz", [&ctx](Request&) -> awaitable<Response> {
    auto st = ctx.ready_check ? ctx.ready_check() : okStatus();
    if (!st) {
      co_return Response::json(503, boost::json::object{{"status", "unavailable"},
                                                        {"reason", st.error().message}});
    }
    co_return Response::json(200, boost::json::object{{"status", "ready"}});
  });

  router.add("GET", "/metrics", [&ctx](Request&) -> awaitable<Response> {
    prometheus::TextSerializer serializer;
    co_return Response::text(200, ctx.metrics ? serializer.Serialize(ctx.metrics->Collect()) : "",
                             "text/plain; version=0.0.4");
  });

  router.add("GET", "/api/me", [](Request& req) -> awaitable<Response> {
    co_return Response::json(200, boost::json::object{{"name", req.principal},
                                                      {"role", req.principal_role}});
  }, {.access = "inference"});

  router.add("GET", "/api/tokens", [&ctx](Request&) -> awaitable<Response> {
    co_return respond(ctx.tokens.list(), [](const std::vector<auth::UserToken>& list) {
      boost::json::array tokens;
      for (const auto& t : list) tokens.push_back(tokenJson(t));
      return boost::json::object{{"tokens", std::move(tokens)}};
    });
  }, {.access = "admin"});

  router.add("POST", "/api/tokens", [&ctx](Request& req) -> awaitable<Response> {
    auto body = jsonBody(req);
    if (!body) co_return Response::error(body.error());
    if (auto st = json::onlyKeys(*body, {"name", "role"}); !st) co_return Response::error(st.error());
    auto name = json::optString(*body, "name");
    if (!name) co_return Response::error(name.error());
    if (!*name) co_return Response::error(Error::badRequest("'name' is required", "name"));
    auto role_name = json::optString(*body, "role");
    if (!role_name) co_return Response::error(role_name.error());
    auto role = auth::parseUserRole(role_name->value_or(""));
    if (!role) {
      co_return Response::error(
          Error::badRequest("'role' must be one of admin, operator, viewer, inference", "role"));
    }
    auto issued = ctx.tokens.create(**name, *role);
    if (!issued) co_return Response::error(issued.error());
    (void)ctx.audit.record({0, ctx.clock.now(), actor(req), "token.create", issued->token.name,
                            nullptr, tokenJson(issued->token)});
    auto out = tokenJson(issued->token);
    out["token"] = issued->secret;  // shown once
    co_return Response::json(201, out);
  }, {.access = "admin"});

  router.add("DELETE", "/api/tokens/{name}", [&ctx](Request& req) -> awaitable<Response> {
    const auto& name = req.param("name");
    auto st = ctx.tokens.revoke(name);
    if (!st) co_return Response::error(st.error());
    (void)ctx.audit.record({0, ctx.clock.now(), actor(req), "token.revoke", name,
                            boost::json::object{{"revoked", false}},
                            boost::json::object{{"revoked", true}}});
    co_return Response::noContent();
  }, {.access = "admin"});

  router.add("GET", "/api/audit", [&ctx](Request& req) -> awaitable<Response> {
    auto filter = auditFilter(req);
    if (!filter) co_return Response::error(filter.error());
    co_return respond(ctx.audit.list(*filter), [&](const fleet::AuditPage& page) {
      boost::json::array entries;
      for (const auto& e : page.entries) {
        entries.push_back({{"id", e.id}, {"at", formatTimestamp(e.at)}, {"actor", e.actor},
                           {"action", e.action}, {"target", e.target}, {"before", e.before},
                           {"after", e.after}});
      }
      return boost::json::object{{"entries", std::move(entries)}, {"total", page.total},
                                 {"page", filter->page}, {"per_page", filter->per_page}};
    });
  }, {.access = "admin"});
}

}  // namespace npufleet::api
