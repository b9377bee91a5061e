#include "api/FleetViewRoutes.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <map>
#include <set>

#include "api/HandlerSupport.h"

namespace npufleet::api {

using boost::asio::awaitable;
using http::Request;
using http::Response;
namespace bj = boost::json;

namespace {

constexpr std::array<std::string_view, 4> kTimelineTypes{"status", "ejection", "detection", "config"};
constexpr int kTimelineDefault = 200;
constexpr int kTimelineMax = 1000;

struct TimelineQuery {
  std::set<std::string, std::less<>> types;
  std::string node;
  int limit = kTimelineDefault;
};

Result<TimelineQuery> timelineQuery(const Request& req) {
  TimelineQuery q;
  if (auto text = req.queryParam("limit")) {
    int v = 0;
    auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
    if (ec != std::errc{} || end != text->data() + text->size() || v < 1 || v > kTimelineMax) {
      return Error::badRequest("'limit' must be a whole number from 1 to " +
                                   std::to_string(kTimelineMax),
                               "limit");
    }
    q.limit = v;
  }
  if (auto text = req.queryParam("type"); text && !text->empty()) {
    std::string_view rest = *text;
    while (!rest.empty()) {
      auto comma = rest.find(',');
      std::string_view t = rest.substr(0, comma);
      rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
      if (std::find(kTimelineTypes.begin(), kTimelineTypes.end(), t) == kTimelineTypes.end()) {
        return Error::badRequest("'type' must be a comma-separated list of status, ejection, "
                                 "detection, config; got '" + std::string(t) + "'",
                                 "type");
      }
      q.types.emplace(t);
    }
  } else {
    q.types.insert(kTimelineTypes.begin(), kTimelineTypes.end());
  }
  q.node = req.queryParam("node").value_or("");
  return q;
}

struct TimelineEvent {
  fleet::TimePoint at{};
  std::string type;
  std::string node_id;
  std::string summary;
  bj::value detail;
};

std::string textOf(const bj::value& data, std::string_view key) {
  if (!data.is_object()) return "";
  auto it = data.as_object().find(key);
  return it != data.as_object().end() && it->value().is_string()
             ? std::string(it->value().as_string())
             : "";
}

// The kept bus events that belong on the timeline, translated; others are skipped.
std::optional<TimelineEvent> fromBusEvent(const npu::NpuEvent& e) {
  TimelineEvent t{e.at, "", e.node_id, "", e.data};
  if (e.type == "node.status") {
    t.type = "status";
    t.summary = textOf(e.data, "from") + " -> " + textOf(e.data, "status");
    if (auto reason = textOf(e.data, "reason"); !reason.empty()) t.summary += ": " + reason;
  } else if (e.type == "node.ejected") {
    t.type = "ejection";
    t.summary = "ejected by the router: " + textOf(e.data, "reason");
  } else if (e.type == "node.detection" && textOf(e.data, "detectionStatus") == "failed") {
    t.type = "detection";
    t.summary = "detection failed: " + textOf(e.data, "detectionError");
  } else {
    return std::nullopt;
  }
  return t;
}

TimelineEvent fromAudit(const fleet::AuditEntry& a) {
  // Viewers read the timeline: what changed is named, its before and after stay in the
  // admin-only audit log.
  return {a.at, "config", a.target, a.actor + ": " + a.action + " " + a.target,
          bj::object{{"actor", a.actor}, {"action", a.action}, {"target", a.target}}};
}

}  // namespace

void registerFleetViewRoutes(http::Router& router, ApiContext& ctx, FleetViewDeps deps) {
  router.add("GET", "/api/npu/overview", [&metrics = deps.metrics](Request& req) -> awaitable<Response> {
    if (auto w = req.queryParam("window"); w && *w != "1h") {
      co_return Response::error(Error::badRequest("'window' must be 1h", "window"));
    }
    co_return Response::json(200, metrics.overviewJson());
  }, {.access = "viewer"});

  // ?limit=1..1000 (200) &type=status,ejection,detection,config &node=<id>; newest first.
  router.add("GET", "/api/npu/timeline", [&ctx, &events = deps.events](Request& req) -> awaitable<Response> {
    auto q = timelineQuery(req);
    if (!q) co_return Response::error(q.error());
    std::vector<TimelineEvent> found;
    auto wanted = [&q](const TimelineEvent& t) {
      return q->types.count(t.type) && (q->node.empty() || t.node_id == q->node);
    };
    if (q->types.size() > q->types.count("config")) {
      for (const auto& e : events.recent(npu::EventBus::kRecentLimit)) {
        if (auto t = fromBusEvent(e); t && wanted(*t)) found.push_back(std::move(*t));
        if (static_cast<int>(found.size()) >= q->limit) break;
      }
    }
    if (q->types.count("config")) {
      fleet::AuditFilter filter;
      if (!q->node.empty()) filter.target = q->node;
      filter.per_page = q->limit;
      auto entries = ctx.audit.list(filter);
      if (!entries) co_return Response::error(entries.error());
      for (const auto& a : entries->entries) found.push_back(fromAudit(a));
    }
    std::stable_sort(found.begin(), found.end(),
                     [](const TimelineEvent& a, const TimelineEvent& b) { return a.at > b.at; });
    if (static_cast<int>(found.size()) > q->limit) found.resize(static_cast<size_t>(q->limit));

    std::map<std::string, bj::value> names;
    bj::array out;
    for (auto& t : found) {
      bj::value name = nullptr;
      if (!t.node_id.empty()) {
        auto [it, fresh] = names.try_emplace(t.node_id, nullptr);
        if (fresh) {
          if (auto node = ctx.nodes.get(t.node_id)) it->second = bj::value(node->name);
        }
        name = it->second;
      }
      out.push_back(bj::object{{"at", formatTimestamp(t.at)},
                               {"type", t.type},
                               {"nodeId", t.node_id.empty() ? bj::value(nullptr) : bj::value(t.node_id)},
                               {"nodeName", std::move(name)},
                               {"summary", std::move(t.summary)},
                               {"detail", std::move(t.detail)}});
    }
    co_return Response::json(200, bj::object{{"events", std::move(out)}});
  }, {.access = "viewer"});
}

}  // namespace npufleet::api
