#include "worker/device/NvidiaGpuProbe.h"

#include <utility>

namespace npufleet::worker {
namespace {

constexpr double kBytesPerGib = 1024.0 * 1024.0 * 1024.0;

}  // namespace

NvidiaGpuProbe::NvidiaGpuProbe(std::unique_ptr<NvmlLibrary> nvml, NvmlLibrary::Device device,
                               std::vector<std::string> notes)
    : nvml_(std::move(nvml)), device_(device) {
  info_.type = DeviceType::kNvidiaGpu;
  info_.driver = "nvml";
  for (auto& note : notes) addNote(info_, std::move(note));
  if (auto name = nvml_->name(device_); name && !name->empty()) {
    info_.name = *name;
  } else {
    info_.name = "NVIDIA GPU";
    if (!name) addNote(info_, "name unknown: " + name.error().message);
  }
  if (auto memory = nvml_->memory(device_)) {
    info_.memory_total_gb = static_cast<double>(memory->total_bytes) / kBytesPerGib;
  } else {
    addNote(info_, "memory unknown: " + memory.error().message);
  }
  refresh();
}

std::optional<double> NvidiaGpuProbe::utilizationPercent() {
  auto percent = nvml_->gpuUtilization(device_);
  if (!percent) {
    addNote(info_, "utilization not reported: " + percent.error().message);
    return std::nullopt;
  }
  if (*percent > 100) return std::nullopt;
  return static_cast<double>(*percent);
}

std::optional<double> NvidiaGpuProbe::memoryUsedGb() {
  info_.memory_used_gb.reset();
  if (auto memory = nvml_->memory(device_)) {
    info_.memory_used_gb = static_cast<double>(memory->used_bytes) / kBytesPerGib;
  } else {
    addNote(info_, "memory in use not reported: " + memory.error().message);
  }
  return info_.memory_used_gb;
}

void NvidiaGpuProbe::refresh() {
  memoryUsedGb();
  // Temperature and power are optional in NVML (not on every GPU, not inside every MIG
  // instance): their absence is normal and leaves the fields unset without a note.
  info_.temperature_c.reset();
  if (auto celsius = nvml_->temperatureCelsius(device_)) info_.temperature_c = *celsius;
  info_.power_w.reset();
  if (auto milliwatts = nvml_->powerMilliwatts(device_)) info_.power_w = *milliwatts / 1000.0;
}

}  // namespace npufleet::worker
