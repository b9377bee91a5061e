#include "worker/device/CpuProbe.h"

#include <sstream>
#include <utility>

#include "worker/device/SystemMemory.h"

namespace npufleet::worker {
namespace {

// A 4 MiB cpuinfo would be ~2,500 CPUs; larger means the file is not cpuinfo.
constexpr std::size_t kMaxCpuinfoBytes = std::size_t{4} * 1024 * 1024;

std::string valueAfterColon(const std::string& line) {
  const auto colon = line.find(':');
  if (colon == std::string::npos) return {};
  const auto start = line.find_first_not_of(" \t", colon + 1);
  return start == std::string::npos ? std::string() : line.substr(start);
}

std::string keyBeforeColon(const std::string& line) {
  const auto colon = line.find(':');
  if (colon == std::string::npos) return {};
  const auto end = line.find_last_not_of(" \t", colon == 0 ? 0 : colon - 1);
  return end == std::string::npos || colon == 0 ? std::string() : line.substr(0, end + 1);
}

}  // namespace

CpuProbe::CpuProbe(HostFileReader proc, std::vector<std::string> notes) : proc_(std::move(proc)) {
  info_.type = DeviceType::kCpu;
  info_.driver = "cpu";
  for (auto& note : notes) addNote(info_, std::move(note));

  if (auto cpuinfo = proc_.readText("proc/cpuinfo", kMaxCpuinfoBytes)) {
    std::istringstream lines(*cpuinfo);
    std::string line;
    int processors = 0;
    std::string model;
    std::string hardware;  // ARM kernels name the SoC here instead of a "model name"
    while (std::getline(lines, line)) {
      const std::string key = keyBeforeColon(line);
      const std::string value = valueAfterColon(line);
      if (key == "processor" && !value.empty() &&
          value.find_first_not_of("0123456789") == std::string::npos) {
        ++processors;
      } else if (key == "model name" && model.empty()) {
        model = value;
      } else if (key == "Hardware" && hardware.empty()) {
        hardware = value;
      }
    }
    info_.name = !model.empty() ? model : hardware;
    if (processors > 0) {
      info_.cpu_cores = processors;
    } else {
      addNote(info_, "core count unknown: no \"processor\" lines in " +
                         proc_.path("proc/cpuinfo").string());
    }
  } else {
    addNote(info_, "CPU model and cores unknown: " + cpuinfo.error().message);
  }
  if (info_.name.empty()) info_.name = "CPU (model unknown)";

  SystemMemory::fillTotal(proc_, info_, "memory");
  refresh();
}

std::optional<double> CpuProbe::memoryUsedGb() {
  return SystemMemory::refreshUsed(proc_, info_);
}

}  // namespace npufleet::worker
