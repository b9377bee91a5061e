#include "auth/Keyring.h"

#include <dirent.h>
#include <openssl/crypto.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "auth/KeyFile.h"
#include "auth/SignatureFormat.h"

namespace npufleet::auth {

Keyring::~Keyring() {
  for (auto& [service, keys] : keys_) {
    for (auto& k : keys) OPENSSL_cleanse(k.secret.data(), k.secret.size());
  }
}

Status Keyring::add(const std::string& service_id, std::string secret) {
  if (!isValidServiceId(service_id)) {
    return Error::badRequest("service id '" + service_id + "' must match [A-Za-z0-9._-]{1,128}",
                             "service_id");
  }
  if (secret.size() < kMinKeyLength) {
    return Error::badRequest("a key for service '" + service_id + "' is shorter than " +
                                 std::to_string(kMinKeyLength) + " characters",
                             "key");
  }
  auto& keys = keys_[service_id];
  std::string id = keyIdFor(secret);
  for (const auto& k : keys) {
    if (k.secret == secret) {
      OPENSSL_cleanse(secret.data(), secret.size());
      return okStatus();
    }
  }
  keys.push_back({std::move(id), std::move(secret)});
  return okStatus();
}

Result<Keyring> Keyring::loadDirectory(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) {
    return Error::badRequest("cannot open trusted keys directory " + dir + ": " +
                                 std::strerror(errno),
                             "trusted_keys_dir");
  }
  std::vector<std::string> names;
  while (dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name.empty() || name.front() == '.') continue;
    if (name.size() <= 4 || name.compare(name.size() - 4, 4, ".key") != 0) continue;
    names.push_back(std::move(name));
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());

  Keyring ring;
  for (const auto& name : names) {
    const std::string service = name.substr(0, name.size() - 4);
    const std::string path = dir + "/" + name;
    if (!isValidServiceId(service)) {
      return Error::badRequest("key file " + path +
                                   ": the name must be <service-id>.key with a service id "
                                   "matching [A-Za-z0-9._-]+",
                               "trusted_keys_dir");
    }
    auto keys = readKeyFile(path);
    if (!keys) return keys.error();
    if (keys->empty()) {
      return Error::badRequest("key file " + path + " holds no key", "trusted_keys_dir");
    }
    for (auto& k : keys.value()) {
      if (auto ok = ring.add(service, std::move(k)); !ok) return ok.error();
    }
  }
  return ring;
}

Result<Keyring> Keyring::fromEntries(const std::vector<std::string>& entries) {
  Keyring ring;
  size_t index = 0;
  for (const auto& entry : entries) {
    ++index;
    const auto colon = entry.find(':');
    if (colon == std::string::npos) {
      return Error::badRequest("auth.trusted_keys entry " + std::to_string(index) +
                                   " must be \"<service-id>:<key>\"",
                               "auth.trusted_keys");
    }
    if (auto ok = ring.add(entry.substr(0, colon), entry.substr(colon + 1)); !ok) {
      return Error::badRequest("auth.trusted_keys entry " + std::to_string(index) + ": " +
                                   ok.error().message,
                               "auth.trusted_keys");
    }
  }
  return ring;
}

Status Keyring::merge(const Keyring& other) {
  for (const auto& [service, keys] : other.keys_) {
    for (const auto& k : keys) {
      if (auto ok = add(service, k.secret); !ok) return ok;
    }
  }
  return okStatus();
}

const std::vector<Keyring::Key>& Keyring::keysFor(std::string_view service_id) const {
  static const std::vector<Key> kNone;
  auto it = keys_.find(service_id);
  return it == keys_.end() ? kNone : it->second;
}

const Keyring::Key* Keyring::find(std::string_view service_id, std::string_view key_id) const {
  for (const auto& k : keysFor(service_id)) {
    if (k.id == key_id) return &k;
  }
  return nullptr;
}

std::vector<std::string> Keyring::serviceIds() const {
  std::vector<std::string> ids;
  for (const auto& [service, keys] : keys_) ids.push_back(service);
  return ids;
}

size_t Keyring::keyCount() const {
  size_t n = 0;
  for (const auto& [service, keys] : keys_) n += keys.size();
  return n;
}

}  // namespace npufleet::auth
