// The PostgreSQL schema of the repositories that have a PostgreSQL implementation, in its own
// migration list (its own schema_migrations table in that database). Versions follow the SQLite
// list's ranges (core 1-99; npu 100+ and balancer 200+ when those repositories come), so that
// "migration 2" names the same change on both backends.
#pragma once

#include <vector>

#include "store/Database.h"

namespace npufleet::store {

std::vector<Migration> postgresCoreMigrations();

}  // namespace npufleet::store
