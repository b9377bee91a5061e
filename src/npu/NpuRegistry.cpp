#include "npu/NpuRegistry.h"

// GCC 12 reports a false -Wmismatched-new-delete for Asio's awaitable frame allocator when a
// coroutine is inlined into its caller (GCC bug 109224).
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "fleet/NodeJson.h"
#include "npu/BoundedFanOut.h"
#include "npu/NpuJson.h"
#include <spdlog/spdlog.h>

namespace npufleet::npu {

namespace asio = boost::asio;
namespace bj = boost::json;
using fleet::Node;
using fleet::NodeStatus;

namespace {
// lastSeen is written at most this often while nothing else changes: a write per probe per node
// would be thousands of writes a second in a large fleet for a figure people read in seconds.
constexpr auto kLastSeenWriteEvery = std::chrono::seconds(10);

MonitoredNode addressOf(const Node& n) { return {n.id, n.ip, n.npu_port}; }

// Statuses only monitoring sets: once nothing monitors the node they would go stale.
bool monitoredStatus(NodeStatus s) {
  return s == NodeStatus::kOnline || s == NodeStatus::kDegraded || s == NodeStatus::kOffline;
}
constexpr const char* kUnwatchedReason = "npu-worker role removed: no longer monitored";
}  // namespace

NpuRegistry::NpuRegistry(asio::any_io_executor executor, fleet::NodeRepository& nodes,
                         NpuRepository& repo, CapabilityDetector& detector, EventBus& events,
                         const Clock& clock, NpuSettings settings)
    : executor_(std::move(executor)),
      nodes_(nodes),
      repo_(repo),
      detector_(detector),
      events_(events),
      clock_(clock),
      settings_(settings),
      alive_(std::make_shared<bool>(true)) {}

NpuRegistry::~NpuRegistry() { *alive_ = false; }

NpuRegistry::Entry& NpuRegistry::entryLocked(const Node& node) {
  auto [it, inserted] = entries_.try_emplace(node.id);
  Entry& e = it->second;
  if (inserted) {
    e.state.node_id = node.id;
    e.state.status = node.status;
  }
  e.address = addressOf(node);
  e.maintenance = node.status == NodeStatus::kMaintenance;
  if (!e.health) {
    e.health = std::make_unique<HealthStateMachine>(settings_.health, clock_, e.state.status);
  }
  return e;
}

Status NpuRegistry::start() {
  auto stored = repo_.loadAll();
  if (!stored) return stored.error();
  auto workers = nodes_.listWithRole(fleet::kNpuWorkerRole);
  if (!workers) return workers.error();
  std::vector<Node> to_detect;
  std::vector<std::string> unwatched;
  {
    std::lock_guard lock(mu_);
    std::map<std::string, NodeNpuState> by_id;
    for (auto& s : *stored) by_id[s.node_id] = std::move(s);
    for (const Node& n : *workers) {
      auto it = by_id.find(n.id);
      auto [eit, inserted] = entries_.try_emplace(n.id);
      Entry& e = eit->second;
      e.state = it != by_id.end() ? it->second : NodeNpuState{};
      e.state.node_id = n.id;
      e.state.active = true;
      e.state.status = n.status;
      e.health.reset();
      entryLocked(n);
      if (e.state.detection_status == DetectionStatus::kIdle ||
          e.state.detection_status == DetectionStatus::kDetecting) {
        to_detect.push_back(n);
      }
    }
    // Nodes that lost the role keep their state, inactive, for the status API and history.
    for (auto& [id, s] : by_id) {
      if (entries_.count(id)) continue;
      auto node = nodes_.get(id);
      if (!node) continue;
      Entry& e = entries_[id];
      e.state = s;
      e.state.active = false;
      e.address = addressOf(*node);
      // A store from before unknown existed (or a change missed while stopped) may still say
      // online for a node nobody watches.
      if (monitoredStatus(node->status) || monitoredStatus(e.state.status)) {
        e.state.status = NodeStatus::kUnknown;
        if (monitoredStatus(node->status)) unwatched.push_back(id);
      }
    }
  }
  for (const auto& id : unwatched) markUnwatched(id);
  for (const Node& n : to_detect) startDetection(n);
  return okStatus();
}

void NpuRegistry::onNodeChanged(const Node* before, const Node* after) {
  bool had = before && before->hasRole(fleet::kNpuWorkerRole);
  bool has = after && after->hasRole(fleet::kNpuWorkerRole);

  if (!after) {
    {
      std::lock_guard lock(mu_);
      entries_.erase(before->id);
    }
    if (auto st = repo_.remove(before->id); !st) {
      spdlog::warn("npu: cannot remove state of deleted node {}: {}", before->id, st.error().message);
    }
    events_.publish("node.deleted", before->id, bj::object{});
    return;
  }
  events_.publish("node.updated", after->id, bj::object{{"node", fleet::toJson(*after)}});

  bool readdress = had && has && (before->ip != after->ip || before->npu_port != after->npu_port);
  if (has && (!had || readdress)) {
    startDetection(*after);
    return;
  }
  std::optional<NodeNpuState> changed;
  bool unwatched = false;
  {
    std::lock_guard lock(mu_);
    auto it = entries_.find(after->id);
    if (it == entries_.end()) return;
    Entry& e = it->second;
    e.address = addressOf(*after);
    bool was_maintenance = e.maintenance;
    e.maintenance = after->status == NodeStatus::kMaintenance;
    if (was_maintenance != e.maintenance || (before && before->status != after->status)) {
      // An operator set the status: the probes continue from there.
      e.state.status = after->status;
      e.health = std::make_unique<HealthStateMachine>(settings_.health, clock_, after->status);
    }
    if (had && !has) {
      e.state.active = false;
      ++e.generation;  // a detection still running no longer matters
      ++e.watch;       // nor does a probe still out
      if (e.state.detection_status == DetectionStatus::kDetecting) {
        e.state.detection_status = DetectionStatus::kIdle;
      }
      // Nothing watches it now: its last status would freeze (issue 21), so it is unknown,
      // and a later role assignment starts from scratch.
      if (monitoredStatus(e.state.status) || monitoredStatus(after->status)) {
        // The store too, even where `after` (read before a probe's write in flight) does not
        // say so yet: that write lands first (health_write_mu_), this one after it.
        unwatched = true;
        e.state.status = NodeStatus::kUnknown;
        e.state.status_reason = kUnwatchedReason;
        e.state.status_since = clock_.now();
        e.health = std::make_unique<HealthStateMachine>(settings_.health, clock_, NodeStatus::kUnknown);
      }
    }
    changed = e.state;
  }
  std::lock_guard write(health_write_mu_);
  if (had && !has) persist(*changed);
  if (unwatched) markUnwatched(after->id);
}

void NpuRegistry::markUnwatched(const std::string& node_id) {
  // lastSeen stays: it is the age of the last known status.
  if (auto st = nodes_.updateHealth(node_id, NodeStatus::kUnknown, std::nullopt); !st) {
    spdlog::warn("npu: cannot mark node {} unknown: {}", node_id, st.error().message);
  }
}

NodeNpuState NpuRegistry::startDetection(const Node& node) {
  DetectionStart start = markDetecting(node);
  persist(start.snapshot);
  publishDetection(start.snapshot);
  std::weak_ptr<bool> alive = alive_;
  asio::co_spawn(
      executor_,
      [this, alive, address = start.address, generation = start.generation]()
          -> asio::awaitable<void> {
        if (alive.expired()) co_return;
        co_await runDetection(address, generation);
      },
      asio::detached);
  return start.snapshot;
}

NpuRegistry::DetectionStart NpuRegistry::markDetecting(const Node& node) {
  std::lock_guard lock(mu_);
  auto known = entries_.find(node.id);
  const bool rewatch = known == entries_.end() || !known->second.state.active ||
                       known->second.address.ip != node.ip ||
                       known->second.address.port != node.npu_port;
  Entry& e = entryLocked(node);
  if (rewatch) ++e.watch;  // probes of what was watched before are stale now
  e.state.active = true;
  e.state.detection_status = DetectionStatus::kDetecting;
  e.state.detection_error.clear();
  return {++e.generation, e.address, e.state};
}

asio::awaitable<NodeNpuState> NpuRegistry::detect(Node node) {
  DetectionStart start = markDetecting(node);
  publishDetection(start.snapshot);
  co_return co_await runDetection(start.address, start.generation);
}

asio::awaitable<NodeNpuState> NpuRegistry::runDetection(MonitoredNode address, uint64_t generation) {
  std::weak_ptr<bool> alive = alive_;
  auto result = co_await detector_.detect(address.ip, address.port);
  if (alive.expired()) co_return NodeNpuState{};
  NodeNpuState snapshot;
  bool caps_changed = false;
  {
    std::lock_guard lock(mu_);
    auto it = entries_.find(address.id);
    if (it == entries_.end()) co_return NodeNpuState{};
    Entry& e = it->second;
    if (e.generation != generation) co_return e.state;  // superseded or role removed
    e.state.last_detection = clock_.now();
    if (result) {
      caps_changed = !e.state.capabilities || !(*e.state.capabilities == result->capabilities) ||
                     e.state.loaded_models != result->loaded_models;
      e.state.detection_status = DetectionStatus::kDetected;
      e.state.detection_error.clear();
      e.state.detection_warnings = result->warnings;
      e.state.capabilities = result->capabilities;
      e.state.loaded_models = result->loaded_models;
      e.state.loaded_models_known = result->loaded_models_listed;
      e.state.loads_on_demand = result->loads_on_demand;
      e.state.queue_depth = result->queue_depth;
      e.state.running = result->running.value_or(e.state.running);
      if (!result->device_name.empty()) e.state.device_name = result->device_name;
      if (result->device) e.state.device = result->device;
      if (result->remotes) e.state.remotes = result->remotes;
      e.state.last_health_check = e.state.last_detection;
    } else {
      e.state.detection_status = DetectionStatus::kFailed;
      e.state.detection_error = result.error().message;
      e.state.detection_warnings.clear();
    }
    snapshot = e.state;
  }
  if (!result) {
    spdlog::warn("npu: detection of node {} at {}:{} failed: {}", address.id, address.ip,
              address.port, result.error().message);
  }
  persist(snapshot);
  publishDetection(snapshot);
  if (caps_changed) {
    events_.publish("node.capabilities", snapshot.node_id,
                    bj::object{{"capabilities", toJson(*snapshot.capabilities)},
                               {"loadedModels", statusJson(snapshot)["loadedModels"]}});
  }
  co_return snapshot;
}

asio::awaitable<std::vector<DetectionReport>> NpuRegistry::detectMany(std::vector<Node> nodes) {
  std::vector<DetectionReport> reports(nodes.size());
  co_await boundedFanOut(
      executor_, nodes.size(), static_cast<size_t>(settings_.detect_concurrency),
      [this, &nodes, &reports](size_t i) -> asio::awaitable<void> {
        NodeNpuState s = co_await detect(nodes[i]);
        reports[i] = {nodes[i].id, s.detection_status, s.detection_error};
      });
  co_return reports;
}

void NpuRegistry::applyProbe(const MonitoredNode& node, const ProbeObservation& obs,
                             const std::optional<WorkerReport>& report,
                             const std::optional<WorkerMetrics>& metrics) {
  const std::string& node_id = node.id;
  std::optional<HealthChange> change;
  NodeNpuState snapshot;
  bool write_seen = false;
  bool redetect = false;
  bool loaded_changed = false;
  MonitoredNode address;
  {
    std::lock_guard lock(mu_);
    auto it = entries_.find(node_id);
    if (it == entries_.end() || !it->second.state.active || it->second.watch != node.watch) return;
    Entry& e = it->second;
    fleet::TimePoint now = clock_.now();
    if (obs.reachable) e.state.last_health_check = now;
    e.state.last_probe = ProbeRecord{now, obs.reachable, obs.reachable ? "" : obs.error,
                                     static_cast<double>(obs.latency.count())};
    e.state.last_latency_ms = static_cast<double>(obs.latency.count());
    if (!e.maintenance) change = e.health->observe(obs);
    if (change) {
      e.state.status = change->to;
      e.state.status_reason = change->reason;
      e.state.status_since = change->at;
    }
    if (obs.reachable && report) {
      if (e.state.capabilities) {
        e.state.capabilities->utilization = report->capabilities.utilization;
        // /health carries load, not the model catalogue: keep what detection found, but a
        // loaded model is available by definition.
        for (const auto& m : report->loaded_models) {
          auto& models = e.state.capabilities->models;
          if (std::find(models.begin(), models.end(), m) == models.end()) models.push_back(m);
        }
      }
      // A worker that lists its loaded models is followed exactly, an empty list included (a
      // worker restarted without preloading has none, whatever it had before). Dialects whose
      // /health gives only a count or nothing keep what detection's /models said.
      if (report->loaded_models_listed) {
        if (report->loaded_models != e.state.loaded_models || !e.state.loaded_models_known) {
          loaded_changed = true;
        }
        e.state.loaded_models = report->loaded_models;
        e.state.loaded_models_known = true;
      }
      e.state.loads_on_demand = report->loads_on_demand;
      e.state.queue_depth = report->queue_depth;
      if (report->device) e.state.device = report->device;
      if (report->remotes) e.state.remotes = report->remotes;
      if (report->running) e.state.running = *report->running;
      if (metrics && metrics->running) e.state.running = *metrics->running;
      redetect = e.state.detection_status == DetectionStatus::kFailed ||
                 e.state.detection_status == DetectionStatus::kIdle;
    }
    if (metrics) e.state.metrics = metrics;
    if (obs.reachable && (change || now - e.last_seen_written >= kLastSeenWriteEvery)) {
      write_seen = true;
      e.last_seen_written = now;
    }
    snapshot = e.state;
    address = e.address;
  }
  // The role can go between the lock above and these writes; checked again under the lock a
  // role removal's writes take, so this result never writes its status over their unknown.
  std::unique_lock write(health_write_mu_);
  {
    std::lock_guard lock(mu_);
    auto it = entries_.find(node_id);
    if (it == entries_.end() || !it->second.state.active || it->second.watch != node.watch) return;
  }
  if (change || write_seen) {
    std::optional<fleet::TimePoint> seen;
    if (obs.reachable) seen = snapshot.last_health_check;
    if (auto st = nodes_.updateHealth(node_id, snapshot.status, seen); !st) {
      spdlog::warn("npu: cannot store health of node {}: {}", node_id, st.error().message);
    }
  }
  if (change) {
    StatusTransition t{node_id, change->from, change->to, change->reason, change->at};
    if (auto st = repo_.recordTransition(t); !st) {
      spdlog::warn("npu: cannot record transition of node {}: {}", node_id, st.error().message);
    }
    persist(snapshot);
    spdlog::info("npu: node {} {} -> {}: {}", node_id, fleet::nodeStatusName(change->from),
              fleet::nodeStatusName(change->to), change->reason);
    events_.publish("node.status", node_id,
                    bj::object{{"from", fleet::nodeStatusName(change->from)},
                               {"status", fleet::nodeStatusName(change->to)},
                               {"reason", change->reason}});
  }
  if (loaded_changed) {
    persist(snapshot);
    events_.publish("node.capabilities", node_id,
                    bj::object{{"capabilities", snapshot.capabilities ? bj::value(toJson(*snapshot.capabilities))
                                                                       : bj::value(nullptr)},
                               {"loadedModels", statusJson(snapshot)["loadedModels"]}});
  }
  write.unlock();
  if (redetect) {
    // The worker answers again after a failed detection: find out what it is now.
    auto node = nodes_.get(node_id);
    if (node && node->hasRole(fleet::kNpuWorkerRole)) startDetection(*node);
  }
}

void NpuRegistry::applyReport(const std::string& node_id, const WorkerReport& report) {
  NodeNpuState snapshot;
  {
    std::lock_guard lock(mu_);
    auto it = entries_.find(node_id);
    if (it == entries_.end()) return;
    Entry& e = it->second;
    e.state.capabilities = report.capabilities;
    e.state.loaded_models = report.loaded_models;
    e.state.loaded_models_known = report.loaded_models_listed;
    e.state.loads_on_demand = report.loads_on_demand;
    e.state.queue_depth = report.queue_depth;
    if (report.running) e.state.running = *report.running;
    if (report.device) e.state.device = report.device;
    if (report.remotes) e.state.remotes = report.remotes;
    e.state.detection_warnings = report.warnings;
    e.state.detection_status = DetectionStatus::kDetected;
    e.state.detection_error.clear();
    e.state.last_detection = clock_.now();
    e.state.last_health_check = e.state.last_detection;
    snapshot = e.state;
  }
  persist(snapshot);
  events_.publish("node.capabilities", node_id,
                  bj::object{{"capabilities", toJson(report.capabilities)},
                             {"loadedModels", statusJson(snapshot)["loadedModels"]}});
}

std::optional<NodeNpuState> NpuRegistry::state(const std::string& node_id) const {
  std::lock_guard lock(mu_);
  auto it = entries_.find(node_id);
  if (it == entries_.end()) return std::nullopt;
  return it->second.state;
}

std::vector<NodeNpuState> NpuRegistry::activeStates() const {
  std::lock_guard lock(mu_);
  std::vector<NodeNpuState> out;
  for (const auto& [id, e] : entries_) {
    if (e.state.active) out.push_back(e.state);
  }
  return out;
}

std::vector<MonitoredNode> NpuRegistry::monitored() const {
  std::lock_guard lock(mu_);
  std::vector<MonitoredNode> out;
  for (const auto& [id, e] : entries_) {
    if (!e.state.active) continue;
    out.push_back(e.address);
    out.back().watch = e.watch;
  }
  return out;
}

bool NpuRegistry::isMonitored(const std::string& node_id) const {
  std::lock_guard lock(mu_);
  auto it = entries_.find(node_id);
  return it != entries_.end() && it->second.state.active;
}

Result<std::vector<StatusTransition>> NpuRegistry::transitions(const std::string& node_id, int limit) {
  return repo_.transitions(node_id, limit);
}

void NpuRegistry::persist(const NodeNpuState& state) {
  if (auto st = repo_.save(state); !st) {
    spdlog::warn("npu: cannot store state of node {}: {}", state.node_id, st.error().message);
  }
}

void NpuRegistry::publishDetection(const NodeNpuState& s) {
  events_.publish("node.detection", s.node_id,
                  bj::object{{"detectionStatus", detectionStatusName(s.detection_status)},
                             {"detectionError", s.detection_error.empty() ? bj::value(nullptr)
                                                                          : bj::value(s.detection_error)}});
}

}  // namespace npufleet::npu
