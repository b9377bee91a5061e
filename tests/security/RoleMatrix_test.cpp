// Who may call what on the control plane, asserted as a table against a real server.
//
// The rules (DESIGN.md 4.1, docs/openapi.yaml "Access levels"):
//   - no token: only `public` routes; everything else is 401;
//   - viewer: reads (`viewer` routes) and GET /api/me; every change is 403;
//   - operator: what a viewer may, and triggers detection (one node or many) and model
//     load/unload on a node's worker;
//   - admin: everything, and alone changes nodes (create, update, delete, drain), roles (the
//     npu-worker role included), tokens, the load-balancing setting, and probes an arbitrary
//     address (which makes the control plane send signed requests where the caller says);
//   - inference: POST /api/npu/inference and GET /api/me only; 403 elsewhere.
//   - every role, viewer to admin, may also run inference (access level `inference`).
//
// kMutatingTable below is that rule written out per route. Three sources must agree with it:
// the server's routes (`npufleet server --print-routes`: a new POST/PATCH/PUT/DELETE route that
// the table does not list fails the test), the documented access of each route
// (`x-npufleet-access` in docs/openapi.yaml, turned into a row by the rules above), and the live
// answers of a server to each caller. "allowed" is checked strictly: the handler ran and gave its
// own answer for a valid enough request (listed per route), never 401 or 403.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <iostream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "RawHttp.h"
#include "server/ServerHarness.h"

