// The accelerator kinds the fleet knows (the seed's deviceType enum plus amd-npu, intel-gpu and
// cpu), and the mapping from the many spellings workers use for them (DESIGN.md 4.4).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace npufleet::npu {

enum class DeviceType { kIntelNpu, kNvidiaGpu, kAmdGpu, kAmdNpu, kIntelGpu, kCpu };

const char* deviceTypeName(DeviceType type);

// "NPU", "intel-npu", "GPU", "GPU.1" (OpenVINO's GPU is Intel's), "CPU", "NVIDIA GeForce ...",
// "AMD Radeon ...", "amdxdna", ... -> the enum; nullopt when the name says nothing we know.
std::optional<DeviceType> deviceTypeFromName(std::string_view name);

}  // namespace npufleet::npu
