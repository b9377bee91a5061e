#include "auth/tokens/TokenService.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cctype>

namespace npufleet::auth {
namespace {
constexpr int kMaxFailures = 20;
constexpr auto kFailureWindow = std::chrono::seconds(60);
constexpr size_t kMaxTrackedAddresses = 10000;

std::string hex(const unsigned char* data, size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (size_t i = 0; i < n; ++i) {
    out.push_back(kHex[data[i] >> 4]);
    out.push_back(kHex[data[i] & 0xF]);
  }
  return out;
}
}  // namespace

const char* userRoleName(UserRole role) {
  switch (role) {
    case UserRole::kViewer: return "viewer";
    case UserRole::kOperator: return "operator";
    case UserRole::kAdmin: return "admin";
    case UserRole::kInference: return "inference";
  }
  return "viewer";
}

std::optional<UserRole> parseUserRole(std::string_view name) {
  for (auto r : {UserRole::kViewer, UserRole::kOperator, UserRole::kAdmin, UserRole::kInference}) {
    if (name == userRoleName(r)) return r;
  }
  return std::nullopt;
}

bool roleAllows(UserRole role, std::string_view access) {
  if (access == "public") return true;
  if (access == "inference") return true;  // every role may run inference
  if (role == UserRole::kInference) return false;
  if (access == "viewer") return true;
  if (access == "operator") return role == UserRole::kOperator || role == UserRole::kAdmin;
  if (access == "admin") return role == UserRole::kAdmin;
  return false;  // an unknown access level is closed
}

TokenService::TokenService(TokenRepository& repo, const Clock& clock) : repo_(repo), clock_(clock) {}

std::string TokenService::hashToken(std::string_view secret) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(secret.data(), secret.size(), digest, &len, EVP_sha256(), nullptr);
  return hex(digest, len);
}

Result<IssuedToken> TokenService::create(const std::string& name, UserRole role) {
  if (name.empty() || name.size() > 64 ||
      !std::all_of(name.begin(), name.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
      })) {
    return Error::badRequest("'name' must be 1-64 characters of letters, digits, '.', '_' or '-'",
                             "name");
  }
  unsigned char bytes[24];
  if (RAND_bytes(bytes, sizeof bytes) != 1) return Error::internal("random generator failed");
  IssuedToken issued;
  issued.secret = "npf_" + hex(bytes, sizeof bytes);
  issued.token.name = name;
  issued.token.role = role;
  issued.token.hash = hashToken(issued.secret);
  issued.token.created_at = clock_.now();
  auto saved = repo_.insert(issued.token);
  if (!saved) return saved.error();
  issued.token = *saved;
  return issued;
}

bool TokenService::limited(const std::string& address) {
  std::lock_guard lock(mu_);
  auto it = failures_.find(address);
  if (it == failures_.end()) return false;
  if (clock_.steadyNow() - it->second.window_start > kFailureWindow) {
    failures_.erase(it);
    return false;
  }
  return it->second.count >= kMaxFailures;
}

void TokenService::recordFailure(const std::string& address) {
  std::lock_guard lock(mu_);
  const auto now = clock_.steadyNow();
  if (failures_.size() >= kMaxTrackedAddresses && !failures_.count(address)) {
    for (auto it = failures_.begin(); it != failures_.end();) {
      it = now - it->second.window_start > kFailureWindow ? failures_.erase(it) : std::next(it);
    }
    // Still full of live windows (a flood from many addresses, e.g. across an IPv6 prefix):
    // forget the oldest window rather than grow without bound.
    if (failures_.size() >= kMaxTrackedAddresses) {
      failures_.erase(
          std::min_element(failures_.begin(), failures_.end(), [](const auto& a, const auto& b) {
            return a.second.window_start < b.second.window_start;
          }));
    }
  }
  auto& f = failures_[address];
  if (f.count == 0 || now - f.window_start > kFailureWindow) {
    f.count = 0;
    f.window_start = now;
  }
  ++f.count;
}

size_t TokenService::trackedAddresses() {
  std::lock_guard lock(mu_);
  return failures_.size();
}

Result<UserToken> TokenService::authenticate(std::string_view bearer, const std::string& address) {
  if (limited(address)) {
    return Error{ErrorCode::kTooManyRequests,
                 "too many failed authentication attempts from this address; try again later", {}};
  }
  auto fail = [&](std::string message) -> Result<UserToken> {
    recordFailure(address);
    return Error{ErrorCode::kUnauthenticated, std::move(message), {}};
  };
  if (bearer.empty()) return Error{ErrorCode::kUnauthenticated, "missing bearer token", {}};
  auto found = repo_.findByHash(hashToken(bearer));
  if (!found) return found.error();
  if (!*found) return fail("invalid token");
  if ((*found)->revoked) return fail("token has been revoked");
  (void)repo_.touch((*found)->id, clock_.now());
  return **found;
}

}  // namespace npufleet::auth
