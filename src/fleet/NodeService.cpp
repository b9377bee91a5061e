#include "fleet/NodeService.h"

#include <openssl/rand.h>

#include <algorithm>
#include <cctype>

#include "fleet/NodeJson.h"
#include "fleet/RoleCatalog.h"

namespace npufleet::fleet {
namespace {

// Spaces inside only: " npu-a" and "npu-a " would be two nodes that look like one.
bool validName(const std::string& name) {
  if (name.empty() || name.size() > 64 || name.front() == ' ' || name.back() == ' ') return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ||
           c == ' ';
  });
}

// Labels are shown in the UI, the CLI's table and logs, and exported: no control characters
// (NUL, CR/LF split a log line or a header), no markup.
bool validLabelText(const std::string& text) {
  return std::none_of(text.begin(), text.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f || c == '<' || c == '>';
  });
}

}  // namespace

std::string generateNodeId() {
  unsigned char bytes[6];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("RAND_bytes failed");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id = "node-";
  for (unsigned char b : bytes) {
    id.push_back(kHex[b >> 4]);
    id.push_back(kHex[b & 0xF]);
  }
  return id;
}

NodeService::NodeService(NodeRepository& repo, AuditLog& audit, const Clock& clock)
    : repo_(repo), audit_(audit), clock_(clock) {}

void NodeService::addObserver(NodeObserver* observer) {
  std::lock_guard lock(observers_mu_);
  observers_.push_back(observer);
}

void NodeService::notify(const Node* before, const Node* after) {
  std::vector<NodeObserver*> copy;
  {
    std::lock_guard lock(observers_mu_);
    copy = observers_;
  }
  for (auto* o : copy) o->onNodeChanged(before, after);
}

void NodeService::setAddressPolicy(WorkerAddressPolicy policy) { policy_ = std::move(policy); }

Status NodeService::validatePort(int port, const std::string& field) {
  if (port < 1 || port > 65535) {
    return Error::badRequest("'" + field + "' must be between 1 and 65535", field);
  }
  return okStatus();
}

Status NodeService::validate(const NodeInput& in) {
  if (in.name && !validName(*in.name)) {
    return Error::badRequest(
        "'name' must be 1-64 characters of letters, digits, space, '.', '_' or '-', not "
        "starting or ending with a space",
        "name");
  }
  if (in.npu_port) {
    if (auto st = validatePort(*in.npu_port); !st) return st;
  }
  if (in.roles) {
    for (size_t i = 0; i < in.roles->size(); ++i) {
      const auto& role = (*in.roles)[i];
      if (findRole(role) == nullptr) {
        return Error::badRequest("unknown role '" + role + "' (see GET /api/fleet/roles)",
                                 "roles[" + std::to_string(i) + "]");
      }
    }
  }
  if (in.labels) {
    for (const auto& [k, v] : *in.labels) {
      if (k.empty() || k.size() > 63 || v.size() > 255) {
        return Error::badRequest("label keys must be 1-63 characters and values at most 255",
                                 "labels." + k);
      }
      if (!validLabelText(k) || !validLabelText(v)) {
        return Error::badRequest(
            "label keys and values may not hold control characters (NUL, CR, LF, ...) or '<', '>'",
            validLabelText(k) ? "labels." + k : std::string("labels"));
      }
    }
  }
  if (in.status && *in.status != NodeStatus::kMaintenance && *in.status != NodeStatus::kPending) {
    return Error::badRequest(
        "'status' may only be set to 'maintenance' or 'pending'; health monitoring sets the rest",
        "status");
  }
  return okStatus();
}

Result<NodePage> NodeService::list(const NodeFilter& filter) { return repo_.list(filter); }

Result<Node> NodeService::get(const std::string& id) { return repo_.get(id); }

Result<Node> NodeService::store(const Node& before, Node after, const std::string& action,
                                const std::string& actor) {
  after.updated_at = clock_.now();
  auto saved = repo_.update(after);
  if (!saved) return saved.error();
  (void)audit_.record({0, clock_.now(), actor, action, after.id, toJson(before), toJson(*saved)});
  notify(&before, &*saved);
  return saved;
}

