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

bool exempt(const ServiceAuthOptions& options, const http::Request& req) {
  const auto& paths = options.exempt_paths;
  return std::find(paths.begin(), paths.end(), req.path) != paths.end();
}

// The answer to a failed verification, whichever phase it failed in.
http::Response refusal(const Error& error, FailureLimiter* limiter, const http::Request& req) {
  if (error.code == ErrorCode::kUnavailable) {
    spdlog::warn("service auth: {} {} from {}: {}", req.method, req.path, req.remote_address,
                 error.message);
    auto r = rejection(503, error.message);
    r.headers.set("Retry-After", "1");
    return r;
  }
  if (limiter != nullptr) {
    auto blocked = limiter->blockedFor(req.remote_address);
    limiter->recordFailure(req.remote_address);
    if (blocked) {
      auto r = rejection(429, "too many failed authentication attempts from this address");
      r.headers.set("Retry-After", std::to_string(blocked->count()));
      return r;
    }
  }
  // The reason is ours (never a header value or key); the service id was validated or omitted.
  spdlog::warn("service auth: rejected {} {} from {}: {}", req.method, req.path,
               req.remote_address, error.message);
  return rejection(401, error.message);
}

void accept(const VerifiedCaller& caller, http::Request& req) {
  req.principal = caller.service_id;
  req.principal_role = "service";
}

// Plain functions rather than capturing lambda coroutines: the coroutine frame owns copies of
// the shared pointers, whatever happens to the std::function that started it.
// `check` is SignatureVerifier::verify (the whole request) or verifyHead (all but the digest).
using VerifierCheck = Result<VerifiedCaller> (SignatureVerifier::*)(const http::Request&) const;

boost::asio::awaitable<std::optional<http::Response>> authenticate(
    std::shared_ptr<const SignatureVerifier> verifier, VerifierCheck check,
    std::shared_ptr<FailureLimiter> limiter, std::shared_ptr<const ServiceAuthOptions> options,
    http::Request& req) {
  if (exempt(*options, req)) co_return std::nullopt;
  auto verified = ((*verifier).*check)(req);
  if (!verified) co_return refusal(verified.error(), limiter.get(), req);
  accept(*verified, req);
  co_return std::nullopt;
}

boost::asio::awaitable<std::optional<http::Response>> authenticateBody(
    std::shared_ptr<FailureLimiter> limiter, std::shared_ptr<const ServiceAuthOptions> options,
    http::Request& req) {
  if (exempt(*options, req)) co_return std::nullopt;
  if (req.principal.empty()) {
    // Not passed by the head hook: the two were installed apart, which must not let a request
    // through unverified.
    co_return refusal(Error{ErrorCode::kUnauthenticated, "request head not verified", {}},
                      limiter.get(), req);
  }
  if (auto st = SignatureVerifier::verifyBody(req); !st) {
    co_return refusal(st.error(), limiter.get(), req);
  }
  co_return std::nullopt;
}

}  // namespace

http::Middleware makeServiceAuthMiddleware(std::shared_ptr<const SignatureVerifier> verifier,
                                           std::shared_ptr<FailureLimiter> limiter,
                                           ServiceAuthOptions options) {
  auto opts = std::make_shared<const ServiceAuthOptions>(std::move(options));
  return [verifier = std::move(verifier), limiter = std::move(limiter), opts](
             http::Request& req, const http::Route&) {
    return authenticate(verifier, &SignatureVerifier::verify, limiter, opts, req);
  };
}

ServiceAuthHooks makeServiceAuthHooks(std::shared_ptr<const SignatureVerifier> verifier,
                                      std::shared_ptr<FailureLimiter> limiter,
                                      ServiceAuthOptions options) {
  auto opts = std::make_shared<const ServiceAuthOptions>(std::move(options));
  ServiceAuthHooks hooks;
  hooks.before_body = [verifier, limiter, opts](http::Request& req, const http::Route&) {
    return authenticate(verifier, &SignatureVerifier::verifyHead, limiter, opts, req);
  };
  hooks.after_body = [limiter, opts](http::Request& req, const http::Route&) {
    return authenticateBody(limiter, opts, req);
  };
  return hooks;
}

void installServiceAuth(http::Server& server, const ServiceAuthHooks& hooks) {
  server.useBeforeBody(hooks.before_body);
  server.use(hooks.after_body);
}

}  // namespace npufleet::auth
