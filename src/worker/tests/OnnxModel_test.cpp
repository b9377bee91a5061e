#include "worker/OnnxModel.h"

#include <gtest/gtest.h>

#include <numeric>
#include <string>
#include <thread>

#include "worker/tests/TestModels.h"

namespace npufleet::worker {
namespace {

std::shared_ptr<OnnxModel> loadSample(const std::string& name) {
  auto bytes = testing::readAll(testing::samplePath(name));
  auto info = parseOnnxModel(bytes);
  EXPECT_TRUE(info.ok());
  auto model = OnnxModel::load(name, bytes, *info);
  EXPECT_TRUE(model.ok()) << model.error().message;
  return model.ok() ? *model : nullptr;
}

TEST(OnnxModel, RunsTheIr3EmbeddingMlp) {
  auto model = loadSample("embedding-mlp");
  ASSERT_TRUE(model);
  std::vector<float> x(64);
  std::iota(x.begin(), x.end(), -32.0f);
  auto out = model->run({{"input", Tensor{{1, 64}, x}}});
  ASSERT_TRUE(out.ok()) << out.error().message;
  const auto& e = out->at("embedding");
  EXPECT_EQ(e.shape, (std::vector<int64_t>{1, 32}));
  EXPECT_EQ(e.data.size(), 32u);
}

TEST(OnnxModel, CnnOutputsAProbabilityDistribution) {
  auto model = loadSample("cnn-classifier");
  ASSERT_TRUE(model);
  std::vector<float> img(28 * 28, 0.5f);
  auto out = model->run({{"image", Tensor{{1, 1, 28, 28}, img}}});
  ASSERT_TRUE(out.ok()) << out.error().message;
  const auto& p = out->at("probabilities");
  EXPECT_EQ(p.shape, (std::vector<int64_t>{1, 10}));
  EXPECT_NEAR(std::accumulate(p.data.begin(), p.data.end(), 0.0), 1.0, 1e-5);
}

TEST(OnnxModel, ConcurrentRunsMatchASerialRun) {
  auto model = loadSample("embedding-mlp");
  ASSERT_TRUE(model);
  std::vector<float> x(64, 0.25f);
  auto expected = model->run({{"input", Tensor{{1, 64}, x}}});
  ASSERT_TRUE(expected.ok());
  std::vector<std::thread> threads;
  std::atomic<int> mismatches{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 20; ++i) {
        auto r = model->run({{"input", Tensor{{1, 64}, x}}});
        if (!r.ok() || r->at("embedding").data != expected->at("embedding").data) ++mismatches;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(mismatches, 0);
  EXPECT_GE(model->netsBuilt(), 1u);
  EXPECT_LE(model->netsBuilt(), 5u);
}

// Found by fuzz/worker/OnnxModelFuzzer: models our parser accepts on which OpenCV 4.6's importer
// dies (SIGSEGV, SIGFPE). The import is tried in a child first, so the model is refused and this
// process, the worker, carries on.
TEST(OnnxModel, ModelsThatCrashOpenCVAreRefusedAndTheWorkerLives) {
  for (const char* name : {"opencv-segv-on-input-type", "opencv-fpe-on-zero-pads"}) {
    auto file = testing::readAll(std::string(NPUFLEET_SOURCE_DIR) +
                                 "/fuzz/regressions/worker_onnx_model/" + name);
    const std::string bytes = file.substr(1);  // byte 0: the fuzzer's mode
    auto info = parseOnnxModel(bytes);
    ASSERT_TRUE(info.ok()) << name << ": " << info.error().message;
    auto model = OnnxModel::load(name, bytes, *info);
    // Whether OpenCV dies or throws depends on what the memory it misreads holds (it died under
    // ASan, throws in a release build); refused it is, either way.
    ASSERT_FALSE(model.ok()) << name;
    EXPECT_NE(model.error().message.find("OpenCV"), std::string::npos) << model.error().message;
  }
  EXPECT_TRUE(loadSample("embedding-mlp"));  // and a good model still loads
}

TEST(OnnxModel, RefusesNonFloatInputs) {
  auto bytes = testing::readAll(testing::samplePath("embedding-mlp"));
  auto info = parseOnnxModel(bytes);
  ASSERT_TRUE(info.ok());
  info->inputs[0].elem_type = 7;
  auto model = OnnxModel::load("m", bytes, *info);
  ASSERT_FALSE(model.ok());
  EXPECT_NE(model.error().message.find("float32"), std::string::npos);
}

}  // namespace
}  // namespace npufleet::worker
