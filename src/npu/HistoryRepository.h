// Storage of utilization history (implemented by store/SqliteHistoryRepository): raw samples
// for the last hour and 1-minute averages for 7 days, written in batches by UtilizationHistory.
#pragma once

#include <string>
#include <vector>

#include "common/Error.h"
#include "fleet/Node.h"

namespace npufleet::npu {

struct HistorySample {
  std::string node_id;
  fleet::TimePoint t{};
  double utilization = 0;  // 0-100
  double queue_depth = 0;
  double running = 0;
  double latency_ms = 0;  // health-probe round trip
};

enum class HistoryResolution { kRaw, kMinute };

class HistoryRepository {
 public:
  virtual ~HistoryRepository() = default;
  virtual Status append(HistoryResolution resolution, const std::vector<HistorySample>& samples) = 0;
  // Every node's samples at or after `since`, oldest first.
  virtual Result<std::vector<HistorySample>> loadSince(HistoryResolution resolution,
                                                       fleet::TimePoint since) = 0;
  virtual Status pruneBefore(HistoryResolution resolution, fleet::TimePoint before) = 0;
};

}  // namespace npufleet::npu
