// The worker's view of its accelerator: the static facts found at detection (DeviceInfo) and
// the figures that change (utilization, memory in use, frequency, temperature, power).
// Implementations: IntelNpuProbe, AmdNpuProbe, NvidiaGpuProbe, AmdGpuProbe, CpuProbe; the one
// that fits the machine is chosen by DeviceDetector.
//
// A figure the device does not give stays nullopt: the worker then uses its own engine's busy
// fraction for utilization, and nothing is ever made up. Calls are not synchronised: the owner
// serialises them (the worker's health reporter holds one mutex around its probe).
#pragma once

#include <optional>

#include "worker/device/DeviceInfo.h"

namespace npufleet::worker {

class DeviceProbe {
 public:
  DeviceProbe() = default;
  virtual ~DeviceProbe() = default;
  DeviceProbe(const DeviceProbe&) = delete;
  DeviceProbe& operator=(const DeviceProbe&) = delete;
  DeviceProbe(DeviceProbe&&) = delete;
  DeviceProbe& operator=(DeviceProbe&&) = delete;

  // Detection result plus the dynamic fields as of the last refresh() / memoryUsedGb().
  virtual const DeviceInfo& info() const = 0;

  // Percent busy, 0-100. Where the device gives a cumulative counter (Intel NPU) this is the
  // busy share of the wall time since the previous call (the first call measures from
  // detection); where it gives a figure of its own (NVML, amdgpu) that figure is returned.
  // nullopt when the device offers no figure or it could not be read (a note says why).
  virtual std::optional<double> utilizationPercent() = 0;

  // Device memory in use, GiB; for devices that share system memory (NPUs, CPU) the system's
  // memory in use (MemTotal - MemAvailable). Also stored in info().memory_used_gb.
  virtual std::optional<double> memoryUsedGb() = 0;

  // Re-reads the dynamic fields of info(): memory in use, frequency, temperature, power.
  virtual void refresh() = 0;
};

}  // namespace npufleet::worker
