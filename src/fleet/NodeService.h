// The fleet registry's use cases: validated create/patch/delete of nodes, role assignment and
// draining, each audited. Observers (detection, routing) hear about every change without
// fleet/ depending on them.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/Clock.h"
#include "common/Error.h"
#include "fleet/AuditLog.h"
#include "fleet/NodeRepository.h"
#include "fleet/WorkerAddressPolicy.h"

namespace npufleet::fleet {

// Fields a caller may set; unset fields are left as they are (PATCH semantics).
struct NodeInput {
  std::optional<std::string> name;
  std::optional<std::string> ip;
  std::optional<int> npu_port;
  std::optional<std::vector<std::string>> roles;
  std::optional<std::map<std::string, std::string>> labels;
  std::optional<NodeStatus> status;
};

class NodeObserver {
 public:
  virtual ~NodeObserver() = default;
  // before == nullptr: created; after == nullptr: deleted. Called after the change is stored.
  virtual void onNodeChanged(const Node* before, const Node* after) = 0;
};

class NodeService {
 public:
  NodeService(NodeRepository& repo, AuditLog& audit, const Clock& clock);

  void addObserver(NodeObserver* observer);

  Result<NodePage> list(const NodeFilter& filter);
  Result<Node> get(const std::string& id);
  Result<Node> create(const NodeInput& input, const std::string& actor);
  Result<Node> patch(const std::string& id, const NodeInput& input, const std::string& actor);
  Status remove(const std::string& id, const std::string& actor);
  Result<Node> addRole(const std::string& id, const std::string& role, const std::string& actor);
  Result<Node> removeRole(const std::string& id, const std::string& role, const std::string& actor);
  Result<Node> setDraining(const std::string& id, bool draining, const std::string& actor);

  // Which addresses nodes may have (and the probe endpoint may reach). Set once at start-up,
  // before requests are served: the control plane's own port is known only once it is bound.
  void setAddressPolicy(WorkerAddressPolicy policy);
  const WorkerAddressPolicy& addressPolicy() const { return policy_; }

  // Validation shared with the API's probe endpoint.
  static Status validatePort(int port, const std::string& field = "npuPort");

 private:
  Status validate(const NodeInput& input);
  Result<Node> store(const Node& before, Node after, const std::string& action,
                     const std::string& actor);
  void notify(const Node* before, const Node* after);

  NodeRepository& repo_;
  AuditLog& audit_;
  const Clock& clock_;
  std::mutex observers_mu_;
  std::vector<NodeObserver*> observers_;
  // Serialises read-modify-write of one node (PATCH, roles) so concurrent edits don't lose
  // each other's fields.
  std::mutex write_mu_;
  WorkerAddressPolicy policy_;
};

std::string generateNodeId();

}  // namespace npufleet::fleet
