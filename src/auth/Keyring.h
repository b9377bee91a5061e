// The keys a verifier trusts: several per service id, so that a rotation can overlap (old and
// new both accepted until the old one is removed). Immutable once built; a reload builds a new
// Keyring and swaps it in (SignatureVerifier::setKeyring). Key bytes are wiped on destruction.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/Error.h"

namespace npufleet::auth {

class Keyring {
 public:
  struct Key {
    std::string id;      // keyIdFor(secret): safe to log
    std::string secret;  // never logged, never in an error
  };

  Keyring() = default;
  ~Keyring();
  Keyring(const Keyring&) = default;
  Keyring& operator=(const Keyring&) = default;
  Keyring(Keyring&&) = default;
  Keyring& operator=(Keyring&&) = default;

  // Validates the service id and the key length; the same key twice is kept once.
  Status add(const std::string& service_id, std::string secret);

  // `--trusted-keys DIR`: every `<service-id>.key` file (mode 0600 enforced) in the directory.
  // Hidden files and files not ending in ".key" are ignored; a ".key" file whose name is not a
  // valid service id is an error.
  static Result<Keyring> loadDirectory(const std::string& dir);

  // Config entries "service-id:key" (split at the first ':', which a service id cannot hold).
  static Result<Keyring> fromEntries(const std::vector<std::string>& entries);

  // Adds every key of `other`.
  Status merge(const Keyring& other);

  // Empty when the service id is unknown.
  const std::vector<Key>& keysFor(std::string_view service_id) const;
  const Key* find(std::string_view service_id, std::string_view key_id) const;

  std::vector<std::string> serviceIds() const;
  size_t serviceCount() const { return keys_.size(); }
  size_t keyCount() const;

 private:
  std::map<std::string, std::vector<Key>, std::less<>> keys_;
};

}  // namespace npufleet::auth
