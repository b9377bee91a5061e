// The wire format of service-to-service request signatures (DESIGN.md 4.3): header names, the
// seed-compatible v1 string-to-sign, npufleet's v2 string-to-sign, and the validators that keep
// every signed field free of the characters that separate fields. Signer and verifier both
// build their strings here so that the two sides cannot drift apart.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/Sha256.h"  // sha256Hex, toHex

namespace npufleet::auth {

// v1 (seed, Issue #255).
inline constexpr std::string_view kHeaderServiceId = "X-Service-ID";
inline constexpr std::string_view kHeaderTimestamp = "X-Service-Timestamp";
inline constexpr std::string_view kHeaderSignature = "X-Service-Signature";
// v2 (npufleet), sent alongside v1; X-Service-ID and X-Service-Timestamp are shared.
inline constexpr std::string_view kHeaderSignatureV2 = "X-Service-Signature-V2";
inline constexpr std::string_view kHeaderNonce = "X-Service-Nonce";
inline constexpr std::string_view kHeaderContentSha256 = "X-Service-Content-SHA256";
inline constexpr std::string_view kHeaderKeyId = "X-Service-Key-Id";

// First line of every v2 string-to-sign: binds the algorithm and version into the MAC so that
// a v2 signature can never be read as anything else.
inline constexpr std::string_view kV2Scheme = "NPUFLEET-HMAC-SHA256-V2";

// Length limits: generous for real use, small enough that nothing unbounded reaches a MAC.
inline constexpr size_t kMaxServiceIdLength = 128;
inline constexpr size_t kMaxTimestampDigits = 18;
inline constexpr size_t kNonceMinHex = 32;  // 128 bits
inline constexpr size_t kNonceMaxHex = 128;
inline constexpr size_t kKeyIdMinHex = 8;
inline constexpr size_t kKeyIdMaxHex = 64;

// Everything a v2 signature covers besides service id, key id, timestamp and nonce.
struct SignedRequest {
  std::string_view method;          // "GET"
  std::string_view host;            // "10.0.0.7:8081", as in the Host header
  std::string_view path;            // "/models/load", raw (not percent-decoded), no query
  std::string_view query;           // raw query without '?', may be empty
  std::string_view content_sha256;  // lowercase hex SHA-256 of the raw body
};

struct V2Fields {
  std::string_view service_id;
  std::string_view key_id;
  std::string_view timestamp;
  std::string_view nonce;
};

// "{service_id}:{METHOD}:{path}:{timestamp}" exactly as the seed computes it.
std::string v1StringToSign(std::string_view service_id, std::string_view method,
                           std::string_view path, std::string_view timestamp);

// Ten newline-separated lines, no trailing newline:
//   NPUFLEET-HMAC-SHA256-V2, service id, key id, timestamp, nonce, METHOD, host:port, path,
//   query, content SHA-256.
// Callers validate every field first (the validators below); none may contain '\n', and the
// number of lines is fixed, so field boundaries are unambiguous.
std::string v2StringToSign(const V2Fields& fields, const SignedRequest& request);

// Lowercase hex of HMAC-SHA256(key bytes, message): the key string is used as its UTF-8 bytes
// (a 64-character hex key is 64 bytes of key, not 32 decoded ones), as the seed does.
std::string hmacSha256Hex(std::string_view key, std::string_view message);

// Key id sent in X-Service-Key-Id: the first 16 hex digits of SHA-256(key). Identifies which
// of several keys (rotation) signed a request without revealing the key.
std::string keyIdFor(std::string_view key);

// Validators of the signed fields; callers turn a false into a reason naming the header.
bool isValidServiceId(std::string_view id);       // [A-Za-z0-9._-]{1,128}
bool isValidMethod(std::string_view method);      // [A-Z]{1,16}
bool isLowerHex(std::string_view s, size_t min_len, size_t max_len);
bool isSafePathOrQuery(std::string_view s);       // visible ASCII only (0x21-0x7E)
bool isValidHost(std::string_view host);          // visible ASCII only, 1-255 bytes
// Digits only, at most 18 of them; nullopt otherwise ("+5", "-1", " 5", "5.0" are refused).
std::optional<int64_t> parseTimestamp(std::string_view s);

// Splits "path?query" at the first '?'.
void splitTarget(std::string_view target, std::string_view& path, std::string_view& query);

}  // namespace npufleet::auth
