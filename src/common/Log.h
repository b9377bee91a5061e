// Process-wide logging set-up (spdlog to stderr). Log lines never carry secrets: tokens and
// service keys are referred to by name or path only.
#pragma once

#include <string>

#include "common/Error.h"

namespace npufleet {

// level: trace|debug|info|warn|error|off
Status configureLogging(const std::string& level);

}  // namespace npufleet
