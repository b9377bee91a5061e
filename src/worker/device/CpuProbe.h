// CPU fallback: model name and logical core count from /proc/cpuinfo, memory from /proc/meminfo.
// The CPU gives no utilization figure of its own that belongs to the worker, so utilization is
// always left to the worker's engine busy fraction.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "worker/device/DeviceProbe.h"
#include "worker/device/HostFileReader.h"

namespace npufleet::worker {

class CpuProbe final : public DeviceProbe {
 public:
  // `notes` says why detection ended on the CPU (no accelerator found, pinned device absent).
  CpuProbe(HostFileReader proc, std::vector<std::string> notes);

  const DeviceInfo& info() const override { return info_; }
  std::optional<double> utilizationPercent() override { return std::nullopt; }
  std::optional<double> memoryUsedGb() override;
  void refresh() override { memoryUsedGb(); }

 private:
  HostFileReader proc_;
  DeviceInfo info_;
};

}  // namespace npufleet::worker
