#include "auth/tokens/TokenService.h"

#include <openssl/rand.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cctype>
#include <limits>

#include "common/Sha256.h"

namespace npufleet::auth {
namespace {
constexpr int kMaxFailures = 20;
constexpr auto kFailureWindow = std::chrono::seconds(60);
constexpr int kMaxNetworkFailures = 100;
constexpr size_t kMaxTracked = 10000;
constexpr auto kRecheckAfter = std::chrono::seconds(1);
constexpr auto kTouchEvery = std::chrono::seconds(60);

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

std::string TokenService::hashToken(std::string_view secret) { return sha256Hex(secret); }

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
  issued.secret = "npf_" + toHex(bytes, sizeof bytes);
  issued.token.name = name;
  issued.token.role = role;
  issued.token.hash = hashToken(issued.secret);
  issued.token.created_at = clock_.now();
  auto saved = repo_.insert(issued.token);
  if (!saved) return saved.error();
  issued.token = *saved;
  return issued;
}

namespace {

// The network an address belongs to for counting failures: its /24 (IPv4), its /64 (IPv6), or
// the whole loopback range, where every 127.x address is the same host.
std::string networkOf(const std::string& address) {
  std::string v4 = address;
  if (v4.rfind("::ffff:", 0) == 0) v4 = v4.substr(7);
  in_addr a4{};
  if (inet_pton(AF_INET, v4.c_str(), &a4) == 1) {
    const auto* b = reinterpret_cast<const unsigned char*>(&a4.s_addr);
    if (b[0] == 127) return "127.0.0.0/8";
    return std::to_string(b[0]) + "." + std::to_string(b[1]) + "." + std::to_string(b[2]) + ".0/24";
  }
  in6_addr a6{};
  if (inet_pton(AF_INET6, address.c_str(), &a6) == 1) {
    if (IN6_IS_ADDR_LOOPBACK(&a6)) return "127.0.0.0/8";
    return toHex(a6.s6_addr, 8) + "/64";
  }
  return address;
}

}  // namespace

bool TokenService::recordFailure(const std::string& address) {
  std::lock_guard lock(mu_);
  const auto now = clock_.steadyNow();
  const std::string network = "net:" + networkOf(address);
  auto over = [&](const std::string& key, int max) {
    auto it = failures_.find(key);
    if (it == failures_.end()) return false;
    if (now - it->second.window_start > kFailureWindow) {
      failures_.erase(it);
      return false;
    }
    return it->second.count >= max;
  };
  const bool was_limited = over(address, kMaxFailures) || over(network, kMaxNetworkFailures);
  countFailure(address, now);
  countFailure(network, now);
  return was_limited;
}

void TokenService::countFailure(const std::string& key, std::chrono::steady_clock::time_point now) {
  if (failures_.size() >= kMaxTracked && !failures_.count(key)) {
    for (auto it = failures_.begin(); it != failures_.end();) {
      it = now - it->second.window_start > kFailureWindow ? failures_.erase(it) : std::next(it);
    }
    // Still full of live windows (a flood from many addresses, e.g. across an IPv6 prefix):
    // forget the oldest window rather than grow without bound.
    if (failures_.size() >= kMaxTracked) {
      failures_.erase(
          std::min_element(failures_.begin(), failures_.end(), [](const auto& a, const auto& b) {
            return a.second.window_start < b.second.window_start;
          }));
    }
  }
  auto& f = failures_[key];
  if (f.count == 0 || now - f.window_start > kFailureWindow) {
    f.count = 0;
    f.window_start = now;
  }
  if (f.count < std::numeric_limits<int>::max()) ++f.count;
}

size_t TokenService::trackedAddresses() {
  std::lock_guard lock(mu_);
  return failures_.size();
}

Result<std::optional<UserToken>> TokenService::find(const std::string& hash) {
  const auto now = clock_.steadyNow();
  {
    std::lock_guard lock(cache_mu_);
    auto it = cache_.find(hash);
    if (it != cache_.end() && now - it->second.checked_at < kRecheckAfter) {
      return std::optional<UserToken>(it->second.token);
    }
  }
  // Unknown here, or cached for a second already: the repository decides. Unknown hashes are
  // not cached (they cost a lookup each, and failures are rate-limited), so the cache holds
  // only tokens that exist.
  auto found = repo_.findByHash(hash);
  std::lock_guard lock(cache_mu_);
  if (!found) {
    // The store cannot answer now (busy, disk trouble): a token it confirmed before stays
    // good until it can, so that routing, which needs no database, keeps working meanwhile.
    auto it = cache_.find(hash);
    if (it == cache_.end()) return found.error();
    return std::optional<UserToken>(it->second.token);
  }
  if (!*found) {
    cache_.erase(hash);
    return found;
  }
  auto& entry = cache_[hash];
  // Keep this process's own record of use; the stored last_used_at may lag by up to a minute.
  const auto last_used = entry.token.last_used_at;
  entry.token = **found;
  if (last_used && (!entry.token.last_used_at || *entry.token.last_used_at < *last_used)) {
    entry.token.last_used_at = last_used;
  }
  entry.checked_at = now;
  return std::optional<UserToken>(entry.token);
}

void TokenService::touchIfDue(const UserToken& token) {
  const auto now = clock_.steadyNow();
  {
    std::lock_guard lock(cache_mu_);
    auto it = cache_.find(token.hash);
    if (it == cache_.end()) return;
    if (it->second.touched && now - it->second.touched_at < kTouchEvery) return;
    it->second.touched = true;
    it->second.touched_at = now;
    it->second.token.last_used_at = clock_.now();
  }
  (void)repo_.touch(token.id, clock_.now());
}

Status TokenService::revoke(const std::string& name) {
  if (auto st = repo_.revoke(name); !st) return st;
  {
    std::lock_guard lock(cache_mu_);
    for (auto& [hash, entry] : cache_) {
      if (entry.token.name == name) entry.token.revoked = true;
    }
  }
  std::vector<std::function<void(const std::string&)>> listeners;
  {
    std::lock_guard lock(listeners_mu_);
    listeners = revocation_listeners_;
  }
  for (const auto& l : listeners) l(name);
  return okStatus();
}

void TokenService::onRevoked(std::function<void(const std::string& name)> listener) {
  std::lock_guard lock(listeners_mu_);
  revocation_listeners_.push_back(std::move(listener));
}

Result<UserToken> TokenService::authenticate(std::string_view bearer, const std::string& address) {
  if (bearer.empty()) return Error{ErrorCode::kUnauthenticated, "missing bearer token", {}};
  auto found = find(hashToken(bearer));
  if (!found) return found.error();
  if (*found && !(*found)->revoked) {
    touchIfDue(**found);
    return std::move(**found);
  }
  // A failed guess. The limit is checked before this one is counted: the first 20 failures
  // of a window are 401, every later one 429.
  if (recordFailure(address)) {
    return Error{ErrorCode::kTooManyRequests,
                 "too many failed authentication attempts from this address; try again later", {}};
  }
  return Error{ErrorCode::kUnauthenticated, *found ? "token has been revoked" : "invalid token", {}};
}

}  // namespace npufleet::auth
