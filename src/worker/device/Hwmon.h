// Temperature and power of a PCI device from its hwmon directory
// (<device>/hwmon/hwmonN/temp1_input in milli-degrees C, power1_input or power1_average in
// microwatts), as the intel_vpu and amdgpu drivers expose them. Absent files are simply not
// reported; present but odd ones leave the figure unset and add a note.
#pragma once

#include <optional>
#include <string>

#include "worker/device/DeviceInfo.h"
#include "worker/device/HostFileReader.h"

namespace npufleet::worker {

class Hwmon {
 public:
  struct Readings {
    std::optional<double> temperature_c;
    std::optional<double> power_w;
  };

  // `device_dir` is relative to the reader's root ("sys/class/accel/accel0/device").
  static Readings read(const HostFileReader& sys, const std::string& device_dir, DeviceInfo& info);
};

}  // namespace npufleet::worker
