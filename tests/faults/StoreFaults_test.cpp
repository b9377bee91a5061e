// The control plane's durability under faults of its own: killed with SIGKILL in the middle of a
// burst of concurrent writes, and run out of disk space. Every write it acknowledged must be
// there afterwards, and the SQLite file must pass PRAGMA integrity_check (read here, read-only,
// with the SQLite C API, while the server is stopped).
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <boost/json.hpp>
#include <filesystem>
#include <mutex>
#include <set>
#include <thread>

#include "faults/FaultFleet.h"

namespace npufleet::testing {
namespace {

using namespace std::chrono_literals;

struct Acked {
  std::string id;
  std::string name;
};

std::string nodeBody(const std::string& name, int a, int b) {
  return R"({"name":")" + name + R"(","ip":"10.)" + std::to_string(a) + "." +
         std::to_string(b / 250) + "." + std::to_string(b % 250) + R"(","roles":["backend"]})";
}

std::set<std::string> asSet(const std::vector<std::string>& v) { return {v.begin(), v.end()}; }

TEST(StoreFaults, SigkillDuringConcurrentWritesKeepsEveryAcknowledgedWrite) {
  ControlPlane cp;
  std::string error;
  ASSERT_TRUE(cp.start(&error)) << error;

  std::atomic<bool> stop{false};
  std::atomic<int> acked_count{0};
  std::mutex mu;
  std::vector<Acked> acked;
  std::set<std::string> attempted;
  std::vector<std::string> unexpected;  // answers other than 201 before the kill
  std::atomic<bool> killed{false};
  std::vector<std::thread> writers;
  for (int w = 0; w < 8; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; !stop; ++i) {
        const std::string name = "burst-" + std::to_string(w) + "-" + std::to_string(i);
        {
          std::lock_guard lock(mu);
          attempted.insert(name);
        }
        auto r = cp.call("POST", "/api/fleet/nodes", nodeBody(name, w, i), 10s);
        std::lock_guard lock(mu);
        if (r.status == 201) {
          acked.push_back({std::string(r.json().at("id").as_string()), name});
          ++acked_count;
        } else if (!killed) {
          unexpected.push_back(std::to_string(r.status) + " " + r.failure + " " + r.body);
        } else {
          return;  // the server is gone: this writer is done
        }
      }
    });
  }
  const bool enough = waitUntil([&] { return acked_count >= 150; }, 60s);
  killed = true;
  cp.kill();  // mid-burst: eight writers have requests in flight
  stop = true;
  for (auto& t : writers) t.join();
  ASSERT_TRUE(enough) << "only " << acked_count << " writes acknowledged";
  ASSERT_FALSE(cp.alive());
  EXPECT_TRUE(unexpected.empty()) << unexpected.front();

  // The file as the kill left it (WAL and all): sound, and holding every acknowledged node with
  // its audit entry. Anything else in it was at least attempted (in flight at the kill).
  EXPECT_EQ(integrityCheck(cp.databasePath()), "ok");
  std::string db_error;
  auto names = asSet(queryColumn(cp.databasePath(), "SELECT name FROM nodes", &db_error));
  ASSERT_TRUE(db_error.empty()) << db_error;
  auto audited = asSet(queryColumn(
      cp.databasePath(), "SELECT target FROM audit_log WHERE action = 'node.create'", &db_error));
  ASSERT_TRUE(db_error.empty()) << db_error;
  for (const auto& a : acked) {
    EXPECT_TRUE(names.count(a.name)) << "acknowledged node lost: " << a.name;
    EXPECT_TRUE(audited.count(a.id)) << "audit entry lost: " << a.id;
  }
  for (const auto& n : names) EXPECT_TRUE(attempted.count(n)) << "phantom node " << n;
  EXPECT_LE(names.size(), acked.size() + 8) << "more than the in-flight writes appeared";

  // Restarted, the server serves every acknowledged node, and stops cleanly.
  ASSERT_TRUE(cp.start(&error)) << error;
  for (const auto& a : acked) {
    auto r = cp.call("GET", "/api/fleet/nodes/" + a.id);
    ASSERT_EQ(r.status, 200) << a.id;
    EXPECT_EQ(r.json().at("name"), a.name.c_str());
  }
  auto list = cp.call("GET", "/api/fleet/nodes?per_page=1");
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.json().at("total").as_int64(), static_cast<int64_t>(names.size()));
  EXPECT_EQ(cp.stop(), 0);
  EXPECT_EQ(integrityCheck(cp.databasePath()), "ok");
}

