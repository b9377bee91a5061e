#include "common/HostPort.h"

namespace npufleet {

std::string hostPort(std::string_view host, uint16_t port) {
  // Only an IPv6 literal holds a ':'; one already in brackets is kept as it is.
  const bool bare_ipv6 = host.find(':') != std::string_view::npos && !host.starts_with('[');
  std::string out;
  out.reserve(host.size() + 8);
  if (bare_ipv6) out.push_back('[');
  out.append(host);
  if (bare_ipv6) out.push_back(']');
  out.push_back(':');
  out.append(std::to_string(port));
  return out;
}

}  // namespace npufleet
