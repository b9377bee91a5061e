#include "auth/ServiceAuthMiddleware.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json/object.hpp>

namespace npufleet::auth {
namespace {

http::Response rejection(int status, const std::string& reason) {
  return http::Response::json(status,
                              boost::json::object{{"detail", reason}, {"authenticated", false}});
}

// A plain function rather than a capturing lambda coroutine: the coroutine frame owns copies of
// the shared pointers, whatever happens to the std::function that started it.
boost::asio::awaitable<std::optional<http::Response>> authenticate(
    std::shared_ptr<const SignatureVerifier> verifier, std::shared_ptr<FailureLimiter> limiter,
    std::shared_ptr<const ServiceAuthOptions> options, http::Request& req) {
  const auto& exempt = options->exempt_paths;
  if (std::find(exempt.begin(), exempt.end(), req.path) != exempt.end()) co_return std::nullopt;

  auto verified = verifier->verify(req);
  if (verified) {
    req.principal = verified->service_id;
    req.principal_role = "service";
    co_return std::nullopt;
  }
  const Error& error = verified.error();
  if (error.code == ErrorCode::kUnavailable) {
    spdlog::warn("service auth: {} {} from {}: {}", req.method, req.path, req.remote_address,
                 error.message);
    auto r = rejection(503, error.message);
    r.headers.set("Retry-After", "1");
    co_return r;
  }
  if (limiter) {
    auto blocked = limiter->blockedFor(req.remote_address);
    limiter->recordFailure(req.remote_address);
    if (blocked) {
      auto r = rejection(429, "too many failed authentication attempts from this address");
      r.headers.set("Retry-After", std::to_string(blocked->count()));
      co_return r;
    }
  }
  // The reason is ours (never a header value or key); the service id was validated or omitted.
  spdlog::warn("service auth: rejected {} {} from {}: {}", req.method, req.path,
               req.remote_address, error.message);
  co_return rejection(401, error.message);
}

}  // namespace

http::Middleware makeServiceAuthMiddleware(std::shared_ptr<const SignatureVerifier> verifier,
                                           std::shared_ptr<FailureLimiter> limiter,
                                           ServiceAuthOptions options) {
  auto opts = std::make_shared<const ServiceAuthOptions>(std::move(options));
  return [verifier = std::move(verifier), limiter = std::move(limiter), opts](
             http::Request& req, const http::Route&) {
    return authenticate(verifier, limiter, opts, req);
  };
}

}  // namespace npufleet::auth
