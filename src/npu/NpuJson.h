// The single JSON mapping of the NPU types for the API, events and persistence. The status shape
// is the seed's ({node_id, capabilities{models, maxConcurrent, memoryGB, deviceType,
// utilization}, loadedModels, queueDepth, lastHealthCheck}) with npufleet's fields beside it.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "common/Error.h"
#include "npu/HistoryRepository.h"
#include "npu/NodeNpuState.h"
#include "npu/WorkerReport.h"

namespace npufleet::npu {

boost::json::object toJson(const NpuCapabilities& caps);
boost::json::object toJson(const ModelDetails& details);
boost::json::value metricsJson(const NodeNpuState& state);
// Offline or unknown: the load figures are the last ones known, not current.
bool figuresAreStale(const NodeNpuState& state);
// GET /api/nodes/{id}/npu/status
boost::json::object statusJson(const NodeNpuState& state);
boost::json::object historyPointJson(const HistorySample& sample);

// Full round trip for the store (includes warnings, metrics and timestamps).
boost::json::object persistJson(const NodeNpuState& state);
Result<NodeNpuState> stateFromPersistJson(const boost::json::value& v);

}  // namespace npufleet::npu
