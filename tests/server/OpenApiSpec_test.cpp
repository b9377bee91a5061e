// docs/openapi.yaml and the server's router must list the same METHOD + path pairs, so that the
// published API reference cannot drift from the code.
#include <gtest/gtest.h>

#include <algorithm>
#include <regex>
#include <set>
#include <sstream>

#include "support/ProcessFixture.h"
#include "support/TestHttp.h"

namespace npufleet::testing {
namespace {

std::set<std::string> specOperations(const std::string& yaml) {
  std::set<std::string> ops;
  std::istringstream in(yaml);
  std::string line, path;
  bool in_paths = false;
  static const std::regex kPath(R"(^  (/[^:]*):\s*$)");
  static const std::regex kMethod(R"(^    (get|post|put|patch|delete):\s*$)");
  while (std::getline(in, line)) {
    if (line == "paths:") {
      in_paths = true;
      continue;
    }
    if (in_paths && !line.empty() && line[0] != ' ' && line[0] != '#') in_paths = false;
    if (!in_paths) continue;
    std::smatch m;
    if (std::regex_match(line, m, kPath)) {
      path = m[1];
    } else if (std::regex_match(line, m, kMethod)) {
      std::string method = m[1];
      std::transform(method.begin(), method.end(), method.begin(), ::toupper);
      ops.insert(method + " " + path);
    }
  }
  return ops;
}

TEST(OpenApiSpec, RoutesAndSpecAgree) {
  TempDir dir;
  ProcessFixture p;
  ASSERT_TRUE(p.start({NPUFLEET_BINARY, {"server", "--print-routes", "--data-dir", dir / "data"}, {}, ""}));
  ASSERT_EQ(p.wait(std::chrono::seconds(20)), 0) << p.stderrText();
  std::set<std::string> routes;
  std::istringstream out(p.stdoutText());
  std::string line;
  while (std::getline(out, line)) {
    if (!line.empty()) routes.insert(line);
  }
  ASSERT_GT(routes.size(), 10u);
  auto spec = specOperations(readFile(std::string(NPUFLEET_SOURCE_DIR) + "/docs/openapi.yaml"));
  for (const auto& r : routes) EXPECT_TRUE(spec.count(r)) << "route missing from docs/openapi.yaml: " << r;
  for (const auto& s : spec) EXPECT_TRUE(routes.count(s)) << "documented but not served: " << s;
}

}  // namespace
}  // namespace npufleet::testing
