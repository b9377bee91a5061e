// What a worker knows about the accelerator it runs on. Filled by a DeviceDetector from sysfs,
// procfs or NVML; reported verbatim in the worker's /health. A figure that could not be read
// stays unset rather than being invented.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace npufleet::worker {

// Wire names: "intel-npu", "amd-npu", "nvidia-gpu", "amd-gpu", "intel-gpu", "cpu".
enum class DeviceType { kIntelNpu, kAmdNpu, kNvidiaGpu, kAmdGpu, kIntelGpu, kCpu };
const char* deviceTypeName(DeviceType type);
std::optional<DeviceType> parseDeviceType(const std::string& name);

struct DeviceInfo {
  DeviceType type = DeviceType::kCpu;
  std::string name;         // "Intel(R) AI Boost", "NVIDIA H100 80GB HBM3", CPU model name
  std::string driver;       // "intel_vpu", "amdgpu", "nvml", "cpu"
  std::string pci_address;  // "0000:00:0b.0" when known
  std::optional<double> memory_total_gb;
  std::optional<double> memory_used_gb;
  std::optional<int> cpu_cores;
  std::optional<double> frequency_mhz;
  std::optional<double> max_frequency_mhz;
  std::optional<double> temperature_c;
  std::optional<double> power_w;
  // Why detection fell back (e.g. "no /sys/class/accel devices; NVML not found: ..."), shown
  // in /health so that an operator sees why a node reports "cpu".
  std::vector<std::string> notes;
};

// Appends a note unless the same text is already there, so that a probe re-reading a broken
// file every health check does not grow the list; at most kMaxDeviceNotes are kept.
inline constexpr std::size_t kMaxDeviceNotes = 32;
void addNote(DeviceInfo& info, std::string note);

}  // namespace npufleet::worker
