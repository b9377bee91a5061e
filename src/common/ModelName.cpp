#include "common/ModelName.h"

namespace npufleet {

bool isValidModelName(std::string_view name) {
  if (name.empty() || name.size() > kMaxModelNameLength || name == "." || name == "..") return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace npufleet
