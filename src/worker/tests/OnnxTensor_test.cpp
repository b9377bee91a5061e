#include "worker/OnnxTensor.h"

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>

#include "worker/tests/TestModels.h"

namespace npufleet::worker {
namespace {

std::string varint(uint64_t v) {
  std::string out;
  do {
    uint8_t b = v & 0x7f;
    v >>= 7;
    out.push_back(static_cast<char>(v ? (b | 0x80) : b));
  } while (v);
  return out;
}
std::string field(uint32_t n, uint32_t wire) { return varint((n << 3) | wire); }
std::string bytesField(uint32_t n, const std::string& data) {
  return field(n, 2) + varint(data.size()) + data;
}
std::string floatsRaw(std::initializer_list<float> fs) {
  std::string out;
  for (float f : fs) {
    char b[4];
    std::memcpy(b, &f, 4);
    out.append(b, 4);
  }
  return out;
}

TEST(OnnxTensor, ReadsRawData) {
  std::string t = field(1, 0) + varint(2) + field(1, 0) + varint(2) + field(2, 0) + varint(1) +
                  bytesField(8, "x") + bytesField(9, floatsRaw({1, 2, 3, 4.5f}));
  auto r = parseOnnxTensor(t);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->name, "x");
  EXPECT_EQ(r->dims, (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(r->values, (std::vector<float>{1, 2, 3, 4.5f}));
}

TEST(OnnxTensor, ReadsPackedFloatDataAndPackedDims) {
  std::string t = bytesField(1, varint(3)) + field(2, 0) + varint(1) +
                  bytesField(4, floatsRaw({-1, 0, 1}));
  auto r = parseOnnxTensor(t);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->dims, (std::vector<int64_t>{3}));
  EXPECT_EQ(r->values, (std::vector<float>{-1, 0, 1}));
}

TEST(OnnxTensor, RefusesOtherElementTypes) {
  std::string t = field(1, 0) + varint(1) + field(2, 0) + varint(7) + bytesField(9, "12345678");
  auto r = parseOnnxTensor(t);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("float32"), std::string::npos);
}

TEST(OnnxTensor, RefusesDataThatDoesNotFitTheShape) {
  std::string t = field(1, 0) + varint(3) + field(2, 0) + varint(1) + bytesField(9, floatsRaw({1, 2}));
  EXPECT_FALSE(parseOnnxTensor(t).ok());
}

TEST(OnnxTensor, ReadsOnnxTestData) {
  std::string path = "/usr/share/libonnx-testdata/data/node/test_relu/test_data_set_0/input_0.pb";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "libonnx-testdata not installed";
  auto r = parseOnnxTensor(testing::readAll(path));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->dims, (std::vector<int64_t>{3, 4, 5}));
  EXPECT_EQ(r->values.size(), 60u);
}

}  // namespace
}  // namespace npufleet::worker
