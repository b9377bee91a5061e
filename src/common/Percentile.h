// The nearest-rank percentile of a sample (p in [0, 1]), as the router's and the fleet's latency
// figures report it. Reorders `values` (nth_element); none for an empty sample.
#pragma once

#include <algorithm>
#include <cstddef>
#include <optional>
#include <vector>

namespace npufleet {

inline std::optional<double> percentile(std::vector<double>& values, double p) {
  if (values.empty()) return std::nullopt;
  auto k = static_cast<size_t>(p * static_cast<double>(values.size() - 1) + 0.5);
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(k), values.end());
  return values[k];
}

}  // namespace npufleet
