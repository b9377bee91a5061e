#include "common/Config.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <sstream>
#include <string_view>
#include <variant>
#include <toml++/toml.h>

extern char** environ;  // NOLINT

namespace npufleet {
namespace {

std::string typeName(ConfigType t) {
  switch (t) {
    case ConfigType::kInt: return "an integer";
    case ConfigType::kDouble: return "a number";
    case ConfigType::kBool: return "true or false";
    case ConfigType::kString: return "a string";
    case ConfigType::kStringList: return "a list of strings";
  }
  return "a value";
}

// A TOML string as toml++ prints simple ones ('literal'), or a basic string with escapes when
// a literal cannot hold it (a quote, a newline, a control character). toml++'s own printer is
// not used: it writes a string that starts with a newline as a multi-line literal, whose first
// newline a reader drops (found by fuzz/config/ConfigTomlFuzzer).
std::string tomlString(std::string_view s) {
  const bool literal = std::none_of(s.begin(), s.end(), [](char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return ch == '\'' || (c < 0x20 && ch != '\t') || c == 0x7F;
  });
  if (literal) return "'" + std::string(s) + "'";
  std::string out = "\"";
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '\f': out += "\\f"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20 || c == 0x7F) {
          static constexpr char kHex[] = "0123456789ABCDEF";
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 0xF];
        } else {
          out += ch;
        }
    }
  }
  return out + "\"";
}

std::string tomlStringList(const std::vector<std::string>& items) {
  if (items.empty()) return "[]";
  std::string out = "[ ";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + tomlString(items[i]);
  return out + " ]";
}

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) {
    return c == '-' ? '_' : static_cast<char>(std::toupper(c));
  });
  return s;
}

Result<ConfigValue> parseText(const ConfigKey& key, const std::string& text) {
  auto bad = [&] {
    return Error::badRequest("config key '" + key.name() + "' must be " + typeName(key.type) +
                                 ", got '" + text + "'",
                             key.name());
  };
  switch (key.type) {
    case ConfigType::kInt: {
      int64_t v = 0;
      auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
      if (ec != std::errc{} || p != text.data() + text.size() || text.empty()) return bad();
      return ConfigValue{v};
    }
    case ConfigType::kDouble: {
      try {
        size_t used = 0;
        double v = std::stod(text, &used);
        if (used != text.size()) return bad();
        return ConfigValue{v};
      } catch (const std::exception&) {
        return bad();
      }
    }
    case ConfigType::kBool:
      if (text == "true" || text == "1" || text == "yes") return ConfigValue{true};
      if (text == "false" || text == "0" || text == "no") return ConfigValue{false};
      return bad();
    case ConfigType::kString: return ConfigValue{text};
    case ConfigType::kStringList: {
      std::vector<std::string> items;
      std::stringstream ss(text);
      std::string item;
      while (std::getline(ss, item, ',')) {
        if (!item.empty()) items.push_back(item);
      }
      return ConfigValue{items};
    }
  }
  return bad();
}

Result<ConfigValue> fromToml(const ConfigKey& key, const toml::node& node) {
  auto bad = [&] {
    return Error::badRequest(
        "config key '" + key.name() + "' must be " + typeName(key.type), key.name());
  };
  switch (key.type) {
    case ConfigType::kInt:
      if (auto v = node.value_exact<int64_t>()) return ConfigValue{*v};
      return bad();
    case ConfigType::kDouble:
      if (auto v = node.value<double>()) return ConfigValue{*v};
      return bad();
    case ConfigType::kBool:
      if (auto v = node.value_exact<bool>()) return ConfigValue{*v};
      return bad();
    case ConfigType::kString:
      if (auto v = node.value_exact<std::string>()) return ConfigValue{*v};
      return bad();
    case ConfigType::kStringList: {
      const auto* arr = node.as_array();
      if (arr == nullptr) return bad();
      std::vector<std::string> items;
      for (const auto& el : *arr) {
        auto s = el.value_exact<std::string>();
        if (!s) return bad();
        items.push_back(*s);
      }
      return ConfigValue{items};
    }
  }
  return bad();
}

}  // namespace

std::string ConfigKey::envName() const { return "NPUFLEET_" + upper(section) + "_" + upper(key); }

ConfigSchema& ConfigSchema::add(ConfigKey key) {
  keys_.push_back(std::move(key));
  return *this;
}

const ConfigKey* ConfigSchema::find(const std::string& dotted_name) const {
  for (const auto& k : keys_) {
    if (k.name() == dotted_name) return &k;
  }
  return nullptr;
}

