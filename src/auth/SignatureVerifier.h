// Decides whether an incoming request carries a valid service signature (DESIGN.md 4.3):
// v2 whenever its header is present, v1 only where the deployment allows it
// (auth.min_version = 1). Checks run cheapest first and every failure has its own reason,
// which the middleware returns as {"detail": reason, "authenticated": false}.
//
// Thread-safe: verify() may run on every io_context thread at once.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "auth/Keyring.h"
#include "auth/ReplayCache.h"
#include "common/Clock.h"
#include "common/Error.h"
#include "http/Message.h"

namespace npufleet::auth {

struct VerifierOptions {
  int min_version = 2;              // 1: also accept requests that carry only v1
  std::chrono::seconds window{300};  // accepted |now - timestamp|
  // host:port values this server is reached at ("10.0.0.7:8081"). When set, a request whose
  // Host header is not one of them is refused, so a request signed for one worker cannot be
  // replayed to another sharing the key. Empty: the signed host must equal the Host header,
  // whatever it is (the worker never runs so: it derives its own, see AcceptedHosts.h).
  std::vector<std::string> accepted_hosts;
  size_t replay_capacity = 500'000;
};

struct VerifiedCaller {
  std::string service_id;
  int version = 0;      // 1 or 2
  std::string key_id;   // v2 only
};

class SignatureVerifier {
 public:
  // `clock` must outlive the verifier. The replay cache's TTL is twice the window.
  SignatureVerifier(VerifierOptions options, std::shared_ptr<const Keyring> keyring,
                    const Clock& clock);

  // Error codes: kUnauthenticated (401) with the reason as message; kUnavailable (503) when the
  // replay cache has no room for a valid request's nonce.
  // Everything: verifyHead's checks, then the body digest, then the nonce.
  Result<VerifiedCaller> verify(const http::Request& request) const;

  // The same checks split around reading the body, so that a server answers an unsigned or
  // badly signed request before it reads (and holds) the body: verifyHead checks every field
  // but the body digest from the headers and takes the nonce; verifyBody, once the body is in,
  // checks the digest the head announced (nothing for a v1-only request, which covers no body).
  Result<VerifiedCaller> verifyHead(const http::Request& request) const;
  static Status verifyBody(const http::Request& request);

  // Swaps in a reloaded keyring (rotation without restart); requests in flight finish with the
  // old one.
  void setKeyring(std::shared_ptr<const Keyring> keyring);

  const VerifierOptions& options() const { return options_; }
  // Replaces accepted_hosts: the worker learns its port (0 = any) only once it listens.
  void setAcceptedHosts(std::vector<std::string> hosts);
  std::vector<std::string> acceptedHosts() const;
  size_t replayCacheSize() const { return replay_->size(); }

 private:
  std::shared_ptr<const Keyring> keyring() const;
  Result<VerifiedCaller> checkHead(const http::Request& request) const;  // all but digest, nonce
  Status consumeNonce(const http::Request& request, const VerifiedCaller& caller) const;
  Result<VerifiedCaller> verifyV1(const http::Request& request, const std::string& service_id,
                                  std::string_view timestamp, const Keyring& ring) const;
  Result<VerifiedCaller> verifyV2(const http::Request& request, const std::string& service_id,
                                  std::string_view timestamp, const Keyring& ring) const;

  VerifierOptions options_;
  const Clock& clock_;
  std::unique_ptr<ReplayCache> replay_;
  mutable std::mutex keyring_mu_;
  std::shared_ptr<const Keyring> keyring_;
  std::shared_ptr<const std::vector<std::string>> accepted_hosts_;  // under keyring_mu_
};

}  // namespace npufleet::auth
