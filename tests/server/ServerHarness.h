// Starts a real `npufleet server` on 127.0.0.1:0 with a temporary data dir and talks to it with
// the admin token it writes on first start.
#pragma once

#include <gtest/gtest.h>

#include <memory>

#include "support/ProcessFixture.h"
#include "support/TestHttp.h"

namespace npufleet::testing {

class ServerHarness {
 public:
  explicit ServerHarness(std::vector<std::string> extra_args = {}) : extra_(std::move(extra_args)) {}

  void start() {
    std::vector<std::string> args = {"server", "--listen", "127.0.0.1:0", "--data-dir",
                                     dir.path() + "/data", "--web-dir", dir.path() + "/web"};
    for (const auto& a : extra_) args.push_back(a);
    process = std::make_unique<ProcessFixture>();
    std::string error;
    ASSERT_TRUE(process->start({NPUFLEET_BINARY, args}, &error)) << error << process->stderrText();
    admin = readFile(dir.path() + "/data/admin.token");
    while (!admin.empty() && admin.back() == '\n') admin.pop_back();
  }

  HttpReply call(const std::string& method, const std::string& target, const std::string& body = {},
                 const std::string& token = "<admin>") {
    std::map<std::string, std::string> headers;
    const std::string& t = token == "<admin>" ? admin : token;
    if (!t.empty()) headers["Authorization"] = "Bearer " + t;
    return request(process->host(), process->port(), method, target, body, headers);
  }

  std::string createToken(const std::string& name, const std::string& role) {
    auto r = call("POST", "/api/tokens", R"({"name":")" + name + R"(","role":")" + role + R"("})");
    EXPECT_EQ(r.status, 201) << r.body;
    return std::string(r.json().at("token").as_string());
  }

  TempDir dir;
  std::unique_ptr<ProcessFixture> process;
  std::string admin;

 private:
  std::vector<std::string> extra_;
};

// A suite whose tests share one server process, started before the first and stopped after the
// last.
class SharedServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    harness = new ServerHarness();
    harness->start();
  }
  static void TearDownTestSuite() {
    delete harness;
    harness = nullptr;
  }
  static inline ServerHarness* harness = nullptr;
};

}  // namespace npufleet::testing