// Disk full, simulated with RLIMIT_FSIZE on the server (which ignores SIGXFSZ, so a write past the limit
// fails with EFBIG as a full disk fails with ENOSPC) set a little above the database's size: the
// write-ahead log fills up after a few writes.
TEST(StoreFaults, DiskFullAnswersAClearErrorAndLosesNothingAcknowledged) {
  ControlPlane cp;
  std::string error;
  ASSERT_TRUE(cp.start(&error)) << error;
  std::vector<Acked> acked;
  for (int i = 0; i < 3; ++i) {
    auto r = cp.call("POST", "/api/fleet/nodes", nodeBody("before-" + std::to_string(i), 1, i));
    ASSERT_EQ(r.status, 201) << r.body;
    acked.push_back({std::string(r.json().at("id").as_string()), "before-" + std::to_string(i)});
  }
  ASSERT_EQ(cp.stop(), 0);  // clean stop: the WAL is checkpointed into the main file

  const auto db_size = std::filesystem::file_size(cp.databasePath());
  const uint64_t limit = db_size + 64 * 1024;
  ASSERT_TRUE(cp.start(&error, [limit](ProcessFixture::Options& o) {
    o.file_size_limit = limit;
    // The server ignores SIGXFSZ itself; the test does not help it.
  })) << error;

  HttpReply refused;
  int i = 0;
  for (; i < 2000; ++i) {
    const std::string name = "during-" + std::to_string(i);
    auto r = cp.call("POST", "/api/fleet/nodes", nodeBody(name, 2, i));
    if (r.status == 201) {
      acked.push_back({std::string(r.json().at("id").as_string()), name});
      continue;
    }
    refused = r;
    break;
  }
  ASSERT_LT(i, 2000) << "the file size limit of " << limit << " bytes was never reached";
  // The client sees a 5xx that names the problem, in the API's error envelope.
  EXPECT_EQ(refused.status, 503) << refused.failure << refused.body;
  auto body = refused.json();
  ASSERT_TRUE(body.is_object()) << refused.body;
  const std::string message(body.at("error").at("message").as_string());
  EXPECT_NE(message.find("file size limit"), std::string::npos) << message;
  EXPECT_NE(message.find("not saved"), std::string::npos) << message;

  // The server is still up: reads work, further writes keep failing cleanly.
  EXPECT_TRUE(cp.alive());
  EXPECT_EQ(cp.call("GET", "/healthz").status, 200);
  auto list = cp.call("GET", "/api/fleet/nodes?per_page=1");
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.json().at("total").as_int64(), static_cast<int64_t>(acked.size()));
  auto again = cp.call("POST", "/api/fleet/nodes", nodeBody("during-retry", 3, 0));
  EXPECT_EQ(again.status, 503) << again.body;
  EXPECT_TRUE(cp.alive());
  EXPECT_EQ(cp.stop(), 0);

  // Limit lifted: the file is sound, nothing acknowledged is lost, nothing refused appeared,
  // and writes work again.
  EXPECT_EQ(integrityCheck(cp.databasePath()), "ok");
  ASSERT_TRUE(cp.start(&error)) << error;
  for (const auto& a : acked) {
    auto r = cp.call("GET", "/api/fleet/nodes/" + a.id);
    EXPECT_EQ(r.status, 200) << a.name;
  }
  auto after = cp.call("GET", "/api/fleet/nodes?per_page=1");
  EXPECT_EQ(after.json().at("total").as_int64(), static_cast<int64_t>(acked.size())) << after.body;
  auto audit = cp.call("GET", "/api/audit?per_page=100");
  ASSERT_EQ(audit.status, 200);
  size_t creates = 0;
  const auto entries = audit.json();
  for (const auto& e : entries.at("entries").as_array()) {
    if (e.at("action") == "node.create") ++creates;
  }
  EXPECT_EQ(creates, acked.size()) << "every acknowledged create is audited, nothing more";
  EXPECT_EQ(cp.call("POST", "/api/fleet/nodes", nodeBody("after", 4, 0)).status, 201);
  EXPECT_EQ(cp.stop(), 0);
  EXPECT_EQ(integrityCheck(cp.databasePath()), "ok");
}

}  // namespace
}  // namespace npufleet::testing
