#include "worker/device/AmdNpuProbe.h"

#include <utility>

#include "worker/device/Hwmon.h"
#include "worker/device/PciId.h"
#include "worker/device/SystemMemory.h"

namespace npufleet::worker {

std::string AmdNpuProbe::deviceName(std::optional<uint64_t> pci_device_id) {
  if (!pci_device_id) return "AMD NPU";
  // PCI ids from the amdxdna driver (drivers/accel/amdxdna/amdxdna_pci_drv.c).
  if (*pci_device_id == 0x1502) return "AMD Ryzen AI NPU (Phoenix/Hawk Point)";
  if (*pci_device_id == 0x17f0) return "AMD Ryzen AI NPU (Strix/Krackan)";
  return "AMD NPU (" + formatPciId(*pci_device_id) + ")";
}

AmdNpuProbe::AmdNpuProbe(HostFileReader sys, HostFileReader proc, std::string device_dir,
                         std::vector<std::string> notes)
    : sys_(std::move(sys)), proc_(std::move(proc)), device_dir_(std::move(device_dir)) {
  info_.type = DeviceType::kAmdNpu;
  info_.driver = "amdxdna";
  for (auto& note : notes) addNote(info_, std::move(note));
  std::optional<uint64_t> device_id;
  if (auto id = sys_.readHex(device_dir_ + "/device"); id && *id <= 0xffff) {
    device_id = *id;
  } else {
    addNote(info_,
            "PCI device id unknown: " +
                (id ? "value " + std::to_string(*id) + " is not 16-bit" : id.error().message));
  }
  info_.name = deviceName(device_id);
  if (auto address = sys_.resolvedName(device_dir_)) info_.pci_address = *address;
  if (auto memory = SystemMemory::read(proc_)) {
    info_.memory_total_gb = memory->total_gib;
  } else {
    addNote(info_, "shared system memory unknown: " + memory.error().message);
  }
  addNote(info_, "amdxdna exposes no busy counter: utilization comes from the worker's engine");
  refresh();
}

std::optional<double> AmdNpuProbe::memoryUsedGb() {
  info_.memory_used_gb.reset();
  if (auto memory = SystemMemory::read(proc_); memory && memory->available_gib) {
    info_.memory_used_gb = memory->total_gib - *memory->available_gib;
  }
  return info_.memory_used_gb;
}

void AmdNpuProbe::refresh() {
  memoryUsedGb();
  const Hwmon::Readings hwmon = Hwmon::read(sys_, device_dir_, info_);
  info_.temperature_c = hwmon.temperature_c;
  info_.power_w = hwmon.power_w;
}

}  // namespace npufleet::worker
