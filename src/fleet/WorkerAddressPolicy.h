// Which addresses a worker may be registered (or probed) at, and the one spelling each is stored
// in. The control plane sends signed requests wherever a node's address points, and shows what
// comes back, so an address is a server-side request target: it must not reach cloud metadata
// services, link-local or unspecified addresses, or the control plane itself, and one worker
// must not be registrable under several spellings (127.0.0.1, localhost, 0x7f000001).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "common/Config.h"
#include "common/Error.h"

namespace npufleet::fleet {

// Declares [fleet] allowed_worker_addresses.
void addFleetConfigKeys(ConfigSchema& schema);

class WorkerAddressPolicy {
 public:
  // Default rules, nothing allowed beyond them, no own endpoint known.
  WorkerAddressPolicy() = default;

  // allowed: addresses or CIDR prefixes ("169.254.10.0/24", "fe80::/10", "0.0.0.0") exempt from
  // the refusals below. own_host/own_port: where the control plane listens (port 0: unknown).
  static Result<WorkerAddressPolicy> create(const std::vector<std::string>& allowed,
                                            const std::string& own_host, int own_port);

  // The canonical form of `address` (a worker at `port`), or 400 naming `field`:
  // - IPv4 only as four decimal parts (inet_pton), IPv6 in inet_ntop's form, hostnames
  //   lower-cased; "localhost" and "*.localhost" become 127.0.0.1;
  // - refused: numeric spellings that are not dotted quads (0x7f000001, 2130706433, 127.1),
  //   IPv4-mapped and IPv4-compatible IPv6, unspecified (0.0.0.0/8, ::), link-local
  //   (169.254/16, fe80::/10), multicast, reserved/broadcast, known metadata addresses and
  //   names, and the control plane's own port on loopback or its listen address;
  //   all but the notations unless the allow-list names the address.
  Result<std::string> canonical(const std::string& address, int port,
                                const std::string& field = "ip") const;

 private:
  struct Prefix {
    int family = 0;  // AF_INET or AF_INET6
    std::array<unsigned char, 16> bytes{};
    int bits = 0;
  };
  bool allowed(int family, const unsigned char* bytes) const;
  bool isOwnEndpoint(const std::string& canonical_host, bool loopback, int port) const;

  std::vector<Prefix> allowed_prefixes_;
  std::vector<std::string> allowed_names_;
  std::string own_host_;  // canonical, or empty
  int own_port_ = 0;
};

}  // namespace npufleet::fleet
