// PCI ids as people read them in lspci and sysfs: "0x7d1d", "0x120000".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

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

}  // namespace npufleet::worker
