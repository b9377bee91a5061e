// Bearer tokens of people and applications using the control-plane API. Only a SHA-256 hash of
// each token is stored; the clear token is shown once, when it is created.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "common/Error.h"

namespace npufleet::auth {

// viewer < operator < admin; `inference` may only call the inference router.
enum class UserRole { kViewer, kOperator, kAdmin, kInference };
const char* userRoleName(UserRole role);
std::optional<UserRole> parseUserRole(std::string_view name);

// May `role` call an endpoint whose access level is `access` ("public", "viewer", "operator",
// "admin", "inference")?
bool roleAllows(UserRole role, std::string_view access);

struct UserToken {
  int64_t id = 0;
  std::string name;
  UserRole role = UserRole::kViewer;
  std::string hash;  // lowercase hex SHA-256 of the clear token
  std::chrono::system_clock::time_point created_at{};
  std::optional<std::chrono::system_clock::time_point> last_used_at;
  bool revoked = false;
};

class TokenRepository {
 public:
  virtual ~TokenRepository() = default;
  virtual Result<UserToken> insert(const UserToken& token) = 0;  // Conflict on a duplicate name
  virtual Result<std::optional<UserToken>> findByHash(const std::string& hash) = 0;
  virtual Result<std::vector<UserToken>> list() = 0;
  virtual Status revoke(const std::string& name) = 0;  // NotFound when absent
  virtual Status touch(int64_t id, std::chrono::system_clock::time_point when) = 0;
  virtual Result<int64_t> count() = 0;
};

}  // namespace npufleet::auth
