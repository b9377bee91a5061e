#include "worker/device/IntelNpuProbe.h"

#include <gtest/gtest.h>

#include <chrono>

#include "FixtureTree.h"

namespace npufleet::worker {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::FixtureCopy;

const std::string kDevice = "sys/class/accel/accel0/device";
const std::string kBusy = kDevice + "/npu_busy_time_us";

bool hasNoteContaining(const DeviceInfo& info, const std::string& text) {
  for (const auto& note : info.notes) {
    if (note.find(text) != std::string::npos) return true;
  }
  return false;
}

IntelNpuProbe probeOn(const std::filesystem::path& root, const Clock& clock) {
  return IntelNpuProbe(HostFileReader(root), HostFileReader(root), kDevice, clock, {});
}

TEST(IntelNpuProbe, ReportsTheFactsOfTheFixtureMachine) {
  FakeClock clock;
  IntelNpuProbe probe = probeOn(testing::fixturePath("intel-npu"), clock);
  const DeviceInfo& info = probe.info();
  EXPECT_EQ(info.type, DeviceType::kIntelNpu);
  EXPECT_EQ(info.name, "Intel NPU (Meteor Lake)");
  EXPECT_EQ(info.driver, "intel_vpu");
  EXPECT_EQ(info.pci_address, "0000:00:0b.0");
  EXPECT_DOUBLE_EQ(*info.memory_total_gb, 32.0);  // shares system memory
  EXPECT_DOUBLE_EQ(*info.memory_used_gb, 8.0);    // MemTotal - MemAvailable
  EXPECT_DOUBLE_EQ(*info.frequency_mhz, 1400.0);
  EXPECT_DOUBLE_EQ(*info.max_frequency_mhz, 1850.0);
  EXPECT_DOUBLE_EQ(*info.temperature_c, 45.0);
  EXPECT_DOUBLE_EQ(*info.power_w, 2.5);
  EXPECT_FALSE(info.cpu_cores.has_value());
  EXPECT_TRUE(info.notes.empty()) << info.notes.front();
}

TEST(IntelNpuProbe, UtilizationIsBusyTimeGrowthOverWallTimeSinceThePreviousCall) {
  FixtureCopy tree("intel-npu");
  FakeClock clock;
  IntelNpuProbe probe = probeOn(tree.root(), clock);  // first sample: 5,000,000 us busy

  tree.write(kBusy, "5250000\n");
  clock.advance(seconds(1));
  EXPECT_DOUBLE_EQ(*probe.utilizationPercent(), 25.0);

  tree.write(kBusy, "6250000\n");
  clock.advance(seconds(2));
  EXPECT_DOUBLE_EQ(*probe.utilizationPercent(), 50.0);

  clock.advance(milliseconds(500));  // idle: counter unchanged
  EXPECT_DOUBLE_EQ(*probe.utilizationPercent(), 0.0);

  tree.write(kBusy, "6650000\n");
  clock.advance(milliseconds(400));
  EXPECT_DOUBLE_EQ(*probe.utilizationPercent(), 100.0);
}

TEST(IntelNpuProbe, UtilizationIsClampedWhenTheCounterOutrunsTheClock) {
  FixtureCopy tree("intel-npu");
  FakeClock clock;
  IntelNpuProbe probe = probeOn(tree.root(), clock);
  tree.write(kBusy, "6200000\n");  // 1.2 s busy in 1 s of wall time
  clock.advance(seconds(1));
  EXPECT_DOUBLE_EQ(*probe.utilizationPercent(), 100.0);
}

TEST(IntelNpuProbe, ACallWithinTheSameClockTickRepeatsThePreviousFigure) {
  FixtureCopy tree("intel-npu");
  FakeClock clock;
  IntelNpuProbe probe = probeOn(tree.root(), clock);
  EXPECT_FALSE(probe.utilizationPercent().has_value());  // no time has passed, nothing measured
  tree.write(kBusy, "5100000\n");
  clock.advance(seconds(1));
  EXPECT_DOUBLE_EQ(*probe.utilizationPercent(), 10.0);
  EXPECT_DOUBLE_EQ(*probe.utilizationPercent(), 10.0);
}

TEST(IntelNpuProbe, ACounterThatGoesBackwardsRestartsTheMeasurement) {
  FixtureCopy tree("intel-npu");
  FakeClock clock;
  IntelNpuProbe probe = probeOn(tree.root(), clock);
  tree.write(kBusy, "1000\n");  // driver reloaded
  clock.advance(seconds(1));
  EXPECT_FALSE(probe.utilizationPercent().has_value());
  tree.write(kBusy, "301000\n");
  clock.advance(seconds(1));
  EXPECT_DOUBLE_EQ(*probe.utilizationPercent(), 30.0);
}

TEST(IntelNpuProbe, WithoutTheBusyCounterUtilizationIsLeftToTheEngine) {
  FixtureCopy tree("intel-npu");
  tree.remove("sys/devices/pci0000:00/0000:00:0b.0/npu_busy_time_us");
  FakeClock clock;
  IntelNpuProbe probe = probeOn(tree.root(), clock);
  clock.advance(seconds(1));
  EXPECT_FALSE(probe.utilizationPercent().has_value());
  EXPECT_TRUE(hasNoteContaining(probe.info(), "npu_busy_time_us not present"));
}

TEST(IntelNpuProbe, OlderKernelsWithoutFrequencyOrHwmonFilesReportNothingForThem) {
  FixtureCopy tree("intel-npu");
  const std::string dev = "sys/devices/pci0000:00/0000:00:0b.0";
  tree.remove(dev + "/npu_current_frequency_mhz");
  tree.remove(dev + "/npu_max_frequency_mhz");
  std::filesystem::remove_all(tree.root() / dev / "hwmon");
  FakeClock clock;
  IntelNpuProbe probe = probeOn(tree.root(), clock);
  EXPECT_FALSE(probe.info().frequency_mhz.has_value());
  EXPECT_FALSE(probe.info().max_frequency_mhz.has_value());
  EXPECT_FALSE(probe.info().temperature_c.has_value());
  EXPECT_FALSE(probe.info().power_w.has_value());
  EXPECT_TRUE(probe.info().notes.empty());  // absence is normal, not worth a note
}

TEST(IntelNpuProbe, OddFilesLeaveFiguresUnsetAndSayWhy) {
  FixtureCopy tree("intel-npu");
  const std::string dev = "sys/devices/pci0000:00/0000:00:0b.0";
  tree.write(dev + "/device", "not-hex\n");
  tree.write(dev + "/npu_current_frequency_mhz", "");
  tree.write(dev + "/npu_max_frequency_mhz", "4000000000\n");
  tree.write(dev + "/hwmon/hwmon4/temp1_input", "999999999\n");
  tree.write(dev + "/hwmon/hwmon4/power1_input", "a lot\n");
  tree.write("proc/meminfo", "MemTotal: garbage\n");
  FakeClock clock;
  IntelNpuProbe probe = probeOn(tree.root(), clock);
  const DeviceInfo& info = probe.info();
  EXPECT_EQ(info.name, "Intel NPU");
  EXPECT_FALSE(info.frequency_mhz.has_value());
  EXPECT_FALSE(info.max_frequency_mhz.has_value());
  EXPECT_FALSE(info.temperature_c.has_value());
  EXPECT_FALSE(info.power_w.has_value());
  EXPECT_FALSE(info.memory_total_gb.has_value());
  EXPECT_FALSE(info.memory_used_gb.has_value());
  EXPECT_TRUE(hasNoteContaining(info, "PCI device id unknown"));
  EXPECT_TRUE(hasNoteContaining(info, "npu_current_frequency_mhz not reported"));
  EXPECT_TRUE(hasNoteContaining(info, "npu_max_frequency_mhz not reported"));
  EXPECT_TRUE(hasNoteContaining(info, "temperature not reported"));
  EXPECT_TRUE(hasNoteContaining(info, "power not reported"));
  EXPECT_TRUE(hasNoteContaining(info, "shared system memory unknown"));
}

TEST(IntelNpuProbe, AHugeOrGarbledBusyCounterGivesNoFigureAndANote) {
  FixtureCopy tree("intel-npu");
  FakeClock clock;
  IntelNpuProbe probe = probeOn(tree.root(), clock);
  tree.write(kBusy, std::string(1 << 20, '9'));
  clock.advance(seconds(1));
  EXPECT_FALSE(probe.utilizationPercent().has_value());
  EXPECT_TRUE(hasNoteContaining(probe.info(), "larger than"));
  tree.write(kBusy, "busy\n");
  clock.advance(seconds(1));
  EXPECT_FALSE(probe.utilizationPercent().has_value());
  EXPECT_TRUE(hasNoteContaining(probe.info(), "not a number"));
  // Repeated failures do not grow the notes.
  const auto notes = probe.info().notes.size();
  for (int i = 0; i < 10; ++i) probe.utilizationPercent();
  EXPECT_EQ(probe.info().notes.size(), notes);
}

TEST(IntelNpuProbe, RefreshPicksUpNewFrequencyTemperatureAndPower) {
  FixtureCopy tree("intel-npu");
  const std::string dev = "sys/devices/pci0000:00/0000:00:0b.0";
  FakeClock clock;
  IntelNpuProbe probe = probeOn(tree.root(), clock);
  tree.write(dev + "/npu_current_frequency_mhz", "700\n");
  tree.write(dev + "/hwmon/hwmon4/temp1_input", "61500\n");
  tree.write(dev + "/hwmon/hwmon4/power1_input", "4750000\n");
  tree.write("proc/meminfo", "MemTotal: 33554432 kB\nMemAvailable: 16777216 kB\n");
  probe.refresh();
  EXPECT_DOUBLE_EQ(*probe.info().frequency_mhz, 700.0);
  EXPECT_DOUBLE_EQ(*probe.info().temperature_c, 61.5);
  EXPECT_DOUBLE_EQ(*probe.info().power_w, 4.75);
  EXPECT_DOUBLE_EQ(*probe.info().memory_used_gb, 16.0);
}

TEST(IntelNpuProbe, NamesKnownGenerationsAndShowsTheIdOfUnknownOnes) {
  EXPECT_EQ(IntelNpuProbe::deviceName(0x7d1d), "Intel NPU (Meteor Lake)");
  EXPECT_EQ(IntelNpuProbe::deviceName(0xad1d), "Intel NPU (Arrow Lake)");
  EXPECT_EQ(IntelNpuProbe::deviceName(0x643e), "Intel NPU (Lunar Lake)");
  EXPECT_EQ(IntelNpuProbe::deviceName(0xb03e), "Intel NPU (Panther Lake)");
  EXPECT_EQ(IntelNpuProbe::deviceName(0x1234), "Intel NPU (0x1234)");
  EXPECT_EQ(IntelNpuProbe::deviceName(std::nullopt), "Intel NPU");
}

}  // namespace
}  // namespace npufleet::worker
