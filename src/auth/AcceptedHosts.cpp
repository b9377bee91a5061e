#include "auth/AcceptedHosts.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <unistd.h>

#include <algorithm>
#include <array>

#include "common/HostPort.h"

namespace npufleet::auth {
namespace {

std::string withPort(const std::string& host, uint16_t port) { return hostPort(host, port); }

bool isLoopback(std::string_view host) {
  return host == "localhost" || host == "::1" || host.starts_with("127.");
}

bool isWildcard(std::string_view host) {
  return host.empty() || host == "*" || host == "0.0.0.0" || host == "::";
}

}  // namespace

std::vector<std::string> acceptedHostsFor(std::string_view listen_host, uint16_t port,
                                          const std::vector<std::string>& interface_addresses,
                                          const std::string& host_name) {
  std::string host(listen_host);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  std::vector<std::string> hosts;
  auto add = [&](const std::string& h) {
    std::string entry = withPort(h, port);
    if (std::find(hosts.begin(), hosts.end(), entry) == hosts.end()) hosts.push_back(entry);
  };
  if (isWildcard(host)) {
    for (const auto& a : interface_addresses) add(a);
    add("localhost");
    if (!host_name.empty()) add(host_name);
  } else {
    add(host == "localhost" ? "127.0.0.1" : host);
    if (isLoopback(host)) add("localhost");
  }
  return hosts;
}

std::vector<std::string> localInterfaceAddresses() {
  std::vector<std::string> out;
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return out;
  for (ifaddrs* it = list; it != nullptr; it = it->ifa_next) {
    if (it->ifa_addr == nullptr) continue;
    std::array<char, INET6_ADDRSTRLEN> text{};
    if (it->ifa_addr->sa_family == AF_INET) {
      const auto* a = reinterpret_cast<const sockaddr_in*>(it->ifa_addr);
      // 169.254/16 is link-local: not an address a control plane reaches a worker at.
      if ((ntohl(a->sin_addr.s_addr) >> 16) == 0xA9FE) continue;
      ::inet_ntop(AF_INET, &a->sin_addr, text.data(), text.size());
    } else if (it->ifa_addr->sa_family == AF_INET6) {
      const auto* a = reinterpret_cast<const sockaddr_in6*>(it->ifa_addr);
      if (IN6_IS_ADDR_LINKLOCAL(&a->sin6_addr)) continue;
      ::inet_ntop(AF_INET6, &a->sin6_addr, text.data(), text.size());
    } else {
      continue;
    }
    std::string address(text.data());
    if (std::find(out.begin(), out.end(), address) == out.end()) out.push_back(address);
  }
  ::freeifaddrs(list);
  return out;
}

std::string localHostName() {
  std::array<char, 256> name{};
  if (::gethostname(name.data(), name.size() - 1) != 0) return {};
  return std::string(name.data());
}

}  // namespace npufleet::auth
