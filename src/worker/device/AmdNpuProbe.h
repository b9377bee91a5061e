// AMD NPU (Ryzen AI, driver amdxdna) in the accel subsystem. The driver exposes no busy counter in
// sysfs, so utilization is left to the worker's engine; memory is the system memory the NPU
// shares. Reported as "amd-npu" so that such a node is not mistaken for a GPU or an Intel NPU.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "worker/device/DeviceProbe.h"
#include "worker/device/HostFileReader.h"

namespace npufleet::worker {

class AmdNpuProbe final : public DeviceProbe {
 public:
  AmdNpuProbe(HostFileReader sys, HostFileReader proc, std::string device_dir,
              std::vector<std::string> notes);

  const DeviceInfo& info() const override { return info_; }
  std::optional<double> utilizationPercent() override { return std::nullopt; }
  std::optional<double> memoryUsedGb() override;
  void refresh() override;

  static std::string deviceName(std::optional<uint64_t> pci_device_id);

 private:
  HostFileReader sys_;
  HostFileReader proc_;
  std::string device_dir_;
  DeviceInfo info_;
};

}  // namespace npufleet::worker
