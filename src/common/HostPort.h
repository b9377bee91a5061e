// host:port as it goes into a Host header, a pool key or a log line: an IPv6 literal in
// brackets ("[::1]:8081", RFC 9110 section 7.2), anything else as it is. One place, so the Host
// a client sends and the Host a signer covers cannot differ.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace npufleet {

std::string hostPort(std::string_view host, uint16_t port);

}  // namespace npufleet
