// Process endpoints (/healthz, /readyz, /metrics) and administration (/api/me, /api/tokens,
// /api/audit).
#pragma once

#include "api/ApiContext.h"
#include "http/Router.h"

namespace npufleet::api {

void registerAdminRoutes(http::Router& router, ApiContext& ctx);

}  // namespace npufleet::api
