// Fleet-wide views for the UI: the overview of the last hour (GET /api/npu/overview, from
// FleetMetrics) and the event timeline (GET /api/npu/timeline): status transitions, ejections
// and detection failures that the EventBus kept since the server started, merged with the
// configuration changes of the audit log.
#pragma once

#include "api/ApiContext.h"
#include "api/FleetMetrics.h"
#include "http/Router.h"
#include "npu/EventBus.h"

namespace npufleet::api {

struct FleetViewDeps {
  FleetMetrics& metrics;
  npu::EventBus& events;
};

// `deps` must outlive the router.
void registerFleetViewRoutes(http::Router& router, ApiContext& ctx, FleetViewDeps deps);

}  // namespace npufleet::api
