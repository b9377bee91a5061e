#include "balancer/LeastLoadedStrategy.h"

#include <charconv>

#include <numeric>

namespace npufleet::balancer {

double LeastLoadedStrategy::score(const CandidateLoad& c) {
  const int cap = c.maxConcurrent > 0 ? c.maxConcurrent : 1;
  return static_cast<double>(c.inFlight + c.queueDepth) / cap;
}

Selection LeastLoadedStrategy::select(std::string_view model,
                                      const std::vector<CandidateLoad>& candidates) {
  std::vector<size_t> all(candidates.size());
  std::iota(all.begin(), all.end(), 0);
  return selectAmong(model, candidates, all);
}

Selection LeastLoadedStrategy::selectAmong(std::string_view model,
                                           const std::vector<CandidateLoad>& candidates,
                                           const std::vector<size_t>& subset) {
  Selection s;
  s.strategy = "least-loaded";
  s.eligible = subset;
  if (subset.empty()) {
    s.reason = "no candidate";
    return s;
  }
  auto it = tie_break_.find(model);
  if (it == tie_break_.end()) it = tie_break_.emplace(std::string(model), 0).first;
  const size_t n = subset.size();
  const size_t start = it->second % n;
  std::optional<size_t> best_pos;
  double best = 0;
  // Scanning from the rotating start and keeping the first minimum breaks ties round-robin.
  for (size_t k = 0; k < n; ++k) {
    size_t pos = (start + k) % n;
    const auto& c = candidates[subset[pos]];
    if (!c.hasCapacity()) continue;
    double sc = score(c);
    if (!best_pos || sc < best) {
      best = sc;
      best_pos = pos;
    }
  }
  if (!best_pos) {
    s.reason = "all " + std::to_string(n) + " candidates at maxConcurrent";
    return s;
  }
  it->second = *best_pos + 1;
  s.chosen = subset[*best_pos];
  const auto& c = candidates[*s.chosen];
  // Formatted on every routed request: std::to_chars, where snprintf cost about a microsecond.
  char load[32];
  const auto end = std::to_chars(load, load + sizeof load, best, std::chars_format::fixed, 2).ptr;
  s.reason.reserve(64);
  s.reason.append("lowest load ").append(load, end).append(" = (");
  s.reason.append(std::to_string(c.inFlight)).append(" in flight + ");
  s.reason.append(std::to_string(c.queueDepth)).append(" queued) / ");
  s.reason.append(std::to_string(c.maxConcurrent));
  return s;
}

}  // namespace npufleet::balancer
