// NpuRepository on SQLite, plus the migrations of every NPU table (versions 100+): per-node NPU
// state as one JSON row (new fields need no schema change), status transitions (bounded per
// node), and the utilization history tables used by SqliteHistoryRepository.
#pragma once

#include <memory>
#include <vector>

#include "npu/NpuRepository.h"
#include "store/Database.h"

namespace npufleet::store {

std::vector<Migration> npuMigrations();

class SqliteNpuRepository final : public npu::NpuRepository {
 public:
  explicit SqliteNpuRepository(std::shared_ptr<Database> db, int transitions_kept_per_node = 500)
      : db_(std::move(db)), keep_(transitions_kept_per_node) {}

  Status save(const npu::NodeNpuState& state) override;
  Result<std::vector<npu::NodeNpuState>> loadAll() override;
  Status remove(const std::string& node_id) override;
  Status recordTransition(const npu::StatusTransition& transition) override;
  Result<std::vector<npu::StatusTransition>> transitions(const std::string& node_id,
                                                         int limit) override;

 private:
  std::shared_ptr<Database> db_;
  int keep_;
};

}  // namespace npufleet::store
