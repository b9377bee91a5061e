#include "worker/device/IntelNpuProbe.h"

#include <algorithm>
#include <array>
#include <utility>

#include "worker/device/Hwmon.h"
#include "worker/device/PciId.h"
#include "worker/device/SystemMemory.h"

namespace npufleet::worker {
namespace {

struct KnownNpu {
  uint64_t id;
  const char* generation;
};

// PCI ids from the ivpu driver (drivers/accel/ivpu/ivpu_drv.h).
constexpr std::array<KnownNpu, 5> kKnownNpus{{
    {0x7d1d, "Meteor Lake"},
    {0xad1d, "Arrow Lake"},
    {0x643e, "Lunar Lake"},
    {0xb03e, "Panther Lake"},
    {0xfd3e, "Wildcat Lake"},
}};

// A frequency outside this range is a broken file, not a clock the NPU runs at.
constexpr uint64_t kMaxBelievableMhz = 100'000;

}  // namespace

std::string IntelNpuProbe::deviceName(std::optional<uint64_t> pci_device_id) {
  if (!pci_device_id) return "Intel NPU";
  for (const auto& known : kKnownNpus) {
    if (known.id == *pci_device_id) return std::string("Intel NPU (") + known.generation + ")";
  }
  return "Intel NPU (" + formatPciId(*pci_device_id) + ")";
}

IntelNpuProbe::IntelNpuProbe(HostFileReader sys, HostFileReader proc, std::string device_dir,
                             const Clock& clock, std::vector<std::string> notes)
    : sys_(std::move(sys)),
      proc_(std::move(proc)),
      device_dir_(std::move(device_dir)),
      clock_(clock) {
  info_.type = DeviceType::kIntelNpu;
  info_.driver = "intel_vpu";
  for (auto& note : notes) addNote(info_, std::move(note));

  info_.name = deviceName(readPciDeviceId(sys_, device_dir_, info_));
  if (auto address = sys_.resolvedName(device_dir_)) info_.pci_address = *address;

  SystemMemory::fillTotal(proc_, info_, "shared system memory");

  if (!sys_.exists(device_dir_ + "/npu_busy_time_us")) {
    addNote(info_,
            "npu_busy_time_us not present (needs a newer kernel): utilization comes from the "
            "worker's engine");
  } else if (auto busy = readBusyTime()) {
    last_sample_ = BusySample{*busy, clock_.steadyNow()};
  }
  refresh();
}

std::optional<uint64_t> IntelNpuProbe::readBusyTime() {
  auto busy = sys_.readUnsigned(device_dir_ + "/npu_busy_time_us");
  if (!busy) {
    addNote(info_, "utilization not reported: " + busy.error().message);
    return std::nullopt;
  }
  return *busy;
}

std::optional<double> IntelNpuProbe::utilizationPercent() {
  if (!sys_.exists(device_dir_ + "/npu_busy_time_us")) return std::nullopt;
  const auto busy = readBusyTime();
  if (!busy) return std::nullopt;
  const BusySample now{*busy, clock_.steadyNow()};
  if (!last_sample_ || now.busy_us < last_sample_->busy_us) {
    // No earlier sample, or the counter went back (driver reloaded, device reset): start over
    // rather than report a rate across the discontinuity.
    last_sample_ = now;
    last_utilization_.reset();
    return std::nullopt;
  }
  const auto wall_us =
      std::chrono::duration_cast<std::chrono::microseconds>(now.at - last_sample_->at).count();
  if (wall_us <= 0) return last_utilization_;  // two calls within one clock tick
  const double busy_us = static_cast<double>(now.busy_us - last_sample_->busy_us);
  // The counter and the clock are read at slightly different moments, so a fully busy NPU can
  // read a hair over 100%.
  last_utilization_ = std::clamp(100.0 * busy_us / static_cast<double>(wall_us), 0.0, 100.0);
  last_sample_ = now;
  return last_utilization_;
}

std::optional<double> IntelNpuProbe::memoryUsedGb() {
  return SystemMemory::refreshUsed(proc_, info_);
}

void IntelNpuProbe::refresh() {
  memoryUsedGb();
  auto readMhz = [this](const char* file) -> std::optional<double> {
    const std::string path = device_dir_ + "/" + file;
    if (!sys_.exists(path)) return std::nullopt;
    auto mhz = sys_.readUnsigned(path);
    if (!mhz || *mhz > kMaxBelievableMhz) {
      addNote(info_, std::string(file) + " not reported: " +
                         (mhz ? sys_.path(path).string() + " reads " + std::to_string(*mhz)
                              : mhz.error().message));
      return std::nullopt;
    }
    return static_cast<double>(*mhz);
  };
  info_.frequency_mhz = readMhz("npu_current_frequency_mhz");
  info_.max_frequency_mhz = readMhz("npu_max_frequency_mhz");
  const Hwmon::Readings hwmon = Hwmon::read(sys_, device_dir_, info_);
  info_.temperature_c = hwmon.temperature_c;
  info_.power_w = hwmon.power_w;
}

}  // namespace npufleet::worker
