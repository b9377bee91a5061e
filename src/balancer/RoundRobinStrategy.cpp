#include "balancer/RoundRobinStrategy.h"

#include <numeric>

namespace npufleet::balancer {

Selection RoundRobinStrategy::select(std::string_view model,
                                     const std::vector<CandidateLoad>& candidates) {
  std::vector<size_t> all(candidates.size());
  std::iota(all.begin(), all.end(), 0);
  return selectAmong(model, candidates, all);
}

Selection RoundRobinStrategy::selectAmong(std::string_view model,
                                          const std::vector<CandidateLoad>& candidates,
                                          const std::vector<size_t>& subset) {
  Selection s;
  s.strategy = "round-robin";
  s.eligible = subset;
  if (subset.empty()) {
    s.reason = "no candidate";
    return s;
  }
  auto it = next_.find(model);
  if (it == next_.end()) it = next_.emplace(std::string(model), 0).first;
  const size_t n = subset.size();
  const size_t start = it->second % n;
  for (size_t k = 0; k < n; ++k) {
    size_t pos = (start + k) % n;
    if (candidates[subset[pos]].hasCapacity()) {
      it->second = pos + 1;
      s.chosen = subset[pos];
      s.reason = "next in rotation (" + std::to_string(pos + 1) + " of " + std::to_string(n) + ")";
      if (k > 0) s.reason += ", skipped " + std::to_string(k) + " at maxConcurrent";
      return s;
    }
  }
  s.reason = "all " + std::to_string(n) + " candidates at maxConcurrent";
  return s;
}

}  // namespace npufleet::balancer