Result<Node> NodeService::create(const NodeInput& in, const std::string& actor) {
  if (auto st = validate(in); !st) return st.error();
  Node node;
  node.id = generateNodeId();
  node.name = *in.name;
  node.npu_port = in.npu_port.value_or(kDefaultNpuPort);
  // Stored in its one canonical spelling, so the (ip, npu_port) uniqueness means one node per
  // worker.
  auto ip = policy_.canonical(*in.ip, node.npu_port);
  if (!ip) return ip.error();
  node.ip = std::move(*ip);
  if (in.roles) {
    for (const auto& r : *in.roles) {
      if (!node.hasRole(r)) node.roles.push_back(r);
    }
  }
  node.labels = in.labels.value_or(std::map<std::string, std::string>{});
  node.status = in.status.value_or(NodeStatus::kPending);
  node.created_at = node.updated_at = clock_.now();
  auto saved = repo_.insert(node);
  if (!saved) return saved.error();
  (void)audit_.record({0, clock_.now(), actor, "node.create", saved->id, nullptr, toJson(*saved)});
  notify(nullptr, &*saved);
  return saved;
}

Result<Node> NodeService::patch(const std::string& id, const NodeInput& in, const std::string& actor) {
  if (auto st = validate(in); !st) return st.error();
  std::lock_guard lock(write_mu_);
  auto current = repo_.get(id);
  if (!current) return current.error();
  Node after = *current;
  if (in.name) after.name = *in.name;
  if (in.npu_port) after.npu_port = *in.npu_port;
  // Checked against the port it will have: a new port alone may make an address the control
  // plane's own.
  if (in.ip || in.npu_port) {
    auto ip = policy_.canonical(in.ip ? *in.ip : after.ip, after.npu_port);
    if (!ip) return ip.error();
    after.ip = std::move(*ip);
  }
  if (in.roles) {
    after.roles.clear();
    for (const auto& r : *in.roles) {
      if (!after.hasRole(r)) after.roles.push_back(r);
    }
  }
  if (in.labels) after.labels = *in.labels;
  if (in.status) after.status = *in.status;
  return store(*current, std::move(after), "node.update", actor);
}

Status NodeService::remove(const std::string& id, const std::string& actor) {
  std::lock_guard lock(write_mu_);
  auto current = repo_.get(id);
  if (!current) return current.error();
  if (auto st = repo_.remove(id); !st) return st;
  (void)audit_.record({0, clock_.now(), actor, "node.delete", id, toJson(*current), nullptr});
  notify(&*current, nullptr);
  return okStatus();
}

Result<Node> NodeService::addRole(const std::string& id, const std::string& role,
                                  const std::string& actor) {
  if (findRole(role) == nullptr) {
    return Error::badRequest("unknown role '" + role + "' (see GET /api/fleet/roles)", "role");
  }
  std::lock_guard lock(write_mu_);
  auto current = repo_.get(id);
  if (!current) return current.error();
  if (current->hasRole(role)) return current;
  Node after = *current;
  after.roles.push_back(role);
  return store(*current, std::move(after), "node.role.add", actor);
}

Result<Node> NodeService::removeRole(const std::string& id, const std::string& role,
                                     const std::string& actor) {
  if (findRole(role) == nullptr) {
    return Error::badRequest("unknown role '" + role + "' (see GET /api/fleet/roles)", "role");
  }
  std::lock_guard lock(write_mu_);
  auto current = repo_.get(id);
  if (!current) return current.error();
  if (!current->hasRole(role)) return current;
  Node after = *current;
  after.roles.erase(std::remove(after.roles.begin(), after.roles.end(), role), after.roles.end());
  return store(*current, std::move(after), "node.role.remove", actor);
}

Result<Node> NodeService::setDraining(const std::string& id, bool draining, const std::string& actor) {
  std::lock_guard lock(write_mu_);
  auto current = repo_.get(id);
  if (!current) return current.error();
  if (current->draining == draining) return current;
  Node after = *current;
  after.draining = draining;
  return store(*current, std::move(after), draining ? "node.drain" : "node.undrain", actor);
}

}  // namespace npufleet::fleet