namespace npufleet::testing {
namespace {

enum class Caller { kNone, kViewer, kOperator, kInference, kAdmin };
constexpr Caller kCallers[] = {Caller::kNone, Caller::kViewer, Caller::kOperator,
                               Caller::kInference, Caller::kAdmin};
const char* callerName(Caller c) {
  switch (c) {
    case Caller::kNone:
      return "no token";
    case Caller::kViewer:
      return "viewer";
    case Caller::kOperator:
      return "operator";
    case Caller::kInference:
      return "inference";
    case Caller::kAdmin:
      return "admin";
  }
  return "?";
}

enum Outcome { k401, k403, kOk };
const char* outcomeName(Outcome o) { return o == k401 ? "401" : o == k403 ? "403" : "allowed"; }

// The rules of the file comment, per access level and caller.
Outcome ruleFor(const std::string& access, Caller caller) {
  if (access == "public") return kOk;
  if (caller == Caller::kNone) return k401;
  if (access == "inference") return kOk;
  if (caller == Caller::kInference) return k403;
  if (access == "viewer") return kOk;
  if (access == "operator")
    return caller == Caller::kOperator || caller == Caller::kAdmin ? kOk : k403;
  if (access == "admin") return caller == Caller::kAdmin ? kOk : k403;
  return k403;
}

struct Row {
  std::string method;
  std::string pattern;
  std::string access;
  // none, viewer, operator, inference, admin
  std::array<Outcome, 5> expect;
  // What the handler answers an allowed caller (the fixtures make each request valid enough).
  std::set<int> handler_statuses;
};

const std::vector<Row>& mutatingTable() {
  // clang-format off
  static const std::vector<Row> rows = {
      //  method    pattern                                          access       none  view  oper  infer admin   handler
      {"POST",   "/api/tokens",                                  "admin",     {k401, k403, k403, k403, kOk}, {201}},
      {"DELETE", "/api/tokens/{name}",                           "admin",     {k401, k403, k403, k403, kOk}, {204}},
      {"POST",   "/api/fleet/nodes",                             "admin",     {k401, k403, k403, k403, kOk}, {201}},
      {"PATCH",  "/api/fleet/nodes/{id}",                        "admin",     {k401, k403, k403, k403, kOk}, {200}},
      {"DELETE", "/api/fleet/nodes/{id}",                        "admin",     {k401, k403, k403, k403, kOk}, {204}},
      {"POST",   "/api/fleet/nodes/{id}/roles/{role}",           "admin",     {k401, k403, k403, k403, kOk}, {200}},
      {"DELETE", "/api/fleet/nodes/{id}/roles/{role}",           "admin",     {k401, k403, k403, k403, kOk}, {200}},
      {"POST",   "/api/fleet/nodes/{id}/drain",                  "admin",     {k401, k403, k403, k403, kOk}, {200}},
      {"POST",   "/api/fleet/nodes/{id}/undrain",                "admin",     {k401, k403, k403, k403, kOk}, {200}},
      {"POST",   "/api/npu/probe",                               "admin",     {k401, k403, k403, k403, kOk}, {200}},
      {"POST",   "/api/npu/load-balancing",                      "admin",     {k401, k403, k403, k403, kOk}, {200}},
      {"POST",   "/api/nodes/{id}/npu/detect",                   "operator",  {k401, k403, kOk,  k403, kOk}, {200}},
      {"POST",   "/api/npu/detect",                              "operator",  {k401, k403, kOk,  k403, kOk}, {200}},
      // The node's worker address is closed: the handler answers "worker unreachable" (503).
      {"POST",   "/api/nodes/{id}/npu/models/{model}/load",      "operator",  {k401, k403, kOk,  k403, kOk}, {503}},
      {"POST",   "/api/nodes/{id}/npu/models/{model}/unload",    "operator",  {k401, k403, kOk,  k403, kOk}, {503}},
      // No node serves the model: the router's own 404 naming it.
      {"POST",   "/api/npu/inference",                           "inference", {k401, kOk,  kOk,  kOk,  kOk}, {404}},
  };
  // clang-format on
  return rows;
}

bool isMutating(const std::string& method) {
  return method == "POST" || method == "PATCH" || method == "PUT" || method == "DELETE";
}

// "METHOD /pattern" of every route the server registers.
std::vector<std::pair<std::string, std::string>> serverRoutes() {
  TempDir dir;
  ProcessFixture p;
  ProcessFixture::Options o;
  o.binary = NPUFLEET_BINARY;
  o.args = {"server", "--print-routes", "--data-dir", dir / "data"};
  o.ready_marker = "";
  std::vector<std::pair<std::string, std::string>> routes;
  if (!p.start(o)) return routes;
  EXPECT_EQ(p.wait(std::chrono::seconds(30)), 0) << p.stderrText();
  std::istringstream out(p.stdoutText());
  std::string method, pattern;
  while (out >> method >> pattern) routes.emplace_back(method, pattern);
  return routes;
}

// "METHOD /pattern" -> x-npufleet-access from docs/openapi.yaml.
std::map<std::string, std::string> documentedAccess() {
  std::map<std::string, std::string> access;
  std::istringstream in(readFile(std::string(NPUFLEET_SOURCE_DIR) + "/docs/openapi.yaml"));
  static const std::regex kPath(R"(^  (/[^:]*):\s*$)");
  static const std::regex kMethod(R"(^    (get|post|put|patch|delete):\s*$)");
  static const std::regex kAccess(R"(^      x-npufleet-access:\s*(\S+)\s*$)");
  std::string line, path, op;
  while (std::getline(in, line)) {
    std::smatch m;
    if (std::regex_match(line, m, kPath)) {
      path = m[1];
      op.clear();
    } else if (std::regex_match(line, m, kMethod)) {
      std::string method = m[1];
      std::transform(method.begin(), method.end(), method.begin(), ::toupper);
      op = method + " " + path;
    } else if (!op.empty() && std::regex_match(line, m, kAccess)) {
      access[op] = m[1];
    }
  }
  return access;
}

std::string key(const Row& r) { return r.method + " " + r.pattern; }

TEST(RoleMatrix, TheTableCoversEveryMutatingRouteTheServerHas) {
  const auto routes = serverRoutes();
  ASSERT_GT(routes.size(), 10u);
  std::set<std::string> served, listed;
  for (const auto& [method, pattern] : routes) {
    if (isMutating(method)) served.insert(method + " " + pattern);
  }
  for (const auto& r : mutatingTable()) listed.insert(key(r));
  for (const auto& s : served) {
    EXPECT_TRUE(listed.count(s)) << "new mutating route without a row in the role matrix: " << s
                                 << " (add it to mutatingTable() with its access rule)";
  }
  for (const auto& l : listed) EXPECT_TRUE(served.count(l)) << "row for a route not served: " << l;
}

TEST(RoleMatrix, EachRowIsTheDocumentedAccessUnderTheRules) {
  const auto documented = documentedAccess();
  for (const auto& r : mutatingTable()) {
    SCOPED_TRACE(key(r));
    auto it = documented.find(key(r));
    ASSERT_NE(it, documented.end()) << "no x-npufleet-access in docs/openapi.yaml";
    EXPECT_EQ(it->second, r.access);
    for (size_t i = 0; i < std::size(kCallers); ++i) {
      EXPECT_EQ(outcomeName(r.expect[i]),
                std::string(outcomeName(ruleFor(it->second, kCallers[i]))))
          << callerName(kCallers[i]);
    }
  }
  // The inference role reaches exactly POST /api/npu/inference and GET /api/me.
  std::set<std::string> inference_routes;
  for (const auto& [op, access] : documented) {
    if (access == "inference") inference_routes.insert(op);
  }
  EXPECT_EQ(inference_routes, (std::set<std::string>{"POST /api/npu/inference", "GET /api/me"}));
}

class LiveRoleMatrix : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server = new ServerHarness();
    server->start();
    tokens[Caller::kNone] = "";
    tokens[Caller::kAdmin] = server->admin;
    tokens[Caller::kViewer] = server->createToken("matrix-viewer", "viewer");
    tokens[Caller::kOperator] = server->createToken("matrix-operator", "operator");
    tokens[Caller::kInference] = server->createToken("matrix-inference", "inference");
  }
  static void TearDownTestSuite() {
    delete server;
    server = nullptr;
  }

