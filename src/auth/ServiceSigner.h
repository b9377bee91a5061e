// Signs outgoing service-to-service requests (seed Issue #255, DESIGN.md 4.3): the seed's v1
// headers, for workers that only know v1, and npufleet's v2 alongside them, which also covers a
// nonce, the body, the query and the target. Format: SignatureFormat.h and docs/security.md.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/Clock.h"
#include "common/Error.h"
#include "http/Client.h"

namespace npufleet::auth {

struct SignerOptions {
  bool send_v1 = true;  // seed-compatible headers next to v2
};

class ServiceSigner {
 public:
  // Refuses an invalid service id or a key shorter than kMinKeyLength; the error never holds
  // the key. `clock` must outlive the signer.
  static Result<ServiceSigner> create(std::string service_id, std::string key, const Clock& clock,
                                      SignerOptions options = {});

  // Adds the signature headers to `request`, using its method, host, port, target and body, the
  // clock's current second and a fresh 128-bit nonce. Fails on a method, target or host that
  // cannot be signed unambiguously (the error names the field).
  Status sign(http::ClientRequest& request) const;

  // The same with a given timestamp and nonce: known-answer tests and benchmarks.
  Status signWith(http::ClientRequest& request, int64_t unix_seconds, std::string_view nonce) const;

  const std::string& serviceId() const { return service_id_; }
  const std::string& keyId() const { return key_id_; }

 private:
  struct Secret;
  ServiceSigner(std::string service_id, std::shared_ptr<const Secret> key, const Clock& clock,
                SignerOptions options);

  std::string service_id_;
  std::shared_ptr<const Secret> key_;  // shared by copies; wiped when the last one goes
  std::string key_id_;
  const Clock* clock_;
  SignerOptions options_;
};

}  // namespace npufleet::auth
