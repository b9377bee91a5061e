#include "auth/SignatureVerifier.h"

#include <openssl/crypto.h>
#include <strings.h>

#include <algorithm>

#include "auth/SignatureFormat.h"

namespace npufleet::auth {
namespace {

Error unauthenticated(std::string reason) {
  return {ErrorCode::kUnauthenticated, std::move(reason), {}};
}

size_t headerCount(const http::Headers& headers, std::string_view name) {
  size_t n = 0;
  for (const auto& [k, v] : headers.all()) {
    if (k.size() == name.size() && strncasecmp(k.data(), name.data(), name.size()) == 0) ++n;
  }
  return n;
}

bool equalsConstantTime(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

// The raw path and query as received: the server keeps the target verbatim; a Request built by
// hand (tests, other front ends) may only have path and query.
void requestPathAndQuery(const http::Request& r, std::string_view& path, std::string_view& query) {
  if (!r.target.empty()) {
    splitTarget(r.target, path, query);
  } else {
    path = r.path;
    query = r.query;
  }
}

}  // namespace

SignatureVerifier::SignatureVerifier(VerifierOptions options,
                                     std::shared_ptr<const Keyring> keyring, const Clock& clock)
    : options_(std::move(options)), clock_(clock), keyring_(std::move(keyring)) {
  ReplayCache::Options cache;
  cache.capacity = options_.replay_capacity;
  cache.ttl = 2 * options_.window;
  replay_ = std::make_unique<ReplayCache>(cache, clock_);
  if (!keyring_) keyring_ = std::make_shared<const Keyring>();
  accepted_hosts_ = std::make_shared<const std::vector<std::string>>(options_.accepted_hosts);
}

void SignatureVerifier::setAcceptedHosts(std::vector<std::string> hosts) {
  auto next = std::make_shared<const std::vector<std::string>>(std::move(hosts));
  std::lock_guard lock(keyring_mu_);
  accepted_hosts_.swap(next);
}

std::vector<std::string> SignatureVerifier::acceptedHosts() const {
  std::lock_guard lock(keyring_mu_);
  return *accepted_hosts_;
}

void SignatureVerifier::setKeyring(std::shared_ptr<const Keyring> keyring) {
  if (!keyring) keyring = std::make_shared<const Keyring>();
  std::lock_guard lock(keyring_mu_);
  keyring_.swap(keyring);
}

std::shared_ptr<const Keyring> SignatureVerifier::keyring() const {
  std::lock_guard lock(keyring_mu_);
  return keyring_;
}

Result<VerifiedCaller> SignatureVerifier::verify(const http::Request& request) const {
  auto caller = checkHead(request);
  if (!caller) return caller;
  if (auto st = verifyBody(request); !st) return st.error();
  if (auto st = consumeNonce(request, *caller); !st) return st.error();
  return caller;
}

Result<VerifiedCaller> SignatureVerifier::verifyHead(const http::Request& request) const {
  auto caller = checkHead(request);
  if (!caller) return caller;
  // Taken now, before the body: a captured head replayed with a body of the attacker's choosing
  // is refused here, without the body being read.
  if (auto st = consumeNonce(request, *caller); !st) return st.error();
  return caller;
}

Status SignatureVerifier::verifyBody(const http::Request& request) {
  // v1 covers no body; a v2 request's digest header was checked for form by verifyHead.
  if (!request.headers.has(kHeaderSignatureV2)) return okStatus();
  if (!equalsConstantTime(sha256Hex(request.body), request.headers.get(kHeaderContentSha256))) {
    return unauthenticated("body digest mismatch: the body is not the one that was signed");
  }
  return okStatus();
}

Status SignatureVerifier::consumeNonce(const http::Request& request,
                                       const VerifiedCaller& caller) const {
  if (caller.version < 2) return okStatus();
  switch (replay_->insert(caller.service_id, request.headers.get(kHeaderNonce))) {
    case ReplayCache::Outcome::kFresh: return okStatus();
    case ReplayCache::Outcome::kReplay: return unauthenticated("replayed nonce");
    case ReplayCache::Outcome::kFull:
      return Error{ErrorCode::kUnavailable, "replay cache full; retry later", {}};
  }
  return okStatus();
}

Result<VerifiedCaller> SignatureVerifier::checkHead(const http::Request& request) const {
  const auto& h = request.headers;
  // A repeated header would let a proxy and this server read different values.
  for (std::string_view name : {kHeaderServiceId, kHeaderTimestamp, kHeaderSignature,
                                kHeaderSignatureV2, kHeaderNonce, kHeaderContentSha256,
                                kHeaderKeyId, std::string_view("Host")}) {
    if (headerCount(h, name) > 1) return unauthenticated("duplicate header " + std::string(name));
  }
  const std::string_view service_id = h.get(kHeaderServiceId);
  if (service_id.empty()) return unauthenticated("missing header X-Service-ID");
  const std::string_view timestamp = h.get(kHeaderTimestamp);
  if (timestamp.empty()) return unauthenticated("missing header X-Service-Timestamp");
  const bool has_v2 = h.has(kHeaderSignatureV2);
  if (!has_v2) {
    if (options_.min_version >= 2) {
      return unauthenticated(h.has(kHeaderSignature)
                                 ? "v1 signatures are not accepted here: missing header "
                                   "X-Service-Signature-V2"
                                 : "missing header X-Service-Signature-V2");
    }
    if (!h.has(kHeaderSignature)) return unauthenticated("missing header X-Service-Signature");
  }
  if (!isValidServiceId(service_id)) {
    return unauthenticated("malformed header X-Service-ID: must match [A-Za-z0-9._-]{1,128}");
  }
  const auto ts = parseTimestamp(timestamp);
  if (!ts) {
    return unauthenticated(
        "malformed header X-Service-Timestamp: must be integer Unix seconds, digits only");
  }
  const auto ring = keyring();
  const std::string id(service_id);
  if (ring->keysFor(id).empty()) return unauthenticated("unknown service id");

  const int64_t now = clock_.unixSeconds();
  const int64_t window = options_.window.count();
  if (*ts < now - window || *ts > now + window) {
    const bool behind = *ts < now;
    const int64_t skew = behind ? now - *ts : *ts - now;
    return unauthenticated("timestamp is " + std::to_string(skew) + " s " +
                           (behind ? "behind" : "ahead of") + " the server clock; the window is " +
                           std::to_string(window) + " s");
  }
  return has_v2 ? verifyV2(request, id, timestamp, *ring)
                : verifyV1(request, id, timestamp, *ring);
}

Result<VerifiedCaller> SignatureVerifier::verifyV1(const http::Request& request,
                                                   const std::string& service_id,
                                                   std::string_view timestamp,
                                                   const Keyring& ring) const {
  const std::string_view signature = request.headers.get(kHeaderSignature);
  if (!isLowerHex(signature, 64, 64)) {
    return unauthenticated("malformed header X-Service-Signature: must be 64 lowercase hex digits");
  }
  std::string_view path;
  std::string_view query;
  requestPathAndQuery(request, path, query);
  const std::string message = v1StringToSign(service_id, request.method, path, timestamp);
  // Every key of the service is tried so that both sides of a rotation verify; the comparison
  // is constant time and runs for every key whatever the outcome.
  bool match = false;
  for (const auto& key : ring.keysFor(service_id)) {
    match |= equalsConstantTime(hmacSha256Hex(key.secret, message), signature);
  }
  if (!match) return unauthenticated("bad signature");
  return VerifiedCaller{service_id, 1, {}};
}

Result<VerifiedCaller> SignatureVerifier::verifyV2(const http::Request& request,
                                                   const std::string& service_id,
                                                   std::string_view timestamp,
                                                   const Keyring& ring) const {
  const auto& h = request.headers;
  const std::string_view signature = h.get(kHeaderSignatureV2);
  const std::string_view nonce = h.get(kHeaderNonce);
  const std::string_view content_sha = h.get(kHeaderContentSha256);
  const std::string_view key_id = h.get(kHeaderKeyId);
  if (nonce.empty()) return unauthenticated("missing header X-Service-Nonce");
  if (content_sha.empty()) return unauthenticated("missing header X-Service-Content-SHA256");
  if (key_id.empty()) return unauthenticated("missing header X-Service-Key-Id");
  if (!isLowerHex(signature, 64, 64)) {
    return unauthenticated(
        "malformed header X-Service-Signature-V2: must be 64 lowercase hex digits");
  }
  if (!isLowerHex(nonce, kNonceMinHex, kNonceMaxHex)) {
    return unauthenticated("malformed header X-Service-Nonce: must be 32 to 128 lowercase hex digits");
  }
  if (!isLowerHex(content_sha, 64, 64)) {
    return unauthenticated(
        "malformed header X-Service-Content-SHA256: must be 64 lowercase hex digits");
  }
  if (!isLowerHex(key_id, kKeyIdMinHex, kKeyIdMaxHex)) {
    return unauthenticated("malformed header X-Service-Key-Id: must be 8 to 64 lowercase hex digits");
  }
  if (!isValidMethod(request.method)) return unauthenticated("method cannot be verified");
  std::string_view path;
  std::string_view query;
  requestPathAndQuery(request, path, query);
  if (!isSafePathOrQuery(path) || !isSafePathOrQuery(query)) {
    return unauthenticated("request target holds characters that cannot be verified");
  }
  const std::string_view host = h.get("Host");
  if (!isValidHost(host)) return unauthenticated("missing or malformed header Host");
  std::shared_ptr<const std::vector<std::string>> accepted;
  {
    std::lock_guard lock(keyring_mu_);
    accepted = accepted_hosts_;
  }
  if (!accepted->empty() &&
      std::none_of(accepted->begin(), accepted->end(),
                   [&](const std::string& a) { return equalsIgnoreCase(a, host); })) {
    return unauthenticated("host mismatch: the request was addressed to another server");
  }
  const Keyring::Key* key = ring.find(service_id, key_id);
  if (key == nullptr) return unauthenticated("unknown key id for this service");

  const std::string expected = hmacSha256Hex(
      key->secret, v2StringToSign({service_id, key_id, timestamp, nonce},
                                  {request.method, host, path, query, content_sha}));
  if (!equalsConstantTime(expected, signature)) {
    return unauthenticated(
        "bad signature: method, host, path, query or signed headers differ from what was signed");
  }
  return VerifiedCaller{service_id, 2, std::string(key_id)};
}

}  // namespace npufleet::auth
