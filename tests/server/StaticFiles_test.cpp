// The web UI's file serving, from a directory and from files embedded with
// cmake/EmbedFiles.cmake (the generator release builds use for web/dist): same answers.
#include "http/StaticFiles.h"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

namespace npufleet::testing {
std::span<const http::EmbeddedFile> fixtureAssets();  // generated from tests/fixtures/webroot

namespace {

const std::string kRoot = std::string(NPUFLEET_SOURCE_DIR) + "/tests/fixtures/webroot";

http::Response get(const http::Router& router, const std::string& path) {
  auto m = router.match("GET", path);
  EXPECT_NE(m.route, nullptr) << path;
  http::Request req;
  req.method = "GET";
  req.path = path;
  req.target = path;
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

TEST(StaticFiles, MissingUiSaysHowToBuildIt) {
  http::Router router;
  http::serveSinglePageApp(router, http::StaticSource::directory("/nonexistent/dist"));
  auto r = get(router, "/");
  EXPECT_EQ(r.status, 404);
  EXPECT_NE(r.body.find("make web-dist"), std::string::npos) << r.body;
}

}  // namespace
}  // namespace npufleet::testing
