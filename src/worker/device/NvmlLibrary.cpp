#include "worker/device/NvmlLibrary.h"

#include <dlfcn.h>

#include <array>
#include <utility>

namespace npufleet::worker {
namespace {

// The layouts and values below are NVML's public C ABI (nvml.h).
using nvmlReturn_t = int;
constexpr nvmlReturn_t kNvmlSuccess = 0;
constexpr int kNvmlTemperatureGpu = 0;
constexpr unsigned kNvmlDeviceNameBufferSize = 96;  // NVML_DEVICE_NAME_V2_BUFFER_SIZE

struct nvmlMemory_t {
  unsigned long long total;
  unsigned long long free;
  unsigned long long used;
};

struct nvmlUtilization_t {
  unsigned int gpu;
  unsigned int memory;
};

}  // namespace

struct NvmlLibrary::Symbols {
  nvmlReturn_t (*init)() = nullptr;
  nvmlReturn_t (*shutdown)() = nullptr;
  const char* (*error_string)(nvmlReturn_t) = nullptr;
  nvmlReturn_t (*device_count)(unsigned*) = nullptr;
  nvmlReturn_t (*device_by_index)(unsigned, Device*) = nullptr;
  nvmlReturn_t (*device_name)(Device, char*, unsigned) = nullptr;
  nvmlReturn_t (*device_memory)(Device, nvmlMemory_t*) = nullptr;
  nvmlReturn_t (*device_utilization)(Device, nvmlUtilization_t*) = nullptr;
  nvmlReturn_t (*device_temperature)(Device, int, unsigned*) = nullptr;
  nvmlReturn_t (*device_power)(Device, unsigned*) = nullptr;
};

namespace {

template <typename Fn>
void resolve(void* handle, const char* name, Fn& fn) {
  // POSIX guarantees that a data pointer from dlsym converts to a function pointer.
  fn = reinterpret_cast<Fn>(dlsym(handle, name));
}

}  // namespace

Result<std::unique_ptr<NvmlLibrary>> NvmlLibrary::open(const std::string& path) {
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = dlerror();
    return Error::unavailable("NVML not loaded: " +
                              std::string(why ? why : path + ": dlopen failed"));
  }
  auto symbols = std::make_unique<Symbols>();
  resolve(handle, "nvmlInit_v2", symbols->init);
  resolve(handle, "nvmlShutdown", symbols->shutdown);
  resolve(handle, "nvmlErrorString", symbols->error_string);
  resolve(handle, "nvmlDeviceGetCount_v2", symbols->device_count);
  resolve(handle, "nvmlDeviceGetHandleByIndex_v2", symbols->device_by_index);
  resolve(handle, "nvmlDeviceGetName", symbols->device_name);
  resolve(handle, "nvmlDeviceGetMemoryInfo", symbols->device_memory);
  resolve(handle, "nvmlDeviceGetUtilizationRates", symbols->device_utilization);
  resolve(handle, "nvmlDeviceGetTemperature", symbols->device_temperature);
  resolve(handle, "nvmlDeviceGetPowerUsage", symbols->device_power);

  std::string missing;
  const std::array<std::pair<const char*, bool>, 7> required{{
      {"nvmlInit_v2", symbols->init != nullptr},
      {"nvmlShutdown", symbols->shutdown != nullptr},
      {"nvmlDeviceGetCount_v2", symbols->device_count != nullptr},
      {"nvmlDeviceGetHandleByIndex_v2", symbols->device_by_index != nullptr},
      {"nvmlDeviceGetName", symbols->device_name != nullptr},
      {"nvmlDeviceGetMemoryInfo", symbols->device_memory != nullptr},
      {"nvmlDeviceGetUtilizationRates", symbols->device_utilization != nullptr},
  }};
  for (const auto& [name, found] : required) {
    if (!found) missing += (missing.empty() ? "" : ", ") + std::string(name);
  }
  if (!missing.empty()) {
    dlclose(handle);
    return Error::unavailable("NVML at " + path + " lacks " + missing);
  }
  const nvmlReturn_t init = symbols->init();
  if (init != kNvmlSuccess) {
    std::string why = symbols->error_string ? symbols->error_string(init) : "error";
    dlclose(handle);
    return Error::unavailable("nvmlInit_v2 failed: " + why + " (" + std::to_string(init) + ")");
  }
  return std::unique_ptr<NvmlLibrary>(new NvmlLibrary(handle, std::move(symbols)));
}

NvmlLibrary::NvmlLibrary(void* handle, std::unique_ptr<Symbols> symbols)
    : handle_(handle), symbols_(std::move(symbols)) {}

NvmlLibrary::~NvmlLibrary() {
  symbols_->shutdown();
  dlclose(handle_);
}

Error NvmlLibrary::failure(const char* call, int code) const {
  const char* why = symbols_->error_string ? symbols_->error_string(code) : nullptr;
  return Error::unavailable(std::string(call) + " failed: " + (why ? why : "error") + " (" +
                            std::to_string(code) + ")");
}

Result<unsigned> NvmlLibrary::deviceCount() const {
  unsigned count = 0;
  if (int rc = symbols_->device_count(&count); rc != kNvmlSuccess) {
    return failure("nvmlDeviceGetCount_v2", rc);
  }
  return count;
}

Result<NvmlLibrary::Device> NvmlLibrary::deviceByIndex(unsigned index) const {
  Device device = nullptr;
  if (int rc = symbols_->device_by_index(index, &device); rc != kNvmlSuccess) {
    return failure("nvmlDeviceGetHandleByIndex_v2", rc);
  }
  return device;
}

Result<std::string> NvmlLibrary::name(Device device) const {
  std::array<char, kNvmlDeviceNameBufferSize> buffer{};
  if (int rc = symbols_->device_name(device, buffer.data(), buffer.size()); rc != kNvmlSuccess) {
    return failure("nvmlDeviceGetName", rc);
  }
  buffer.back() = '\0';  // do not trust the library to terminate a full buffer
  return std::string(buffer.data());
}

Result<NvmlLibrary::Memory> NvmlLibrary::memory(Device device) const {
  nvmlMemory_t memory{};
  if (int rc = symbols_->device_memory(device, &memory); rc != kNvmlSuccess) {
    return failure("nvmlDeviceGetMemoryInfo", rc);
  }
  return Memory{memory.total, memory.used};
}

Result<unsigned> NvmlLibrary::gpuUtilization(Device device) const {
  nvmlUtilization_t utilization{};
  if (int rc = symbols_->device_utilization(device, &utilization); rc != kNvmlSuccess) {
    return failure("nvmlDeviceGetUtilizationRates", rc);
  }
  return utilization.gpu;
}

Result<unsigned> NvmlLibrary::temperatureCelsius(Device device) const {
  if (!symbols_->device_temperature) return Error::unavailable("nvmlDeviceGetTemperature missing");
  unsigned celsius = 0;
  if (int rc = symbols_->device_temperature(device, kNvmlTemperatureGpu, &celsius);
      rc != kNvmlSuccess) {
    return failure("nvmlDeviceGetTemperature", rc);
  }
  return celsius;
}

Result<unsigned> NvmlLibrary::powerMilliwatts(Device device) const {
  if (!symbols_->device_power) return Error::unavailable("nvmlDeviceGetPowerUsage missing");
  unsigned milliwatts = 0;
  if (int rc = symbols_->device_power(device, &milliwatts); rc != kNvmlSuccess) {
    return failure("nvmlDeviceGetPowerUsage", rc);
  }
  return milliwatts;
}

}  // namespace npufleet::worker
