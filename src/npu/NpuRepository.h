// Storage the NPU registry needs (implemented by store/SqliteNpuRepository): each node's
// NodeNpuState and its status transitions. Live load figures are not worth a write per probe;
// callers save on meaningful changes.
#pragma once

#include <string>
#include <vector>

#include "common/Error.h"
#include "npu/NodeNpuState.h"

namespace npufleet::npu {

class NpuRepository {
 public:
  virtual ~NpuRepository() = default;
  virtual Status save(const NodeNpuState& state) = 0;
  virtual Result<std::vector<NodeNpuState>> loadAll() = 0;
  virtual Status remove(const std::string& node_id) = 0;
  virtual Status recordTransition(const StatusTransition& transition) = 0;
  // Newest first.
  virtual Result<std::vector<StatusTransition>> transitions(const std::string& node_id,
                                                            int limit) = 0;
};

}  // namespace npufleet::npu
