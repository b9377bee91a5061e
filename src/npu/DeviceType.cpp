#include "npu/DeviceType.h"

#include <algorithm>
#include <cctype>

namespace npufleet::npu {

const char* deviceTypeName(DeviceType type) {
  switch (type) {
    case DeviceType::kIntelNpu: return "intel-npu";
    case DeviceType::kNvidiaGpu: return "nvidia-gpu";
    case DeviceType::kAmdGpu: return "amd-gpu";
    case DeviceType::kAmdNpu: return "amd-npu";
    case DeviceType::kIntelGpu: return "intel-gpu";
    case DeviceType::kCpu: return "cpu";
  }
  return "cpu";
}

namespace {
bool contains(const std::string& s, std::string_view part) { return s.find(part) != std::string::npos; }
bool startsWith(const std::string& s, std::string_view p) { return s.rfind(p, 0) == 0; }
}  // namespace

std::optional<DeviceType> deviceTypeFromName(std::string_view name) {
  std::string s(name);
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  s.erase(0, s.find_first_not_of(" \t"));
  if (s.empty()) return std::nullopt;
  // Exact enum spellings first.
  for (auto t : {DeviceType::kIntelNpu, DeviceType::kNvidiaGpu, DeviceType::kAmdGpu,
                 DeviceType::kAmdNpu, DeviceType::kIntelGpu, DeviceType::kCpu}) {
    if (s == deviceTypeName(t)) return t;
  }
  if (contains(s, "nvidia") || startsWith(s, "cuda") || contains(s, "geforce") ||
      contains(s, "tesla") || contains(s, "quadro") || startsWith(s, "rtx")) {
    return DeviceType::kNvidiaGpu;
  }
  if (contains(s, "amdxdna") || contains(s, "ryzen ai") || (contains(s, "amd") && contains(s, "npu"))) {
    return DeviceType::kAmdNpu;
  }
  if (contains(s, "radeon") || contains(s, "rocm") || contains(s, "amdgpu") ||
      (startsWith(s, "amd") && contains(s, "gpu")) || contains(s, "instinct")) {
    return DeviceType::kAmdGpu;
  }
  // OpenVINO device names: NPU, NPU.0, GPU, GPU.1, CPU; and Intel's own product names.
  if (s == "npu" || startsWith(s, "npu.") || (contains(s, "intel") && contains(s, "npu")) ||
      contains(s, "ivpu") || contains(s, "intel_vpu") || contains(s, "ai boost")) {
    return DeviceType::kIntelNpu;
  }
  if (s == "gpu" || startsWith(s, "gpu.") ||
      (contains(s, "intel") && (contains(s, "gpu") || contains(s, "arc") ||
                                contains(s, "iris") || contains(s, "graphics")))) {
    return DeviceType::kIntelGpu;
  }
  if (s == "cpu" || startsWith(s, "cpu.")) return DeviceType::kCpu;
  return std::nullopt;
}

}  // namespace npufleet::npu
