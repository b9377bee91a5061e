// The web UI's file serving, from a directory and from files embedded with
// cmake/EmbedFiles.cmake (the generator release builds use for web/dist): same answers, the
// precompressed .br/.gz siblings (tests/fixtures/webroot has some) chosen by Accept-Encoding.
#include "http/StaticFiles.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace npufleet::testing {
std::span<const http::EmbeddedFile> fixtureAssets();  // generated from tests/fixtures/webroot

namespace {

const std::string kRoot = std::string(NPUFLEET_SOURCE_DIR) + "/tests/fixtures/webroot";

http::Response get(const http::Router& router, const std::string& path,
                  const std::map<std::string, std::string>& headers = {}) {
  auto m = router.match("GET", path);
  EXPECT_NE(m.route, nullptr) << path;
  http::Request req;
  req.method = "GET";
  req.path = path;
  req.target = path;
  for (const auto& [k, v] : headers) req.headers.set(k, v);
  boost::asio::io_context io;
  auto f = boost::asio::co_spawn(io, m.route->handler(req), boost::asio::use_future);
  io.run();
  return f.get();
}

class StaticFilesTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    http::serveSinglePageApp(router_, GetParam() ? http::StaticSource::embedded(fixtureAssets())
                                                 : http::StaticSource::directory(kRoot));
  }
  http::Router router_;
};