  // A fresh node (as admin) so that every cell acts on a real resource of its own: a refused
  // call cannot hide behind a 404, an allowed one reaches the handler's real work. Its worker
  // port is closed, so detection and model calls fail fast.
  std::string freshNode(const std::string& roles) {
    const int n = ++counter;
    auto r = server->call("POST", "/api/fleet/nodes",
                          R"({"name":"cell-)" + std::to_string(n) + R"(","ip":"127.0.)" +
                              std::to_string(1 + n / 250) + "." + std::to_string(1 + n % 250) +
                              R"(","npuPort":9,"roles":)" + roles + "}");
    EXPECT_EQ(r.status, 201) << r.body;
    return r.status == 201 ? std::string(r.json().at("id").as_string()) : "missing";
  }

  struct Call {
    std::string target;
    std::string body;
  };

  // The request for one cell, with whatever it needs created beforehand by the admin.
  Call prepare(const Row& row) {
    const std::string p = row.pattern;
    const std::string n = std::to_string(++counter);
    if (p == "/api/tokens") return {p, R"({"name":"made-)" + n + R"(","role":"viewer"})"};
    if (p == "/api/tokens/{name}") {
      server->createToken("doomed-" + n, "viewer");
      return {"/api/tokens/doomed-" + n, ""};
    }
    if (p == "/api/fleet/nodes") {
      return {p, R"({"name":"new-)" + n + R"(","ip":"10.66.)" + std::to_string(counter / 250) +
                     "." + std::to_string(1 + counter % 250) + R"(","roles":["backend"]})"};
    }
    if (p == "/api/fleet/nodes/{id}") {
      const std::string id = freshNode(R"(["backend"])");
      return {"/api/fleet/nodes/" + id, row.method == "PATCH" ? R"({"labels":{"zone":"z"}})" : ""};
    }
    if (p == "/api/fleet/nodes/{id}/roles/{role}") {
      const std::string id = freshNode(R"(["backend"])");
      return {
          "/api/fleet/nodes/" + id + "/roles/" + (row.method == "POST" ? "database" : "backend"),
          ""};
    }
    if (p == "/api/fleet/nodes/{id}/drain" || p == "/api/fleet/nodes/{id}/undrain") {
      const std::string id = freshNode(R"(["backend"])");
      return {"/api/fleet/nodes/" + id + p.substr(p.rfind('/')), ""};
    }
    if (p == "/api/npu/probe") return {p, R"({"ip":"127.0.0.1","npuPort":9})"};
    if (p == "/api/npu/load-balancing") {
      return {p, R"({"strategy":"round-robin","modelAffinity":{}})"};
    }
    if (p == "/api/nodes/{id}/npu/detect") {
      return {"/api/nodes/" + freshNode(R"(["npu-worker"])") + "/npu/detect", ""};
    }
    if (p == "/api/npu/detect") {
      return {p, R"({"nodeIds":[")" + freshNode(R"(["npu-worker"])") + R"("]})"};
    }
    if (p == "/api/nodes/{id}/npu/models/{model}/load" ||
        p == "/api/nodes/{id}/npu/models/{model}/unload") {
      return {"/api/nodes/" + freshNode(R"(["npu-worker"])") + "/npu/models/embedding-mlp" +
                  p.substr(p.rfind('/')),
              ""};
    }
    if (p == "/api/npu/inference") {
      return {p, R"({"model":"no-such-model-anywhere","inputs":{}})"};
    }
    ADD_FAILURE() << "no request prepared for " << key(row);
    return {p, ""};
  }

  static ServerHarness* server;
  static std::map<Caller, std::string> tokens;
  static int counter;
};
ServerHarness* LiveRoleMatrix::server = nullptr;
std::map<Caller, std::string> LiveRoleMatrix::tokens;
int LiveRoleMatrix::counter = 0;

