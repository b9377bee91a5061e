#include "auth/AcceptedHosts.h"

#include <gtest/gtest.h>

namespace npufleet::auth {
namespace {

using Hosts = std::vector<std::string>;

TEST(AcceptedHosts, ASpecificListenAddressIsTheOnlyHost) {
  EXPECT_EQ(acceptedHostsFor("10.0.0.7", 8081, {"10.0.0.7", "192.168.1.5"}, "npu-1"),
            Hosts{"10.0.0.7:8081"});
}

TEST(AcceptedHosts, LoopbackAlsoAcceptsLocalhost) {
  EXPECT_EQ(acceptedHostsFor("127.0.0.1", 9000, {}, "npu-1"),
            (Hosts{"127.0.0.1:9000", "localhost:9000"}));
  EXPECT_EQ(acceptedHostsFor("localhost", 9000, {}, ""),
            (Hosts{"127.0.0.1:9000", "localhost:9000"}));
}

TEST(AcceptedHosts, AWildcardAcceptsEveryInterfaceTheHostNameAndLocalhost) {
  EXPECT_EQ(acceptedHostsFor("0.0.0.0", 8081, {"127.0.0.1", "10.0.0.7", "fd00::7"}, "npu-1"),
            (Hosts{"127.0.0.1:8081", "10.0.0.7:8081", "[fd00::7]:8081", "localhost:8081",
                   "npu-1:8081"}));
  EXPECT_EQ(acceptedHostsFor("", 8081, {"10.0.0.7"}, ""), (Hosts{"10.0.0.7:8081", "localhost:8081"}));
  EXPECT_EQ(acceptedHostsFor("[::]", 8081, {"10.0.0.7"}, ""),
            (Hosts{"10.0.0.7:8081", "localhost:8081"}));
}

TEST(AcceptedHosts, IPv6ListenAddressesAreBracketedAsInAHostHeader) {
  EXPECT_EQ(acceptedHostsFor("[::1]", 8081, {}, ""), (Hosts{"[::1]:8081", "localhost:8081"}));
  EXPECT_EQ(acceptedHostsFor("fd00::7", 8081, {}, ""), Hosts{"[fd00::7]:8081"});
}

}  // namespace
}  // namespace npufleet::auth
