#include "auth/SignatureFormat.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

namespace npufleet::auth {

std::string toHex(const unsigned char* data, size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(size * 2, '0');
  for (size_t i = 0; i < size; ++i) {
    out[2 * i] = kDigits[data[i] >> 4];
    out[2 * i + 1] = kDigits[data[i] & 0x0f];
  }
  return out;
}

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

std::string hmacSha256Hex(std::string_view key, std::string_view message) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac, &len);
  return toHex(mac, len);
}

std::string sha256Hex(std::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  return toHex(digest, sizeof digest);
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