TEST_P(StaticFilesTest, HashedAssetsAreImmutableAndIndexIsRevalidated) {
  auto js = get(router_, "/assets/app-1a2b3c.js");
  EXPECT_EQ(js.status, 200);
  EXPECT_EQ(js.body, "console.log(\"app\")\n");
  EXPECT_EQ(js.headers.get("Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(js.headers.get("Cache-Control"), "public, max-age=31536000, immutable");
  auto index = get(router_, "/");
  EXPECT_EQ(index.status, 200);
  EXPECT_NE(index.body.find("<div id=\"app\">"), std::string::npos);
  EXPECT_EQ(index.headers.get("Cache-Control"), "no-cache");
  EXPECT_NE(index.headers.get("Content-Security-Policy").find("frame-ancestors 'none'"),
            std::string::npos);
  EXPECT_EQ(index.headers.get("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(get(router_, "/favicon.ico").body, "fake");
}

std::string fixture(const std::string& rel) {
  std::ifstream in(kRoot + "/" + rel, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST_P(StaticFilesTest, TheBestPrecompressedVariantTheClientAcceptsIsSent) {
  const std::string js = "/assets/app-1a2b3c.js";
  struct Case {
    const char* accept;  // nullptr: no Accept-Encoding
    const char* coding;  // "" for the file itself
    std::string body;
  };
  const std::string raw = fixture("assets/app-1a2b3c.js");
  const std::string br = fixture("assets/app-1a2b3c.js.br");
  const std::string gz = fixture("assets/app-1a2b3c.js.gz");
  ASSERT_FALSE(br.empty());
  ASSERT_FALSE(gz.empty());
  for (const auto& c : std::vector<Case>{{nullptr, "", raw},
                                         {"gzip, deflate, br, zstd", "br", br},
                                         {"gzip", "gzip", gz},
                                         {"GZIP;q=0.5", "gzip", gz},
                                         {"br;q=0, gzip", "gzip", gz},
                                         {"br; q=0.000, gzip;q=1", "gzip", gz},
                                         {"br;q=0, gzip;q=0", "", raw},
                                         {"identity", "", raw},
                                         {"deflate", "", raw},
                                         {"*", "br", br},
                                         {"*;q=0", "", raw},
                                         {"*, br;q=0", "gzip", gz}}) {
    std::map<std::string, std::string> headers;
    if (c.accept) headers["Accept-Encoding"] = c.accept;
    auto r = get(router_, js, headers);
    const std::string label = c.accept ? c.accept : "(none)";
    EXPECT_EQ(r.status, 200) << label;
    EXPECT_EQ(r.body, c.body) << label;
    EXPECT_EQ(r.headers.get("Content-Encoding"), c.coding) << label;
    EXPECT_EQ(r.headers.has("Content-Encoding"), *c.coding != '\0') << label;
    // The type is the file's, whatever the coding; caches keep one copy per coding.
    EXPECT_EQ(r.headers.get("Content-Type"), "text/javascript; charset=utf-8") << label;
    EXPECT_EQ(r.headers.get("Vary"), "Accept-Encoding") << label;
    EXPECT_EQ(r.headers.get("Cache-Control"), "public, max-age=31536000, immutable") << label;
  }
}

TEST_P(StaticFilesTest, IndexAndTheSpaFallbackComeCompressedAndUncached) {
  // index.html has a .gz sibling only: br accepted but absent falls back to gzip.
  for (const char* path : {"/", "/index.html", "/fleet/npu"}) {
    auto r = get(router_, path, {{"Accept-Encoding", "br, gzip"}});
    EXPECT_EQ(r.status, 200) << path;
    EXPECT_EQ(r.body, fixture("index.html.gz")) << path;
    EXPECT_EQ(r.headers.get("Content-Encoding"), "gzip") << path;
    EXPECT_EQ(r.headers.get("Content-Type"), "text/html; charset=utf-8") << path;
    EXPECT_EQ(r.headers.get("Cache-Control"), "no-cache") << path;
    EXPECT_EQ(r.headers.get("Vary"), "Accept-Encoding") << path;
  }
  // Not text: never looked up compressed, and nothing to vary on.
  auto ico = get(router_, "/favicon.ico", {{"Accept-Encoding", "br, gzip"}});
  EXPECT_EQ(ico.body, "fake");
  EXPECT_FALSE(ico.headers.has("Content-Encoding"));
  EXPECT_FALSE(ico.headers.has("Vary"));
}

TEST_P(StaticFilesTest, AVariantAskedForByNameIsNotServedAsAFile) {
  for (const char* p : {"/assets/app-1a2b3c.js.gz", "/assets/app-1a2b3c.js.br", "/index.html.gz"}) {
    auto r = get(router_, p);
    EXPECT_EQ(r.status, 200) << p;
    EXPECT_EQ(r.headers.get("Content-Type"), "text/html; charset=utf-8") << p;
    EXPECT_EQ(r.body, fixture("index.html")) << p;
    EXPECT_FALSE(r.headers.has("Content-Encoding")) << p;
  }
}

TEST_P(StaticFilesTest, IndexIsRevalidatedByEtagPerCoding) {
  auto plain = get(router_, "/");
  const std::string etag(plain.headers.get("ETag"));
  ASSERT_FALSE(etag.empty());
  EXPECT_EQ(etag.front(), '"');
  auto again = get(router_, "/fleet/npu", {{"If-None-Match", etag}});
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());
  EXPECT_EQ(again.headers.get("ETag"), etag);
  EXPECT_EQ(again.headers.get("Cache-Control"), "no-cache");
  EXPECT_EQ(get(router_, "/", {{"If-None-Match", "W/" + etag + ", \"other\""}}).status, 304);
  EXPECT_EQ(get(router_, "/", {{"If-None-Match", "\"other\""}}).status, 200);
  // The gzip variant is another representation: its own tag, and the identity tag does not
  // validate it.
  auto gz = get(router_, "/", {{"Accept-Encoding", "gzip"}, {"If-None-Match", etag}});
  EXPECT_EQ(gz.status, 200);
  EXPECT_NE(gz.headers.get("ETag"), etag);
  // Hashed assets never change under their name: no validator to send.
  EXPECT_FALSE(get(router_, "/assets/app-1a2b3c.js").headers.has("ETag"));
}

TEST_P(StaticFilesTest, ClientRoutesGetIndexAndApiPathsStayJson404) {
  auto route = get(router_, "/fleet/npu");
  EXPECT_EQ(route.status, 200);
  EXPECT_EQ(route.headers.get("Content-Type"), "text/html; charset=utf-8");
  auto api = get(router_, "/api/nope");
  EXPECT_EQ(api.status, 404);
  EXPECT_NE(api.body.find("\"not_found\""), std::string::npos);
}

TEST_P(StaticFilesTest, PathsCannotLeaveTheRoot) {
  // Each of these names tests/server/StaticFiles_test.cpp if followed out of the root.
  for (const char* p : {"/../../server/StaticFiles_test.cpp",
                        "/assets/../../../server/StaticFiles_test.cpp",
                        "/%2e%2e/%2e%2e/server/StaticFiles_test.cpp"}) {
    auto r = get(router_, p);
    EXPECT_EQ(r.status, 200) << p;
    EXPECT_NE(r.body.find("<div id=\"app\">"), std::string::npos) << p << " served " << r.body;
  }
}

// The http server refuses these before any route (HttpLoopbackTest); the fallback must not
// serve a file under a NUL-cut name by itself either: "index.html\0.png" opened index.html and
// typed it image/png.
TEST_P(StaticFilesTest, AControlCharacterNamesNoFile) {
  for (const char* p : {"/index.html%00.png", "/assets/app-1a2b3c.js%00.html", "/index.html%0a"}) {
    auto r = get(router_, p);
    EXPECT_EQ(r.headers.get("Content-Type"), "text/html; charset=utf-8") << p;
    EXPECT_EQ(r.headers.get("Cache-Control"), "no-cache") << p;
  }
}

INSTANTIATE_TEST_SUITE_P(DirectoryAndEmbedded, StaticFilesTest, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "Embedded" : "Directory"; });

TEST(StaticFiles, AcceptEncodingHonoursZeroWeights) {
  auto both = http::acceptedCodings("gzip, deflate, br");
  EXPECT_TRUE(both.br);
  EXPECT_TRUE(both.gzip);
  auto none = http::acceptedCodings("");
  EXPECT_FALSE(none.br);
  EXPECT_FALSE(none.gzip);
  auto no_br = http::acceptedCodings(" br ; q=0 , x-gzip ");
  EXPECT_FALSE(no_br.br);
  EXPECT_TRUE(no_br.gzip);
  auto small = http::acceptedCodings("br;q=0.001");
  EXPECT_TRUE(small.br);
  EXPECT_FALSE(small.gzip);
  auto star = http::acceptedCodings("*;q=0.1, gzip;q=0");
  EXPECT_TRUE(star.br);
  EXPECT_FALSE(star.gzip);
}

TEST(StaticFiles, MissingUiSaysHowToBuildIt) {
  http::Router router;
  http::serveSinglePageApp(router, http::StaticSource::directory("/nonexistent/dist"));
  auto r = get(router, "/");
  EXPECT_EQ(r.status, 404);
  EXPECT_NE(r.body.find("make web-dist"), std::string::npos) << r.body;
}

}  // namespace
}  // namespace npufleet::testing
