// The store tests' PostgreSQL: one throw-away server per test binary (started on first use,
// stopped when the tests end), and a fresh schema on it for each test (the URL's search_path),
// which is as empty as a new database for the store and much cheaper to make.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "store/PostgresDatabase.h"
#include "support/PostgresInstance.h"

namespace npufleet::store {

class PostgresTestServer {
 public:
  // The binary's server; nullptr with `error` when it cannot start (every later call gives the
  // same error without trying again).
  static testing::PostgresInstance* instance(std::string* error);
  // A new, empty schema, opened and migrated with `migrations`.
  static std::shared_ptr<PostgresDatabase> freshDatabase(const std::vector<Migration>& migrations,
                                                         std::string* error,
                                                         PostgresOptions options = {});
  // The URL (without password) of a new, empty schema; empty with `error` on failure.
  static std::string freshUrl(std::string* error);
};

}  // namespace npufleet::store
