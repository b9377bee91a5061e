// Per-node history of utilization, queue depth, running and probe latency: every sample for the
// last hour, 1-minute averages for 7 days, bounded in memory, persisted in batches through
// HistoryRepository so that it survives restarts. Queried by window: 1h returns raw samples,
// 24h minute averages, 7d 10-minute averages of those (about a thousand points each).
#pragma once

#include <chrono>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/Clock.h"
#include "common/Error.h"
#include "npu/HistoryRepository.h"

namespace npufleet::npu {

enum class HistoryWindow { kHour, kDay, kWeek };
std::optional<HistoryWindow> parseHistoryWindow(std::string_view text);  // "1h", "24h", "7d"
const char* historyWindowName(HistoryWindow w);

struct HistoryLimits {
  std::chrono::seconds raw_window{3600};
  std::chrono::seconds minute_window{7 * 24 * 3600};
  size_t max_raw_per_node = 7200;  // 1 h at one sample per 0.5 s
};

class UtilizationHistory {
 public:
  // `repo` may be null (tests, or a control plane without persistence).
  UtilizationHistory(const Clock& clock, HistoryRepository* repo, HistoryLimits limits = {});

  // Reloads the last hour of samples and 7 days of minute averages.
  Status restore();
  void record(const HistorySample& sample);
  // Writes samples and completed minutes not yet stored, and prunes expired ones.
  Status flush();
  std::vector<HistorySample> query(const std::string& node_id, HistoryWindow window) const;

 private:
  struct Bucket {
    fleet::TimePoint minute{};
    double utilization = 0, queue_depth = 0, running = 0, latency_ms = 0;
    int count = 0;
    HistorySample average(const std::string& node_id) const;
  };
  struct Series {
    std::deque<HistorySample> raw;
    std::deque<HistorySample> minutes;
    std::optional<Bucket> current;
  };
  void closeMinutesLocked(fleet::TimePoint now);
  void trimLocked(Series& s, fleet::TimePoint now);

  const Clock& clock_;
  HistoryRepository* repo_;
  HistoryLimits limits_;
  mutable std::mutex mu_;
  std::map<std::string, Series> series_;
  std::vector<HistorySample> pending_raw_;
  std::vector<HistorySample> pending_minutes_;
  fleet::TimePoint last_prune_{};
};

}  // namespace npufleet::npu