Config::Config(const ConfigSchema& schema) : schema_(&schema) {
  for (const auto& k : schema.keys()) values_[k.name()] = k.default_value;
}

Status Config::assign(const ConfigKey& key, ConfigValue value, const std::string& origin) {
  if (key.validate) {
    if (auto msg = key.validate(value); !msg.empty()) {
      return Error::badRequest("config key '" + key.name() + "' (from " + origin + "): " + msg,
                               key.name());
    }
  }
  values_[key.name()] = std::move(value);
  return okStatus();
}

Status Config::loadTomlFile(const std::string& path) {
  // The file's own text, not toml++'s re-serialization of it, which changed some values (a
  // string starting with a newline lost it; found by fuzz/config/ConfigTomlFuzzer).
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error::badRequest("config file " + path + ": cannot be read", "config");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return Error::badRequest("config file " + path + ": cannot be read", "config");
  if (auto st = loadTomlString(text.str(), "file " + path); !st) return st;
  warnIfSecretsAreReadable(path, text.str());
  return okStatus();
}

// Key files must be 0600 (auth/KeyFile refuses others); a secret written inline in a config
// file that other users can read is the same leak, so it is named at start-up.
void Config::warnIfSecretsAreReadable(const std::string& path, const std::string& text) const {
  struct stat st{};
  if (::stat(path.c_str(), &st) != 0 || (st.st_mode & 077) == 0) return;
  toml::table table;
  try {
    table = toml::parse(text, path);
  } catch (const toml::parse_error&) {
    return;  // loadTomlString has parsed it already
  }
  for (const auto& key : schema_->keys()) {
    if (!key.secret || !table.at_path(key.name())) continue;
    spdlog::warn(
        "config file {} sets the secret {} but is readable by other users (mode {:o}): run chmod "
        "600 {}, or keep the secret in a key file",
        path, key.name(), st.st_mode & 0777, path);
  }
}

Status Config::loadTomlString(const std::string& text, const std::string& origin) {
  toml::table table;
  try {
    table = toml::parse(text, origin);
  } catch (const toml::parse_error& e) {
    std::ostringstream msg;
    msg << "config " << origin << ": " << e.description() << " at line " << e.source().begin.line;
    return Error::badRequest(msg.str(), "config");
  }
  for (const auto& [section_name, section_node] : table) {
    const auto* section = section_node.as_table();
    if (section == nullptr) {
      return Error::badRequest("config " + origin + ": unknown key '" +
                                   std::string(section_name.str()) + "' (expected a [section])",
                               std::string(section_name.str()));
    }
    for (const auto& [key_name, value] : *section) {
      std::string dotted = std::string(section_name.str()) + "." + std::string(key_name.str());
      const ConfigKey* key = schema_->find(dotted);
      if (key == nullptr) {
        return Error::badRequest("config " + origin + ": unknown key '" + dotted + "'", dotted);
      }
      auto parsed = fromToml(*key, value);
      if (!parsed) return parsed.error();
      if (auto st = assign(*key, std::move(parsed).value(), origin); !st) return st;
    }
  }
  return okStatus();
}

Status Config::loadEnvironment(const std::map<std::string, std::string>& env) {
  for (const auto& [name, text] : env) {
    if (name.rfind("NPUFLEET_", 0) != 0) continue;
    const ConfigKey* match = nullptr;
    for (const auto& k : schema_->keys()) {
      if (k.envName() == name) match = &k;
    }
    if (match == nullptr) continue;  // other NPUFLEET_* variables (tests, tools) are not config
    auto parsed = parseText(*match, text);
    if (!parsed) return parsed.error();
    if (auto st = assign(*match, std::move(parsed).value(), "environment " + name); !st) return st;
  }
  return okStatus();
}

