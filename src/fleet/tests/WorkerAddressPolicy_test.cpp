#include "fleet/WorkerAddressPolicy.h"

#include <gtest/gtest.h>

namespace npufleet::fleet {
namespace {

std::string canonicalOf(const WorkerAddressPolicy& p, const std::string& address, int port = 8081) {
  auto r = p.canonical(address, port);
  return r ? *r : "refused: " + r.error().message;
}

TEST(WorkerAddressPolicy, EachAddressHasOneSpelling) {
  WorkerAddressPolicy p;
  EXPECT_EQ(canonicalOf(p, "127.0.0.1"), "127.0.0.1");
  EXPECT_EQ(canonicalOf(p, "localhost"), "127.0.0.1");
  EXPECT_EQ(canonicalOf(p, "LocalHost"), "127.0.0.1");
  EXPECT_EQ(canonicalOf(p, "npu.localhost"), "127.0.0.1");
  EXPECT_EQ(canonicalOf(p, "[::1]"), "::1");
  EXPECT_EQ(canonicalOf(p, "0:0:0:0:0:0:0:1"), "::1");
  EXPECT_EQ(canonicalOf(p, "FD00:0::7"), "fd00::7");
  EXPECT_EQ(canonicalOf(p, "NPU-01.Lab.Example"), "npu-01.lab.example");
  EXPECT_EQ(canonicalOf(p, "10.0.0.5"), "10.0.0.5");
}

TEST(WorkerAddressPolicy, RefusesNotationsThatHideAnAddress) {
  WorkerAddressPolicy p;
  for (std::string bad : {"0x7f000001", "2130706433", "127.1", "0177.0.0.1", "127.0.0.01",
                          "::ffff:127.0.0.1", "::ffff:7f00:1", "::ffff:169.254.169.254",
                          "::127.0.0.1", "fe80::1%eth0", "a.0x7f"}) {
    auto r = p.canonical(bad, 8081);
    ASSERT_FALSE(r.ok()) << bad << " became " << *r;
    EXPECT_EQ(r.error().code, ErrorCode::kBadRequest) << bad;
    EXPECT_EQ(r.error().field, "ip") << bad;
  }
  auto mapped = p.canonical("::ffff:127.0.0.1", 8081);
  EXPECT_NE(mapped.error().message.find("give it as 127.0.0.1"), std::string::npos)
      << mapped.error().message;
}

TEST(WorkerAddressPolicy, RefusesMetadataLinkLocalUnspecifiedAndMulticast) {
  WorkerAddressPolicy p;
  for (std::string bad : {"169.254.169.254", "169.254.1.2", "0.0.0.0", "0.1.2.3", "::", "[::]",
                          "fe80::1", "febf::1", "100.100.100.200", "fd00:ec2::254",
                          "224.0.0.1", "255.255.255.255", "ff02::1", "metadata.google.internal",
                          "Metadata", "instance-data"}) {
    auto r = p.canonical(bad, 8081, "nodes[0].ip");
    ASSERT_FALSE(r.ok()) << bad << " became " << *r;
    EXPECT_EQ(r.error().field, "nodes[0].ip") << bad;
    EXPECT_NE(r.error().message.find("allowed_worker_addresses"), std::string::npos) << bad;
  }
}

TEST(WorkerAddressPolicy, TheAllowListPermitsNamedAddressesAndPrefixesOnly) {
  auto p = WorkerAddressPolicy::create({"169.254.10.0/24", "fe80::/10", "0.0.0.0", "metadata"}, "", 0);
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(canonicalOf(*p, "169.254.10.7"), "169.254.10.7");
  EXPECT_EQ(canonicalOf(*p, "FE80::1"), "fe80::1");
  EXPECT_EQ(canonicalOf(*p, "0.0.0.0"), "0.0.0.0");
  EXPECT_EQ(canonicalOf(*p, "metadata"), "metadata");
  EXPECT_FALSE(p->canonical("169.254.169.254", 8081).ok());
  EXPECT_FALSE(p->canonical("0x7f000001", 8081).ok());  // a notation is never allowed
  EXPECT_FALSE(p->canonical("::ffff:169.254.10.7", 8081).ok());

  for (std::string bad : {"10.0.0.0/33", "fe80::/129", "10.0.0.0/", "nonsense!", "1.2.3.4/x"}) {
    auto r = WorkerAddressPolicy::create({bad}, "", 0);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().field, "fleet.allowed_worker_addresses") << bad;
  }
}

TEST(WorkerAddressPolicy, RefusesTheControlPlanesOwnPort) {
  auto p = WorkerAddressPolicy::create({}, "127.0.0.1", 8080);
  ASSERT_TRUE(p.ok());
  for (std::string self : {"127.0.0.1", "localhost", "127.0.0.2", "::1"}) {
    auto r = p->canonical(self, 8080);
    ASSERT_FALSE(r.ok()) << self;
    EXPECT_NE(r.error().message.find("the control plane itself"), std::string::npos) << self;
  }
  EXPECT_EQ(canonicalOf(*p, "127.0.0.1", 8081), "127.0.0.1");
  EXPECT_EQ(canonicalOf(*p, "10.0.0.5", 8080), "10.0.0.5");

  auto on_lan = WorkerAddressPolicy::create({}, "10.0.0.2", 8080);
  ASSERT_TRUE(on_lan.ok());
  EXPECT_FALSE(on_lan->canonical("10.0.0.2", 8080).ok());
  EXPECT_FALSE(on_lan->canonical("127.0.0.1", 8080).ok());
  EXPECT_EQ(canonicalOf(*on_lan, "10.0.0.3", 8080), "10.0.0.3");

  auto allowed = WorkerAddressPolicy::create({"127.0.0.1"}, "127.0.0.1", 8080);
  ASSERT_TRUE(allowed.ok());
  EXPECT_EQ(canonicalOf(*allowed, "127.0.0.1", 8080), "127.0.0.1");
}

}  // namespace
}  // namespace npufleet::fleet
