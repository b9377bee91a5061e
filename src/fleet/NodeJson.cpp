#include "fleet/NodeJson.h"

#include "common/Clock.h"
#include "common/Json.h"

namespace npufleet::fleet {

boost::json::object toJson(const Node& node) {
  boost::json::array roles;
  for (const auto& r : node.roles) roles.emplace_back(r);
  boost::json::object labels;
  for (const auto& [k, v] : node.labels) labels[k] = v;
  boost::json::object o{
      {"id", node.id},
      {"name", node.name},
      {"ip", node.ip},
      {"npuPort", node.npu_port},
      {"roles", std::move(roles)},
      {"status", nodeStatusName(node.status)},
      {"labels", std::move(labels)},
      {"createdAt", formatTimestamp(node.created_at)},
      {"updatedAt", formatTimestamp(node.updated_at)},
      {"draining", node.draining},
  };
  if (node.last_seen) {
    o["lastSeen"] = formatTimestamp(*node.last_seen);
  } else {
    o["lastSeen"] = nullptr;
  }
  return o;
}

Result<NodeInput> nodeInputFromJson(const boost::json::object& body, bool creating) {
  if (auto st = json::onlyKeys(body, {"name", "ip", "npuPort", "roles", "labels", "status"}); !st) {
    return st.error();
  }
  NodeInput in;
  auto name = json::optString(body, "name");
  if (!name) return name.error();
  in.name = *name;
  auto ip = json::optString(body, "ip");
  if (!ip) return ip.error();
  in.ip = *ip;
  auto port = json::optInt(body, "npuPort");
  if (!port) return port.error();
  if (*port) {
    if (**port < 1 || **port > 65535) {
      return Error::badRequest("'npuPort' must be between 1 and 65535", "npuPort");
    }
    in.npu_port = static_cast<int>(**port);
  }
  auto roles = json::optStringList(body, "roles");
  if (!roles) return roles.error();
  in.roles = *roles;
  if (auto it = body.find("labels"); it != body.end() && !it->value().is_null()) {
    if (!it->value().is_object()) {
      return Error::badRequest("'labels' must be an object of strings", "labels");
    }
    std::map<std::string, std::string> labels;
    for (const auto& kv : it->value().as_object()) {
      if (!kv.value().is_string()) {
        std::string field = "labels." + std::string(kv.key());
        return Error::badRequest("'" + field + "' must be a string", field);
      }
      labels[std::string(kv.key())] = std::string(kv.value().as_string());
    }
    in.labels = std::move(labels);
  }
  auto status = json::optString(body, "status");
  if (!status) return status.error();
  if (*status) {
    auto parsed = parseNodeStatus(**status);
    if (!parsed) {
      return Error::badRequest("'status' must be one of pending, online, degraded, offline, "
                               "maintenance",
                               "status");
    }
    in.status = *parsed;
  }
  if (creating) {
    if (!in.name) return Error::badRequest("'name' is required", "name");
    if (!in.ip) return Error::badRequest("'ip' is required", "ip");
  }
  return in;
}

}  // namespace npufleet::fleet
