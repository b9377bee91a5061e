#include "auth/ServiceSigner.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <pthread.h>

#include <atomic>
#include <cstring>

#include "auth/KeyFile.h"
#include "common/HostPort.h"
#include "auth/SignatureFormat.h"

namespace npufleet::auth {

struct ServiceSigner::Secret {
  std::string bytes;
  explicit Secret(std::string b) : bytes(std::move(b)) {}
  ~Secret() { OPENSSL_cleanse(bytes.data(), bytes.size()); }
  Secret(const Secret&) = delete;
  Secret& operator=(const Secret&) = delete;
};

ServiceSigner::ServiceSigner(std::string service_id, std::shared_ptr<const Secret> key,
                             const Clock& clock, SignerOptions options)
    : service_id_(std::move(service_id)),
      key_(std::move(key)),
      key_id_(keyIdFor(key_->bytes)),
      clock_(&clock),
      options_(options) {}

Result<ServiceSigner> ServiceSigner::create(std::string service_id, std::string key,
                                            const Clock& clock, SignerOptions options) {
  if (!isValidServiceId(service_id)) {
    OPENSSL_cleanse(key.data(), key.size());
    return Error::badRequest("service id '" + service_id + "' must match [A-Za-z0-9._-]{1,128}",
                             "auth.service_id");
  }
  if (key.size() < kMinKeyLength) {
    OPENSSL_cleanse(key.data(), key.size());
    return Error::badRequest("the service key is shorter than " + std::to_string(kMinKeyLength) +
                                 " characters",
                             "auth.service_key_file");
  }
  auto secret = std::make_shared<const Secret>(std::move(key));
  return ServiceSigner(std::move(service_id), std::move(secret), clock, options);
}

namespace {

// Nonces come from RAND_bytes drawn 4 KiB at a time per thread (256 nonces) instead of one call
// each: every call paid the DRBG's locking and a getpid() system call. A fork in the process
// discards every thread's unused bytes, so a child never signs with a nonce its parent also
// uses.
std::atomic<unsigned> g_fork_generation{0};

void forgetRandomAfterFork() { g_fork_generation.fetch_add(1, std::memory_order_relaxed); }

bool nextNonceBytes(unsigned char* out, size_t n) {
  static const bool registered = pthread_atfork(nullptr, nullptr, forgetRandomAfterFork) == 0;
  (void)registered;
  struct Pool {
    unsigned char bytes[4096];
    size_t used = sizeof bytes;
    unsigned generation = 0;
    ~Pool() { OPENSSL_cleanse(bytes, sizeof bytes); }
  };
  static thread_local Pool pool;
  const unsigned generation = g_fork_generation.load(std::memory_order_relaxed);
  if (pool.generation != generation) {
    pool.used = sizeof pool.bytes;
    pool.generation = generation;
  }
  if (pool.used + n > sizeof pool.bytes) {
    if (RAND_bytes(pool.bytes, sizeof pool.bytes) != 1) return false;
    pool.used = 0;
  }
  std::memcpy(out, pool.bytes + pool.used, n);
  OPENSSL_cleanse(pool.bytes + pool.used, n);  // handed out once
  pool.used += n;
  return true;
}

}  // namespace

Status ServiceSigner::sign(http::ClientRequest& request) const {
  unsigned char raw[16];
  if (!nextNonceBytes(raw, sizeof raw)) {
    return Error::internal("the system random generator failed (RAND_bytes)");
  }
  const std::string nonce = toHex(raw, sizeof raw);
  return signWith(request, clock_->unixSeconds(), nonce);
}

Status ServiceSigner::signWith(http::ClientRequest& request, int64_t unix_seconds,
                               std::string_view nonce) const {
  if (!isValidMethod(request.method)) {
    return Error::badRequest("cannot sign method '" + request.method +
                                 "': it must be upper-case letters only",
                             "method");
  }
  std::string_view path;
  std::string_view query;
  splitTarget(request.target, path, query);
  if (path.empty() || path.front() != '/' || !isSafePathOrQuery(request.target)) {
    return Error::badRequest(
        "cannot sign target: it must start with '/' and hold visible ASCII only", "target");
  }
  // The Host header http::Client will send: the caller's own, or host:port.
  const std::string host = request.headers.has("Host")
                               ? std::string(request.headers.get("Host"))
                               : hostPort(request.host, request.port);
  if (!isValidHost(host)) {
    return Error::badRequest("cannot sign host '" + request.host + "'", "host");
  }
  if (!isLowerHex(nonce, kNonceMinHex, kNonceMaxHex) || unix_seconds < 0) {
    return Error::internal("signing needs a hex nonce of 128 bits or more and a timestamp >= 0");
  }
  const std::string timestamp = std::to_string(unix_seconds);
  const std::string body_sha = sha256Hex(request.body);

  const std::string v2 = hmacSha256Hex(
      key_->bytes,
      v2StringToSign({service_id_, key_id_, timestamp, nonce},
                     {request.method, host, path, query, body_sha}));

  auto& h = request.headers;
  h.set(std::string(kHeaderServiceId), service_id_);
  h.set(std::string(kHeaderTimestamp), timestamp);
  if (options_.send_v1) {
    h.set(std::string(kHeaderSignature),
          hmacSha256Hex(key_->bytes, v1StringToSign(service_id_, request.method, path, timestamp)));
  }
  h.set(std::string(kHeaderKeyId), key_id_);
  h.set(std::string(kHeaderNonce), std::string(nonce));
  h.set(std::string(kHeaderContentSha256), body_sha);
  h.set(std::string(kHeaderSignatureV2), v2);
  return okStatus();
}

}  // namespace npufleet::auth
