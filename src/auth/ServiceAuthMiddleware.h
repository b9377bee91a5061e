// The http::Middleware that puts SignatureVerifier in front of every route of a server (the
// worker's, or any other that only services may call). A rejected request is answered here
// and never reaches its handler; an accepted one carries the service id in req.principal.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "auth/FailureLimiter.h"
#include "auth/SignatureVerifier.h"
#include "http/Server.h"

namespace npufleet::auth {

struct ServiceAuthOptions {
  // Exact paths served without a signature (liveness probes); nothing else is exempt.
  std::vector<std::string> exempt_paths{"/livez"};
};

// 401 {"detail": reason, "authenticated": false} for a failed verification; 429 with
// Retry-After instead once the client address has failed `limit` times in the window (signed
// requests from that address are still served, see FailureLimiter.h); 503 with Retry-After when
// the replay cache is full. `limiter` may be null (no limit).
http::Middleware makeServiceAuthMiddleware(std::shared_ptr<const SignatureVerifier> verifier,
                                           std::shared_ptr<FailureLimiter> limiter,
                                           ServiceAuthOptions options = {});

// The same verification split around reading the body (what a server should install, see
// http::Server::useBeforeBody): before_body checks every signed field but the body digest from
// the headers, and takes the nonce, so an unsigned request is refused before its body is read;
// after_body checks the digest. The answers are those above.
struct ServiceAuthHooks {
  http::Middleware before_body;
  http::Middleware after_body;
};
ServiceAuthHooks makeServiceAuthHooks(std::shared_ptr<const SignatureVerifier> verifier,
                                      std::shared_ptr<FailureLimiter> limiter,
                                      ServiceAuthOptions options = {});
void installServiceAuth(http::Server& server, const ServiceAuthHooks& hooks);

}  // namespace npufleet::auth