TEST_F(LiveRoleMatrix, EveryMutatingRouteAnswersEachCallerAsTheTableSays) {
  std::ostringstream observed;  // printed on failure: the matrix as the server answered it
  observed << "route | none viewer operator inference admin\n";
  for (const auto& row : mutatingTable()) {
    observed << key(row) << " |";
    for (size_t i = 0; i < std::size(kCallers); ++i) {
      const Caller caller = kCallers[i];
      SCOPED_TRACE(key(row) + " as " + callerName(caller));
      const Call c = prepare(row);
      const auto r = server->call(row.method, c.target, c.body, tokens[caller]);
      observed << " " << r.status;
      ASSERT_TRUE(r.failure.empty()) << r.failure;
      switch (row.expect[i]) {
        case k401:
          EXPECT_EQ(r.status, 401) << r.body;
          EXPECT_EQ(r.json().at("error").at("code"), "unauthenticated") << r.body;
          break;
        case k403:
          EXPECT_EQ(r.status, 403) << r.body;
          EXPECT_EQ(r.json().at("error").at("code"), "forbidden") << r.body;
          break;
        case kOk:
          EXPECT_TRUE(row.handler_statuses.count(r.status))
              << "expected the handler's answer, got " << r.status << " " << r.body;
          break;
      }
    }
    observed << "\n";
  }
  if (HasFailure()) std::cout << observed.str();
}

// Reads: viewers, operators and admins read every `viewer` route; the inference role reads only
// GET /api/me; without a token only public routes answer. Expectations come from the documented
// access of each GET route through the same rules.
TEST_F(LiveRoleMatrix, EveryReadRouteAnswersEachCallerAsItsDocumentedAccessSays) {
  const auto documented = documentedAccess();
  const std::string node = freshNode(R"(["npu-worker"])");
  for (const auto& [method, pattern] : serverRoutes()) {
    if (method != "GET") continue;
    const std::string op = method + " " + pattern;
    auto it = documented.find(op);
    ASSERT_NE(it, documented.end()) << op << " has no x-npufleet-access";
    std::string target = std::regex_replace(pattern, std::regex(R"(\{id\})"), node);
    for (const Caller caller : kCallers) {
      SCOPED_TRACE(op + " as " + callerName(caller));
      const Outcome expected = ruleFor(it->second, caller);
      int status = 0;
      if (pattern == "/api/events") {
        // A stream: only its status line matters.
        std::string bytes = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
        if (!tokens[caller].empty()) bytes += "Authorization: Bearer " + tokens[caller] + "\r\n";
        auto ex = rawExchange(server->process->host(), server->process->port(), bytes + "\r\n",
                              std::chrono::milliseconds(500));
        ASSERT_FALSE(ex.responses.empty()) << ex.describe();
        status = ex.responses[0].status;
      } else {
        status = server->call("GET", target, "", tokens[caller]).status;
      }
      if (expected == kOk) {
        EXPECT_NE(status, 401);
        EXPECT_NE(status, 403);
        EXPECT_LT(status, 400) << "a read by an allowed caller should succeed";
      } else {
        EXPECT_EQ(status, expected == k401 ? 401 : 403);
      }
    }
  }
}

}  // namespace
}  // namespace npufleet::testing
