#include "http/TlsConfig.h"

namespace npufleet::http {

void addServerTlsConfigKeys(ConfigSchema& schema, const std::string& section) {
  auto key = [&](std::string name, std::string def, std::string description) {
    ConfigKey k;
    k.section = section;
    k.key = std::move(name);
    k.type = ConfigType::kString;
    k.default_value = std::move(def);
    k.description = std::move(description);
    return k;
  };
  schema.add(key("tls_cert_file", "",
                 "PEM certificate chain (leaf first) to serve HTTPS with; empty = plain HTTP"));
  schema.add(key("tls_key_file", "", "PEM private key of tls_cert_file (mode 0600)"));
  auto min_version = key("tls_min_version", "1.2", "oldest TLS version accepted: 1.2 or 1.3");
  min_version.validate = oneOf({"1.2", "1.3"});
  schema.add(std::move(min_version));
}

Status applyServerTlsConfig(const Config& config, const std::string& section,
                            ServerOptions& options) {
  const std::string cert_key = section + ".tls_cert_file";
  const std::string key_key = section + ".tls_key_file";
  options.tls_cert_file = config.getString(cert_key);
  options.tls_key_file = config.getString(key_key);
  options.tls_min_version = config.getString(section + ".tls_min_version");
  if (options.tls_cert_file.empty() != options.tls_key_file.empty()) {
    const std::string& missing = options.tls_cert_file.empty() ? cert_key : key_key;
    const std::string& given = options.tls_cert_file.empty() ? key_key : cert_key;
    return Error::badRequest("TLS needs both " + cert_key + " and " + key_key + ": " + given +
                                 " is set, " + missing + " is not",
                             missing);
  }
  return okStatus();
}

}  // namespace npufleet::http
