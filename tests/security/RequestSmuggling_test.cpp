// Request smuggling and malformed framing against the real control plane and the real worker,
// over raw TCP. A request whose length is ambiguous (Content-Length and Transfer-Encoding
// together, two lengths, a transfer coding other than chunked, an obs-folded header, ...) is one
// that a proxy in front and npufleet could split differently; it must be refused with 400 (431
// for oversized headers) on a connection that is then closed, and what hides behind it must never
// run as a second request. The worker refuses such framing before it looks at a signature.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <functional>

#include "RawHttp.h"
#include "auth/ServiceSigner.h"
#include "common/Clock.h"
#include "server/ServerHarness.h"
#include "worker/WorkerHarness.h"

namespace npufleet::testing {
namespace {

using worker::testing::WorkerHarness;

// What a case needs to know about the server it is sent to.
struct Target {
  std::string host_header;  // "127.0.0.1:PORT"
  std::string path;         // the outer request's POST target
  // Header lines (each ending in CRLF) that authenticate the outer request; empty: none.
  std::function<std::string(const std::string& method, const std::string& path)> auth;
  // A complete request that would have a visible effect if it ever ran.
  std::function<std::string()> hidden;
};

struct FramingCase {
  std::string name;
  std::function<std::string(const Target&)> bytes;
  std::vector<int> refused_with;
};

std::string head(const Target& t, const std::string& version = "HTTP/1.1") {
  return "POST " + t.path + " " + version + "\r\nHost: " + t.host_header + "\r\n" +
         t.auth("POST", t.path);
}

std::vector<FramingCase> framingCases() {
  const std::string chunk_end = "0\r\n\r\n";
  std::vector<FramingCase> cases;
  auto add = [&](std::string name, std::function<std::string(const Target&)> bytes,
                 std::vector<int> refused = {400}) {
    cases.push_back({std::move(name), std::move(bytes), std::move(refused)});
  };
  // CL.TE / TE.CL: one reader stops at the chunk terminator, the other reads on into the hidden
  // request.
  add("ContentLengthThenTransferEncodingChunked", [=](const Target& t) {
    const std::string body = chunk_end + t.hidden();
    return head(t) + "Content-Length: " + std::to_string(body.size()) +
           "\r\nTransfer-Encoding: chunked\r\n\r\n" + body;
  });
  add("TransferEncodingChunkedThenContentLength", [=](const Target& t) {
    const std::string body = chunk_end + t.hidden();
    return head(t) +
           "Transfer-Encoding: chunked\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\n\r\n" + body;
  });
  add("TwoDifferentContentLengths", [=](const Target& t) {
    const std::string hidden = t.hidden();
    return head(t) + "Content-Length: 0\r\nContent-Length: " + std::to_string(hidden.size()) +
           "\r\n\r\n" + hidden;
  });
  add("ContentLengthListOfDifferentValues", [=](const Target& t) {
    const std::string hidden = t.hidden();
    return head(t) + "Content-Length: 0, " + std::to_string(hidden.size()) + "\r\n\r\n" + hidden;
  });
  add("ContentLengthWithSign", [=](const Target& t) {
    const std::string hidden = t.hidden();
    return head(t) + "Content-Length: +" + std::to_string(hidden.size()) + "\r\n\r\n" + hidden;
  });
  add("SpaceBeforeTheColonOfContentLength", [=](const Target& t) {
    const std::string hidden = t.hidden();
    return head(t) + "Content-Length : " + std::to_string(hidden.size()) + "\r\n\r\n" + hidden;
  });
  // A transfer coding that is not (only) chunked leaves the length undeterminable (RFC 9112
  // 6.3); read as "no body", the rest of the bytes would become the next request.
  add("TransferEncodingGzip",
      [=](const Target& t) { return head(t) + "Transfer-Encoding: gzip\r\n\r\n" + t.hidden(); });
  add("TransferEncodingUnknownToken", [=](const Target& t) {
    return head(t) + "Transfer-Encoding: xchunked\r\n\r\n" + t.hidden();
  });
  add("TransferEncodingChunkedNotLast", [=](const Target& t) {
    return head(t) + "Transfer-Encoding: chunked, gzip\r\n\r\n" + t.hidden();
  });
  add("TransferEncodingGzipThenChunked", [=](const Target& t) {
    return head(t) + "Transfer-Encoding: gzip, chunked\r\n\r\n" + chunk_end + t.hidden();
  });
  add("TwoTransferEncodingHeaders", [=](const Target& t) {
    return head(t) + "Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk_end +
           t.hidden();
  });
  add("TransferEncodingInHttp10", [=](const Target& t) {
    return head(t, "HTTP/1.0") + "Connection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n" +
           chunk_end + t.hidden();
  });
  // obs-fold (RFC 9112 5.2): a proxy that does not unfold sees no Transfer-Encoding at all.
  add("ObsFoldedTransferEncoding", [=](const Target& t) {
    return head(t) + "Transfer-Encoding:\r\n chunked\r\n\r\n" + chunk_end + t.hidden();
  });
  add("ObsFoldedOrdinaryHeader", [=](const Target& t) {
    return head(t) + "X-Note: first\r\n\tcontinued\r\nContent-Length: 0\r\n\r\n" + t.hidden();
  });
  add("BareLineFeedsInTheHeader", [=](const Target& t) {
    return "POST " + t.path + " HTTP/1.1\nHost: " + t.host_header + "\n" + t.auth("POST", t.path) +
           "Content-Length: 0\r\n\r\n" + t.hidden();
  });
  add("OversizedHeaderValue",
      [=](const Target& t) {
        return head(t) + "X-Pad: " + std::string(20000, 'a') + "\r\nContent-Length: 0\r\n\r\n" +
               t.hidden();
      },
      {431});
  add("TooManyHeaders",
      [=](const Target& t) {
        std::string many;
        for (int i = 0; i < 2000; ++i) many += "X-H" + std::to_string(i) + ": v\r\n";
        return head(t) + many + "Content-Length: 0\r\n\r\n" + t.hidden();
      },
      {431});
  add("RequestLineTooLong",
      [=](const Target& t) {
        return "POST " + t.path + "?" + std::string(20000, 'q') +
               " HTTP/1.1\r\nHost: " + t.host_header + "\r\nContent-Length: 0\r\n\r\n" + t.hidden();
      },
      {400, 431});
  return cases;
}

// Every case, one connection each: exactly one refusal, then the connection is closed.
void expectEveryCaseRefused(const std::string& host, uint16_t port, const Target& target) {
  for (const auto& c : framingCases()) {
    SCOPED_TRACE(c.name);
    const auto ex = rawExchange(host, port, c.bytes(target), std::chrono::seconds(3));
    ASSERT_TRUE(ex.error.empty()) << ex.error;
    if (ex.responses.size() != 1) {
      ADD_FAILURE() << ex.responses.size() << " responses to one request:\n" << ex.describe();
      continue;
    }
    const int status = ex.responses[0].status;
    EXPECT_NE(std::find(c.refused_with.begin(), c.refused_with.end(), status), c.refused_with.end())
        << "status " << status << "\n"
        << ex.raw;
    EXPECT_TRUE(ex.closed) << "connection left open after " << status;
    EXPECT_TRUE(ex.trailing.empty()) << ex.trailing;
  }
}

// --- control plane ---------------------------------------------------------------------------

class ServerFramingTest : public ::testing::Test {
 protected:
  void SetUp() override { server.start(); }

