#include "balancer/LoadBalancingConfig.h"

#include <boost/json.hpp>

#include "common/Json.h"

namespace npufleet::balancer {

namespace bj = boost::json;

const char* strategyName(StrategyKind kind) {
  switch (kind) {
    case StrategyKind::kRoundRobin: return "round-robin";
    case StrategyKind::kLeastLoaded: return "least-loaded";
    case StrategyKind::kModelAffinity: return "model-affinity";
  }
  return "least-loaded";
}

std::optional<StrategyKind> parseStrategyName(std::string_view name) {
  if (name == "round-robin") return StrategyKind::kRoundRobin;
  if (name == "least-loaded") return StrategyKind::kLeastLoaded;
  if (name == "model-affinity") return StrategyKind::kModelAffinity;
  return std::nullopt;
}

namespace {

const char* fallbackName(FallbackKind kind) {
  return kind == FallbackKind::kNone ? "none" : "least-loaded";
}

Status readInt(const bj::object& o, std::string_view key, const std::string& field, int64_t lo,
               int64_t hi, int& out) {
  auto v = json::optInt(o, key);
  if (!v) return Error::badRequest("'" + field + "' must be an integer", field);
  if (!v->has_value()) return okStatus();
  if (**v < lo || **v > hi) {
    return Error::badRequest("'" + field + "' must be between " + std::to_string(lo) + " and " +
                                 std::to_string(hi),
                             field);
  }
  out = static_cast<int>(**v);
  return okStatus();
}

Status readMs(const bj::object& o, std::string_view key, const std::string& field, int64_t lo,
              int64_t hi, std::chrono::milliseconds& out) {
  int v = static_cast<int>(out.count());
  if (auto s = readInt(o, key, field, lo, hi, v); !s) return s;
  out = std::chrono::milliseconds(v);
  return okStatus();
}

}  // namespace

bj::value toJson(const LoadBalancingConfig& c) {
  bj::object affinity;
  for (const auto& [model, nodes] : c.modelAffinity) {
    bj::array a;
    for (const auto& n : nodes) a.emplace_back(n);
    affinity[model] = std::move(a);
  }
  return bj::object{
      {"strategy", strategyName(c.strategy)},
      {"modelAffinity", std::move(affinity)},
      {"fallback", fallbackName(c.fallback)},
      {"maxRetries", c.maxRetries},
      {"queueTimeoutMs", c.queueTimeoutMs},
      {"queueLimit", c.queueLimit},
      {"requestTimeoutMs", c.requestTimeoutMs},
      {"ejection",
       bj::object{{"enabled", c.ejection.enabled},
                  {"consecutiveFailures", c.ejection.consecutiveFailures},
                  {"baseEjectionMs", c.ejection.baseEjection.count()},
                  {"maxEjectionMs", c.ejection.maxEjection.count()},
                  {"maxEjectionPercent", c.ejection.maxEjectionPercent}}},
  };
}

Result<LoadBalancingConfig> parseLoadBalancingConfig(const bj::value& body,
                                                     const LoadBalancingConfig& base) {
  if (!body.is_object()) return Error::badRequest("request body must be a JSON object", "body");
  const auto& o = body.as_object();
  if (auto s = json::onlyKeys(o, {"strategy", "modelAffinity", "fallback", "maxRetries",
                                  "queueTimeoutMs", "queueLimit", "requestTimeoutMs", "ejection"});
      !s) {
    return s.error();
  }
  LoadBalancingConfig c = base;

  auto strategy = json::optString(o, "strategy");
  if (!strategy) return strategy.error();
  if (strategy->has_value()) {
    auto kind = parseStrategyName(**strategy);
    if (!kind) {
      return Error::badRequest("unknown strategy '" + **strategy +
                                   "' (expected round-robin, least-loaded or model-affinity)",
                               "strategy");
    }
    c.strategy = *kind;
  }

  if (auto it = o.find("modelAffinity"); it != o.end() && !it->value().is_null()) {
    if (!it->value().is_object()) {
      return Error::badRequest("'modelAffinity' must be an object of model -> [nodeId]",
                               "modelAffinity");
    }
    c.modelAffinity.clear();
    for (const auto& [model, list] : it->value().as_object()) {
      const std::string field = "modelAffinity." + std::string(model);
      if (model.empty()) return Error::badRequest("model names must not be empty", "modelAffinity");
      if (!list.is_array()) return Error::badRequest("'" + field + "' must be a list of node ids", field);
      std::vector<std::string> nodes;
      size_t i = 0;
      for (const auto& v : list.as_array()) {
        if (!v.is_string()) {
          std::string f = field + "[" + std::to_string(i) + "]";
          return Error::badRequest("'" + f + "' must be a node id string", f);
        }
        nodes.emplace_back(v.as_string());
        ++i;
      }
      c.modelAffinity[std::string(model)] = std::move(nodes);
    }
  }

  auto fallback = json::optString(o, "fallback");
  if (!fallback) return fallback.error();
  if (fallback->has_value()) {
    if (**fallback == "least-loaded") {
      c.fallback = FallbackKind::kLeastLoaded;
    } else if (**fallback == "none") {
      c.fallback = FallbackKind::kNone;
    } else {
      return Error::badRequest("unknown fallback '" + **fallback + "' (expected least-loaded or none)",
                               "fallback");
    }
  }
  if (auto s = readInt(o, "maxRetries", "maxRetries", 0, 10, c.maxRetries); !s) return s.error();
  if (auto s = readInt(o, "queueTimeoutMs", "queueTimeoutMs", 0, 600'000, c.queueTimeoutMs); !s) {
    return s.error();
  }
  if (auto s = readInt(o, "queueLimit", "queueLimit", 0, 1'000'000, c.queueLimit); !s) return s.error();
  if (auto s = readInt(o, "requestTimeoutMs", "requestTimeoutMs", 100, 3'600'000, c.requestTimeoutMs);
      !s) {
    return s.error();
  }

  if (auto it = o.find("ejection"); it != o.end() && !it->value().is_null()) {
    if (!it->value().is_object()) return Error::badRequest("'ejection' must be an object", "ejection");
    const auto& e = it->value().as_object();
    if (auto s = json::onlyKeys(e, {"enabled", "consecutiveFailures", "baseEjectionMs",
                                    "maxEjectionMs", "maxEjectionPercent"});
        !s) {
      Error err = s.error();
      err.field = "ejection." + err.field;
      return err;
    }
    auto enabled = json::optBool(e, "enabled");
    if (!enabled) return Error::badRequest("'ejection.enabled' must be a boolean", "ejection.enabled");
    if (enabled->has_value()) c.ejection.enabled = **enabled;
    if (auto s = readInt(e, "consecutiveFailures", "ejection.consecutiveFailures", 1, 1000,
                         c.ejection.consecutiveFailures);
        !s) {
      return s.error();
    }
    if (auto s = readMs(e, "baseEjectionMs", "ejection.baseEjectionMs", 1, 86'400'000,
                        c.ejection.baseEjection);
        !s) {
      return s.error();
    }
    if (auto s = readMs(e, "maxEjectionMs", "ejection.maxEjectionMs", 1, 86'400'000,
                        c.ejection.maxEjection);
        !s) {
      return s.error();
    }
    if (auto s = readInt(e, "maxEjectionPercent", "ejection.maxEjectionPercent", 0, 100,
                         c.ejection.maxEjectionPercent);
        !s) {
      return s.error();
    }
    if (c.ejection.maxEjection < c.ejection.baseEjection) {
      return Error::badRequest("'ejection.maxEjectionMs' must not be below baseEjectionMs",
                               "ejection.maxEjectionMs");
    }
  }
  return c;
}

Status validateLoadBalancingConfig(const LoadBalancingConfig& config,
                                   const std::vector<RoutableNode>& fleet) {
  if (config.strategy == StrategyKind::kModelAffinity && config.modelAffinity.empty()) {
    return Error::badRequest("model-affinity needs at least one model in 'modelAffinity'",
                             "modelAffinity");
  }
  for (const auto& [model, nodes] : config.modelAffinity) {
    const std::string field = "modelAffinity." + model;
    if (nodes.empty()) {
      return Error::badRequest("'" + field + "' must list at least one node id", field);
    }
    for (size_t i = 0; i < nodes.size(); ++i) {
      const std::string f = field + "[" + std::to_string(i) + "]";
      const RoutableNode* found = nullptr;
      for (const auto& n : fleet) {
        if (n.nodeId == nodes[i]) found = &n;
      }
      if (!found) return Error::badRequest("unknown node id '" + nodes[i] + "'", f);
      if (!found->hasRole) {
        return Error::badRequest("node '" + nodes[i] + "' does not have the npu-worker role", f);
      }
      for (size_t j = 0; j < i; ++j) {
        if (nodes[j] == nodes[i]) {
          return Error::badRequest("node '" + nodes[i] + "' is listed twice", f);
        }
      }
    }
  }
  return okStatus();
}

}  // namespace npufleet::balancer
