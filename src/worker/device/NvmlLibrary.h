// NVIDIA Management Library opened at run time with dlopen, so that the worker builds and runs on
// machines without the NVIDIA driver. Only the few calls the worker needs are resolved, and the
// struct layouts they use are declared here (they are part of NVML's stable C ABI).
// A missing library, a missing symbol or a failing call is an Error with NVML's own message.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "common/Error.h"

namespace npufleet::worker {

class NvmlLibrary {
 public:
  // Opaque nvmlDevice_t.
  using Device = struct NvmlDeviceOpaque*;

  struct Memory {
    unsigned long long total_bytes = 0;
    unsigned long long used_bytes = 0;
  };

  // dlopen(path) (a bare soname is searched the usual way), resolves the symbols and calls
  // nvmlInit_v2.
  static Result<std::unique_ptr<NvmlLibrary>> open(const std::string& path);
  ~NvmlLibrary();  // nvmlShutdown, dlclose

  NvmlLibrary(const NvmlLibrary&) = delete;
  NvmlLibrary& operator=(const NvmlLibrary&) = delete;
  NvmlLibrary(NvmlLibrary&&) = delete;
  NvmlLibrary& operator=(NvmlLibrary&&) = delete;

  Result<unsigned> deviceCount() const;
  Result<Device> deviceByIndex(unsigned index) const;
  Result<std::string> name(Device device) const;
  Result<Memory> memory(Device device) const;
  // Percent of the last sample period (1/6 s to 1 s, device dependent) a kernel was running.
  Result<unsigned> gpuUtilization(Device device) const;
  // Optional entry points: an Error when the library lacks them or the GPU does not support them.
  Result<unsigned> temperatureCelsius(Device device) const;
  Result<unsigned> powerMilliwatts(Device device) const;

 private:
  struct Symbols;
  NvmlLibrary(void* handle, std::unique_ptr<Symbols> symbols);
  Error failure(const char* call, int code) const;

  void* handle_;
  std::unique_ptr<Symbols> symbols_;
};

}  // namespace npufleet::worker
