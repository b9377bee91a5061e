// HistoryRepository on SQLite: raw samples and minute averages in two tables (created by
// npuMigrations()), appended in one transaction per batch.
#pragma once

#include <memory>

#include "npu/HistoryRepository.h"
#include "store/Database.h"

namespace npufleet::store {

class SqliteHistoryRepository final : public npu::HistoryRepository {
 public:
  explicit SqliteHistoryRepository(std::shared_ptr<Database> db) : db_(std::move(db)) {}

  Status append(npu::HistoryResolution resolution,
                const std::vector<npu::HistorySample>& samples) override;
  Result<std::vector<npu::HistorySample>> loadSince(npu::HistoryResolution resolution,
                                                    fleet::TimePoint since) override;
  Status pruneBefore(npu::HistoryResolution resolution, fleet::TimePoint before) override;

 private:
  std::shared_ptr<Database> db_;
};

}  // namespace npufleet::store
