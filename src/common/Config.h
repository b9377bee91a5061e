// Layered configuration: schema defaults, then a TOML file, then NPUFLEET_<SECTION>_<KEY>
// environment variables, then command-line flags. Every key is declared once in a schema with
// its type and default; an unknown key or a bad value is an error that names the key.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <iosfwd>
#include <string>
#include <variant>
#include <vector>

#include "common/Error.h"

namespace npufleet {

using ConfigValue = std::variant<int64_t, double, bool, std::string, std::vector<std::string>>;

enum class ConfigType { kInt, kDouble, kBool, kString, kStringList };

struct ConfigKey {
  std::string section;
  std::string key;
  ConfigType type = ConfigType::kString;
  ConfigValue default_value;
  std::string description;
  bool secret = false;
  // Extra validation beyond the type: returns an error message, or empty when fine.
  std::function<std::string(const ConfigValue&)> validate;

  std::string name() const { return section + "." + key; }
  std::string envName() const;  // NPUFLEET_SECTION_KEY
};

class ConfigSchema {
 public:
  ConfigSchema& add(ConfigKey key);
  const ConfigKey* find(const std::string& dotted_name) const;
  const std::vector<ConfigKey>& keys() const { return keys_; }

 private:
  std::vector<ConfigKey> keys_;
};

class Config {
 public:
  explicit Config(const ConfigSchema& schema);

  // Each layer validates what it sets; the first problem is returned and nothing else applied.
  Status loadTomlFile(const std::string& path);
  Status loadTomlString(const std::string& text, const std::string& origin);
  Status loadEnvironment(const std::map<std::string, std::string>& env);
  Status loadProcessEnvironment();
  Status set(const std::string& dotted_name, const std::string& text, const std::string& origin);

  int64_t getInt(const std::string& name) const;
  double getDouble(const std::string& name) const;
  bool getBool(const std::string& name) const;
  const std::string& getString(const std::string& name) const;
  const std::vector<std::string>& getStringList(const std::string& name) const;

  // TOML text of the effective configuration, secrets shown as "********".
  std::string render() const;

  const ConfigSchema& schema() const { return *schema_; }

 private:
  Status assign(const ConfigKey& key, ConfigValue value, const std::string& origin);
  void warnIfSecretsAreReadable(const std::string& path, const std::string& text) const;
  void renderKey(std::ostream& out, const ConfigKey& key) const;
  const ConfigValue& raw(const std::string& name, ConfigType type) const;

  const ConfigSchema* schema_;
  std::map<std::string, ConfigValue> values_;
};

// Common validators.
std::function<std::string(const ConfigValue&)> intRange(int64_t lo, int64_t hi);
std::function<std::string(const ConfigValue&)> doubleRange(double lo, double hi);
std::function<std::string(const ConfigValue&)> oneOf(std::vector<std::string> allowed);
std::function<std::string(const ConfigValue&)> hostPort();

}  // namespace npufleet
