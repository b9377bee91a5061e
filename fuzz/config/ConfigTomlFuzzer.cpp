// libFuzzer target: configuration as the subcommands load it, with each real schema: the
// control plane's (app::serverConfigSchema, linked from src/app/ServerConfig.cpp) and the
// worker's ([worker] + [auth], as app/WorkerCommand.cpp builds it).
//
// Input: byte 0 bit 0 picks the schema; the rest is a TOML file, optionally followed by NUL
// separated `--set section.key=value` arguments. The file goes through app::loadConfig (TOML
// file, then the environment, then the --set values) exactly as `npufleet server|worker --config`
// reads it, and the same text through Config::loadTomlString.
//
// Properties (abort = finding): nothing throws; reading the text from a file and from a string
// agree; a loaded configuration renders (--print-config) to TOML that loads back to the same
// values; no number that a key accepts is NaN or infinite; the typed settings the subcommands
// derive from a loaded configuration can be built from it.
#include <unistd.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>
#include <variant>

#include "app/ConfigLoading.h"
#include "app/ServerConfig.h"
#include "auth/ServiceAuthConfig.h"
#include "balancer/BalancerConfigKeys.h"
#include "common/Clock.h"
#include "common/Config.h"
#include "npu/NpuSettings.h"
#include "worker/WorkerConfig.h"

namespace {

using namespace npufleet;

const ConfigSchema& serverSchema() {
  static const ConfigSchema s = app::serverConfigSchema();
  return s;
}

const ConfigSchema& workerSchema() {
  static const ConfigSchema s = [] {
    ConfigSchema schema;
    worker::addWorkerConfigKeys(schema);
    auth::addServiceAuthConfigKeys(schema);
    return schema;
  }();
  return s;
}

const std::string& scratchFile() {
  static const std::string path =
      "/tmp/npufleet-fuzz-config-" + std::to_string(::getpid()) + ".toml";
  return path;
}

// Every value of `a` equals `b`'s, secrets aside (render masks them).
bool sameValues(const Config& a, const Config& b) {
  for (const auto& key : a.schema().keys()) {
    if (key.secret) continue;
    const std::string name = key.name();
    switch (key.type) {
      case ConfigType::kInt:
        if (a.getInt(name) != b.getInt(name)) return false;
        break;
      case ConfigType::kDouble: {
        const double x = a.getDouble(name), y = b.getDouble(name);
        if (x != y && !(std::isnan(x) && std::isnan(y))) return false;
        break;
      }
      case ConfigType::kBool:
        if (a.getBool(name) != b.getBool(name)) return false;
        break;
      case ConfigType::kString:
        if (a.getString(name) != b.getString(name)) return false;
        break;
      case ConfigType::kStringList:
        if (a.getStringList(name) != b.getStringList(name)) return false;
        break;
    }
  }
  return true;
}

bool validUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3
             : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += n;
  }
  return true;
}

// TOML text is UTF-8: a value set from the environment or a flag that is not (a path in another
// encoding) cannot be printed as TOML, so the round trip does not apply to it.
bool printableAsToml(const Config& c) {
  for (const auto& key : c.schema().keys()) {
    if (key.type == ConfigType::kString && !validUtf8(c.getString(key.name()))) return false;
    if (key.type == ConfigType::kStringList) {
      for (const auto& item : c.getStringList(key.name())) {
        if (!validUtf8(item)) return false;
      }
    }
  }
  return true;
}

void checkNumbers(const Config& c) {
  for (const auto& key : c.schema().keys()) {
    if (key.type == ConfigType::kDouble && !std::isfinite(c.getDouble(key.name()))) std::abort();
  }
}

// What the subcommands build from a loaded configuration (without touching key files).
void deriveSettings(const Config& c, bool server) {
  if (server) {
    (void)npu::NpuSettings::fromConfig(c);
    (void)balancer::routerOptionsFromConfig(c);
    (void)balancer::defaultLoadBalancingConfig(c);
    (void)balancer::inferenceBodyLimit(c);
  } else {
    (void)worker::WorkerSettings::fromConfig(c);
  }
  if (c.getString("auth.trusted_keys_dir").empty()) {
    (void)auth::makeServiceAuthFromConfig(c, SystemClock::instance());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const bool server = (data[0] & 1) == 0;
  const ConfigSchema& schema = server ? serverSchema() : workerSchema();
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  const auto nul = rest.find('\0');
  const std::string toml(rest.substr(0, nul));
  app::ConfigFlags flags;
  if (nul != std::string_view::npos) {
    rest.remove_prefix(nul + 1);
    while (!rest.empty()) {
      const auto next = rest.find('\0');
      flags.sets.emplace_back(rest.substr(0, next));
      rest = next == std::string_view::npos ? std::string_view{} : rest.substr(next + 1);
    }
  }

  {
    std::ofstream out(scratchFile(), std::ios::binary | std::ios::trunc);
    out << toml;
  }
  flags.file = scratchFile();
  auto loaded = app::loadConfig(schema, flags);

  Config direct(schema);
  const bool direct_ok = direct.loadTomlString(toml, "fuzz").ok();
  if (flags.sets.empty() && direct_ok != loaded.ok()) std::abort();  // file and text disagree
  if (flags.sets.empty() && direct_ok && !sameValues(direct, *loaded)) std::abort();

  if (!loaded) return 0;
  checkNumbers(*loaded);
  (void)loaded->render();  // --print-config
  // The printed configuration loads back to the same values. Secrets print masked, so the round
  // trip runs on a copy with the secrets emptied.
  Config unmasked = *loaded;
  for (const auto& key : schema.keys()) {
    if (key.secret && !unmasked.set(key.name(), "", "fuzz")) std::abort();
  }
  if (!printableAsToml(unmasked)) {
    deriveSettings(*loaded, server);
    return 0;
  }
  const std::string rendered = unmasked.render();
  Config again(schema);
  if (!again.loadTomlString(rendered, "render")) std::abort();
  if (!sameValues(unmasked, again)) std::abort();
  if (again.render() != rendered) std::abort();
  deriveSettings(*loaded, server);
  return 0;
}