  Target target() {
    Target t;
    t.host_header = "127.0.0.1:" + std::to_string(server.process->port());
    t.path = "/api/npu/detect";  // operator route; an empty body detects every npu-worker node
    t.auth = [this](const std::string&, const std::string&) {
      return "Authorization: Bearer " + server.admin + "\r\n";
    };
    // Creating an admin token is the most valuable thing a smuggled request could do.
    t.hidden = [this] {
      const std::string body =
          R"({"name":"smuggled-)" + std::to_string(++hidden_count) + R"(","role":"admin"})";
      return "POST /api/tokens HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " +
             server.admin + "\r\nContent-Type: application/json\r\nContent-Length: " +
             std::to_string(body.size()) + "\r\n\r\n" + body;
    };
    return t;
  }

  std::vector<std::string> smuggledTokens() {
    std::vector<std::string> names;
    auto r = server.call("GET", "/api/tokens");
    EXPECT_EQ(r.status, 200) << r.body;
    if (r.status != 200) return names;
    const auto body = r.json();
    for (const auto& t : body.at("tokens").as_array()) {
      std::string name(t.at("name").as_string());
      if (name.rfind("smuggled", 0) == 0) names.push_back(name);
    }
    return names;
  }

  ServerHarness server;
  int hidden_count = 0;
};

TEST_F(ServerFramingTest, AmbiguousFramingIsRefusedAndTheHiddenRequestNeverRuns) {
  expectEveryCaseRefused(server.process->host(), server.process->port(), target());
  EXPECT_TRUE(smuggledTokens().empty()) << "a hidden request ran";
  // The server is still serving.
  EXPECT_EQ(server.call("GET", "/healthz", "", "").status, 200);
}

TEST_F(ServerFramingTest, ARequestInsideAContentLengthBodyStaysABody) {
  const Target t = target();
  const std::string hidden = t.hidden();
  const auto ex = rawExchange(server.process->host(), server.process->port(),
                              head(t) + "Connection: close\r\nContent-Length: " +
                                  std::to_string(hidden.size()) + "\r\n\r\n" + hidden);
  ASSERT_EQ(ex.responses.size(), 1u) << ex.describe();
  EXPECT_EQ(ex.responses[0].status, 400);  // the body is not JSON
  EXPECT_TRUE(ex.closed);
  EXPECT_TRUE(smuggledTokens().empty());
}

TEST_F(ServerFramingTest, AnObsFoldArrivingInALaterReadIsRefusedToo) {
  const Target t = target();
  const auto ex = rawExchangeInParts(server.process->host(), server.process->port(),
                                     {head(t), "Transfer-Encoding:\r\n",
                                      " chunked\r\n\r\n" + std::string("0\r\n\r\n") + t.hidden()},
                                     std::chrono::milliseconds(150));
  ASSERT_EQ(ex.responses.size(), 1u) << ex.describe();
  EXPECT_EQ(ex.responses[0].status, 400);
  EXPECT_TRUE(ex.closed);
  EXPECT_TRUE(smuggledTokens().empty());
}

// Bytes that are not HTTP at all (here the start of a TLS ClientHello) are refused at once, not
// after the 10 s header timeout.
TEST_F(ServerFramingTest, BytesThatAreNotHttpAreRefusedWithoutWaitingForAWholeHeader) {
  const auto started = std::chrono::steady_clock::now();
  const auto ex = rawExchange(server.process->host(), server.process->port(),
                              std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11),
                              std::chrono::seconds(8));
  ASSERT_EQ(ex.responses.size(), 1u) << ex.describe();
  EXPECT_EQ(ex.responses[0].status, 400);
  EXPECT_TRUE(ex.closed);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
}

// The controls: correctly framed pipelining and chunked bodies still work, so the refusals
// above are about framing, not about pipelining or chunked encoding as such.
TEST_F(ServerFramingTest, CorrectlyFramedPipelinedRequestsAreEachAnswered) {
  const std::string host = "Host: 127.0.0.1:" + std::to_string(server.process->port()) + "\r\n";
  const std::string get = "GET /healthz HTTP/1.1\r\n" + host + "\r\n";
  const auto ex =
      rawExchange(server.process->host(), server.process->port(),
                  get + get + "GET /healthz HTTP/1.1\r\n" + host + "Connection: close\r\n\r\n");
  ASSERT_EQ(ex.responses.size(), 3u) << ex.describe();
  for (const auto& r : ex.responses) EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(ex.closed);
}

TEST_F(ServerFramingTest, AChunkedBodyIsAccepted) {
  const std::string body = R"({"name":"chunked-ok","role":"viewer"})";
  char size[16];
  std::snprintf(size, sizeof size, "%zx", body.size());
  const auto ex = rawExchange(
      server.process->host(), server.process->port(),
      "POST /api/tokens HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + server.admin +
          "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
          "Connection: close\r\n\r\n" +
          std::string(size) + "\r\n" + body + "\r\n0\r\n\r\n");
  ASSERT_EQ(ex.responses.size(), 1u) << ex.describe();
  EXPECT_EQ(ex.responses[0].status, 201) << ex.responses[0].body;
}

// --- worker ----------------------------------------------------------------------------------

class WorkerFramingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    ASSERT_TRUE(worker.start({{"NPUFLEET_AUTH_FAILURE_LIMIT", "100000"}}, {}, &error)) << error;
  }

  // `signed_outer`: the outer request carries a valid v1+v2 signature of its head.
  Target target(bool signed_outer) {
    Target t;
    const uint16_t port = worker.process().port();
    t.host_header = "127.0.0.1:" + std::to_string(port);
    t.path = "/inference";
    t.auth = [this, signed_outer](const std::string& method, const std::string& path) {
      return signed_outer ? signatureLines(method, path, "") : std::string();
    };
    t.hidden = [this] {
      const std::string path = "/models/embedding-mlp/load";
      return "POST " + path +
             " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(worker.process().port()) + "\r\n" +
             signatureLines("POST", path, "") + "Content-Length: 0\r\n\r\n";
    };
    return t;
  }

  std::string signatureLines(const std::string& method, const std::string& path,
                             const std::string& body) {
    auto r = worker.request(method, path, body);
    auto signer =
        auth::ServiceSigner::create("main-backend", worker.key(), SystemClock::instance());
    EXPECT_TRUE(signer && signer->sign(r));
    std::string lines;
    for (const auto& [k, v] : r.headers.all()) {
      if (k.rfind("X-Service-", 0) == 0) lines += k + ": " + v + "\r\n";
    }
    return lines;
  }

  boost::json::array loadedModels() {
    auto r = worker.call("GET", "/models");
    EXPECT_EQ(r.response.status, 200) << r.response.body;
    auto body = WorkerHarness::json(r);
    return body.contains("loaded") ? body["loaded"].as_array() : boost::json::array{};
  }

  WorkerHarness worker;
};

