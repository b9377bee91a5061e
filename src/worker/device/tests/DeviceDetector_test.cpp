#include "worker/device/DeviceDetector.h"

#include <gtest/gtest.h>

#include "FixtureTree.h"

namespace npufleet::worker {
namespace {

using testing::FixtureCopy;

constexpr const char* kNoNvml = "/nonexistent/libnvidia-ml.so.1";

bool hasNoteContaining(const DeviceInfo& info, const std::string& text) {
  for (const auto& note : info.notes) {
    if (note.find(text) != std::string::npos) return true;
  }
  return false;
}

std::string allNotes(const DeviceInfo& info) {
  std::string out;
  for (const auto& note : info.notes) out += note + "\n";
  return out;
}

// Never the real NVML: a test must not depend on whether the machine running it has a GPU.
std::unique_ptr<DeviceProbe> detectOn(const std::filesystem::path& root, const std::string& device,
                                      const std::string& nvml = kNoNvml,
                                      const Clock* clock = nullptr) {
  DeviceDetectorOptions options;
  options.sys_root = root;
  options.proc_root = root;
  options.device = device;
  options.nvml_library = nvml;
  options.clock = clock;
  return DeviceDetector(options).detect();
}

TEST(DeviceDetector, AutoFindsTheIntelNpuThroughTheAccelSubsystem) {
  FakeClock clock;
  auto probe = detectOn(testing::fixturePath("intel-npu"), "auto", kNoNvml, &clock);
  EXPECT_EQ(probe->info().type, DeviceType::kIntelNpu);
  EXPECT_EQ(probe->info().name, "Intel NPU (Meteor Lake)");
  EXPECT_TRUE(probe->info().notes.empty()) << allNotes(probe->info());
}

TEST(DeviceDetector, TheInjectedClockDrivesNpuUtilization) {
  FixtureCopy tree("intel-npu");
  FakeClock clock;
  auto probe = detectOn(tree.root(), "auto", kNoNvml, &clock);
  tree.write("sys/class/accel/accel0/device/npu_busy_time_us", "5750000\n");
  clock.advance(std::chrono::seconds(1));
  EXPECT_DOUBLE_EQ(*probe->utilizationPercent(), 75.0);
}

TEST(DeviceDetector, AutoPrefersTheNpuOverAnNvidiaGpu) {
  auto probe = detectOn(testing::fixturePath("intel-npu"), "auto", FAKE_NVML_OK);
  EXPECT_EQ(probe->info().type, DeviceType::kIntelNpu);
}

TEST(DeviceDetector, AutoFindsAnAmdGpuAndSaysWhyNothingEarlierMatched) {
  auto probe = detectOn(testing::fixturePath("amd-gpu"), "auto");
  const DeviceInfo& info = probe->info();
  EXPECT_EQ(info.type, DeviceType::kAmdGpu);
  EXPECT_DOUBLE_EQ(*info.memory_total_gb, 24.0);
  EXPECT_TRUE(hasNoteContaining(info, "no accel devices")) << allNotes(info);
  EXPECT_TRUE(hasNoteContaining(info, "no NVIDIA GPU: NVML not loaded")) << allNotes(info);
}

TEST(DeviceDetector, AutoOnAMachineWithNeitherFallsBackToTheCpuWithReasons) {
  auto probe = detectOn(testing::fixturePath("cpu-only"), "auto");
  const DeviceInfo& info = probe->info();
  EXPECT_EQ(info.type, DeviceType::kCpu);
  EXPECT_EQ(*info.cpu_cores, 8);
  EXPECT_FALSE(probe->utilizationPercent().has_value());
  EXPECT_TRUE(hasNoteContaining(info, "no accel devices")) << allNotes(info);
  EXPECT_TRUE(hasNoteContaining(info, kNoNvml)) << allNotes(info);
  EXPECT_TRUE(hasNoteContaining(info, "no AMD GPU")) << allNotes(info);  // the i915 card is skipped
}

TEST(DeviceDetector, AutoUsesNvmlWhenTheLibraryLoads) {
  auto probe = detectOn(testing::fixturePath("cpu-only"), "auto", FAKE_NVML_OK);
  const DeviceInfo& info = probe->info();
  EXPECT_EQ(info.type, DeviceType::kNvidiaGpu);
  EXPECT_EQ(info.name, "Fake NVIDIA H100 80GB HBM3");
  EXPECT_EQ(info.driver, "nvml");
  EXPECT_DOUBLE_EQ(*info.memory_total_gb, 80.0);
  EXPECT_DOUBLE_EQ(*info.memory_used_gb, 10.0);
  EXPECT_DOUBLE_EQ(*info.temperature_c, 55.0);
  EXPECT_DOUBLE_EQ(*info.power_w, 123.456);
  EXPECT_DOUBLE_EQ(*probe->utilizationPercent(), 42.0);
  EXPECT_TRUE(hasNoteContaining(info, "NVML reports 2 GPUs; this worker reports GPU 0"));
}

TEST(DeviceDetector, NvmlThatCannotInitialiseIsANoteAndDetectionGoesOn) {
  auto probe = detectOn(testing::fixturePath("amd-gpu"), "auto", FAKE_NVML_INIT_FAILS);
  EXPECT_EQ(probe->info().type, DeviceType::kAmdGpu);
  EXPECT_TRUE(hasNoteContaining(probe->info(), "nvmlInit_v2 failed: Driver Not Loaded (9)"));
}

TEST(DeviceDetector, APinnedNvidiaGpuWithoutNvmlFallsBackToTheCpuSayingWhy) {
  auto probe = detectOn(testing::fixturePath("amd-gpu"), "nvidia-gpu");
  const DeviceInfo& info = probe->info();
  EXPECT_EQ(info.type, DeviceType::kCpu);
  ASSERT_EQ(info.notes.size(), 1u) << allNotes(info);
  EXPECT_NE(info.notes[0].find("device = \"nvidia-gpu\" is configured but not present"),
            std::string::npos);
  EXPECT_NE(info.notes[0].find(kNoNvml), std::string::npos);
  EXPECT_NE(info.notes[0].find("falling back to cpu"), std::string::npos);
}

TEST(DeviceDetector, APinnedDeviceIsTheOnlyOneLookedFor) {
  // An AMD GPU machine pinned to amd-gpu never touches NVML or the accel subsystem.
  auto amd = detectOn(testing::fixturePath("amd-gpu"), "amd-gpu", FAKE_NVML_OK);
  EXPECT_EQ(amd->info().type, DeviceType::kAmdGpu);
  EXPECT_TRUE(amd->info().notes.empty()) << allNotes(amd->info());
  // The NPU machine pinned to amd-gpu has none: CPU.
  auto npu = detectOn(testing::fixturePath("intel-npu"), "amd-gpu", FAKE_NVML_OK);
  EXPECT_EQ(npu->info().type, DeviceType::kCpu);
  EXPECT_TRUE(hasNoteContaining(npu->info(), "device = \"amd-gpu\" is configured but not present"));
  // Pinned intel-npu on an AMD GPU machine: CPU.
  auto gpu = detectOn(testing::fixturePath("amd-gpu"), "intel-npu");
  EXPECT_EQ(gpu->info().type, DeviceType::kCpu);
  EXPECT_TRUE(hasNoteContaining(gpu->info(), "device = \"intel-npu\" is configured"));
  // Pinned nvidia-gpu where NVML works.
  auto nvidia = detectOn(testing::fixturePath("intel-npu"), "nvidia-gpu", FAKE_NVML_OK);
  EXPECT_EQ(nvidia->info().type, DeviceType::kNvidiaGpu);
}

TEST(DeviceDetector, PinnedCpuIgnoresThePresentNpu) {
  auto probe = detectOn(testing::fixturePath("intel-npu"), "cpu");
  EXPECT_EQ(probe->info().type, DeviceType::kCpu);
  EXPECT_EQ(probe->info().name, "Intel(R) Core(TM) Ultra 7 155H");
  EXPECT_EQ(*probe->info().cpu_cores, 4);
  EXPECT_TRUE(probe->info().notes.empty());
}

TEST(DeviceDetector, AnAmdxdnaDeviceIsReportedAsAnAmdNpu) {
  FixtureCopy tree("intel-npu");
  const std::string dev = "sys/devices/pci0000:00/0000:00:0b.0";
  tree.write(dev + "/vendor", "0x1022\n");
  tree.write(dev + "/device", "0x1502\n");
  tree.symlink("../../../bus/pci/drivers/amdxdna", dev + "/driver");
  auto probe = detectOn(tree.root(), "auto");
  EXPECT_EQ(probe->info().type, DeviceType::kAmdNpu);
  EXPECT_EQ(probe->info().name, "AMD Ryzen AI NPU (Phoenix/Hawk Point)");
  EXPECT_DOUBLE_EQ(*probe->info().memory_total_gb, 32.0);
  EXPECT_FALSE(probe->utilizationPercent().has_value());

  auto pinned = detectOn(tree.root(), "intel-npu");
  EXPECT_EQ(pinned->info().type, DeviceType::kCpu);
  EXPECT_TRUE(hasNoteContaining(pinned->info(), "accel0 is an AMD NPU, not the configured device"));
}

TEST(DeviceDetector, AnIntelAccelDeviceWithAnotherDriverIsNotTakenForAnNpu) {
  FixtureCopy tree("intel-npu");
  tree.symlink("../../../bus/pci/drivers/vfio-pci", "sys/devices/pci0000:00/0000:00:0b.0/driver");
  auto probe = detectOn(tree.root(), "auto");
  EXPECT_EQ(probe->info().type, DeviceType::kCpu);
  EXPECT_TRUE(hasNoteContaining(probe->info(),
                                "class 0x120000 with driver vfio-pci is not an intel_vpu NPU"))
      << allNotes(probe->info());
}

TEST(DeviceDetector, TheBrokenTreeIsDetectedWithoutCrashingAndEveryOddityIsNoted) {
  auto probe = detectOn(testing::fixturePath("broken"), "auto");
  const DeviceInfo& info = probe->info();
  // The only device that survives is the AMD card, with none of its figures believable.
  EXPECT_EQ(info.type, DeviceType::kAmdGpu) << allNotes(info);
  EXPECT_FALSE(info.memory_total_gb.has_value());
  EXPECT_FALSE(info.memory_used_gb.has_value());
  EXPECT_FALSE(info.temperature_c.has_value());
  EXPECT_FALSE(info.power_w.has_value());
  EXPECT_FALSE(probe->utilizationPercent().has_value());
  EXPECT_TRUE(hasNoteContaining(info, "accel0 skipped")) << allNotes(info);
  EXPECT_TRUE(hasNoteContaining(info, "not a number")) << allNotes(info);
  EXPECT_TRUE(hasNoteContaining(info, "accel1 skipped")) << allNotes(info);
  EXPECT_TRUE(hasNoteContaining(info, "accel2 skipped")) << allNotes(info);
  EXPECT_TRUE(hasNoteContaining(info, "driver unknown")) << allNotes(info);
  EXPECT_TRUE(hasNoteContaining(info, "gpu_busy_percent reads 250")) << allNotes(info);
  EXPECT_TRUE(hasNoteContaining(info, "temperature not reported")) << allNotes(info);
  EXPECT_TRUE(hasNoteContaining(info, "power not reported")) << allNotes(info);
  probe->refresh();  // re-reading the same odd files adds nothing new
  const auto notes = info.notes.size();
  probe->refresh();
  EXPECT_EQ(info.notes.size(), notes);
}

TEST(DeviceDetector, TheBrokenTreePinnedToCpuReportsUnknownsNotInventions) {
  auto probe = detectOn(testing::fixturePath("broken"), "cpu");
  const DeviceInfo& info = probe->info();
  EXPECT_EQ(info.type, DeviceType::kCpu);
  EXPECT_EQ(info.name, "CPU (model unknown)");
  EXPECT_FALSE(info.cpu_cores.has_value());  // "processor : zero" is not a processor entry
  EXPECT_FALSE(info.memory_total_gb.has_value());
  EXPECT_FALSE(info.memory_used_gb.has_value());
  EXPECT_TRUE(hasNoteContaining(info, "MemTotal")) << allNotes(info);
  EXPECT_TRUE(hasNoteContaining(info, "core count unknown")) << allNotes(info);
}

TEST(DeviceDetector, ARootThatDoesNotExistStillGivesACpuProbe) {
  auto probe = detectOn("/nonexistent/npufleet-root", "auto");
  EXPECT_EQ(probe->info().type, DeviceType::kCpu);
  EXPECT_EQ(probe->info().name, "CPU (model unknown)");
  EXPECT_FALSE(probe->memoryUsedGb().has_value());
}

TEST(DeviceDetector, AnUnknownDeviceSettingDetectsAutomaticallyAndSaysSo) {
  auto probe = detectOn(testing::fixturePath("intel-npu"), "intel_npu");
  EXPECT_EQ(probe->info().type, DeviceType::kIntelNpu);
  EXPECT_TRUE(hasNoteContaining(probe->info(), "device = \"intel_npu\" is not a known device"));
}

TEST(DeviceDetector, ValidatesTheDeviceSettingNamingTheField) {
  for (const auto& choice : DeviceDetector::deviceChoices()) {
    EXPECT_TRUE(DeviceDetector::validateDeviceChoice(choice).ok()) << choice;
  }
  auto status = DeviceDetector::validateDeviceChoice("gpu", "worker.device");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, ErrorCode::kBadRequest);
  EXPECT_EQ(status.error().field, "worker.device");
  EXPECT_NE(status.error().message.find("\"gpu\""), std::string::npos);
}

}  // namespace
}  // namespace npufleet::worker
