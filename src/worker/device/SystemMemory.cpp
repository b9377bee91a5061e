#include "worker/device/SystemMemory.h"

#include <charconv>
#include <sstream>
#include <string>

namespace npufleet::worker {
namespace {

constexpr double kKibPerGib = 1024.0 * 1024.0;
// 64 TiB: beyond any single machine; a bigger MemTotal means the file is not what it claims.
constexpr uint64_t kMaxBelievableKib = uint64_t{64} * 1024 * 1024 * 1024;

// "MemTotal:       16243684 kB" -> 16243684
std::optional<uint64_t> fieldKib(const std::string& text, const std::string& key) {
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.compare(0, key.size() + 1, key + ":") != 0) continue;
    std::istringstream fields(line.substr(key.size() + 1));
    std::string number;
    std::string unit;
    fields >> number >> unit;
    if (unit != "kB") return std::nullopt;
    uint64_t value = 0;
    auto [ptr, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
    if (ec != std::errc() || ptr != number.data() + number.size()) return std::nullopt;
    if (value > kMaxBelievableKib) return std::nullopt;
    return value;
  }
  return std::nullopt;
}

}  // namespace

Result<SystemMemory::Figures> SystemMemory::read(const HostFileReader& proc) {
  auto text = proc.readText("proc/meminfo", std::size_t{64} * 1024);
  if (!text) return text.error();
  const auto total = fieldKib(*text, "MemTotal");
  if (!total || *total == 0) {
    return Error::internal(proc.path("proc/meminfo").string() +
                           " has no believable \"MemTotal: <n> kB\" line");
  }
  Figures figures;
  figures.total_gib = static_cast<double>(*total) / kKibPerGib;
  if (const auto available = fieldKib(*text, "MemAvailable"); available && *available <= *total) {
    figures.available_gib = static_cast<double>(*available) / kKibPerGib;
  }
  return figures;
}

void SystemMemory::fillTotal(const HostFileReader& proc, DeviceInfo& info, std::string_view what) {
  if (auto memory = read(proc)) {
    info.memory_total_gb = memory->total_gib;
  } else {
    addNote(info, std::string(what) + " unknown: " + memory.error().message);
  }
}

std::optional<double> SystemMemory::refreshUsed(const HostFileReader& proc, DeviceInfo& info) {
  info.memory_used_gb.reset();
  if (auto memory = read(proc); memory && memory->available_gib) {
    info.memory_used_gb = memory->total_gib - *memory->available_gib;
  }
  return info.memory_used_gb;
}

}  // namespace npufleet::worker
