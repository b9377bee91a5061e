// AMD GPU (driver amdgpu, vendor 0x1002) through /sys/class/drm/cardN/device: VRAM total and used
// from mem_info_vram_total / mem_info_vram_used (bytes), utilization from the driver's own
// gpu_busy_percent, temperature and power from hwmon.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "worker/device/DeviceProbe.h"
#include "worker/device/HostFileReader.h"

namespace npufleet::worker {

class AmdGpuProbe final : public DeviceProbe {
 public:
  // `device_dir` is relative to sys's root ("sys/class/drm/card0/device").
  AmdGpuProbe(HostFileReader sys, std::string device_dir, std::vector<std::string> notes);

  const DeviceInfo& info() const override { return info_; }
  std::optional<double> utilizationPercent() override;
  std::optional<double> memoryUsedGb() override;
  void refresh() override;

 private:
  std::optional<double> readVramGib(const char* file);

  HostFileReader sys_;
  std::string device_dir_;
  DeviceInfo info_;
};

}  // namespace npufleet::worker
