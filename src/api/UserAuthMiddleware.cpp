#include "api/UserAuthMiddleware.h"

namespace npufleet::api {

http::Middleware makeUserAuthMiddleware(auth::TokenService& tokens) {
  return [&tokens](http::Request& req,
                   const http::Route& route) -> boost::asio::awaitable<std::optional<http::Response>> {
    if (route.options.access == "public") co_return std::nullopt;
    std::string bearer;
    auto header = req.headers.get("Authorization");
    if (header.size() > 7 && (header.substr(0, 7) == "Bearer " || header.substr(0, 7) == "bearer ")) {
      bearer = std::string(header.substr(7));
    } else if (route.options.streaming) {
      // EventSource cannot send headers: streams also take ?access_token=.
      bearer = req.queryParam("access_token").value_or("");
    }
    auto who = tokens.authenticate(bearer, req.remote_address);
    if (!who) {
      auto resp = http::Response::error(who.error());
      if (who.error().code == ErrorCode::kTooManyRequests) resp.headers.set("Retry-After", "60");
      if (who.error().code == ErrorCode::kUnauthenticated) {
        resp.headers.set("WWW-Authenticate", "Bearer");
      }
      co_return resp;
    }
    req.principal = who->name;
    req.principal_role = auth::userRoleName(who->role);
    if (!auth::roleAllows(who->role, route.options.access)) {
      co_return http::Response::error(
          {ErrorCode::kForbidden,
           std::string("role '") + auth::userRoleName(who->role) + "' may not " + req.method + " " +
               route.pattern + " (needs " + route.options.access + ")",
           {}});
    }
    co_return std::nullopt;
  };
}

}  // namespace npufleet::api
