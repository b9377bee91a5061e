#include "balancer/ModelAffinityStrategy.h"

#include <algorithm>

namespace npufleet::balancer {

ModelAffinityStrategy::ModelAffinityStrategy(std::map<std::string, std::vector<std::string>> affinity,
                                             FallbackKind fallback)
    : affinity_(affinity.begin(), affinity.end()), fallback_(fallback) {}

Selection ModelAffinityStrategy::select(std::string_view model,
                                        const std::vector<CandidateLoad>& candidates) {
  auto it = affinity_.find(model);
  std::vector<size_t> members;
  if (it != affinity_.end()) {
    for (size_t i = 0; i < candidates.size(); ++i) {
      if (std::find(it->second.begin(), it->second.end(), candidates[i].nodeId) != it->second.end()) {
        members.push_back(i);
      }
    }
  }
  if (!members.empty()) {
    Selection s = within_.selectAmong(model, candidates, members);
    s.strategy = "model-affinity";
    s.reason = "affinity node, " + s.reason;
    return s;
  }
  const std::string why = it == affinity_.end()
                              ? "no affinity configured for model"
                              : "no affinity node can serve (offline, draining, ejected or model not loaded)";
  if (fallback_ == FallbackKind::kNone) {
    Selection s;
    s.strategy = "model-affinity";
    s.reason = why + " and fallback is none";
    return s;
  }
  Selection s = fallback_strategy_.select(model, candidates);
  s.strategy = "model-affinity/least-loaded";
  s.reason = why + "; fallback " + s.reason;
  return s;
}

}  // namespace npufleet::balancer
