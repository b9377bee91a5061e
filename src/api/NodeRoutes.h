// /api/fleet/nodes and /api/fleet/roles: the fleet registry over HTTP.
#pragma once

#include "api/ApiContext.h"
#include "http/Router.h"

namespace npufleet::api {

void registerNodeRoutes(http::Router& router, ApiContext& ctx);

}  // namespace npufleet::api
