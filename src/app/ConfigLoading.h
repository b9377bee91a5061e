// Builds a Config the same way for every subcommand: schema defaults, then --config FILE, then
// NPUFLEET_<SECTION>_<KEY> environment variables, then flags. Errors name the key.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "common/Config.h"

namespace CLI {
class App;
}

namespace npufleet::app {

struct ConfigFlags {
  std::string file;
  bool print = false;
  std::vector<std::string> sets;                            // --set section.key=value
  std::vector<std::pair<std::string, std::string*>> bound;  // dotted key <- flag storage
};

// Adds --config, --print-config and --set to `cmd`.
void addConfigFlags(CLI::App& cmd, ConfigFlags& flags);
// Binds a flag to a config key: the flag's value (when given) overrides the key.
void bindFlag(CLI::App& cmd, ConfigFlags& flags, const std::string& flag, const std::string& key,
              std::string& storage, const std::string& help);

Result<Config> loadConfig(const ConfigSchema& schema, const ConfigFlags& flags);

}  // namespace npufleet::app
