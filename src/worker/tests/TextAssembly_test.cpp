#include "worker/llama/TextAssembly.h"

#include <gtest/gtest.h>

namespace npufleet::worker::llama {
namespace {

std::string feed(TextAssembly& t, const std::vector<std::string>& pieces, bool* stopped = nullptr) {
  std::string out;
  for (const auto& p : pieces) {
    auto o = t.add(p);
    out += o.text;
    if (o.stopped) {
      if (stopped) *stopped = true;
      return out;
    }
  }
  return out + t.flush();
}

TEST(TextAssembly, PassesPlainTextThrough) {
  TextAssembly t;
  EXPECT_EQ(feed(t, {"Hello", ", ", "world"}), "Hello, world");
}

TEST(TextAssembly, AStopStringEndsTheTextBeforeIt) {
  TextAssembly t({"\n\n", "END"});
  bool stopped = false;
  EXPECT_EQ(feed(t, {"one ", "two", "\n", "\nthree"}, &stopped), "one two");
  EXPECT_TRUE(stopped);
}

TEST(TextAssembly, TextThatMayBeginAStopStringIsHeldUntilItIsNot) {
  TextAssembly t({"STOP"});
  auto a = t.add("abc ST");
  EXPECT_EQ(a.text, "abc ");
  auto b = t.add("AR");  // "STAR" is not "STOP"
  EXPECT_EQ(b.text, "STAR");
  EXPECT_FALSE(b.stopped);
  auto c = t.add(" and S");
  EXPECT_EQ(c.text, " and ");
  auto d = t.add("TOP more");
  EXPECT_TRUE(d.stopped);
  EXPECT_EQ(d.text, "");
}

TEST(TextAssembly, ACharacterSplitAcrossTokensIsSentWhole) {
  TextAssembly t;
  auto a = t.add("caf\xC3");
  EXPECT_EQ(a.text, "caf");
  auto b = t.add("\xA9!");
  EXPECT_EQ(b.text, "\xC3\xA9!");
}

TEST(TextAssembly, InvalidBytesBecomeTheReplacementCharacter) {
  TextAssembly t;
  EXPECT_EQ(feed(t, {"a\xFF", "b\xC3"}), "a\xEF\xBF\xBD" "b\xEF\xBF\xBD");
  EXPECT_EQ(sanitizeUtf8("\xED\xA0\x80", false), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
  EXPECT_EQ(sanitizeUtf8("\xC0\xAF", false), "\xEF\xBF\xBD\xEF\xBF\xBD");  // overlong
}

}  // namespace
}  // namespace npufleet::worker::llama
