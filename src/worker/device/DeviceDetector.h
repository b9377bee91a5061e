// Finds the accelerator a worker runs on and returns the probe that reports it. Auto-detection
// order: an NPU in the accel subsystem (Intel intel_vpu, AMD amdxdna), an NVIDIA GPU through
// NVML, an AMD GPU through DRM, then the CPU. A pinned device that is not present falls back to
// the CPU, and the probe's notes say why; detection itself never fails.
// memory_gb / max_concurrent overrides belong to the worker's configuration, not to detection.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/Clock.h"
#include "common/Error.h"
#include "worker/device/DeviceInfo.h"
#include "worker/device/DeviceProbe.h"
#include "worker/device/HostFileReader.h"

namespace npufleet::worker {

struct DeviceDetectorOptions {
  // Each root stands for "/": sysfs is read at <sys_root>/sys/..., procfs at
  // <proc_root>/proc/.... Tests point both at a fixture tree.
  std::filesystem::path sys_root = "/";
  std::filesystem::path proc_root = "/";
  // "auto", or one of the DeviceDetector::deviceChoices() names to pin.
  std::string device = "auto";
  // dlopen name or path of NVML; tests point it at a missing file.
  std::string nvml_library = "libnvidia-ml.so.1";
  // Clock for rate-based utilization; the system clock when null. Must outlive the probe.
  const Clock* clock = nullptr;
};

class DeviceDetector {
 public:
  explicit DeviceDetector(DeviceDetectorOptions options);

  std::unique_ptr<DeviceProbe> detect() const;

  // "auto", "intel-npu", "amd-npu", "nvidia-gpu", "amd-gpu", "cpu": the values the worker's
  // `device` setting accepts.
  static const std::vector<std::string>& deviceChoices();
  // Error naming `field` when `value` is not one of deviceChoices().
  static Status validateDeviceChoice(const std::string& value, const std::string& field = "device");

 private:
  std::unique_ptr<DeviceProbe> detectAccelNpu(std::optional<DeviceType> wanted,
                                              std::vector<std::string>& notes) const;
  std::unique_ptr<DeviceProbe> detectNvidiaGpu(std::vector<std::string>& notes) const;
  std::unique_ptr<DeviceProbe> detectAmdGpu(std::vector<std::string>& notes) const;

  DeviceDetectorOptions options_;
  HostFileReader sys_;
  HostFileReader proc_;
  const Clock& clock_;
};

}  // namespace npufleet::worker
