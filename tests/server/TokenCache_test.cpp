// The control plane answers token checks from memory (auth/tokens/TokenService) and writes its
// access log off the request path (http/AccessLog). What must still hold, against a real server:
// a token created, revoked or changed is honoured on the very next request, a revoked token's
// open event streams end, and the access log records every request where it is on.
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <algorithm>
#include <regex>
#include <set>

#include "security/RawHttp.h"
#include "server/ServerHarness.h"

namespace npufleet::testing {
namespace {

TEST(TokenCache, ACreatedTokenWorksAndARevokedOneFailsOnTheVeryNextRequest) {
  ServerHarness server;
  server.start();
  for (int round = 0; round < 5; ++round) {
    const std::string name = "round-" + std::to_string(round);
    const std::string token = server.createToken(name, "viewer");
    ASSERT_EQ(server.call("GET", "/api/me", "", token).status, 200) << name;
    ASSERT_EQ(server.call("GET", "/api/fleet/nodes", "", token).status, 200) << name;
    ASSERT_EQ(server.call("DELETE", "/api/tokens/" + name).status, 204);
    auto after = server.call("GET", "/api/me", "", token);
    EXPECT_EQ(after.status, 401) << name << ": " << after.body;
  }
}

int openEventStream(const ServerHarness& server, const std::string& token) {
  const int fd = openStream("127.0.0.1", server.process->port(), "/api/events",
                            {{"Authorization", "Bearer " + token}});
  EXPECT_GE(fd, 0);
  return fd;
}

TEST(TokenCache, ARevokedTokensOpenEventStreamsAreClosed) {
  ServerHarness server;
  server.start();
  const std::string doomed = server.createToken("doomed", "viewer");
  const std::string kept = server.createToken("kept", "viewer");
  const int doomed_a = openEventStream(server, doomed);
  const int doomed_b = openEventStream(server, doomed);
  const int other = openEventStream(server, kept);
  for (int fd : {doomed_a, doomed_b, other}) {
    auto opened = readUntil(fd, ": connected", std::chrono::seconds(10));
    ASSERT_NE(opened.bytes.find(" 200 "), std::string::npos) << opened.bytes;
    ASSERT_FALSE(opened.closed);
  }

  ASSERT_EQ(server.call("DELETE", "/api/tokens/doomed").status, 204);
  // The heartbeat comes every 15 s and events keep a stream open: only the revocation ends
  // these two within the wait.
  for (int fd : {doomed_a, doomed_b}) {
    auto rest = readUntil(fd, "", std::chrono::seconds(10));
    EXPECT_TRUE(rest.closed) << "still open after revocation: " << rest.bytes;
  }
  // Another token's stream goes on: it still receives the events that follow.
  ASSERT_EQ(server.call("POST", "/api/fleet/nodes", R"({"name":"n1","ip":"10.9.0.1"})").status, 201);
  auto more = readUntil(other, "event: node.updated", std::chrono::seconds(10));
  EXPECT_FALSE(more.closed) << more.bytes;
  EXPECT_NE(more.bytes.find("event: node.updated"), std::string::npos) << more.bytes;
  for (int fd : {doomed_a, doomed_b, other}) ::close(fd);

  // A new stream with the revoked token is refused.
  EXPECT_EQ(server.call("GET", "/api/events", "", doomed).status, 401);
}

// The request ids the access log wrote, sorted: requests on different connections finish on
// different event loops, so their lines may be written in either order.
std::vector<std::string> loggedRequestIds(const std::string& log) {
  std::vector<std::string> ids;
  static const std::regex line(R"(info 127\.0\.0\.1 "GET /api/me" 200 \d+B [0-9.]+ms rid=(\S+) who=admin)");
  for (std::sregex_iterator it(log.begin(), log.end(), line), end; it != end; ++it) {
    ids.push_back((*it)[1]);
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

TEST(TokenCache, TheAccessLogRecordsEveryRequestWhereItIsOn) {
  ServerHarness server;
  server.start();
  std::vector<std::string> sent;
  for (int i = 0; i < 200; ++i) {
    sent.push_back("access-" + std::to_string(i));
    auto r = request(server.process->host(), server.process->port(), "GET", "/api/me", "",
                     {{"Authorization", "Bearer " + server.admin}, {"X-Request-Id", sent.back()}});
    ASSERT_EQ(r.status, 200);
  }
  ASSERT_EQ(server.process->stop(), 0) << server.process->stderrText();
  std::sort(sent.begin(), sent.end());
  EXPECT_EQ(loggedRequestIds(server.process->stderrText()), sent) << "each request once";
}

TEST(TokenCache, TheAccessLogCanBeTurnedOff) {
  ServerHarness server({"--set", "log.access=false"});
  server.start();
  for (int i = 0; i < 20; ++i) ASSERT_EQ(server.call("GET", "/api/me").status, 200);
  ASSERT_EQ(server.process->stop(), 0) << server.process->stderrText();
  EXPECT_TRUE(loggedRequestIds(server.process->stderrText()).empty())
      << server.process->stderrText();
  EXPECT_NE(server.process->stderrText().find("control plane listening"), std::string::npos);
}

}  // namespace
}  // namespace npufleet::testing
