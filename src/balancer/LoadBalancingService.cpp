#include "balancer/LoadBalancingService.h"

namespace npufleet::balancer {

LoadBalancingService::LoadBalancingService(InferenceRouter& router, LoadBalancingRepository& repo,
                                           const CandidateSource& fleet, fleet::AuditLog* audit,
                                           const Clock& clock)
    : router_(router), repo_(repo), fleet_(fleet), audit_(audit), clock_(clock) {}

Status LoadBalancingService::loadStored() {
  auto stored = repo_.load();
  if (!stored) return stored.error();
  if (stored->has_value()) router_.applyConfig(**stored);
  return okStatus();
}

LoadBalancingConfig LoadBalancingService::current() const { return router_.config(); }

Result<LoadBalancingConfig> LoadBalancingService::update(const boost::json::value& body,
                                                         const std::string& actor) {
  std::lock_guard lock(write_mu_);
  const LoadBalancingConfig before = router_.config();
  auto parsed = parseLoadBalancingConfig(body, before);
  if (!parsed) return parsed.error();
  NodeSnapshot snap = fleet_.snapshot();
  if (auto s = validateLoadBalancingConfig(*parsed, snap ? *snap : std::vector<RoutableNode>{}); !s) {
    return s.error();
  }
  if (auto s = repo_.save(*parsed); !s) return s.error();
  router_.applyConfig(*parsed);
  if (audit_) {
    fleet::AuditEntry entry;
    entry.at = clock_.now();
    entry.actor = actor;
    entry.action = "lb.update";
    entry.target = "load-balancing";
    entry.before = toJson(before);
    entry.after = toJson(*parsed);
    // The setting is already in force; a lost audit line must not undo it, but must be seen,
    // and the answer must not read as if the change had failed.
    if (auto s = audit_->record(std::move(entry)); !s) {
      return Error::internal("the new setting is in force, but its audit entry was not written: " +
                             s.error().message);
    }
  }
  return *parsed;
}

}  // namespace npufleet::balancer
