#include "worker/ModelRegistry.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "worker/tests/TestModels.h"

namespace npufleet::worker {
namespace {
namespace fs = std::filesystem;

class ModelRegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("npufleet-registry-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    fs::copy_file(testing::samplePath("embedding-mlp"), dir_ / "mlp.onnx");
    fs::copy_file(testing::samplePath("cnn-classifier"), dir_ / "cnn.onnx");
    std::ofstream(dir_ / "broken.onnx") << "definitely not onnx";
    std::ofstream(dir_ / "mlp.json") << R"({"displayName":"MLP","version":"2","description":"d"})";
    std::ofstream(dir_ / "notes.txt") << "ignored";
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(ModelRegistryTest, ListsEveryOnnxFileWithSidecarAndShapes) {
  ModelRegistry reg(dir_.string());
  auto list = reg.list();
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[0].name, "broken");
  EXPECT_TRUE(list[0].error.has_value());
  EXPECT_EQ(list[2].name, "mlp");
  EXPECT_EQ(list[2].display_name, "MLP");
  EXPECT_EQ(list[2].version, "2");
  ASSERT_TRUE(list[2].info.has_value());
  EXPECT_EQ(list[2].info->inputs.size(), 1u);
  EXPECT_GT(list[2].size_bytes, 0u);
}

TEST_F(ModelRegistryTest, BrokenModelFailsAloneAndOthersStillLoad) {
  ModelRegistry reg(dir_.string());
  auto bad = reg.load("broken");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("broken"), std::string::npos);
  EXPECT_TRUE(reg.load("mlp").ok());
  EXPECT_TRUE(reg.load("cnn").ok());
  EXPECT_EQ(reg.loadedNames(), (std::vector<std::string>{"cnn", "mlp"}));
}

TEST_F(ModelRegistryTest, UnknownIs404AndNotLoadedIs409) {
  ModelRegistry reg(dir_.string());
  EXPECT_EQ(reg.get("nope").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(reg.get("mlp").error().code, ErrorCode::kConflict);
  EXPECT_EQ(reg.load("../etc/passwd").error().code, ErrorCode::kNotFound);
  ASSERT_TRUE(reg.load("mlp").ok());
  EXPECT_TRUE(reg.get("mlp").ok());
  EXPECT_TRUE(reg.unload("mlp").ok());
  EXPECT_EQ(reg.unload("mlp").error().code, ErrorCode::kConflict);
}

TEST_F(ModelRegistryTest, SeesFilesAddedAfterStart) {
  ModelRegistry reg(dir_.string());
  EXPECT_FALSE(reg.known("late"));
  fs::copy_file(testing::samplePath("embedding-mlp"), dir_ / "late.onnx");
  EXPECT_TRUE(reg.known("late"));
  EXPECT_TRUE(reg.load("late").ok());
}

TEST(ModelName, AllowsOnlySafeCharacters) {
  EXPECT_TRUE(isValidModelName("cnn-classifier_v1.2"));
  EXPECT_FALSE(isValidModelName(""));
  EXPECT_FALSE(isValidModelName(".."));
  EXPECT_FALSE(isValidModelName("a/b"));
  EXPECT_FALSE(isValidModelName(std::string(129, 'a')));
}

}  // namespace
}  // namespace npufleet::worker
