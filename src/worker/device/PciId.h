// PCI ids as people read them in lspci and sysfs ("0x7d1d", "0x120000"), and the device id of a
// PCI device directory in sysfs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "worker/device/DeviceInfo.h"
#include "worker/device/HostFileReader.h"

namespace npufleet::worker {

// Lower-case hex with "0x" and at least `digits` digits.
inline std::string formatPciId(uint64_t value, int digits = 4) {
  constexpr std::string_view kHex = "0123456789abcdef";
  std::string out;
  do {
    out.insert(out.begin(), kHex[value & 0xf]);
    value >>= 4;
  } while (value != 0);
  if (static_cast<int>(out.size()) < digits) out.insert(0, digits - out.size(), '0');
  return "0x" + out;
}

// The 16-bit PCI device id in `device_dir`/device ("0x643e"), or nullopt with a note in `info`
// saying why it is unknown.
inline std::optional<uint64_t> readPciDeviceId(const HostFileReader& sys,
                                               const std::string& device_dir, DeviceInfo& info) {
  auto id = sys.readHex(device_dir + "/device");
  if (id && *id <= 0xffff) return *id;
  addNote(info, "PCI device id unknown: " +
                    (id ? "value " + std::to_string(*id) + " is not 16-bit" : id.error().message));
  return std::nullopt;
}

}  // namespace npufleet::worker
