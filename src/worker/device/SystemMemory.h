// System memory from /proc/meminfo: what an NPU (which shares system memory) or the CPU fallback
// reports as its memory. Figures in GiB.
#pragma once

#include <optional>

#include <string_view>

#include "common/Error.h"
#include "worker/device/DeviceInfo.h"
#include "worker/device/HostFileReader.h"

namespace npufleet::worker {

class SystemMemory {
 public:
  struct Figures {
    double total_gib = 0;
    std::optional<double> available_gib;  // MemAvailable; absent on kernels before 3.14
  };

  // Fails (with the reason) when MemTotal cannot be read or is not believable.
  static Result<Figures> read(const HostFileReader& proc);

  // For a device that reports system memory as its own (an NPU sharing it, the CPU fallback):
  // sets info.memory_total_gb, or adds a note "<what> unknown: <reason>".
  static void fillTotal(const HostFileReader& proc, DeviceInfo& info, std::string_view what);
  // Sets info.memory_used_gb to total - MemAvailable now, or clears it when that is unknown;
  // returns the new value.
  static std::optional<double> refreshUsed(const HostFileReader& proc, DeviceInfo& info);
};

}  // namespace npufleet::worker
