#include "store/SqliteHistoryRepository.h"

namespace npufleet::store {

namespace {
int64_t toMs(fleet::TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
fleet::TimePoint fromMs(int64_t ms) {
  return fleet::TimePoint(
      std::chrono::duration_cast<fleet::TimePoint::duration>(std::chrono::milliseconds(ms)));
}
const char* table(npu::HistoryResolution r) {
  return r == npu::HistoryResolution::kRaw ? "npu_history_raw" : "npu_history_minute";
}
}  // namespace

Status SqliteHistoryRepository::append(npu::HistoryResolution resolution,
                                       const std::vector<npu::HistorySample>& samples) {
  if (samples.empty()) return okStatus();
  std::string sql = std::string(resolution == npu::HistoryResolution::kMinute ? "INSERT OR REPLACE"
                                                                              : "INSERT") +
                    " INTO " + table(resolution) +
                    " (node_id, t_ms, utilization, queue_depth, running, latency_ms) "
                    "VALUES (?, ?, ?, ?, ?, ?)";
  return db_->transaction([&]() -> Status {
    for (const auto& s : samples) {
      auto r = db_->exec(sql, {s.node_id, toMs(s.t), s.utilization, s.queue_depth, s.running,
                               s.latency_ms});
      if (!r) return r.error();
    }
    return okStatus();
  });
}

Result<std::vector<npu::HistorySample>> SqliteHistoryRepository::loadSince(
    npu::HistoryResolution resolution, fleet::TimePoint since) {
  std::vector<npu::HistorySample> out;
  auto r = db_->exec(std::string("SELECT node_id, t_ms, utilization, queue_depth, running, "
                                 "latency_ms FROM ") +
                         table(resolution) + " WHERE t_ms >= ? ORDER BY t_ms",
                     {toMs(since)}, [&](const Row& row) {
                       out.push_back({row.getText(0), fromMs(row.getInt(1)), row.getDouble(2),
                                      row.getDouble(3), row.getDouble(4), row.getDouble(5)});
                     });
  if (!r) return r.error();
  return out;
}

Status SqliteHistoryRepository::pruneBefore(npu::HistoryResolution resolution,
                                            fleet::TimePoint before) {
  auto r = db_->exec(std::string("DELETE FROM ") + table(resolution) + " WHERE t_ms < ?",
                     {toMs(before)});
  if (!r) return r.error();
  return okStatus();
}

}  // namespace npufleet::store
