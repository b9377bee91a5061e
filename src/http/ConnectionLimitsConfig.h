// The connection caps an HTTP server reads from its configuration section (`[server]` for the
// control plane, `[worker]` for the worker): max_connections, max_unauthenticated_connections,
// max_unauthenticated_per_address. Declared once here so both processes spell, default and check
// them the same way.
#pragma once

#include <string>

#include "common/Config.h"
#include "http/Server.h"

namespace npufleet::http {

void addServerConnectionLimitKeys(ConfigSchema& schema, const std::string& section);

// Copies the section's caps into `options`.
void applyServerConnectionLimits(const Config& config, const std::string& section,
                                 ServerOptions& options);

}  // namespace npufleet::http
