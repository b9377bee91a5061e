#include "app/ConfigLoading.h"

#include <CLI/CLI.hpp>

namespace npufleet::app {

void addConfigFlags(CLI::App& cmd, ConfigFlags& flags) {
  cmd.add_option("--config", flags.file, "TOML configuration file");
  cmd.add_flag("--print-config", flags.print,
               "Print the effective configuration (secrets masked) and exit");
  cmd.add_option("--set", flags.sets, "Override a key: --set section.key=value (repeatable)");
}

void bindFlag(CLI::App& cmd, ConfigFlags& flags, const std::string& flag, const std::string& key,
              std::string& storage, const std::string& help) {
  cmd.add_option(flag, storage, help + " [" + key + "]");
  flags.bound.emplace_back(key, &storage);
}

Result<Config> loadConfig(const ConfigSchema& schema, const ConfigFlags& flags) {
  Config config(schema);
  if (!flags.file.empty()) {
    if (auto st = config.loadTomlFile(flags.file); !st) return st.error();
  }
  if (auto st = config.loadProcessEnvironment(); !st) return st.error();
  for (const auto& [key, storage] : flags.bound) {
    if (storage->empty()) continue;
    if (auto st = config.set(key, *storage, "command line"); !st) return st.error();
  }
  for (const auto& kv : flags.sets) {
    auto eq = kv.find('=');
    if (eq == std::string::npos) {
      return Error::badRequest("--set expects section.key=value, got '" + kv + "'", kv);
    }
    if (auto st = config.set(kv.substr(0, eq), kv.substr(eq + 1), "--set"); !st) return st.error();
  }
  return config;
}

}  // namespace npufleet::app
