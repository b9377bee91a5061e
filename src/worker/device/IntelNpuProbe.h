// Intel NPU (driver intel_vpu, module ivpu) through the Linux accel subsystem. Utilization is the
// growth of the driver's npu_busy_time_us counter over the wall time between two reads; memory is
// the system memory the NPU shares; frequency, temperature and power are reported only where the
// kernel provides the files.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/Clock.h"
#include "worker/device/DeviceProbe.h"
#include "worker/device/HostFileReader.h"

namespace npufleet::worker {

class IntelNpuProbe final : public DeviceProbe {
 public:
  // `device_dir` is relative to sys's root ("sys/class/accel/accel0/device"); the detector has
  // already checked vendor, class and driver. `notes` carries what detection found on the way.
  IntelNpuProbe(HostFileReader sys, HostFileReader proc, std::string device_dir, const Clock& clock,
                std::vector<std::string> notes);

  const DeviceInfo& info() const override { return info_; }
  std::optional<double> utilizationPercent() override;
  std::optional<double> memoryUsedGb() override;
  void refresh() override;

  // "Intel NPU (Meteor Lake)" for PCI device ids the ivpu driver knows, else
  // "Intel NPU (0x1234)"; nullopt id gives "Intel NPU".
  static std::string deviceName(std::optional<uint64_t> pci_device_id);

 private:
  struct BusySample {
    uint64_t busy_us = 0;
    std::chrono::steady_clock::time_point at;
  };
  std::optional<uint64_t> readBusyTime();

  HostFileReader sys_;
  HostFileReader proc_;
  std::string device_dir_;
  const Clock& clock_;
  DeviceInfo info_;
  std::optional<BusySample> last_sample_;
  std::optional<double> last_utilization_;
};

}  // namespace npufleet::worker
