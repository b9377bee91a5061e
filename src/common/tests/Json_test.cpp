#include "common/Json.h"

#include <gtest/gtest.h>

#include "common/DuplicateKeyFinder.h"

namespace npufleet::json {
namespace {

TEST(JsonParse, RefusesADuplicateKeyNamingIt) {
  auto r = parseObject(R"({"ip":"127.0.0.5","ip":"169.254.169.254"})");
  ASSERT_FALSE(r.ok()) << "accepted, ip = " << serialize(r->at("ip"));
  EXPECT_EQ(r.error().code, ErrorCode::kBadRequest);
  EXPECT_EQ(r.error().field, "ip");
  EXPECT_NE(r.error().message.find("duplicate key 'ip'"), std::string::npos) << r.error().message;
}

TEST(JsonParse, NamesTheDuplicatesPathInNestedObjectsAndArrays) {
  EXPECT_EQ(DuplicateKeyFinder::find(R"({"name":"a","labels":{"env":"x","env":"y"}})"),
            "labels.env");
  EXPECT_EQ(DuplicateKeyFinder::find(R"({"inputs":[{"name":1},[],7,{"name":2,"name":3}]})"),
            "inputs[3].name");
  // Escaped spellings of one key are one key.
  EXPECT_EQ(DuplicateKeyFinder::find(R"({"ip":1,"\u0069p":2})"), "ip");
  auto nested = parse(R"([{"a":{"b":1,"b":2}}])");
  ASSERT_FALSE(nested.ok());
  EXPECT_EQ(nested.error().field, "[0].a.b");
}

TEST(JsonParse, TheSameKeyInDifferentObjectsIsFine) {
  EXPECT_EQ(DuplicateKeyFinder::find(R"({"a":{"x":1},"b":{"x":2},"c":[{"x":1},{"x":2}]})"),
            std::nullopt);
  EXPECT_TRUE(parseObject(R"({"name":"n","labels":{"name":"n"}})").ok());
  EXPECT_TRUE(parse("[1,2,3]").ok());
}

}  // namespace
}  // namespace npufleet::json
