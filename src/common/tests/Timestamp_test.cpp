// parseTimestamp, the inverse of formatTimestamp for query parameters (GET /api/audit?since=).
#include <gtest/gtest.h>

#include "common/Clock.h"

namespace npufleet {
namespace {

using std::chrono::milliseconds;
using std::chrono::system_clock;

system_clock::time_point ms(int64_t v) { return system_clock::time_point(milliseconds(v)); }

TEST(Timestamp, ReadsWhatFormatTimestampWrites) {
  for (int64_t v : {int64_t{0}, int64_t{1'700'000'000'123}, int64_t{1'767'225'599'999}}) {
    const std::string text = formatTimestamp(ms(v));
    EXPECT_EQ(parseTimestamp(text), ms(v)) << text;
  }
}

TEST(Timestamp, FractionAndOffsetAreOptionalForms) {
  EXPECT_EQ(parseTimestamp("2026-01-01T00:00:00Z"), ms(1'767'225'600'000));
  EXPECT_EQ(parseTimestamp("2026-01-01T00:00:00.5Z"), ms(1'767'225'600'500));
  EXPECT_EQ(parseTimestamp("2026-01-01T00:00:00.123456Z"), ms(1'767'225'600'123));
  EXPECT_EQ(parseTimestamp("2026-01-01T01:30:00+01:30"), ms(1'767'225'600'000));
  EXPECT_EQ(parseTimestamp("2025-12-31T23:00:00-01:00"), ms(1'767'225'600'000));
}

TEST(Timestamp, RejectsAnythingElse) {
  for (const char* bad : {"", "yesterday", "1767225600", "2026-01-01", "2026-01-01T00:00:00",
                          "2026-01-01 00:00:00Z", "2026-02-30T00:00:00Z", "2026-13-01T00:00:00Z",
                          "2026-01-01T24:00:00Z", "2026-01-01T00:00:00.Z", "2026-01-01T00:00:00Zx",
                          "2026-01-01T00:00:00+0100", "2026-01-01T00:00:00+01", "2026-1-01T00:00:00Z"}) {
    EXPECT_FALSE(parseTimestamp(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace npufleet
