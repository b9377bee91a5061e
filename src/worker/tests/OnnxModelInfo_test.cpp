#include "worker/OnnxModelInfo.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <string>
#include <string_view>

#include "worker/tests/TestModels.h"

namespace npufleet::worker {
namespace {

using testing::readAll;
using testing::samplePath;

TEST(OnnxModelInfo, Ir3ModelExcludesInitializersFromInputs) {
  auto info = parseOnnxModel(readAll(samplePath("embedding-mlp")));
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->ir_version, 3);
  ASSERT_EQ(info->inputs.size(), 1u);
  EXPECT_EQ(info->inputs[0].name, "input");
  EXPECT_EQ(info->inputs[0].shape, (std::vector<int64_t>{1, 64}));
  EXPECT_EQ(info->inputs[0].elem_type, kOnnxFloat);
  ASSERT_EQ(info->outputs.size(), 1u);
  EXPECT_EQ(info->outputs[0].name, "embedding");
  EXPECT_EQ(info->outputs[0].shape, (std::vector<int64_t>{1, 32}));
  EXPECT_EQ(info->initializer_count, 4u);
}

TEST(OnnxModelInfo, ReadsOpsetAndOperators) {
  auto info = parseOnnxModel(readAll(samplePath("cnn-classifier")));
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->opset, 13);
  EXPECT_EQ(info->inputs[0].shape, (std::vector<int64_t>{1, 1, 28, 28}));
  EXPECT_EQ(info->op_types.front(), "Conv");
  EXPECT_EQ(info->node_count, 9u);
}

// Found by fuzz/worker/OnnxModelFuzzer: a node reading a value nothing defines made OpenCV's
// importer dereference null. The parser now refuses such a graph before OpenCV sees it.
TEST(OnnxModelInfo, RejectsANodeReadingAnUndefinedValue) {
  auto bytes = readAll(std::string(NPUFLEET_SOURCE_DIR) +
                       "/fuzz/regressions/worker_onnx_model/conv-weight-never-defined");
  auto info = parseOnnxModel(std::string_view(bytes).substr(1));  // byte 0: the fuzzer's mode
  ASSERT_FALSE(info.ok());
  EXPECT_NE(info.error().message.find("'W'"), std::string::npos) << info.error().message;
}

// The check above must not refuse real models: every node test of libonnx-testdata parses.
TEST(OnnxModelInfo, EveryOnnxNodeTestModelParses) {
  const std::filesystem::path dir = "/usr/share/libonnx-testdata/data/node";
  if (!std::filesystem::is_directory(dir)) GTEST_SKIP() << dir << " missing (libonnx-testdata)";
  size_t models = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    const auto path = e.path() / "model.onnx";
    if (!std::filesystem::exists(path)) continue;
    auto info = parseOnnxModel(readAll(path.string()));
    EXPECT_TRUE(info.ok()) << path << ": " << info.error().message;
    ++models;
  }
  EXPECT_GT(models, 100u);
}

TEST(OnnxModelInfo, RejectsEmptyAndGarbage) {
  EXPECT_FALSE(parseOnnxModel("").ok());
  auto garbage = parseOnnxModel("this is not a protobuf at all");
  ASSERT_FALSE(garbage.ok());
  EXPECT_NE(garbage.error().message.find("malformed ONNX model"), std::string::npos);
}

// Every truncation of a real model either parses or fails cleanly; none reads out of bounds
// (the ASan build turns an overrun into a failure).
TEST(OnnxModelInfo, TruncatedModelsFailCleanly) {
  auto bytes = readAll(samplePath("cnn-classifier"));
  size_t failures = 0;
  for (size_t n = 0; n < bytes.size(); n += 7) {
    auto r = parseOnnxModel(std::string_view(bytes).substr(0, n));
    if (!r.ok()) ++failures;
  }
  EXPECT_GT(failures, 0u);
}

TEST(OnnxModelInfo, RandomlyCorruptedModelsNeverCrash) {
  auto original = readAll(samplePath("embedding-mlp"));
  std::mt19937 rng(42);
  size_t parsed = 0;
  for (int round = 0; round < 300; ++round) {
    std::string bytes = original.substr(0, 2000);  // the graph structure, before the weights
    for (int k = 0; k < 8; ++k) {
      bytes[rng() % bytes.size()] = static_cast<char>(rng() & 0xff);
    }
    if (parseOnnxModel(bytes).ok()) ++parsed;
  }
  EXPECT_LT(parsed, 300u);  // the truncated graph cannot keep parsing
}

TEST(OnnxModelInfo, ElementCountIsUnknownWithDynamicDims) {
  TensorSpec s;
  s.shape = {1, -1, 3};
  EXPECT_EQ(s.elementCount(), -1);
  s.shape = {2, 3};
  EXPECT_EQ(s.elementCount(), 6);
}

}  // namespace
}  // namespace npufleet::worker
