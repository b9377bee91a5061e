#include "common/Sha256.h"

#include <gtest/gtest.h>

namespace npufleet {
namespace {

TEST(Sha256, KnownVectors) {
  EXPECT_EQ(sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256, HexIsLowercaseTwoDigitsPerByte) {
  const unsigned char bytes[] = {0x00, 0x01, 0x0a, 0x7f, 0x80, 0xab, 0xff};
  EXPECT_EQ(toHex(bytes, sizeof bytes), "00010a7f80abff");
  EXPECT_EQ(toHex(bytes, 0), "");
}

}  // namespace
}  // namespace npufleet
