// The [auth] section of the configuration (service signatures) and the factories that turn a
// loaded Config into a verifier, a failure limiter and a signer, so that the worker and the
// control plane wire service auth in a few lines. Keys:
//   auth.min_version       1|2, default 2 (1 also accepts seed-only v1 requests)
//   auth.window_s          accepted |now - timestamp|, default 300
//   auth.failure_limit     failures per client address before 429, default 10
//   auth.failure_window_s  default 300
//   auth.replay_capacity   nonces remembered, default 500000
//   auth.accepted_hosts    host:port values this server answers to (empty: its own addresses,
//                          see AcceptedHosts.h; ["*"]: not checked, with a warning at start)
//   auth.send_v1           signer: also send the seed's v1 header, default true
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
  // auth.accepted_hosts as configured: empty means "derive", ["*"] means "do not check".
  std::vector<std::string> configured_hosts;
  http::Middleware middleware() const;  // one phase: verifies after the body is read
  ServiceAuthHooks hooks() const;        // before and after the body (installServiceAuth)
};

// Loads the keyring (directory and/or config entries); refuses to start with no trusted key or
// with a key file readable by group or others. `clock` must outlive the result.
Result<ServiceAuthSetup> makeServiceAuthFromConfig(const Config& config, const Clock& clock);

// Once the server listens: sets the verifier's accepted hosts to the configured ones, or, when
// none are configured, to those derived from the listen host and the bound port; logs which,
// and warns when the check is off (["*"]). Returns the hosts in force (empty: not checked).
std::vector<std::string> applyAcceptedHosts(ServiceAuthSetup& setup, const std::string& listen_host,
                                            uint16_t bound_port);

// Reloads the keyring with the same rules (for SIGHUP or an admin action).
Result<std::shared_ptr<const Keyring>> loadKeyringFromConfig(const Config& config);

// The control plane's signer: auth.service_id and the key in auth.service_key_file.
Result<ServiceSigner> makeSignerFromConfig(const Config& config, const Clock& clock);

}  // namespace npufleet::auth
