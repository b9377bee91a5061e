// NVIDIA GPU through NVML (see NvmlLibrary): name, total and used memory, the driver's own
// utilization figure, temperature and power where the GPU reports them. Reports GPU 0; a
// worker per GPU is the deployment model, so more GPUs add a note rather than a sum.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "worker/device/DeviceProbe.h"
#include "worker/device/NvmlLibrary.h"

namespace npufleet::worker {

class NvidiaGpuProbe final : public DeviceProbe {
 public:
  NvidiaGpuProbe(std::unique_ptr<NvmlLibrary> nvml, NvmlLibrary::Device device,
                 std::vector<std::string> notes);

  const DeviceInfo& info() const override { return info_; }
  std::optional<double> utilizationPercent() override;
  std::optional<double> memoryUsedGb() override;
  void refresh() override;

 private:
  std::unique_ptr<NvmlLibrary> nvml_;
  NvmlLibrary::Device device_;
  DeviceInfo info_;
};

}  // namespace npufleet::worker
