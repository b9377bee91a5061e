// The contract between the worker's GET /stats and the control plane's reader of it
// (npu/WorkerDialect.cpp parseStats), across the wire: the real `npufleet worker` answers, its
// shape is compared with the checked-in golden file tests/worker/golden/stats.json (which
// npu_unit_tests reads through the same parser), and the real answer goes through the real
// reader. Either side changing alone fails here.
//
// After an intended change of the worker's /stats, rewrite the golden file with
// NPUFLEET_UPDATE_GOLDEN=1 and review the diff.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "npu/WorkerDialect.h"
#include "worker/WorkerHarness.h"

namespace npufleet::worker::testing {
namespace {

namespace bj = boost::json;

const std::string kGolden = std::string(NPUFLEET_SOURCE_DIR) + "/tests/worker/golden/stats.json";

std::string mlpBody() {
  bj::array data;
  for (int i = 0; i < 64; ++i) data.push_back(static_cast<double>(i) / 64.0);
  return bj::serialize(bj::object{
      {"model", "embedding-mlp"},
      {"inputs", bj::object{{"input", bj::object{{"shape", bj::array{1, 64}},
                                                 {"data", std::move(data)}}}}}});
}

// The answer's shape: keys, nesting, booleans and strings as they are; every integer becomes
// 1 and every other number 0.5, so that timings, sizes and counts do not make the file flaky
// while a field that changes type or moves does.
bj::value shapeOf(const bj::value& v) {
  switch (v.kind()) {
    case bj::kind::object: {
      bj::object out;
      for (const auto& kv : v.as_object()) out[kv.key()] = shapeOf(kv.value());
      return out;
    }
    case bj::kind::array: {
      bj::array out;
      for (const auto& e : v.as_array()) out.push_back(shapeOf(e));
      return out;
    }
    case bj::kind::int64:
    case bj::kind::uint64: return 1;
    case bj::kind::double_: return 0.5;
    default: return v;
  }
}

std::string pretty(const bj::value& v, int indent = 0) {
  const std::string pad(static_cast<size_t>(indent), ' ');
  if (v.is_object() && !v.as_object().empty()) {
    // Sorted keys: the file diffs cleanly whatever order the worker writes.
    std::vector<std::string> keys;
    for (const auto& kv : v.as_object()) keys.emplace_back(kv.key());
    std::sort(keys.begin(), keys.end());
    std::string out = "{\n";
    for (size_t i = 0; i < keys.size(); ++i) {
      out += pad + "  " + bj::serialize(bj::value(keys[i])) + ": " +
             pretty(v.as_object().at(keys[i]), indent + 2) + (i + 1 < keys.size() ? ",\n" : "\n");
    }
    return out + pad + "}";
  }
  if (v.is_double()) {
    std::ostringstream number;  // 0.5, where Boost.JSON would write 5E-1
    number << v.as_double();
    return number.str();
  }
  return bj::serialize(v);
}

class WorkerStatsContractTest : public ::testing::Test {
 protected:
  // One model loaded and used, the others in the directory but not loaded: every branch of
  // the answer (per-model figures, loaded and unloaded memory entries) is present.
  void SetUp() override {
    std::string error;
    ASSERT_TRUE(w_.start({}, {}, &error)) << error;
    auto load = w_.call("POST", "/models/embedding-mlp/load");
    ASSERT_EQ(load.response.status, 200) << load.response.body;
    for (int i = 0; i < 3; ++i) {
      auto r = w_.call("POST", "/inference", mlpBody());
      ASSERT_EQ(r.response.status, 200) << r.response.body;
    }
    auto stats = w_.call("GET", "/stats");
    ASSERT_TRUE(stats.ok()) << stats.message;
    ASSERT_EQ(stats.response.status, 200) << stats.response.body;
    answer_ = bj::parse(stats.response.body);
  }

  WorkerHarness w_;
  bj::value answer_;
};

TEST_F(WorkerStatsContractTest, StatsShapeMatchesTheGoldenFile) {
  const std::string actual = pretty(shapeOf(answer_)) + "\n";
  if (const char* update = std::getenv("NPUFLEET_UPDATE_GOLDEN"); update && *update == '1') {
    std::ofstream(kGolden) << actual;
    GTEST_SKIP() << "rewrote " << kGolden;
  }
  std::ifstream in(kGolden);
  ASSERT_TRUE(in) << "missing " << kGolden;
  std::stringstream golden;
  golden << in.rdbuf();
  EXPECT_EQ(bj::parse(golden.str()), bj::parse(actual))
      << "the worker's /stats changed shape; if intended, update the control plane's reader "
         "(npu/WorkerDialect.cpp parseStats) and rerun with NPUFLEET_UPDATE_GOLDEN=1\n"
      << actual;
}

TEST_F(WorkerStatsContractTest, TheControlPlanesReaderGetsEveryFigureFromTheRealAnswer) {
  npu::WorkerMetrics m = npu::parseStats(answer_);
  EXPECT_TRUE(m.warnings.empty()) << m.warnings.front();
  ASSERT_TRUE(m.inference_p50_ms) << answer_;
  ASSERT_TRUE(m.inference_p95_ms) << answer_;
  EXPECT_GT(*m.inference_p50_ms, 0);
  EXPECT_GE(*m.inference_p95_ms, *m.inference_p50_ms);
  ASSERT_TRUE(m.throughput_per_min) << answer_;
  EXPECT_EQ(*m.throughput_per_min, 3.0);  // 3 inferences in the last minute
  EXPECT_EQ(m.running, 0);
  EXPECT_EQ(m.queued, 0);
  ASSERT_TRUE(m.max_concurrent);
  EXPECT_GE(*m.max_concurrent, 1);
  ASSERT_TRUE(m.process_rss_bytes);
  EXPECT_GT(*m.process_rss_bytes, 0);
  // Memory is the loaded model's; the models only on disk hold none.
  ASSERT_EQ(m.model_bytes.size(), 1u) << answer_;
  EXPECT_GT(m.model_bytes.at("embedding-mlp"), 0);
}

}  // namespace
}  // namespace npufleet::worker::testing
