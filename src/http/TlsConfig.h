// The TLS keys an HTTP server reads from its configuration section (`[server]` for the control
// plane, `[worker]` for the worker): tls_cert_file, tls_key_file, tls_min_version. Declared once
// here so both processes spell and check them the same way.
#pragma once

#include <string>

#include "common/Config.h"
#include "http/Server.h"

namespace npufleet::http {

void addServerTlsConfigKeys(ConfigSchema& schema, const std::string& section);

// Copies the section's TLS keys into `options`. Setting only one of the two files is an error
// naming the missing key; the files themselves are loaded (and checked) by Server::start().
Status applyServerTlsConfig(const Config& config, const std::string& section,
                            ServerOptions& options);

}  // namespace npufleet::http
