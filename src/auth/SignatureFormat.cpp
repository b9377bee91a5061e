#include "auth/SignatureFormat.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/core_names.h>
#include <openssl/params.h>
#include <openssl/sha.h>

#include <vector>

namespace npufleet::auth {

std::string v1StringToSign(std::string_view service_id, std::string_view method,
                           std::string_view path, std::string_view timestamp) {
  std::string s;
  s.reserve(service_id.size() + method.size() + path.size() + timestamp.size() + 3);
  s.append(service_id).append(":").append(method).append(":").append(path).append(":").append(
      timestamp);
  return s;
}

std::string v2StringToSign(const V2Fields& f, const SignedRequest& r) {
  std::string s;
  s.reserve(kV2Scheme.size() + f.service_id.size() + f.key_id.size() + f.timestamp.size() +
            f.nonce.size() + r.method.size() + r.host.size() + r.path.size() + r.query.size() +
            r.content_sha256.size() + 9);
  for (std::string_view part : {kV2Scheme, f.service_id, f.key_id, f.timestamp, f.nonce, r.method,
                                r.host, r.path, r.query}) {
    s.append(part).push_back('\n');
  }
  s.append(r.content_sha256);
  return s;
}

namespace {

// HMAC() fetches the algorithm and derives the key's pad states on every call, which was a
// fifth of the router's CPU per request. A thread keeps one initialised context per key it
// signs or verifies with (a few: rotation) and resets it, which reuses the pad states.
class HmacContexts {
 public:
  ~HmacContexts() {
    for (auto& e : entries_) EVP_MAC_CTX_free(e.ctx);
  }

  // Null when OpenSSL cannot provide HMAC-SHA256 (then the one-shot path is used).
  EVP_MAC_CTX* forKey(std::string_view key) {
    for (auto& e : entries_) {
      if (e.key == key) return EVP_MAC_init(e.ctx, nullptr, 0, nullptr) == 1 ? e.ctx : nullptr;
    }
    static EVP_MAC* const mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    if (mac == nullptr) return nullptr;
    EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(mac);
    if (ctx == nullptr) return nullptr;
    char digest[] = "SHA256";
    const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", digest, 0),
                                 OSSL_PARAM_construct_end()};
    if (EVP_MAC_init(ctx, reinterpret_cast<const unsigned char*>(key.data()), key.size(),
                     params) != 1) {
      EVP_MAC_CTX_free(ctx);
      return nullptr;
    }
    if (entries_.size() == kMaxKeys) {
      EVP_MAC_CTX_free(entries_.front().ctx);
      entries_.erase(entries_.begin());
    }
    entries_.push_back({std::string(key), ctx});
    return ctx;
  }

 private:
  static constexpr size_t kMaxKeys = 8;
  struct Entry {
    std::string key;
    EVP_MAC_CTX* ctx;
  };
  std::vector<Entry> entries_;
};

}  // namespace

std::string hmacSha256Hex(std::string_view key, std::string_view message) {
  static thread_local HmacContexts contexts;
  unsigned char mac[EVP_MAX_MD_SIZE];
  const auto* data = reinterpret_cast<const unsigned char*>(message.data());
  if (EVP_MAC_CTX* ctx = contexts.forKey(key)) {
    size_t len = 0;
    if (EVP_MAC_update(ctx, data, message.size()) == 1 &&
        EVP_MAC_final(ctx, mac, &len, sizeof mac) == 1) {
      return toHex(mac, len);
    }
  }
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), data, message.size(), mac, &len);
  return toHex(mac, len);
}

std::string keyIdFor(std::string_view key) { return sha256Hex(key).substr(0, 16); }

bool isValidServiceId(std::string_view id) {
  if (id.empty() || id.size() > kMaxServiceIdLength) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

bool isValidMethod(std::string_view method) {
  if (method.empty() || method.size() > 16) return false;
  for (char c : method) {
    if (c < 'A' || c > 'Z') return false;
  }
  return true;
}

bool isLowerHex(std::string_view s, size_t min_len, size_t max_len) {
  if (s.size() < min_len || s.size() > max_len) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool isSafePathOrQuery(std::string_view s) {
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x21 || u > 0x7e) return false;
  }
  return true;
}

bool isValidHost(std::string_view host) {
  return !host.empty() && host.size() <= 255 && isSafePathOrQuery(host);
}

std::optional<int64_t> parseTimestamp(std::string_view s) {
  if (s.empty() || s.size() > kMaxTimestampDigits) return std::nullopt;
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

void splitTarget(std::string_view target, std::string_view& path, std::string_view& query) {
  const auto q = target.find('?');
  path = target.substr(0, q);
  query = q == std::string_view::npos ? std::string_view{} : target.substr(q + 1);
}

}  // namespace npufleet::auth
