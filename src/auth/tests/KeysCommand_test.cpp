// `npufleet keys generate|list` as an operator runs it: the real binary, a temporary directory.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <array>
#include <cstdio>
#include <string>

#include "AuthTestSupport.h"
#include "auth/KeyFile.h"
#include "auth/SignatureFormat.h"

namespace npufleet::auth {
namespace {

struct Run {
  int rc;
  std::string out;  // stdout only
};

Run run(const std::string& args) {
  const std::string cmd = std::string(NPUFLEET_BINARY) + " " + args + " 2>/dev/null";
  FILE* p = ::popen(cmd.c_str(), "r");
  std::string out;
  std::array<char, 256> buf{};
  while (size_t n = std::fread(buf.data(), 1, buf.size(), p)) out.append(buf.data(), n);
  const int status = ::pclose(p);
  return {WEXITSTATUS(status), out};
}

TEST(KeysCommand, GenerateWritesA0600KeyFileAndPrintsOnlyItsPath) {
  testing::TempDir dir;
  auto r = run("keys generate --service-id main-backend --dir " + dir.path());
  ASSERT_EQ(r.rc, 0);
  const std::string path = dir.path() + "/main-backend.key";
  EXPECT_EQ(r.out, path + "\n");
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto keys = readKeyFile(path);
  ASSERT_TRUE(keys.ok());
  ASSERT_EQ(keys->size(), 1u);
  EXPECT_TRUE(isLowerHex(keys->front(), 64, 64));
  EXPECT_EQ(r.out.find(keys->front()), std::string::npos);
}

TEST(KeysCommand, SecondGenerateNeedsRotateWhichAppendsAndPrintPrintsTheNewKey) {
  testing::TempDir dir;
  ASSERT_EQ(run("keys generate --service-id svc --dir " + dir.path()).rc, 0);
  EXPECT_EQ(run("keys generate --service-id svc --dir " + dir.path()).rc, 1);
  auto r = run("keys generate --service-id svc --rotate --print --dir " + dir.path());
  ASSERT_EQ(r.rc, 0);
  auto keys = readKeyFile(dir.path() + "/svc.key");
  ASSERT_TRUE(keys.ok());
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_NE(r.out.find(keys->back() + "\n"), std::string::npos);

  auto list = run("keys list --dir " + dir.path());
  ASSERT_EQ(list.rc, 0);
  EXPECT_EQ(list.out, "svc " + keyIdFor(keys->front()) + "\nsvc " + keyIdFor(keys->back()) + "\n");
}

}  // namespace
}  // namespace npufleet::auth
