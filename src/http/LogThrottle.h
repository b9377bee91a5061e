// Lets one log line through per interval and counts the ones it holds back, so that a condition
// that repeats thousands of times a second (accept failing with EMFILE, connections refused at a
// cap) costs one line per interval saying how many were left out, not a line each.
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>

namespace npufleet::http {

class LogThrottle {
 public:
  explicit LogThrottle(std::chrono::steady_clock::duration interval) : interval_(interval) {}

  // Whether to log now; when so, how many occurrences were held back since the last line.
  std::optional<size_t> allow(std::chrono::steady_clock::time_point now);

 private:
  std::mutex mu_;
  std::chrono::steady_clock::duration interval_;
  std::optional<std::chrono::steady_clock::time_point> last_;
  size_t held_back_ = 0;
};

}  // namespace npufleet::http
