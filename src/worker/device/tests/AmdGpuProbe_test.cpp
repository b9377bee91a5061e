#include "worker/device/AmdGpuProbe.h"

#include <gtest/gtest.h>

#include "FixtureTree.h"

namespace npufleet::worker {
namespace {

using testing::FixtureCopy;

const std::string kDevice = "sys/class/drm/card0/device";

bool hasNoteContaining(const DeviceInfo& info, const std::string& text) {
  for (const auto& note : info.notes) {
    if (note.find(text) != std::string::npos) return true;
  }
  return false;
}

TEST(AmdGpuProbe, ReportsVramBusyPercentAndHwmonOfTheFixtureCard) {
  AmdGpuProbe probe(HostFileReader(testing::fixturePath("amd-gpu")), kDevice, {});
  const DeviceInfo& info = probe.info();
  EXPECT_EQ(info.type, DeviceType::kAmdGpu);
  EXPECT_EQ(info.name, "AMD GPU (0x744c)");
  EXPECT_EQ(info.driver, "amdgpu");
  EXPECT_EQ(info.pci_address, "0000:03:00.0");
  EXPECT_DOUBLE_EQ(*info.memory_total_gb, 24.0);
  EXPECT_DOUBLE_EQ(*info.memory_used_gb, 1.0);
  EXPECT_DOUBLE_EQ(*info.temperature_c, 52.0);
  EXPECT_DOUBLE_EQ(*info.power_w, 35.0);  // power1_average where power1_input is absent
  EXPECT_DOUBLE_EQ(*probe.utilizationPercent(), 37.0);
  EXPECT_TRUE(info.notes.empty()) << info.notes.front();
}

TEST(AmdGpuProbe, ReadsTheDriverFiguresAfreshOnEveryCall) {
  FixtureCopy tree("amd-gpu");
  AmdGpuProbe probe(HostFileReader(tree.root()), kDevice, {});
  const std::string dev = "sys/devices/pci0000:00/0000:00:01.1/0000:03:00.0";
  tree.write(dev + "/gpu_busy_percent", "93\n");
  tree.write(dev + "/mem_info_vram_used", "12884901888\n");
  EXPECT_DOUBLE_EQ(*probe.utilizationPercent(), 93.0);
  EXPECT_DOUBLE_EQ(*probe.memoryUsedGb(), 12.0);
  EXPECT_DOUBLE_EQ(*probe.info().memory_used_gb, 12.0);
}

TEST(AmdGpuProbe, PrefersTheBoardsProductNameWhenTheDriverGivesOne) {
  FixtureCopy tree("amd-gpu");
  tree.write("sys/devices/pci0000:00/0000:00:01.1/0000:03:00.0/product_name",
             "Radeon RX 7900 XTX\n");
  AmdGpuProbe probe(HostFileReader(tree.root()), kDevice, {});
  EXPECT_EQ(probe.info().name, "Radeon RX 7900 XTX");
}

TEST(AmdGpuProbe, ImpossibleFiguresAreDroppedWithANote) {
  FixtureCopy tree("amd-gpu");
  const std::string dev = "sys/devices/pci0000:00/0000:00:01.1/0000:03:00.0";
  tree.write(dev + "/gpu_busy_percent", "250\n");
  tree.write(dev + "/mem_info_vram_total", "18446744073709551615\n");
  tree.remove(dev + "/mem_info_vram_used");
  AmdGpuProbe probe(HostFileReader(tree.root()), kDevice, {});
  EXPECT_FALSE(probe.utilizationPercent().has_value());
  EXPECT_FALSE(probe.info().memory_total_gb.has_value());
  EXPECT_FALSE(probe.info().memory_used_gb.has_value());
  EXPECT_TRUE(hasNoteContaining(probe.info(), "gpu_busy_percent reads 250"));
  EXPECT_TRUE(hasNoteContaining(probe.info(), "mem_info_vram_total not reported"));
  EXPECT_TRUE(hasNoteContaining(probe.info(), "mem_info_vram_used not reported"));
}

}  // namespace
}  // namespace npufleet::worker
