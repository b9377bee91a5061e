// The one list of node roles the fleet knows (GET /api/fleet/roles). Assigning a role that is
// not here is a 400 naming the role.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace npufleet::fleet {

struct RoleInfo {
  std::string id;
  std::string label;
  std::string category;
  std::string description;
};

const std::vector<RoleInfo>& roleCatalog();
const RoleInfo* findRole(std::string_view id);

}  // namespace npufleet::fleet
