#include "auth/ServiceAuthConfig.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "auth/AcceptedHosts.h"
#include "auth/KeyFile.h"
#include "auth/SignatureFormat.h"

namespace npufleet::auth {

void addServiceAuthConfigKeys(ConfigSchema& schema) {
  auto key = [](std::string name, ConfigType type, ConfigValue def, std::string description) {
    ConfigKey k;
    k.section = "auth";
    k.key = std::move(name);
    k.type = type;
    k.default_value = std::move(def);
    k.description = std::move(description);
    return k;
  };
  auto min_version = key("min_version", ConfigType::kInt, int64_t{2},
                         "lowest service signature version accepted (1 = also seed-only v1)");
  min_version.validate = intRange(1, 2);
  schema.add(std::move(min_version));

  auto window = key("window_s", ConfigType::kInt, int64_t{300},
                    "accepted difference between a signature's timestamp and the clock, seconds");
  window.validate = intRange(1, 3600);
  schema.add(std::move(window));

  auto limit = key("failure_limit", ConfigType::kInt, int64_t{10},
                   "failed authentications per client address before answering 429");
  limit.validate = intRange(1, 1'000'000);
  schema.add(std::move(limit));

  auto fwindow = key("failure_window_s", ConfigType::kInt, int64_t{300},
                     "window over which failed authentications are counted, seconds");
  fwindow.validate = intRange(1, 86'400);
  schema.add(std::move(fwindow));

  auto capacity = key("replay_capacity", ConfigType::kInt, int64_t{500'000},
                      "nonces remembered against replay (about 128 bytes each at most)");
  capacity.validate = intRange(1'000, 50'000'000);
  schema.add(std::move(capacity));

  auto hosts = key("accepted_hosts", ConfigType::kStringList, std::vector<std::string>{},
                   "host:port values this server answers to; a v2 request addressed elsewhere is "
                   "refused (empty: the worker's own addresses, from its listen address; "
                   "[\"*\"]: not checked, which lets a request signed for another worker be "
                   "replayed here)");
  hosts.validate = [](const ConfigValue& v) -> std::string {
    for (const auto& h : std::get<std::vector<std::string>>(v)) {
      if (h == "*") continue;
      if (!isValidHost(h)) return "entries must be host:port without spaces, got '" + h + "'";
    }
    return {};
  };
  schema.add(std::move(hosts));

  auto exempt = key("exempt_paths", ConfigType::kStringList, std::vector<std::string>{"/livez"},
                    "paths served without a service signature");
  exempt.validate = [](const ConfigValue& v) -> std::string {
    for (const auto& p : std::get<std::vector<std::string>>(v)) {
      if (p.empty() || p.front() != '/') return "entries must be paths starting with '/'";
    }
    return {};
  };
  schema.add(std::move(exempt));

  schema.add(key("trusted_keys_dir", ConfigType::kString, std::string{},
                 "directory of <service-id>.key files (mode 0600) whose keys are trusted"));

  auto trusted = key("trusted_keys", ConfigType::kStringList, std::vector<std::string>{},
                     "trusted keys as \"service-id:key\" entries");
  trusted.secret = true;
  schema.add(std::move(trusted));

  auto service_id = key("service_id", ConfigType::kString, std::string{"main-backend"},
                        "service id this process signs its requests with");
  service_id.validate = [](const ConfigValue& v) -> std::string {
    return isValidServiceId(std::get<std::string>(v)) ? std::string{}
                                                      : "must match [A-Za-z0-9._-]{1,128}";
  };
  schema.add(std::move(service_id));

  schema.add(key("service_key_file", ConfigType::kString, std::string{},
                 "file (mode 0600) holding the key this process signs with, one line"));

  schema.add(key("send_v1", ConfigType::kBool, true,
                 "signer: also send the seed's v1 signature header (false once no worker has "
                 "auth.min_version = 1: a v1 header covers neither body nor query)"));
}

Result<std::shared_ptr<const Keyring>> loadKeyringFromConfig(const Config& config) {
  Keyring ring;
  const std::string& dir = config.getString("auth.trusted_keys_dir");
  if (!dir.empty()) {
    auto loaded = Keyring::loadDirectory(dir);
    if (!loaded) return loaded.error();
    ring = std::move(loaded).value();
  }
  auto entries = Keyring::fromEntries(config.getStringList("auth.trusted_keys"));
  if (!entries) return entries.error();
  if (auto ok = ring.merge(entries.value()); !ok) return ok.error();
  if (ring.keyCount() == 0) {
    return Error::badRequest(
        "no trusted service keys: set --trusted-keys DIR (auth.trusted_keys_dir) or "
        "auth.trusted_keys; `npufleet keys generate` creates a key file",
        "auth.trusted_keys_dir");
  }
  return std::shared_ptr<const Keyring>(std::make_shared<Keyring>(std::move(ring)));
}

http::Middleware ServiceAuthSetup::middleware() const {
  return makeServiceAuthMiddleware(verifier, limiter, options);
}

ServiceAuthHooks ServiceAuthSetup::hooks() const {
  return makeServiceAuthHooks(verifier, limiter, options);
}

Result<ServiceAuthSetup> makeServiceAuthFromConfig(const Config& config, const Clock& clock) {
  auto ring = loadKeyringFromConfig(config);
  if (!ring) return ring.error();
  VerifierOptions vo;
  vo.min_version = static_cast<int>(config.getInt("auth.min_version"));
  vo.window = std::chrono::seconds(config.getInt("auth.window_s"));
  // Until applyAcceptedHosts knows the port: nothing is served before the server listens.
  vo.accepted_hosts = config.getStringList("auth.accepted_hosts");
  if (vo.accepted_hosts.size() == 1 && vo.accepted_hosts.front() == "*") vo.accepted_hosts.clear();
  vo.replay_capacity = static_cast<size_t>(config.getInt("auth.replay_capacity"));
  FailureLimiter::Options lo;
  lo.limit = static_cast<int>(config.getInt("auth.failure_limit"));
  lo.window = std::chrono::seconds(config.getInt("auth.failure_window_s"));
  ServiceAuthSetup setup;
  setup.verifier = std::make_shared<SignatureVerifier>(vo, std::move(ring).value(), clock);
  setup.limiter = std::make_shared<FailureLimiter>(lo, clock);
  setup.options.exempt_paths = config.getStringList("auth.exempt_paths");
  setup.configured_hosts = config.getStringList("auth.accepted_hosts");
  return setup;
}

std::vector<std::string> applyAcceptedHosts(ServiceAuthSetup& setup, const std::string& listen_host,
                                            uint16_t bound_port) {
  const auto& configured = setup.configured_hosts;
  if (std::find(configured.begin(), configured.end(), "*") != configured.end()) {
    setup.verifier->setAcceptedHosts({});
    spdlog::warn(
        "auth.accepted_hosts = [\"*\"]: the Host of signed requests is not checked, so a request "
        "the control plane signed for another worker (a model unload, say) can be replayed here "
        "within the signature window; list this worker's host:port values instead");
    return {};
  }
  std::vector<std::string> hosts = configured;
  if (hosts.empty()) {
    hosts = acceptedHostsFor(listen_host, bound_port, localInterfaceAddresses(), localHostName());
  }
  setup.verifier->setAcceptedHosts(hosts);
  std::string joined;
  for (const auto& h : hosts) joined += (joined.empty() ? "" : ", ") + h;
  spdlog::info("service auth: accepting signed requests addressed to {}{}", joined,
               configured.empty() ? " (derived from the listen address; set auth.accepted_hosts "
                                    "for other names)"
                                  : "");
  return hosts;
}

Result<ServiceSigner> makeSignerFromConfig(const Config& config, const Clock& clock) {
  const std::string& path = config.getString("auth.service_key_file");
  if (path.empty()) {
    return Error::badRequest(
        "no service key: set --service-key-file FILE (auth.service_key_file); `npufleet keys "
        "generate` creates one",
        "auth.service_key_file");
  }
  auto key = loadServiceKeyFile(path);
  if (!key) return key.error();
  SignerOptions options;
  options.send_v1 = config.getBool("auth.send_v1");
  return ServiceSigner::create(config.getString("auth.service_id"), std::move(key).value(), clock,
                               options);
}

}  // namespace npufleet::auth
