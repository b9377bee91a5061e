#include "worker/device/AmdGpuProbe.h"

#include <utility>

#include "worker/device/Hwmon.h"
#include "worker/device/PciId.h"

namespace npufleet::worker {
namespace {

constexpr double kBytesPerGib = 1024.0 * 1024.0 * 1024.0;
// 16 TiB of VRAM on one card would be a broken file, not a GPU.
constexpr uint64_t kMaxBelievableVramBytes = uint64_t{16} << 40;

}  // namespace

AmdGpuProbe::AmdGpuProbe(HostFileReader sys, std::string device_dir, std::vector<std::string> notes)
    : sys_(std::move(sys)), device_dir_(std::move(device_dir)) {
  info_.type = DeviceType::kAmdGpu;
  for (auto& note : notes) addNote(info_, std::move(note));
  if (auto driver = sys_.readLinkName(device_dir_ + "/driver")) {
    info_.driver = *driver;
    if (*driver != "amdgpu") {
      addNote(info_, "driver is " + *driver + ", not amdgpu: memory and utilization may be absent");
    }
  } else {
    addNote(info_, "driver unknown: " + driver.error().message);
  }
  if (auto address = sys_.resolvedName(device_dir_)) info_.pci_address = *address;

  // amdgpu names the board only on some parts; otherwise fall back to the PCI id.
  if (auto product = sys_.readText(device_dir_ + "/product_name", 256);
      product && !product->empty()) {
    info_.name = *product;
  } else if (auto id = sys_.readHex(device_dir_ + "/device"); id && *id <= 0xffff) {
    info_.name = "AMD GPU (" + formatPciId(*id) + ")";
  } else {
    info_.name = "AMD GPU";
  }

  info_.memory_total_gb = readVramGib("mem_info_vram_total");
  refresh();
}

std::optional<double> AmdGpuProbe::readVramGib(const char* file) {
  const std::string path = device_dir_ + "/" + file;
  auto bytes = sys_.readUnsigned(path);
  if (!bytes) {
    addNote(info_, std::string(file) + " not reported: " + bytes.error().message);
    return std::nullopt;
  }
  if (*bytes > kMaxBelievableVramBytes) {
    addNote(info_, std::string(file) + " not reported: " + sys_.path(path).string() + " reads " +
                       std::to_string(*bytes) + " bytes");
    return std::nullopt;
  }
  return static_cast<double>(*bytes) / kBytesPerGib;
}

std::optional<double> AmdGpuProbe::utilizationPercent() {
  auto percent = sys_.readUnsigned(device_dir_ + "/gpu_busy_percent");
  if (!percent) {
    addNote(info_, "utilization not reported: " + percent.error().message);
    return std::nullopt;
  }
  if (*percent > 100) {
    addNote(info_,
            "utilization not reported: " + sys_.path(device_dir_ + "/gpu_busy_percent").string() +
                " reads " + std::to_string(*percent));
    return std::nullopt;
  }
  return static_cast<double>(*percent);
}

std::optional<double> AmdGpuProbe::memoryUsedGb() {
  info_.memory_used_gb = readVramGib("mem_info_vram_used");
  return info_.memory_used_gb;
}

void AmdGpuProbe::refresh() {
  memoryUsedGb();
  const Hwmon::Readings hwmon = Hwmon::read(sys_, device_dir_, info_);
  info_.temperature_c = hwmon.temperature_c;
  info_.power_w = hwmon.power_w;
}

}  // namespace npufleet::worker
