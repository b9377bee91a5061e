// The control plane's core schema (versions 1-99). Other modules keep their own ranges
// (npu 100+, balancer 200+); app/ concatenates them when opening the database.
#pragma once

#include <vector>

#include "store/Database.h"

namespace npufleet::store {

std::vector<Migration> coreMigrations();

}  // namespace npufleet::store
