// One change the UI wants to hear about without polling: node.status, node.detection,
// node.capabilities, node.updated, node.deleted. Carried by EventBus to GET /api/events.
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <string>

#include "fleet/Node.h"

namespace npufleet::npu {

struct NpuEvent {
  uint64_t id = 0;    // increasing; the SSE "id:" field
  std::string type;   // the SSE "event:" field
  std::string node_id;
  boost::json::value data;  // the SSE "data:" payload (includes nodeId and at)
  fleet::TimePoint at{};
};

}  // namespace npufleet::npu
