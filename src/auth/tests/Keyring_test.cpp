#include "auth/Keyring.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "AuthTestSupport.h"
#include "auth/KeyFile.h"
#include "auth/SignatureFormat.h"

namespace npufleet::auth {
namespace {

using testing::TempDir;

const std::string kKeyA = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const std::string kKeyB = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

TEST(Keyring, LoadsOneFilePerServiceWithSeveralKeysForRotation) {
  TempDir dir;
  dir.write("main-backend.key", "# rotated 2026-02\n" + kKeyA + "\n\n" + kKeyB + "\r\n", 0600);
  dir.write("other.key", kKeyA, 0600);
  dir.write("README", "not a key", 0644);
  dir.write(".hidden.key", "ignored", 0644);
  auto ring = Keyring::loadDirectory(dir.path());
  ASSERT_TRUE(ring.ok()) << ring.error().message;
  EXPECT_EQ(ring->serviceIds(), (std::vector<std::string>{"main-backend", "other"}));
  ASSERT_EQ(ring->keysFor("main-backend").size(), 2u);
  EXPECT_EQ(ring->keysFor("main-backend")[1].secret, kKeyB);
  EXPECT_NE(ring->find("main-backend", keyIdFor(kKeyA)), nullptr);
  EXPECT_EQ(ring->find("main-backend", keyIdFor("x")), nullptr);
  EXPECT_TRUE(ring->keysFor("nobody").empty());
}

TEST(Keyring, RefusesGroupOrWorldReadableKeyFilesNamingTheFileNotTheKey) {
  for (mode_t mode : {0640, 0604, 0660, 0644}) {
    TempDir dir;
    const auto path = dir.write("main-backend.key", kKeyA + "\n", mode);
    auto ring = Keyring::loadDirectory(dir.path());
    ASSERT_FALSE(ring.ok()) << std::oct << mode;
    EXPECT_NE(ring.error().message.find(path), std::string::npos);
    EXPECT_NE(ring.error().message.find("chmod 600"), std::string::npos);
    EXPECT_EQ(ring.error().message.find(kKeyA), std::string::npos);
  }
}

TEST(Keyring, NonRegularKeyFileIsRefusedWithoutBlocking) {
  TempDir dir;
  const std::string fifo = dir.path() + "/main-backend.key";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  auto ring = Keyring::loadDirectory(dir.path());
  ASSERT_FALSE(ring.ok());
  EXPECT_NE(ring.error().message.find("not a regular file"), std::string::npos);
}

TEST(Keyring, ShortKeyIsRefusedWithFileAndLine) {
  TempDir dir;
  dir.write("main-backend.key", kKeyA + "\nshort\n", 0600);
  auto ring = Keyring::loadDirectory(dir.path());
  ASSERT_FALSE(ring.ok());
  EXPECT_NE(ring.error().message.find("main-backend.key line 2"), std::string::npos);
  EXPECT_EQ(ring.error().message.find("short\n"), std::string::npos);
}

TEST(Keyring, KeyFileNamedWithAnInvalidServiceIdIsAnError) {
  TempDir dir;
  dir.write("bad name.key", kKeyA, 0600);
  auto ring = Keyring::loadDirectory(dir.path());
  ASSERT_FALSE(ring.ok());
  EXPECT_NE(ring.error().message.find("bad name.key"), std::string::npos);
}

TEST(Keyring, MissingDirectoryIsAnError) {
  auto ring = Keyring::loadDirectory("/nonexistent/npufleet-keys");
  ASSERT_FALSE(ring.ok());
  EXPECT_EQ(ring.error().field, "trusted_keys_dir");
}

TEST(Keyring, ConfigEntriesSplitAtTheFirstColon) {
  auto ring = Keyring::fromEntries({"main-backend:" + kKeyA + ":tail"});
  ASSERT_TRUE(ring.ok());
  EXPECT_EQ(ring->keysFor("main-backend")[0].secret, kKeyA + ":tail");
  auto bad = Keyring::fromEntries({kKeyA});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message.find(kKeyA), std::string::npos);
}

TEST(Keyring, SameKeyTwiceIsKeptOnce) {
  Keyring ring;
  ASSERT_TRUE(ring.add("s", kKeyA).ok());
  ASSERT_TRUE(ring.add("s", kKeyA).ok());
  EXPECT_EQ(ring.keyCount(), 1u);
}

TEST(KeyFile, ServiceKeyFileHoldsExactlyOneKey) {
  TempDir dir;
  auto one = loadServiceKeyFile(dir.write("one.key", kKeyA + "\n", 0600));
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one.value(), kKeyA);
  auto two = loadServiceKeyFile(dir.write("two.key", kKeyA + "\n" + kKeyB + "\n", 0600));
  ASSERT_FALSE(two.ok());
  EXPECT_NE(two.error().message.find("exactly one key, found 2"), std::string::npos);
  auto open = loadServiceKeyFile(dir.write("open.key", kKeyA + "\n", 0644));
  ASSERT_FALSE(open.ok());
  EXPECT_NE(open.error().message.find("0644"), std::string::npos);
}

TEST(KeyFile, GeneratedKeysAre64HexAndDiffer) {
  auto a = generateKey();
  auto b = generateKey();
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_TRUE(isLowerHex(a.value(), 64, 64));
  EXPECT_NE(a.value(), b.value());
}

TEST(KeyFile, WriteCreates0600EvenUnderAPermissiveUmaskAndAppendsOnRotation) {
  TempDir dir;
  const std::string path = dir.path() + "/main-backend.key";
  const mode_t old = ::umask(0);
  auto created = writeKeyLine(path, kKeyA, false);
  ::umask(old);
  ASSERT_TRUE(created.ok()) << created.error().message;
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  auto again = writeKeyLine(path, kKeyB, false);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, ErrorCode::kConflict);

  ASSERT_TRUE(writeKeyLine(path, kKeyB, true).ok());
  auto keys = readKeyFile(path);
  ASSERT_TRUE(keys.ok());
  EXPECT_EQ(keys.value(), (std::vector<std::string>{kKeyA, kKeyB}));
}

TEST(KeyFile, RotationAppendFixesAMissingFinalNewlineAndRefusesAnOpenFile) {
  TempDir dir;
  const auto path = dir.write("s.key", kKeyA, 0600);
  ASSERT_TRUE(writeKeyLine(path, kKeyB, true).ok());
  EXPECT_EQ(readKeyFile(path).value().size(), 2u);
  const auto open = dir.write("t.key", kKeyA + "\n", 0644);
  EXPECT_FALSE(writeKeyLine(open, kKeyB, true).ok());
}

}  // namespace
}  // namespace npufleet::auth