Status Config::loadProcessEnvironment() {
  std::map<std::string, std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string entry(*e);
    auto eq = entry.find('=');
    if (eq != std::string::npos) env[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  return loadEnvironment(env);
}

Status Config::set(const std::string& dotted_name, const std::string& text,
                   const std::string& origin) {
  const ConfigKey* key = schema_->find(dotted_name);
  if (key == nullptr) {
    return Error::badRequest("unknown config key '" + dotted_name + "'", dotted_name);
  }
  auto parsed = parseText(*key, text);
  if (!parsed) return parsed.error();
  return assign(*key, std::move(parsed).value(), origin);
}

const ConfigValue& Config::raw(const std::string& name, ConfigType type) const {
  const ConfigKey* key = schema_->find(name);
  if (key == nullptr || key->type != type) {
    throw std::logic_error("config key '" + name + "' read with the wrong type or undeclared");
  }
  return values_.at(name);
}

int64_t Config::getInt(const std::string& name) const {
  return std::get<int64_t>(raw(name, ConfigType::kInt));
}
double Config::getDouble(const std::string& name) const {
  return std::get<double>(raw(name, ConfigType::kDouble));
}
bool Config::getBool(const std::string& name) const {
  return std::get<bool>(raw(name, ConfigType::kBool));
}
const std::string& Config::getString(const std::string& name) const {
  return std::get<std::string>(raw(name, ConfigType::kString));
}
const std::vector<std::string>& Config::getStringList(const std::string& name) const {
  return std::get<std::vector<std::string>>(raw(name, ConfigType::kStringList));
}

std::string Config::render() const {
  // One table per section, in the order sections first appear: schemas are put together from
  // several modules (worker keys, then the shared connection limits), and TOML refuses a table
  // defined twice, so the printed configuration must not repeat [worker].
  std::vector<std::string> sections;
  for (const auto& key : schema_->keys()) {
    if (std::find(sections.begin(), sections.end(), key.section) == sections.end()) {
      sections.push_back(key.section);
    }
  }
  std::ostringstream out;
  for (const auto& section : sections) {
    if (&section != &sections.front()) out << "\n";
    out << "[" << section << "]\n";
    for (const auto& key : schema_->keys()) {
      if (key.section != section) continue;
      renderKey(out, key);
    }
  }
  return out.str();
}

void Config::renderKey(std::ostream& out, const ConfigKey& key) const {
  const auto& v = values_.at(key.name());
  if (key.secret) {
    // Masked; an unset one shows as unset ("" or []), not as a hidden value. A set one is a
    // comment, so the printed configuration loads back (without the secret).
    const auto* list = std::get_if<std::vector<std::string>>(&v);
    const auto* text = std::get_if<std::string>(&v);
    if (list != nullptr && list->empty()) {
      out << key.key << " = []";
    } else if (text != nullptr && text->empty()) {
      out << key.key << " = \"\"";
    } else {
      out << "# " << key.key << " = \"********\"  (secret, not printed)";
    }
  } else {
    out << key.key << " = ";
    std::visit(
        [&](const auto& x) {
          using T = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<T, std::string>) {
            out << tomlString(x);
          } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
            out << tomlStringList(x);
          } else if constexpr (std::is_same_v<T, bool>) {
            out << (x ? "true" : "false");
          } else if constexpr (std::is_same_v<T, double>) {
            // Shortest text that reads back as the same double (a stream's default six
            // digits printed 1.2345678 as 1.23457).
            char text[64];
            auto [end, ec] = std::to_chars(text, text + sizeof text, x);
            out << std::string_view(text, static_cast<size_t>(end - text));
          } else {
            out << x;
          }
        },
        v);
  }
  out << "\n";
}

std::function<std::string(const ConfigValue&)> intRange(int64_t lo, int64_t hi) {
  return [lo, hi](const ConfigValue& v) -> std::string {
    auto x = std::get<int64_t>(v);
    if (x < lo || x > hi) {
      return "must be between " + std::to_string(lo) + " and " + std::to_string(hi) + ", got " +
             std::to_string(x);
    }
    return {};
  };
}

std::function<std::string(const ConfigValue&)> doubleRange(double lo, double hi) {
  return [lo, hi](const ConfigValue& v) -> std::string {
    auto x = std::get<double>(v);
    if (!(x >= lo && x <= hi)) {  // NaN fails every comparison: refuse it too
      std::ostringstream msg;
      msg << "must be between " << lo << " and " << hi << ", got " << x;
      return msg.str();
    }
    return {};
  };
}

std::function<std::string(const ConfigValue&)> oneOf(std::vector<std::string> allowed) {
  return [allowed = std::move(allowed)](const ConfigValue& v) -> std::string {
    const auto& x = std::get<std::string>(v);
    if (std::find(allowed.begin(), allowed.end(), x) != allowed.end()) return {};
    std::string msg = "must be one of";
    for (const auto& a : allowed) msg += " '" + a + "'";
    return msg + ", got '" + x + "'";
  };
}

std::function<std::string(const ConfigValue&)> hostPort() {
  return [](const ConfigValue& v) -> std::string {
    const auto& x = std::get<std::string>(v);
    auto colon = x.rfind(':');
    if (colon == std::string::npos || colon == 0) return "must be HOST:PORT, got '" + x + "'";
    std::string port = x.substr(colon + 1);
    int p = -1;
    auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
    if (ec != std::errc{} || ptr != port.data() + port.size() || p < 0 || p > 65535) {
      return "port must be 0-65535, got '" + port + "'";
    }
    return {};
  };
}

}  // namespace npufleet
