#include "worker/device/CpuProbe.h"

#include <gtest/gtest.h>

#include "FixtureTree.h"

namespace npufleet::worker {
namespace {

using testing::FixtureCopy;

TEST(CpuProbe, ReportsModelCoresAndMemoryFromProc) {
  CpuProbe probe(HostFileReader(testing::fixturePath("cpu-only")), {"why cpu"});
  const DeviceInfo& info = probe.info();
  EXPECT_EQ(info.type, DeviceType::kCpu);
  EXPECT_EQ(info.name, "Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz");
  EXPECT_EQ(info.driver, "cpu");
  EXPECT_EQ(*info.cpu_cores, 8);
  EXPECT_DOUBLE_EQ(*info.memory_total_gb, 16.0);
  EXPECT_DOUBLE_EQ(*info.memory_used_gb, 8.0);
  EXPECT_EQ(info.notes, std::vector<std::string>{"why cpu"});
}

TEST(CpuProbe, UtilizationIsAlwaysLeftToTheEngine) {
  CpuProbe probe(HostFileReader(testing::fixturePath("cpu-only")), {});
  EXPECT_FALSE(probe.utilizationPercent().has_value());
}

TEST(CpuProbe, ArmCpuinfoWithoutModelNameUsesTheHardwareLine) {
  FixtureCopy tree("cpu-only");
  tree.write("proc/cpuinfo",
             "processor\t: 0\nBogoMIPS\t: 48.00\n\nprocessor\t: 1\nBogoMIPS\t: 48.00\n\n"
             "Hardware\t: BCM2835\n");
  CpuProbe probe(HostFileReader(tree.root()), {});
  EXPECT_EQ(probe.info().name, "BCM2835");
  EXPECT_EQ(*probe.info().cpu_cores, 2);
}

TEST(CpuProbe, MissingProcFilesGiveUnknownsAndNotes) {
  FixtureCopy tree("cpu-only");
  tree.remove("proc/cpuinfo");
  tree.remove("proc/meminfo");
  CpuProbe probe(HostFileReader(tree.root()), {});
  EXPECT_EQ(probe.info().name, "CPU (model unknown)");
  EXPECT_FALSE(probe.info().cpu_cores.has_value());
  EXPECT_FALSE(probe.info().memory_total_gb.has_value());
  EXPECT_FALSE(probe.memoryUsedGb().has_value());
  EXPECT_EQ(probe.info().notes.size(), 2u);
}

TEST(CpuProbe, MeminfoWithoutMemAvailableReportsTotalButNotUsed) {
  FixtureCopy tree("cpu-only");
  tree.write("proc/meminfo", "MemTotal:        8388608 kB\nMemFree:  1024 kB\n");
  CpuProbe probe(HostFileReader(tree.root()), {});
  EXPECT_DOUBLE_EQ(*probe.info().memory_total_gb, 8.0);
  EXPECT_FALSE(probe.info().memory_used_gb.has_value());
}

}  // namespace
}  // namespace npufleet::worker
