#include "balancer/ModelNameReader.h"

#include <gtest/gtest.h>

namespace npufleet::balancer {
namespace {

std::string field(const Result<std::string>& r) { return r ? "" : r.error().field; }
std::string message(const Result<std::string>& r) { return r ? "" : r.error().message; }

TEST(ModelNameReaderTest, ReadsTheTopLevelModel) {
  EXPECT_EQ(*readModelName(R"({"model":"phi","inputs":{"x":{"shape":[1],"data":[1.0]}}})"), "phi");
  EXPECT_EQ(*readModelName(R"({"inputs":{"model":"nested"},"model":"phi"})"), "phi");
  EXPECT_EQ(*readModelName(R"( {"model" : "a\"b\u00e9"} )"), "a\"b\xC3\xA9");
}

TEST(ModelNameReaderTest, NestedModelKeysAreNotTheModel) {
  auto r = readModelName(R"({"inputs":{"model":"nested","m":[{"model":"x"}]}})");
  ASSERT_FALSE(r);
  EXPECT_EQ(field(r), "model");
  EXPECT_EQ(message(r), "'model' is required");
}

TEST(ModelNameReaderTest, ModelIdIsTheReferenceWorkersDialect) {
  EXPECT_EQ(*readModelName(R"({"model_id":"phi"})"), "phi");
  EXPECT_EQ(*readModelName(R"({"model":null,"model_id":"phi"})"), "phi");
  EXPECT_EQ(*readModelName(R"({"model":"a","model_id":"b"})"), "a");
  EXPECT_FALSE(readModelName(R"({"model_id":7})"));  // ignored, so nothing names a model
}

TEST(ModelNameReaderTest, AModelThatIsNotAStringIsRefusedNamingIt) {
  for (const char* body : {R"({"model":1})", R"({"model":{"name":"x"}})", R"({"model":["x"]})",
                           R"({"model":true,"model_id":"phi"})"}) {
    auto r = readModelName(body);
    ASSERT_FALSE(r) << body;
    EXPECT_EQ(field(r), "model") << body;
    EXPECT_EQ(message(r), "'model' must be a string") << body;
  }
}

TEST(ModelNameReaderTest, AnEmptyOrMissingModelIsRequired) {
  EXPECT_EQ(message(readModelName(R"({"model":""})")), "'model' is required");
  EXPECT_EQ(message(readModelName(R"({"model":"","model_id":"phi"})")), "'model' is required");
  EXPECT_EQ(message(readModelName("{}")), "'model' is required");
}

TEST(ModelNameReaderTest, TheWholeBodyMustBeOneJsonObject) {
  for (const char* body : {"not json", R"({"model":"phi")", R"({"model":"phi"} x)",
                           R"({"model":"phi",})", R"({"model":"phi","inputs":[1,]})", ""}) {
    auto r = readModelName(body);
    ASSERT_FALSE(r) << body;
    EXPECT_EQ(field(r), "body") << body;
    EXPECT_NE(message(r).find("not valid JSON"), std::string::npos) << body;
  }
  for (const char* body : {R"(["model","phi"])", R"("phi")", "42"}) {
    auto r = readModelName(body);
    ASSERT_FALSE(r) << body;
    EXPECT_EQ(message(r), "request body must be a JSON object") << body;
  }
}

}  // namespace
}  // namespace npufleet::balancer

namespace npufleet::balancer {
namespace {

TEST(ModelNameReaderTest, ATopLevelModelGivenTwiceIsRefusedNamingIt) {
  for (const char* body : {R"({"model":"a","model":"b"})", R"({"model_id":"a","model_id":"b"})",
                           R"({"model":"a","inputs":{},"model":null})"}) {
    auto r = readModelName(body);
    ASSERT_FALSE(r.ok()) << body;
    EXPECT_NE(r.error().message.find("duplicate key"), std::string::npos) << body;
    EXPECT_EQ(r.error().field.substr(0, 5), "model") << body;
  }
  // One of each, and the same key nested, are not duplicates.
  EXPECT_EQ(*readModelName(R"({"model":"a","model_id":"b"})"), "a");
  EXPECT_EQ(*readModelName(R"({"model":"a","inputs":{"model":"x","m":{"model":"y"}}})"), "a");
}

}  // namespace
}  // namespace npufleet::balancer
