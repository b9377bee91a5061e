#include "worker/device/DeviceDetector.h"

#include <algorithm>
#include <utility>

#include "worker/device/AmdGpuProbe.h"
#include "worker/device/AmdNpuProbe.h"
#include "worker/device/CpuProbe.h"
#include "worker/device/IntelNpuProbe.h"
#include "worker/device/NvidiaGpuProbe.h"
#include "worker/device/NvmlLibrary.h"
#include "worker/device/PciId.h"

namespace npufleet::worker {
namespace {

constexpr uint64_t kVendorIntel = 0x8086;
constexpr uint64_t kVendorAmd = 0x1022;
constexpr uint64_t kVendorAti = 0x1002;  // AMD graphics keep ATI's PCI vendor id
// PCI class 0x12 "processing accelerator", subclass 0x00; the low byte is the prog-if.
constexpr uint64_t kClassProcessingAccelerator = 0x1200;

std::string joined(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& part : parts) out += (out.empty() ? "" : "; ") + part;
  return out;
}

}  // namespace

DeviceDetector::DeviceDetector(DeviceDetectorOptions options)
    : options_(std::move(options)),
      sys_(options_.sys_root),
      proc_(options_.proc_root),
      clock_(options_.clock ? *options_.clock : SystemClock::instance()) {}

const std::vector<std::string>& DeviceDetector::deviceChoices() {
  static const std::vector<std::string> choices{"auto",       "intel-npu", "amd-npu",
                                                "nvidia-gpu", "amd-gpu",   "cpu"};
  return choices;
}

Status DeviceDetector::validateDeviceChoice(const std::string& value, const std::string& field) {
  const auto& choices = deviceChoices();
  if (std::find(choices.begin(), choices.end(), value) != choices.end()) return okStatus();
  std::string allowed;
  for (const auto& choice : choices) allowed += (allowed.empty() ? "" : ", ") + choice;
  return Error::badRequest(field + " must be one of " + allowed + ", not \"" + value + "\"", field);
}

std::unique_ptr<DeviceProbe> DeviceDetector::detect() const {
  std::vector<std::string> notes;
  std::string choice = options_.device;
  if (!validateDeviceChoice(choice).ok()) {
    notes.push_back("device = \"" + choice + "\" is not a known device; detecting automatically");
    choice = "auto";
  }

  if (choice == "auto") {
    if (auto probe = detectAccelNpu(std::nullopt, notes)) return probe;
    if (auto probe = detectNvidiaGpu(notes)) return probe;
    if (auto probe = detectAmdGpu(notes)) return probe;
    return std::make_unique<CpuProbe>(proc_, std::move(notes));
  }
  if (choice == "cpu") return std::make_unique<CpuProbe>(proc_, std::move(notes));

  std::vector<std::string> why;
  std::unique_ptr<DeviceProbe> probe;
  if (choice == "intel-npu") {
    probe = detectAccelNpu(DeviceType::kIntelNpu, why);
  } else if (choice == "amd-npu") {
    probe = detectAccelNpu(DeviceType::kAmdNpu, why);
  } else if (choice == "nvidia-gpu") {
    probe = detectNvidiaGpu(why);
  } else if (choice == "amd-gpu") {
    probe = detectAmdGpu(why);
  }
  if (probe) return probe;
  notes.push_back("device = \"" + choice + "\" is configured but not present (" + joined(why) +
                  "); falling back to cpu");
  return std::make_unique<CpuProbe>(proc_, std::move(notes));
}

std::unique_ptr<DeviceProbe> DeviceDetector::detectAccelNpu(std::optional<DeviceType> wanted,
                                                            std::vector<std::string>& notes) const {
  const std::string accel_class = "sys/class/accel";
  const auto entries = sys_.numberedEntries(accel_class, "accel");
  if (entries.empty()) {
    notes.push_back("no NPU: no accel devices in " + sys_.path(accel_class).string());
    return nullptr;
  }
  for (const auto& entry : entries) {
    const std::string dir = accel_class + "/" + entry + "/device";
    auto vendor = sys_.readHex(dir + "/vendor");
    if (!vendor) {
      notes.push_back(entry + " skipped: " + vendor.error().message);
      continue;
    }
    auto driver = sys_.readLinkName(dir + "/driver");
    const std::string driver_name = driver ? *driver : "unknown";
    if (*vendor == kVendorIntel) {
      auto pci_class = sys_.readHex(dir + "/class");
      if (!pci_class) {
        notes.push_back(entry + " skipped: " + pci_class.error().message);
        continue;
      }
      if ((*pci_class >> 8) != kClassProcessingAccelerator || driver_name != "intel_vpu") {
        notes.push_back(entry + " skipped: Intel device of class " + formatPciId(*pci_class, 6) +
                        " with driver " + driver_name + " is not an intel_vpu NPU");
        continue;
      }
      if (wanted && *wanted != DeviceType::kIntelNpu) {
        notes.push_back(entry + " is an Intel NPU, not the configured device");
        continue;
      }
      return std::make_unique<IntelNpuProbe>(sys_, proc_, dir, clock_, std::move(notes));
    }
    if (*vendor == kVendorAmd && driver_name == "amdxdna") {
      if (wanted && *wanted != DeviceType::kAmdNpu) {
        notes.push_back(entry + " is an AMD NPU, not the configured device");
        continue;
      }
      return std::make_unique<AmdNpuProbe>(sys_, proc_, dir, std::move(notes));
    }
    notes.push_back(entry + " skipped: vendor " + formatPciId(*vendor) + " with driver " +
                    driver_name + " is not a known NPU");
  }
  return nullptr;
}

std::unique_ptr<DeviceProbe> DeviceDetector::detectNvidiaGpu(
    std::vector<std::string>& notes) const {
  auto nvml = NvmlLibrary::open(options_.nvml_library);
  if (!nvml) {
    notes.push_back("no NVIDIA GPU: " + nvml.error().message);
    return nullptr;
  }
  auto count = (*nvml)->deviceCount();
  if (!count) {
    notes.push_back("no NVIDIA GPU: " + count.error().message);
    return nullptr;
  }
  if (*count == 0) {
    notes.push_back("no NVIDIA GPU: NVML reports 0 devices");
    return nullptr;
  }
  auto device = (*nvml)->deviceByIndex(0);
  if (!device) {
    notes.push_back("no NVIDIA GPU: " + device.error().message);
    return nullptr;
  }
  if (*count > 1) {
    notes.push_back("NVML reports " + std::to_string(*count) + " GPUs; this worker reports GPU 0");
  }
  return std::make_unique<NvidiaGpuProbe>(std::move(nvml).value(), *device, std::move(notes));
}

std::unique_ptr<DeviceProbe> DeviceDetector::detectAmdGpu(std::vector<std::string>& notes) const {
  const std::string drm_class = "sys/class/drm";
  for (const auto& entry : sys_.numberedEntries(drm_class, "card")) {
    const std::string dir = drm_class + "/" + entry + "/device";
    auto vendor = sys_.readHex(dir + "/vendor");
    if (vendor && *vendor == kVendorAti) {
      return std::make_unique<AmdGpuProbe>(sys_, dir, std::move(notes));
    }
  }
  notes.push_back("no AMD GPU: no card with vendor 0x1002 in " + sys_.path(drm_class).string());
  return nullptr;
}

}  // namespace npufleet::worker
