#include "worker/device/DeviceInfo.h"

#include <gtest/gtest.h>

namespace npufleet::worker {
namespace {

TEST(DeviceInfo, WireNamesRoundTrip) {
  for (DeviceType type : {DeviceType::kIntelNpu, DeviceType::kAmdNpu, DeviceType::kNvidiaGpu,
                          DeviceType::kAmdGpu, DeviceType::kIntelGpu, DeviceType::kCpu}) {
    EXPECT_EQ(parseDeviceType(deviceTypeName(type)), type) << deviceTypeName(type);
  }
  EXPECT_STREQ(deviceTypeName(DeviceType::kIntelNpu), "intel-npu");
  EXPECT_STREQ(deviceTypeName(DeviceType::kAmdNpu), "amd-npu");
  EXPECT_STREQ(deviceTypeName(DeviceType::kNvidiaGpu), "nvidia-gpu");
  EXPECT_STREQ(deviceTypeName(DeviceType::kAmdGpu), "amd-gpu");
  EXPECT_STREQ(deviceTypeName(DeviceType::kIntelGpu), "intel-gpu");
  EXPECT_STREQ(deviceTypeName(DeviceType::kCpu), "cpu");
}

TEST(DeviceInfo, ParseRejectsNamesThatAreNotWireNames) {
  EXPECT_FALSE(parseDeviceType("NPU").has_value());
  EXPECT_FALSE(parseDeviceType("intel_npu").has_value());
  EXPECT_FALSE(parseDeviceType("").has_value());
  EXPECT_FALSE(parseDeviceType("auto").has_value());
}

TEST(DeviceInfo, AddNoteSkipsRepeatsAndStopsAtTheCap) {
  DeviceInfo info;
  addNote(info, "a");
  addNote(info, "a");
  EXPECT_EQ(info.notes.size(), 1u);
  for (int i = 0; i < 100; ++i) addNote(info, "note " + std::to_string(i));
  EXPECT_EQ(info.notes.size(), kMaxDeviceNotes);
}

}  // namespace
}  // namespace npufleet::worker
