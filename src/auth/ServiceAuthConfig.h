// The [auth] section of the configuration (service signatures) and the factories that turn a
// loaded Config into a verifier, a failure limiter and a signer, so that the worker and the
// control plane wire service auth in a few lines. Keys:
//   auth.min_version       1|2, default 2 (1 also accepts seed-only v1 requests)
//   auth.window_s          accepted |now - timestamp|, default 300
//   auth.failure_limit     failures per client address before 429, default 10
//   auth.failure_window_s  default 300
//   auth.replay_capacity   nonces remembered, default 500000
//   auth.accepted_hosts    host:port values this server answers to (empty: any)
//   auth.exempt_paths      paths served unsigned, default ["/livez"]
//   auth.trusted_keys_dir  verifier: directory of <service-id>.key files (--trusted-keys)
//   auth.trusted_keys      verifier: "service-id:key" entries (secret)
//   auth.service_id        signer: default "main-backend"
//   auth.service_key_file  signer: one-line key file (--service-key-file)
#pragma once

#include <memory>

#include "auth/FailureLimiter.h"
#include "auth/ServiceAuthMiddleware.h"
#include "auth/ServiceSigner.h"
#include "auth/SignatureVerifier.h"
#include "common/Clock.h"
#include "common/Config.h"

namespace npufleet::auth {

void addServiceAuthConfigKeys(ConfigSchema& schema);

// Everything a server needs to verify service signatures.
struct ServiceAuthSetup {
  std::shared_ptr<SignatureVerifier> verifier;
  std::shared_ptr<FailureLimiter> limiter;
  ServiceAuthOptions options;
  http::Middleware middleware() const;
};

// Loads the keyring (directory and/or config entries); refuses to start with no trusted key or
// with a key file readable by group or others. `clock` must outlive the result.
Result<ServiceAuthSetup> makeServiceAuthFromConfig(const Config& config, const Clock& clock);

// Reloads the keyring with the same rules (for SIGHUP or an admin action).
Result<std::shared_ptr<const Keyring>> loadKeyringFromConfig(const Config& config);

// The control plane's signer: auth.service_id and the key in auth.service_key_file.
Result<ServiceSigner> makeSignerFromConfig(const Config& config, const Clock& clock);

}  // namespace npufleet::auth
