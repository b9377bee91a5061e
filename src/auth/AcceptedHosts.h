// The Host values a worker accepts signed requests for by default (auth.accepted_hosts unset):
// the names it is reached by, derived from its listen address. A v2 signature covers the Host,
// so a request signed for one worker is refused by every other: a rogue worker in the fleet
// cannot replay the control plane's calls (a model unload, say) to its peers within the window.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace npufleet::auth {

// host:port values for a server listening on `listen_host` (an IP address, "localhost", or a
// wildcard: "0.0.0.0", "::", "*", empty) at `port`: the listen address itself; for a wildcard,
// every address in `interface_addresses`; for a loopback address or a wildcard, "localhost" too;
// for a wildcard, `host_name` too when set. IPv6 addresses are bracketed ("[::1]:8081").
std::vector<std::string> acceptedHostsFor(std::string_view listen_host, uint16_t port,
                                          const std::vector<std::string>& interface_addresses,
                                          const std::string& host_name);

// This machine's interface addresses (getifaddrs), IPv4 and IPv6, without link-local ones.
std::vector<std::string> localInterfaceAddresses();
// gethostname(), empty when it fails.
std::string localHostName();

}  // namespace npufleet::auth
