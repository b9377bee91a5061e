#include "common/ModelName.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace npufleet {
namespace {

// One rule for control plane and worker: what one accepts the other accepts (issue 20, item 6:
// the control plane allowed ':' where the worker and the docs did not).
TEST(ModelName, IsTheWorkersFileStemRule) {
  for (const std::string& good : std::vector<std::string>{"cnn-classifier_v1.2", "a", "phi-3-mini", std::string(128, 'x')}) {
    EXPECT_TRUE(isValidModelName(good)) << good;
  }
  for (const std::string& bad : std::vector<std::string>{"", ".", "..", "llama3:8b", "a/b", "a\\b", "a b", std::string(129, 'x'),
                          std::string("a\0b", 3), "mod\xc3\xa9le", "a%2fb"}) {
    EXPECT_FALSE(isValidModelName(bad)) << bad;
  }
}

}  // namespace
}  // namespace npufleet
