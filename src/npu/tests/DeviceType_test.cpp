#include "npu/DeviceType.h"

#include <gtest/gtest.h>

namespace npufleet::npu {
namespace {

TEST(DeviceType, WorkerSpellingsMapToTheEnum) {
  EXPECT_EQ(deviceTypeFromName("NPU"), DeviceType::kIntelNpu);
  EXPECT_EQ(deviceTypeFromName("intel-npu"), DeviceType::kIntelNpu);
  EXPECT_EQ(deviceTypeFromName("GPU"), DeviceType::kIntelGpu);
  EXPECT_EQ(deviceTypeFromName("GPU.1"), DeviceType::kIntelGpu);
  EXPECT_EQ(deviceTypeFromName("CPU"), DeviceType::kCpu);
  EXPECT_EQ(deviceTypeFromName("NVIDIA A100-SXM4-80GB"), DeviceType::kNvidiaGpu);
  EXPECT_EQ(deviceTypeFromName("nvidia-gpu"), DeviceType::kNvidiaGpu);
  EXPECT_EQ(deviceTypeFromName("AMD Radeon RX 7900 XTX"), DeviceType::kAmdGpu);
  EXPECT_EQ(deviceTypeFromName("amd-npu"), DeviceType::kAmdNpu);
  EXPECT_EQ(deviceTypeFromName("amdxdna"), DeviceType::kAmdNpu);
}

TEST(DeviceType, UnknownNamesAreNotGuessed) {
  EXPECT_EQ(deviceTypeFromName(""), std::nullopt);
  EXPECT_EQ(deviceTypeFromName("TPU"), std::nullopt);
  EXPECT_EQ(deviceTypeFromName("quantum"), std::nullopt);
}

TEST(DeviceType, NamesRoundTrip) {
  for (auto t : {DeviceType::kIntelNpu, DeviceType::kNvidiaGpu, DeviceType::kAmdGpu,
                 DeviceType::kAmdNpu, DeviceType::kIntelGpu, DeviceType::kCpu}) {
    EXPECT_EQ(deviceTypeFromName(deviceTypeName(t)), t);
  }
}

}  // namespace
}  // namespace npufleet::npu