TEST_F(WorkerFramingTest, AmbiguousFramingIsRefusedBeforeTheSignatureIsChecked) {
  // Unsigned: 400/431, not 401, so framing is judged before authentication.
  expectEveryCaseRefused(worker.process().host(), worker.process().port(), target(false));
  EXPECT_TRUE(loadedModels().empty()) << "a hidden signed request ran";
}

TEST_F(WorkerFramingTest, ASignatureDoesNotMakeAmbiguousFramingAcceptable) {
  expectEveryCaseRefused(worker.process().host(), worker.process().port(), target(true));
  EXPECT_TRUE(loadedModels().empty()) << "a hidden signed request ran";
}

TEST_F(WorkerFramingTest, ARequestInsideAContentLengthBodyStaysABody) {
  const Target t = target(false);
  const std::string hidden = t.hidden();
  const auto ex =
      rawExchange(worker.process().host(), worker.process().port(),
                  "POST /inference HTTP/1.1\r\nHost: " + t.host_header + "\r\n" +
                      signatureLines("POST", "/inference", hidden) +
                      "Connection: close\r\nContent-Length: " + std::to_string(hidden.size()) +
                      "\r\n\r\n" + hidden);
  ASSERT_EQ(ex.responses.size(), 1u) << ex.describe();
  EXPECT_EQ(ex.responses[0].status, 400) << ex.responses[0].body;  // signed, but not JSON
  EXPECT_TRUE(ex.closed);
  EXPECT_TRUE(loadedModels().empty());
}

TEST_F(WorkerFramingTest, CorrectlyFramedPipelinedRequestsAreEachAnswered) {
  const Target t = target(false);
  const auto ex = rawExchange(worker.process().host(), worker.process().port(),
                              t.hidden() + "GET /livez HTTP/1.1\r\nHost: " + t.host_header +
                                  "\r\nConnection: close\r\n\r\n");
  ASSERT_EQ(ex.responses.size(), 2u) << ex.describe();
  EXPECT_EQ(ex.responses[0].status, 200) << ex.responses[0].body;
  EXPECT_EQ(ex.responses[1].status, 200);
  EXPECT_EQ(loadedModels(), (boost::json::array{"embedding-mlp"}));
}

}  // namespace
}  // namespace npufleet::testing
