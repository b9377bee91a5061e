// Pure parsers from the JSON a worker returns to WorkerReport / WorkerMetrics, understanding
// every dialect of DESIGN.md 4.4 (npufleet worker, seed-shaped, the reference containerised
// server, the reference Windows worker, the minimal Linux role worker). No I/O here, so each
// dialect is pinned down by golden-JSON unit tests. Wrong types become warnings, never throws.
#pragma once

#include <boost/json/value.hpp>

#include "npu/WorkerReport.h"

namespace npufleet::npu {

// Starts from the seed's defaults and fills what /health carries.
WorkerReport parseHealth(const boost::json::value& health);

// Folds /models into a report from parseHealth: `available` (or equivalent) becomes
// capabilities.models, `loaded` (list or object keyed by model id) becomes loaded_models.
void mergeModels(const boost::json::value& models, WorkerReport& report);

// When /models is absent (404), capabilities.models falls back to what /health said is loaded.
void finishWithoutModels(WorkerReport& report);

WorkerMetrics parseStats(const boost::json::value& stats);

}  // namespace npufleet::npu
