// The control plane's registry API end to end: a real server process, real HTTP.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <regex>

#include "server/ServerHarness.h"

namespace npufleet::testing {
namespace {

class ServerApiTest : public SharedServerTest {
 protected:
  HttpReply call(const std::string& m, const std::string& t, const std::string& b = {},
                 const std::string& token = "<admin>") {
    return harness->call(m, t, b, token);
  }
  std::string addNode(const std::string& name, const std::string& ip, const std::string& extra = "") {
    auto r = call("POST", "/api/fleet/nodes",
                  R"({"name":")" + name + R"(","ip":")" + ip + "\"" + extra + "}");
    EXPECT_EQ(r.status, 201) << r.body;
    return std::string(r.json().at("id").as_string());
  }
  static std::string field(const HttpReply& r) {
    const auto body = r.json();
    const auto& details = body.at("error").at("details").as_array();
    return details.empty() ? "" : std::string(details[0].at("field").as_string());
  }
};

TEST_F(ServerApiTest, ProcessEndpointsNeedNoToken) {
  EXPECT_EQ(call("GET", "/healthz", "", "").status, 200);
  EXPECT_EQ(call("GET", "/readyz", "", "").status, 200);
  auto m = call("GET", "/metrics", "", "");
  EXPECT_EQ(m.status, 200);
  EXPECT_NE(m.body.find("npufleet_http_requests_total"), std::string::npos);
}

TEST_F(ServerApiTest, AdminTokenFileIsPrivate) {
  struct stat st {};
  ASSERT_EQ(stat((harness->dir.path() + "/data/admin.token").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(harness->admin.rfind("npf_", 0), 0u);
}

TEST_F(ServerApiTest, MissingOrBadTokenIs401WithEnvelope) {
  auto none = call("GET", "/api/fleet/nodes", "", "");
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(none.json().at("error").at("code").as_string(), "unauthenticated");
  EXPECT_EQ(call("GET", "/api/fleet/nodes", "", "npf_not-a-token").status, 401);
}

TEST_F(ServerApiTest, RequestIdIsEchoedOrGenerated) {
  auto r = request(harness->process->host(), harness->process->port(), "GET", "/healthz", "",
                   {{"X-Request-Id", "trace-abc.123"}});
  EXPECT_EQ(r.headers.get("X-Request-Id"), "trace-abc.123");
  auto g = call("GET", "/healthz", "", "");
  EXPECT_EQ(g.headers.get("X-Request-Id").size(), 16u);
}

TEST_F(ServerApiTest, NodeLifecycleWithValidationAndConflicts) {
  auto created = call("POST", "/api/fleet/nodes",
                      R"({"name":"life-1","ip":"10.9.0.1","labels":{"rack":"a"},"roles":["backend"]})");
  ASSERT_EQ(created.status, 201) << created.body;
  auto node = created.json().as_object();
  std::string id(node.at("id").as_string());
  EXPECT_EQ(created.headers.get("Location"), "/api/fleet/nodes/" + id);
  EXPECT_EQ(node.at("npuPort").as_int64(), 8081);
  EXPECT_EQ(node.at("status").as_string(), "pending");

  auto dup = call("POST", "/api/fleet/nodes", R"({"name":"life-1","ip":"10.9.0.2"})");
  EXPECT_EQ(dup.status, 409);
  EXPECT_EQ(field(dup), "name");
  auto dup_addr = call("POST", "/api/fleet/nodes", R"({"name":"life-x","ip":"10.9.0.1"})");
  EXPECT_EQ(dup_addr.status, 409);
  EXPECT_EQ(field(dup_addr), "ip");

  auto patched = call("PATCH", "/api/fleet/nodes/" + id, R"({"npuPort":9001})");
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(patched.json().at("npuPort").as_int64(), 9001);
  EXPECT_EQ(patched.json().at("labels").at("rack").as_string(), "a") << "PATCH keeps other fields";

  auto role = call("POST", "/api/fleet/nodes/" + id + "/roles/database");
  ASSERT_EQ(role.status, 200) << role.body;
  EXPECT_EQ(role.json().at("roles").as_array().size(), 2u);
  auto bad_role = call("POST", "/api/fleet/nodes/" + id + "/roles/space-laser");
  EXPECT_EQ(bad_role.status, 400);
  EXPECT_NE(bad_role.body.find("space-laser"), std::string::npos);
  EXPECT_EQ(call("DELETE", "/api/fleet/nodes/" + id + "/roles/database").json().at("roles").as_array().size(),
            1u);

  EXPECT_EQ(call("DELETE", "/api/fleet/nodes/" + id).status, 204);
  EXPECT_EQ(call("GET", "/api/fleet/nodes/" + id).status, 404);
}

TEST_F(ServerApiTest, EveryValidationErrorNamesItsField) {
  struct Case {
    std::string body;
    std::string field;
  };
  for (const auto& c : std::vector<Case>{
           {R"({"ip":"10.0.0.1"})", "name"},
           {R"({"name":"v1"})", "ip"},
           {R"({"name":"v1","ip":"999.1.1.1"})", "ip"},
           {R"({"name":"v1","ip":"10.0.0.1","npuPort":70000})", "npuPort"},
           {R"({"name":"v1","ip":"10.0.0.1","npuPort":"8081"})", "npuPort"},
           {R"({"name":"v1","ip":"10.0.0.1","roles":"npu-worker"})", "roles"},
           {R"({"name":"v1","ip":"10.0.0.1","roles":["nope"]})", "roles[0]"},
           {R"({"name":"v1","ip":"10.0.0.1","labels":{"a":1}})", "labels.a"},
           {R"({"name":"v1","ip":"10.0.0.1","colour":"red"})", "colour"},
           {R"({"name":"bad/name","ip":"10.0.0.1"})", "name"},
           {R"([1,2])", "body"},
           {R"({"name":)", "body"},
           // Issue 20, item 6: duplicates, label text, blank-edged names.
           {R"({"name":"v1","ip":"127.0.0.5","ip":"169.254.169.254"})", "ip"},
           {R"({"name":"v1","ip":"10.0.0.1","labels":{"a":"x","a":"y"}})", "labels.a"},
           {R"({"name":"v1","ip":"10.0.0.1","labels":{"a":"x\u0000y"}})", "labels.a"},
           {R"({"name":"v1","ip":"10.0.0.1","labels":{"a":"x\r\ny"}})", "labels.a"},
           {R"({"name":"v1","ip":"10.0.0.1","labels":{"a":"<b>"}})", "labels.a"},
           {R"({"name":" v1","ip":"10.0.0.1"})", "name"},
           {R"({"name":"   ","ip":"10.0.0.1"})", "name"},
       }) {
    auto r = call("POST", "/api/fleet/nodes", c.body);
    EXPECT_EQ(r.status, 400) << c.body;
    EXPECT_EQ(field(r), c.field) << c.body << " -> " << r.body;
  }
  auto bad_page = call("GET", "/api/fleet/nodes?per_page=100000");
  EXPECT_EQ(bad_page.status, 400);
  EXPECT_EQ(field(bad_page), "per_page");
  auto bad_status = call("GET", "/api/fleet/nodes?status=happy");
  EXPECT_EQ(field(bad_status), "status");
}

// One model-name rule for control plane and worker (common/ModelName): the control plane
// allowed ':', which every worker refuses (issue 20, item 6).
TEST_F(ServerApiTest, ModelNamesFollowTheWorkersRule) {
  auto id = addNode("model-rule", "127.0.0.1", R"(,"npuPort":1,"roles":["npu-worker"])");
  for (const std::string& bad : std::vector<std::string>{"llama3:8b", "a%20b", "..", std::string(129, 'm')}) {
    auto r = call("POST", "/api/nodes/" + id + "/npu/models/" + bad + "/load");
    EXPECT_EQ(r.status, 400) << bad << ": " << r.body;
    EXPECT_EQ(field(r), "model") << bad << ": " << r.body;
  }
  EXPECT_EQ(call("DELETE", "/api/fleet/nodes/" + id).status, 204);
}

TEST_F(ServerApiTest, ListFiltersAndPages) {
  for (int i = 0; i < 3; ++i) {
    addNode("flt-" + std::to_string(i), "10.8.0." + std::to_string(i),
            i == 0 ? R"(,"roles":["npu-worker"])" : "");
  }
  auto by_role = call("GET", "/api/fleet/nodes?role=npu-worker&q=flt-");
  ASSERT_EQ(by_role.status, 200);
  EXPECT_EQ(by_role.json().at("total").as_int64(), 1);
  auto paged = call("GET", "/api/fleet/nodes?q=flt-&per_page=2&page=2");
  auto o = paged.json().as_object();
  EXPECT_EQ(o.at("total").as_int64(), 3);
  EXPECT_EQ(o.at("page").as_int64(), 2);
  EXPECT_EQ(o.at("per_page").as_int64(), 2);
  EXPECT_EQ(o.at("nodes").as_array().size(), 1u);
}

TEST_F(ServerApiTest, RolesCatalogueListsNpuWorker) {
  auto r = call("GET", "/api/fleet/roles");
  ASSERT_EQ(r.status, 200);
  bool found = false;
  const auto body = r.json();
  for (const auto& role : body.at("roles").as_array()) {
    if (role.at("id") == "npu-worker") {
      found = true;
      EXPECT_EQ(role.at("category"), "ai");
    }
  }
  EXPECT_TRUE(found);
}

TEST_F(ServerApiTest, RolesAreEnforcedPerToken) {
  auto viewer = harness->createToken("it-viewer", "viewer");
  auto op = harness->createToken("it-operator", "operator");
  auto inf = harness->createToken("it-inference", "inference");
  EXPECT_EQ(call("GET", "/api/fleet/nodes", "", viewer).status, 200);
  EXPECT_EQ(call("POST", "/api/fleet/nodes", R"({"name":"v","ip":"10.1.1.1"})", viewer).status, 403);
  EXPECT_EQ(call("POST", "/api/fleet/nodes", R"({"name":"v","ip":"10.1.1.1"})", op).status, 403);
  EXPECT_EQ(call("GET", "/api/fleet/nodes", "", inf).status, 403);
  EXPECT_EQ(call("GET", "/api/audit", "", op).status, 403);
  EXPECT_EQ(call("POST", "/api/tokens", R"({"name":"x","role":"admin"})", op).status, 403);
  auto me = call("GET", "/api/me", "", viewer);
  EXPECT_EQ(me.json().at("role"), "viewer");
  EXPECT_EQ(call("DELETE", "/api/tokens/it-viewer").status, 204);
  EXPECT_EQ(call("GET", "/api/fleet/nodes", "", viewer).status, 401);
}

TEST_F(ServerApiTest, AuditRecordsWhoWhatBeforeAndAfter) {
  auto id = addNode("audited", "10.7.0.1");
  ASSERT_EQ(call("PATCH", "/api/fleet/nodes/" + id, R"({"name":"audited-2"})").status, 200);
  auto r = call("GET", "/api/audit?per_page=5");
  ASSERT_EQ(r.status, 200);
  const auto body = r.json();
  const auto& latest = body.at("entries").as_array().at(0);
  EXPECT_EQ(latest.at("actor"), "admin");
  EXPECT_EQ(latest.at("action"), "node.update");
  EXPECT_EQ(latest.at("target"), id.c_str());
  EXPECT_EQ(latest.at("before").at("name"), "audited");
  EXPECT_EQ(latest.at("after").at("name"), "audited-2");
}

TEST_F(ServerApiTest, AuditFiltersByActionActorTargetAndTime) {
  auto id = addNode("audit-filtered", "10.7.0.2");
  ASSERT_EQ(call("PATCH", "/api/fleet/nodes/" + id, R"({"name":"audit-filtered-2"})").status, 200);
  ASSERT_EQ(call("PATCH", "/api/fleet/nodes/" + id, R"({"name":"audit-filtered-3"})").status, 200);
  auto all = call("GET", "/api/audit?target=" + id);
  ASSERT_EQ(all.status, 200) << all.body;
  auto body = all.json();
  EXPECT_EQ(body.at("total"), 3);
  for (const auto& e : body.at("entries").as_array()) EXPECT_EQ(e.at("target"), id.c_str());
  const auto& entries = body.at("entries").as_array();
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[2].at("action"), "node.create");

  auto updates = call("GET", "/api/audit?per_page=1&action=node.update&actor=admin&target=" + id);
  ASSERT_EQ(updates.status, 200) << updates.body;
  EXPECT_EQ(updates.json().at("total"), 2);  // the filtered set, not the whole log
  EXPECT_EQ(updates.json().at("entries").as_array().size(), 1u);
  EXPECT_EQ(updates.json().at("entries").at(0).at("after").at("name"), "audit-filtered-3");
  EXPECT_EQ(call("GET", "/api/audit?actor=nobody&target=" + id).json().at("total"), 0);

  // since/until take the entries' own `at` (inclusive both ways).
  const std::string created_at(entries[2].at("at").as_string());
  const std::string last_at(entries[0].at("at").as_string());
  auto window = call("GET", "/api/audit?target=" + id + "&since=" + created_at + "&until=" + created_at);
  ASSERT_EQ(window.status, 200) << window.body;
  const auto window_body = window.json();
  for (const auto& e : window_body.at("entries").as_array()) EXPECT_EQ(e.at("at"), created_at.c_str());
  EXPECT_GE(window_body.at("total").as_int64(), 1);
  auto after = call("GET", "/api/audit?target=" + id + "&since=" + last_at);
  EXPECT_EQ(after.json().at("entries").at(0).at("after").at("name"), "audit-filtered-3");
  EXPECT_EQ(call("GET", "/api/audit?target=" + id + "&until=2000-01-01T00:00:00Z").json().at("total"), 0);
}

TEST_F(ServerApiTest, AuditFilterErrorsNameTheParameter) {
  for (const auto& [query, param] : std::vector<std::pair<std::string, std::string>>{
           {"since=yesterday", "since"},
           {"until=2026-02-30T00:00:00Z", "until"},
           {"since=2026-02-02T00:00:00Z&until=2026-02-01T00:00:00Z", "until"},
           {"action=", "action"},
           {"actor=", "actor"},
           {"target=", "target"},
           {"page=0&action=node.update", "page"}}) {
    auto r = call("GET", "/api/audit?" + query);
    EXPECT_EQ(r.status, 400) << query << " " << r.body;
    EXPECT_EQ(field(r), param) << query << " " << r.body;
  }
}

TEST_F(ServerApiTest, BodyLimitAndUnknownRoutes) {
  std::string big = R"({"name":")" + std::string(100 * 1024, 'a') + R"(","ip":"10.0.0.1"})";
  EXPECT_EQ(call("POST", "/api/fleet/nodes", big).status, 413);
  auto missing = call("GET", "/api/nope");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.json().at("error").at("code"), "not_found");
  auto wrong_method = call("PUT", "/api/fleet/nodes");
  EXPECT_EQ(wrong_method.status, 405);
  EXPECT_NE(wrong_method.headers.get("Allow").find("GET"), std::string::npos);
}

// A body refused with 413 is left unread; the server must not reset the connection under the
// answer (it reads and drops the rest first), or a client still sending loses the 413.
TEST_F(ServerApiTest, RefusedLargeBodyStillGets413) {
  const std::string huge(1024 * 1024, 'x');
  for (int i = 0; i < 20; ++i) {
    auto r = call("POST", "/api/fleet/nodes", huge);
    ASSERT_EQ(r.status, 413) << "attempt " << i << ": " << r.failure;
    EXPECT_EQ(r.json().at("error").at("code"), "payload_too_large");
  }
  EXPECT_EQ(call("GET", "/healthz", "", "").status, 200);
}

// The node's JSON shape is pinned by a golden file (ids and times normalised).
TEST_F(ServerApiTest, NodeShapeMatchesGoldenFile) {
  auto r = call("POST", "/api/fleet/nodes",
                R"({"name":"golden","ip":"10.6.0.1","roles":["npu-worker"],"labels":{"zone":"lab"}})");
  ASSERT_EQ(r.status, 201);
  auto o = r.json().as_object();
  o["id"] = "<id>";
  o["createdAt"] = "<timestamp>";
  o["updatedAt"] = "<timestamp>";
  // Fields other capabilities add are checked by their own suites.
  for (const char* k : {"detectionStatus", "detectionError", "status"}) o.erase(k);
  auto golden = boost::json::parse(readFile(std::string(NPUFLEET_SOURCE_DIR) + "/tests/server/golden/node.json"));
  EXPECT_EQ(boost::json::value(o), golden) << boost::json::serialize(o);
}

}  // namespace
}  // namespace npufleet::testing
