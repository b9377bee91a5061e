#include "fleet/WorkerAddressPolicy.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <cstring>

namespace npufleet::fleet {
namespace {

bool validHostname(const std::string& host) {
  if (host.empty() || host.size() > 253) return false;
  size_t label_len = 0;
  char prev = '.';
  for (char c : host) {
    if (c == '.') {
      if (label_len == 0 || prev == '-') return false;
      label_len = 0;
    } else if (std::isalnum(static_cast<unsigned char>(c)) || c == '-') {
      if (label_len == 0 && c == '-') return false;
      if (++label_len > 63) return false;
    } else {
      return false;
    }
    prev = c;
  }
  return label_len > 0 && prev != '-';
}

// A name whose last label starts with a digit is read as a number by inet_aton and
// getaddrinfo (0x7f000001, 2130706433, 127.1, 0177.0.0.1); no top-level domain does.
bool looksNumeric(const std::string& host) {
  auto dot = host.rfind('.');
  const char first = host[dot == std::string::npos ? 0 : dot + 1];
  return std::isdigit(static_cast<unsigned char>(first)) != 0;
}

bool inPrefix(const unsigned char* bytes, const unsigned char* prefix, int bits) {
  const int whole = bits / 8;
  if (std::memcmp(bytes, prefix, static_cast<size_t>(whole)) != 0) return false;
  const int rest = bits % 8;
  if (rest == 0) return true;
  const auto mask = static_cast<unsigned char>(0xFF << (8 - rest));
  return (bytes[whole] & mask) == (prefix[whole] & mask);
}

// Why an IPv4 address is no worker's, or nullptr.
const char* refusedV4(const unsigned char* a) {
  if (a[0] == 0) return "an unspecified address (0.0.0.0/8)";
  if (a[0] == 169 && a[1] == 254) return "a link-local address (169.254.0.0/16, cloud metadata)";
  if (a[0] == 100 && a[1] == 100 && a[2] == 100 && a[3] == 200) return "a cloud metadata address";
  if (a[0] >= 224 && a[0] <= 239) return "a multicast address";
  if (a[0] >= 240) return "a reserved or broadcast address";
  return nullptr;
}

const char* refusedV6(const unsigned char* a) {
  static const unsigned char kZero[16] = {};
  if (std::memcmp(a, kZero, 16) == 0) return "the unspecified address (::)";
  if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) return "a link-local address (fe80::/10)";
  if (a[0] == 0xff) return "a multicast address";
  static const unsigned char kAwsMetadata[16] = {0xfd, 0x00, 0x0e, 0xc2, 0, 0, 0, 0,
                                                 0,    0,    0,    0,    0, 0, 0x02, 0x54};
  if (std::memcmp(a, kAwsMetadata, 16) == 0) return "a cloud metadata address";
  return nullptr;
}

bool isMetadataName(const std::string& host) {
  for (const char* name : {"metadata", "metadata.google.internal", "metadata.goog",
                           "instance-data", "instance-data.ec2.internal"}) {
    if (host == name) return true;
  }
  return false;
}

bool endsWith(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

std::string unbracket(const std::string& s) {
  if (s.size() > 2 && s.front() == '[' && s.back() == ']') return s.substr(1, s.size() - 2);
  return s;
}

}  // namespace

void addFleetConfigKeys(ConfigSchema& schema) {
  schema.add({"fleet", "allowed_worker_addresses", ConfigType::kStringList,
              std::vector<std::string>{},
              "addresses or CIDR prefixes a node may be registered or probed at although they are "
              "refused by default (link-local, unspecified, metadata, the control plane's own port)",
              false,
              [](const ConfigValue& v) -> std::string {
                auto p = WorkerAddressPolicy::create(std::get<std::vector<std::string>>(v), "", 0);
                return p ? std::string() : p.error().message;
              }});
}

Result<WorkerAddressPolicy> WorkerAddressPolicy::create(const std::vector<std::string>& allowed,
                                                        const std::string& own_host, int own_port) {
  WorkerAddressPolicy policy;
  for (const auto& entry : allowed) {
    std::string text = entry;
    int bits = -1;
    if (auto slash = text.find('/'); slash != std::string::npos) {
      const std::string len = text.substr(slash + 1);
      text = text.substr(0, slash);
      if (len.empty() || len.size() > 3 ||
          !std::all_of(len.begin(), len.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
        return Error::badRequest("'" + entry + "' is not an address or CIDR prefix",
                                 "fleet.allowed_worker_addresses");
      }
      bits = std::stoi(len);
    }
    Prefix p;
    text = unbracket(text);
    if (inet_pton(AF_INET, text.c_str(), p.bytes.data()) == 1) {
      p.family = AF_INET;
      p.bits = bits < 0 ? 32 : bits;
      if (p.bits > 32) return Error::badRequest("'" + entry + "': an IPv4 prefix is at most /32", "fleet.allowed_worker_addresses");
    } else if (inet_pton(AF_INET6, text.c_str(), p.bytes.data()) == 1) {
      p.family = AF_INET6;
      p.bits = bits < 0 ? 128 : bits;
      if (p.bits > 128) return Error::badRequest("'" + entry + "': an IPv6 prefix is at most /128", "fleet.allowed_worker_addresses");
    } else if (bits < 0 && validHostname(text) && !looksNumeric(text)) {
      std::string name = text;
      std::transform(name.begin(), name.end(), name.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      policy.allowed_names_.push_back(std::move(name));
      continue;
    } else {
      return Error::badRequest("'" + entry + "' is not an address, CIDR prefix or hostname",
                               "fleet.allowed_worker_addresses");
    }
    policy.allowed_prefixes_.push_back(p);
  }
  if (!own_host.empty()) {
    auto canon = policy.canonical(own_host, 0);
    // An unspecified listen address (0.0.0.0, ::) is refused as a worker's address anyway.
    if (canon) policy.own_host_ = *canon;
  }
  policy.own_port_ = own_port;
  return policy;
}

bool WorkerAddressPolicy::allowed(int family, const unsigned char* bytes) const {
  return std::any_of(allowed_prefixes_.begin(), allowed_prefixes_.end(), [&](const Prefix& p) {
    return p.family == family && inPrefix(bytes, p.bytes.data(), p.bits);
  });
}

bool WorkerAddressPolicy::isOwnEndpoint(const std::string& host, bool loopback, int port) const {
  if (own_port_ <= 0 || port != own_port_) return false;
  return loopback || host == own_host_;
}

Result<std::string> WorkerAddressPolicy::canonical(const std::string& address, int port,
                                                   const std::string& field) const {
  const std::string bare = unbracket(address);
  auto refuse = [&](const std::string& why) -> Error {
    return Error::badRequest("'" + field + "' " + address + " is " + why +
                                 "; allow it with [fleet] allowed_worker_addresses",
                             field);
  };
  auto own = [&](const std::string& canon, bool loopback) -> Result<std::string> {
    if (isOwnEndpoint(canon, loopback, port)) {
      return Error::badRequest("'" + field + "' " + address + ":" + std::to_string(port) +
                                   " is the control plane itself; allow it with [fleet] "
                                   "allowed_worker_addresses",
                               field);
    }
    return canon;
  };

  unsigned char v4[4];
  if (inet_pton(AF_INET, bare.c_str(), v4) == 1) {
    char text[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, v4, text, sizeof text);
    if (const char* why = refusedV4(v4); why && !allowed(AF_INET, v4)) return refuse(why);
    if (allowed(AF_INET, v4)) return std::string(text);
    return own(text, v4[0] == 127);
  }
  unsigned char v6[16];
  if (inet_pton(AF_INET6, bare.c_str(), v6) == 1) {
    static const unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    static const unsigned char kCompat[16] = {};  // all zero; compared over 12 and 15 bytes
    static const unsigned char kLoopback[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    const bool zero_or_one = std::memcmp(v6, kCompat, 15) == 0 && v6[15] <= 1;
    if (std::memcmp(v6, kMapped, 12) == 0 || (std::memcmp(v6, kCompat, 12) == 0 && !zero_or_one)) {
      char text[INET_ADDRSTRLEN];
      inet_ntop(AF_INET, v6 + 12, text, sizeof text);
      return Error::badRequest("'" + field + "' " + address +
                                   " is an IPv4 address written as IPv6: give it as " + text,
                               field);
    }
    char text[INET6_ADDRSTRLEN];
    inet_ntop(AF_INET6, v6, text, sizeof text);
    if (const char* why = refusedV6(v6); why && !allowed(AF_INET6, v6)) return refuse(why);
    if (allowed(AF_INET6, v6)) return std::string(text);
    return own(text, std::memcmp(v6, kLoopback, 16) == 0);
  }
  const bool digits_and_dots = !bare.empty() && std::all_of(bare.begin(), bare.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c)) || c == '.';
  });
  if (digits_and_dots || !validHostname(bare)) {
    return Error::badRequest("'" + field +
                                 "' must be an IPv4 address, an IPv6 address or a hostname, got '" +
                                 address + "'",
                             field);
  }
  if (looksNumeric(bare)) {
    return Error::badRequest("'" + field + "' " + address +
                                 " is a number, not a hostname: give an IPv4 address as four "
                                 "decimal parts (127.0.0.1)",
                             field);
  }
  std::string host = bare;
  std::transform(host.begin(), host.end(), host.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  // localhost is loopback by definition (RFC 6761): one spelling, so one node per worker.
  if (host == "localhost" || endsWith(host, ".localhost")) return canonical("127.0.0.1", port, field);
  const bool name_allowed =
      std::find(allowed_names_.begin(), allowed_names_.end(), host) != allowed_names_.end();
  if (isMetadataName(host) && !name_allowed) return refuse("a cloud metadata service's name");
  if (name_allowed) return host;
  return own(host, false);
}

}  // namespace npufleet::fleet
