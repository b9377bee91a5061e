#include "worker/device/HostFileReader.h"

#include <gtest/gtest.h>

#include "FixtureTree.h"

namespace npufleet::worker {
namespace {

using testing::FixtureCopy;

TEST(HostFileReader, ReadsSysfsValuesRelativeToTheRootAndTrimsTheNewline) {
  HostFileReader sys(testing::fixturePath("intel-npu"));
  auto text = sys.readText("sys/class/accel/accel0/device/vendor");
  ASSERT_TRUE(text.ok()) << text.error().message;
  EXPECT_EQ(*text, "0x8086");
  EXPECT_EQ(*sys.readHex("sys/class/accel/accel0/device/vendor"), 0x8086u);
  EXPECT_EQ(*sys.readHex("sys/class/accel/accel0/device/class"), 0x120000u);
  EXPECT_EQ(*sys.readUnsigned("sys/class/accel/accel0/device/npu_busy_time_us"), 5000000u);
}

TEST(HostFileReader, NamesTheFileWhenContentIsNotANumber) {
  FixtureCopy tree("cpu-only");
  tree.write("a", "12xyz\n");
  tree.write("b", "");
  tree.write("c", "99999999999999999999999\n");
  tree.write("d", "-5\n");
  HostFileReader reader(tree.root());
  auto a = reader.readUnsigned("a");
  ASSERT_FALSE(a.ok());
  EXPECT_NE(a.error().message.find((tree.root() / "a").string()), std::string::npos);
  EXPECT_NE(a.error().message.find("not a number"), std::string::npos);
  auto b = reader.readUnsigned("b");
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.error().message.find("empty"), std::string::npos);
  auto c = reader.readUnsigned("c");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("out of range"), std::string::npos);
  EXPECT_FALSE(reader.readUnsigned("d").ok());
  EXPECT_EQ(*reader.readSigned("d"), -5);
  EXPECT_FALSE(reader.readHex("a").ok());
}

TEST(HostFileReader, RefusesFilesLargerThanTheLimitInsteadOfReadingThemWhole) {
  FixtureCopy tree("cpu-only");
  tree.write("huge", std::string(1 << 20, '7'));
  HostFileReader reader(tree.root());
  auto text = reader.readText("huge");
  ASSERT_FALSE(text.ok());
  EXPECT_NE(text.error().message.find("larger than 4096 bytes"), std::string::npos);
  EXPECT_TRUE(reader.readText("huge", 2 << 20).ok());
}

TEST(HostFileReader, MissingFilesAndDirectoriesAreErrorsNotCrashes) {
  HostFileReader reader(testing::fixturePath("cpu-only"));
  EXPECT_FALSE(reader.readText("sys/class/accel/accel0/device/vendor").ok());
  EXPECT_FALSE(reader.readText("proc").ok());              // a directory
  EXPECT_FALSE(reader.readLinkName("proc/cpuinfo").ok());  // not a link
  EXPECT_TRUE(reader.numberedEntries("sys/class/accel", "accel").empty());
}

TEST(HostFileReader, ReadsDriverNamesFromLinksEvenWhenTheTargetIsGone) {
  FixtureCopy tree("intel-npu");
  tree.symlink("../../../bus/pci/drivers/vanished", "sys/devices/pci0000:00/0000:00:0b.0/driver");
  HostFileReader reader(tree.root());
  auto driver = reader.readLinkName("sys/class/accel/accel0/device/driver");
  ASSERT_TRUE(driver.ok()) << driver.error().message;
  EXPECT_EQ(*driver, "vanished");
  EXPECT_EQ(*reader.resolvedName("sys/class/accel/accel0/device"), "0000:00:0b.0");
}

TEST(HostFileReader, ListsNumberedEntriesInNumericOrderSkippingConnectors) {
  FixtureCopy tree("cpu-only");
  for (const char* name : {"card10", "card2", "card0-DP-1", "cardX", "card", "renderD128"}) {
    tree.write(std::string("sys/class/drm2/") + name, "x");
  }
  HostFileReader reader(tree.root());
  EXPECT_EQ(reader.numberedEntries("sys/class/drm2", "card"),
            (std::vector<std::string>{"card2", "card10"}));
  HostFileReader amd(testing::fixturePath("amd-gpu"));
  EXPECT_EQ(amd.numberedEntries("sys/class/drm", "card"), (std::vector<std::string>{"card0"}));
}

}  // namespace
}  // namespace npufleet::worker
