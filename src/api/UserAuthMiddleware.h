// Bearer-token authentication and role checks for the control-plane API. Each route declares
// its access level in RouteOptions::access; "public" routes skip this.
#pragma once

#include "auth/tokens/TokenService.h"
#include "http/Server.h"

namespace npufleet::api {

http::Middleware makeUserAuthMiddleware(auth::TokenService& tokens);

}  // namespace npufleet::api
