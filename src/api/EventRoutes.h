// GET /api/events: the fleet's live events as Server-Sent Events (node.status, node.detection,
// node.capabilities, node.updated, node.deleted), for the web UI.
#pragma once

#include <chrono>

#include "api/ApiContext.h"
#include "http/Router.h"
#include "npu/EventBus.h"

namespace npufleet::api {

struct EventStreamOptions {
  std::chrono::milliseconds heartbeat{15000};  // a comment line keeps proxies from timing out
  size_t queue = 256;                          // events buffered per client before dropping
};

void registerEventRoutes(http::Router& router, ApiContext& ctx, npu::EventBus& events,
                         EventStreamOptions options = {});

// One event in the text/event-stream format ("id:", "event:", "data:" lines).
std::string formatServerSentEvent(const npu::NpuEvent& event);

}  // namespace npufleet::api
