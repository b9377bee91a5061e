// Found by fuzz/config/ConfigTomlFuzzer (fuzz/regressions/config_toml): NaN passed doubleRange;
// --print-config printed doubles to six digits, a string starting with a newline so that it read
// back without it, and an unset secret list as if set; a file loaded a string starting with a
// newline without it (toml++'s re-serialization).
#include "common/Config.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace npufleet {
namespace {

ConfigSchema schema() {
  ConfigSchema s;
  s.add({"worker", "memory_gb", ConfigType::kDouble, 0.0, "", false, doubleRange(0, 1 << 20)});
  s.add({"worker", "models_dir", ConfigType::kString, std::string{}, "", false, {}});
  s.add({"worker", "preload", ConfigType::kStringList, std::vector<std::string>{}, "", false, {}});
  s.add({"auth", "trusted_keys", ConfigType::kStringList, std::vector<std::string>{}, "", true, {}});
  s.add({"auth", "other_keys", ConfigType::kStringList, std::vector<std::string>{}, "", true, {}});
  return s;
}

TEST(Config, DoubleRangeRefusesNaNFromEveryLayer) {
  const auto s = schema();
  Config c(s);
  EXPECT_FALSE(c.set("worker.memory_gb", "nan", "--set").ok());
  EXPECT_FALSE(c.loadTomlString("[worker]\nmemory_gb = nan\n", "test").ok());
  EXPECT_FALSE(c.loadEnvironment({{"NPUFLEET_WORKER_MEMORY_GB", "-nan"}}).ok());
  EXPECT_FALSE(c.set("worker.memory_gb", "inf", "--set").ok());
  EXPECT_EQ(c.getDouble("worker.memory_gb"), 0.0);
}

TEST(Config, PrintedValuesReadBackExactly) {
  const auto s = schema();
  Config c(s);
  ASSERT_TRUE(c.loadTomlString("[worker]\nmemory_gb = 1.2345678\nmodels_dir = \"\\nfrom \\\"x\\\"\"\n"
                               "preload = [\"it's\", \"tab\\there\", \"plain\"]\n",
                               "test")
                  .ok());
  const std::string printed = c.render();
  EXPECT_NE(printed.find("memory_gb = 1.2345678\n"), std::string::npos) << printed;
  EXPECT_NE(printed.find("preload = [ \"it's\", 'tab\there', 'plain' ]"), std::string::npos)
      << printed;
  Config again(s);
  ASSERT_TRUE(again.loadTomlString(printed, "printed").ok()) << printed;
  EXPECT_EQ(again.getDouble("worker.memory_gb"), 1.2345678);
  EXPECT_EQ(again.getString("worker.models_dir"), "\nfrom \"x\"");
  EXPECT_EQ(again.getStringList("worker.preload"), c.getStringList("worker.preload"));
}

TEST(Config, SecretsPrintMaskedAndUnsetOnesAsUnset) {
  const auto s = schema();
  Config c(s);
  ASSERT_TRUE(c.set("auth.trusted_keys", "main-backend:k1,other:k2", "--set").ok());
  const std::string printed = c.render();
  EXPECT_NE(printed.find("trusted_keys = \"********\""), std::string::npos) << printed;
  EXPECT_NE(printed.find("other_keys = []"), std::string::npos) << printed;
  EXPECT_EQ(printed.find("k1"), std::string::npos) << printed;
}

TEST(Config, AFileLoadsAsItsText) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("npufleet-config-test-" + std::to_string(::getpid()) + ".toml");
  const std::string text = "[worker]\nmodels_dir = \"\\nmodels\"\n";
  std::ofstream(path) << text;
  const auto s = schema();
  Config from_file(s), from_text(s);
  ASSERT_TRUE(from_file.loadTomlFile(path.string()).ok());
  ASSERT_TRUE(from_text.loadTomlString(text, "text").ok());
  std::filesystem::remove(path);
  EXPECT_EQ(from_file.getString("worker.models_dir"), "\nmodels");
  EXPECT_EQ(from_file.getString("worker.models_dir"), from_text.getString("worker.models_dir"));
  EXPECT_FALSE(from_file.loadTomlFile(path.string()).ok());  // gone: a clear error
}

}  // namespace
}  // namespace npufleet

namespace npufleet {
namespace {

// The warnings spdlog's default logger writes while `body` runs.
template <class F>
std::string warningsDuring(F body) {
  std::ostringstream out;
  auto previous = spdlog::default_logger();
  auto capture = std::make_shared<spdlog::logger>(
      "capture", std::make_shared<spdlog::sinks::ostream_sink_mt>(out));
  spdlog::set_default_logger(capture);
  body();
  spdlog::set_default_logger(previous);
  return out.str();
}

TEST(Config, AnInlineSecretInAFileOthersCanReadIsWarnedAbout) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("npufleet-config-" + std::to_string(::getpid()) + ".toml");
  {
    std::ofstream f(path);
    f << "[auth]\ntrusted_keys = [\"main-backend:0123456789abcdef0123\"]\n";
  }
  const ConfigSchema s = schema();
  std::filesystem::permissions(path, std::filesystem::perms(0644));
  const std::string readable = warningsDuring([&] {
    Config c(s);
    ASSERT_TRUE(c.loadTomlFile(path.string()).ok());
  });
  EXPECT_NE(readable.find("auth.trusted_keys"), std::string::npos) << readable;
  EXPECT_NE(readable.find("readable by other users"), std::string::npos) << readable;
  EXPECT_EQ(readable.find("0123456789abcdef"), std::string::npos) << "never the secret itself";

  std::filesystem::permissions(path, std::filesystem::perms(0600));
  const std::string private_file = warningsDuring([&] {
    Config c(s);
    ASSERT_TRUE(c.loadTomlFile(path.string()).ok());
  });
  EXPECT_EQ(private_file, "");
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace npufleet
