// In-memory NodeRepository and AuditLog for unit tests of code above the store.
#pragma once

#include <algorithm>
#include <map>
#include <mutex>

#include "fleet/AuditLog.h"
#include "fleet/NodeRepository.h"

namespace npufleet::testing {

class InMemoryNodeRepository : public fleet::NodeRepository {
 public:
  Result<fleet::NodePage> list(const fleet::NodeFilter& f) override {
    std::lock_guard lock(mu_);
    fleet::NodePage page;
    std::vector<fleet::Node> all;
    for (const auto& [id, n] : nodes_) {
      if (f.role && !n.hasRole(*f.role)) continue;
      if (f.status && n.status != *f.status) continue;
      if (f.text && n.name.find(*f.text) == std::string::npos &&
          n.ip.find(*f.text) == std::string::npos)
        continue;
      all.push_back(n);
    }
    std::sort(all.begin(), all.end(), [](auto& a, auto& b) { return a.name < b.name; });
    page.total = static_cast<int64_t>(all.size());
    for (size_t i = (f.page - 1) * f.per_page; i < all.size() && page.nodes.size() < size_t(f.per_page); ++i)
      page.nodes.push_back(all[i]);
    return page;
  }
  Result<std::vector<fleet::Node>> listWithRole(const std::string& role) override {
    std::lock_guard lock(mu_);
    std::vector<fleet::Node> out;
    for (const auto& [id, n] : nodes_)
      if (n.hasRole(role)) out.push_back(n);
    return out;
  }
  Result<fleet::Node> get(const std::string& id) override {
    std::lock_guard lock(mu_);
    auto it = nodes_.find(id);
    if (it == nodes_.end()) return Error::notFound("node '" + id + "' not found");
    return it->second;
  }
  Result<fleet::Node> insert(const fleet::Node& n) override {
    std::lock_guard lock(mu_);
    if (auto e = duplicate(n)) return *e;
    nodes_[n.id] = n;
    return n;
  }
  Result<fleet::Node> update(const fleet::Node& n) override {
    std::lock_guard lock(mu_);
    if (!nodes_.count(n.id)) return Error::notFound("node '" + n.id + "' not found");
    if (auto e = duplicate(n)) return *e;
    nodes_[n.id] = n;
    return n;
  }
  Status remove(const std::string& id) override {
    std::lock_guard lock(mu_);
    if (!nodes_.erase(id)) return Error::notFound("node '" + id + "' not found");
    return okStatus();
  }
  Status updateHealth(const std::string& id, fleet::NodeStatus status,
                      std::optional<fleet::TimePoint> last_seen) override {
    std::lock_guard lock(mu_);
    auto it = nodes_.find(id);
    if (it == nodes_.end()) return Error::notFound("node '" + id + "' not found");
    if (it->second.status != fleet::NodeStatus::kMaintenance) it->second.status = status;
    if (last_seen) it->second.last_seen = last_seen;
    return okStatus();
  }

 private:
  std::optional<Error> duplicate(const fleet::Node& n) {
    for (const auto& [id, other] : nodes_) {
      if (id == n.id) continue;
      if (other.name == n.name) return Error::conflict("duplicate name", "name");
      if (other.ip == n.ip && other.npu_port == n.npu_port) return Error::conflict("duplicate address", "ip");
    }
    return std::nullopt;
  }
  std::mutex mu_;
  std::map<std::string, fleet::Node> nodes_;
};

class InMemoryAuditLog : public fleet::AuditLog {
 public:
  Status record(fleet::AuditEntry e) override {
    std::lock_guard lock(mu_);
    e.id = static_cast<int64_t>(entries.size()) + 1;
    entries.push_back(std::move(e));
    return okStatus();
  }
  Result<fleet::AuditPage> list(const fleet::AuditFilter& f) override {
    std::lock_guard lock(mu_);
    fleet::AuditPage p;
    const size_t skip = static_cast<size_t>(f.page - 1) * static_cast<size_t>(f.per_page);
    for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
      if ((f.action && it->action != *f.action) || (f.actor && it->actor != *f.actor) ||
          (f.target && it->target != *f.target) || (f.since && it->at < *f.since) ||
          (f.until && it->at > *f.until))
        continue;
      if (static_cast<size_t>(p.total++) >= skip && p.entries.size() < size_t(f.per_page))
        p.entries.push_back(*it);
    }
    return p;
  }
  std::vector<fleet::AuditEntry> entries;

 private:
  std::mutex mu_;
};

}  // namespace npufleet::testing
