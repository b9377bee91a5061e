#include "common/HostPort.h"

#include <gtest/gtest.h>

namespace npufleet {
namespace {

TEST(HostPort, BracketsIpv6LiteralsOnly) {
  EXPECT_EQ(hostPort("::1", 8081), "[::1]:8081");
  EXPECT_EQ(hostPort("fd00::7", 80), "[fd00::7]:80");
  EXPECT_EQ(hostPort("[::1]", 8081), "[::1]:8081");
  EXPECT_EQ(hostPort("127.0.0.1", 8081), "127.0.0.1:8081");
  EXPECT_EQ(hostPort("npu-1.example", 443), "npu-1.example:443");
}

}  // namespace
}  // namespace npufleet
