#include "http/ConnectionLimitsConfig.h"

namespace npufleet::http {

void addServerConnectionLimitKeys(ConfigSchema& schema, const std::string& section) {
  const ServerOptions defaults;
  auto key = [&](std::string name, size_t def, std::string description) {
    ConfigKey k;
    k.section = section;
    k.key = std::move(name);
    k.type = ConfigType::kInt;
    k.default_value = static_cast<int64_t>(def);
    k.description = std::move(description);
    k.validate = intRange(0, 1'000'000);
    return k;
  };
  schema.add(key("max_connections", defaults.max_connections,
                 "open connections at most; one more is answered 503 and closed (0 = no cap)"));
  schema.add(key("max_unauthenticated_connections", defaults.max_unauthenticated_connections,
                 "connections that have not yet sent an authenticated request, at most, in total "
                 "(0 = no cap)"));
  schema.add(key("max_unauthenticated_per_address", defaults.max_unauthenticated_per_address,
                 "connections that have not yet sent an authenticated request, at most, from one "
                 "client address (0 = no cap)"));
}

void applyServerConnectionLimits(const Config& config, const std::string& section,
                                 ServerOptions& options) {
  options.max_connections = static_cast<size_t>(config.getInt(section + ".max_connections"));
  options.max_unauthenticated_connections =
      static_cast<size_t>(config.getInt(section + ".max_unauthenticated_connections"));
  options.max_unauthenticated_per_address =
      static_cast<size_t>(config.getInt(section + ".max_unauthenticated_per_address"));
}

}  // namespace npufleet::http
