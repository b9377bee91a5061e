#include "worker/device/DeviceInfo.h"

#include <algorithm>
#include <array>
#include <utility>

namespace npufleet::worker {
namespace {

struct TypeName {
  DeviceType type;
  const char* name;
};

constexpr std::array<TypeName, 6> kTypeNames{{
    {DeviceType::kIntelNpu, "intel-npu"},
    {DeviceType::kAmdNpu, "amd-npu"},
    {DeviceType::kNvidiaGpu, "nvidia-gpu"},
    {DeviceType::kAmdGpu, "amd-gpu"},
    {DeviceType::kIntelGpu, "intel-gpu"},
    {DeviceType::kCpu, "cpu"},
}};

}  // namespace

const char* deviceTypeName(DeviceType type) {
  for (const auto& entry : kTypeNames) {
    if (entry.type == type) return entry.name;
  }
  return "cpu";
}

std::optional<DeviceType> parseDeviceType(const std::string& name) {
  for (const auto& entry : kTypeNames) {
    if (name == entry.name) return entry.type;
  }
  return std::nullopt;
}

void addNote(DeviceInfo& info, std::string note) {
  if (info.notes.size() >= kMaxDeviceNotes) return;
  if (std::find(info.notes.begin(), info.notes.end(), note) != info.notes.end()) return;
  info.notes.push_back(std::move(note));
}

}  // namespace npufleet::worker
