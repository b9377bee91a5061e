#include "npu/NodeNpuState.h"

namespace npufleet::npu {

const char* detectionStatusName(DetectionStatus s) {
  switch (s) {
    case DetectionStatus::kIdle: return "idle";
    case DetectionStatus::kDetecting: return "detecting";
    case DetectionStatus::kDetected: return "detected";
    case DetectionStatus::kFailed: return "failed";
  }
  return "idle";
}

std::optional<DetectionStatus> parseDetectionStatus(std::string_view name) {
  for (auto s : {DetectionStatus::kIdle, DetectionStatus::kDetecting, DetectionStatus::kDetected,
                 DetectionStatus::kFailed}) {
    if (name == detectionStatusName(s)) return s;
  }
  return std::nullopt;
}

}  // namespace npufleet::npu
