#include "store/tests/PostgresTestServer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>

namespace npufleet::store {
namespace {

struct Shared {
  std::mutex mu;
  bool tried = false;
  std::unique_ptr<testing::PostgresInstance> pg;
  std::string error;
};

Shared& shared() {
  static Shared s;
  return s;
}

// Stops the server when the tests are over (rather than from a static destructor, after main).
class StopAtEnd : public ::testing::Environment {
 public:
  void TearDown() override {
    std::lock_guard lock(shared().mu);
    shared().pg.reset();
  }
};
const auto* const kStopAtEnd = ::testing::AddGlobalTestEnvironment(new StopAtEnd);

}  // namespace

testing::PostgresInstance* PostgresTestServer::instance(std::string* error) {
  (void)kStopAtEnd;
  auto& s = shared();
  std::lock_guard lock(s.mu);
  if (!s.tried) {
    s.tried = true;
    s.pg = testing::PostgresInstance::start(&s.error);
  }
  if (!s.pg && error) *error = s.error;
  return s.pg.get();
}

std::string PostgresTestServer::freshUrl(std::string* error) {
  static std::atomic<int> next{0};
  auto* pg = instance(error);
  if (pg == nullptr) return {};
  const std::string name = "test_" + std::to_string(next++);
  if (!pg->createSchema(name, error)) return {};
  return pg->url("postgres", name);
}

std::shared_ptr<PostgresDatabase> PostgresTestServer::freshDatabase(
    const std::vector<Migration>& migrations, std::string* error, PostgresOptions options) {
  options.url = freshUrl(error);
  if (options.url.empty()) return nullptr;
  if (options.password.empty()) options.password = instance(error)->password();
  auto db = PostgresDatabase::open(options, migrations);
  if (!db) {
    *error = db.error().message;
    return nullptr;
  }
  return *db;
}

}  // namespace npufleet::store
