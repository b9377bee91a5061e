// System memory from /proc/meminfo: what an NPU (which shares system memory) or the CPU fallback
// reports as its memory. Figures in GiB.
#pragma once

#include <optional>

#include "common/Error.h"
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
};

}  // namespace npufleet::worker
