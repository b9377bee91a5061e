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
  info_.name = deviceName(readPciDeviceId(sys_, device_dir_, info_));
  if (auto address = sys_.resolvedName(device_dir_)) info_.pci_address = *address;
  SystemMemory::fillTotal(proc_, info_, "shared system memory");
  addNote(info_, "amdxdna exposes no busy counter: utilization comes from the worker's engine");
  refresh();
}

std::optional<double> AmdNpuProbe::memoryUsedGb() {
  return SystemMemory::refreshUsed(proc_, info_);
}

void AmdNpuProbe::refresh() {
  memoryUsedGb();
  const Hwmon::Readings hwmon = Hwmon::read(sys_, device_dir_, info_);
  info_.temperature_c = hwmon.temperature_c;
  info_.power_w = hwmon.power_w;
}

}  // namespace npufleet::worker
