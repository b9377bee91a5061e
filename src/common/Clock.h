// Time as an interface, so that state machines, TTLs and windows are tested with a fake clock
// instead of sleeps.
#pragma once

#include <atomic>
#include <chrono>
#include <optional>
#include <string_view>
#include <cstdint>
#include <string>

namespace npufleet {

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time (timestamps shown to people, signature windows).
  virtual std::chrono::system_clock::time_point now() const = 0;
  // Monotonic time (timeouts, rates, windows that must not jump).
  virtual std::chrono::steady_clock::time_point steadyNow() const = 0;

  int64_t unixSeconds() const {
    return std::chrono::duration_cast<std::chrono::seconds>(now().time_since_epoch()).count();
  }
};

class SystemClock final : public Clock {
 public:
  std::chrono::system_clock::time_point now() const override {
    return std::chrono::system_clock::now();
  }
  std::chrono::steady_clock::time_point steadyNow() const override {
    return std::chrono::steady_clock::now();
  }
  static const SystemClock& instance();
};

// A clock that moves only when told to; both time lines advance together.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(int64_t unix_seconds = 1'767'225'600)  // 2026-01-01T00:00:00Z
      : offset_ns_(unix_seconds * 1'000'000'000LL) {}
  std::chrono::system_clock::time_point now() const override {
    return std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(
            std::chrono::nanoseconds(offset_ns_.load())));
  }
  std::chrono::steady_clock::time_point steadyNow() const override {
    return std::chrono::steady_clock::time_point(std::chrono::nanoseconds(offset_ns_.load()));
  }
  void advance(std::chrono::nanoseconds d) { offset_ns_ += d.count(); }

 private:
  std::atomic<int64_t> offset_ns_;
};

// RFC 3339 UTC with milliseconds: 2026-02-04T10:30:00.000Z
std::string formatTimestamp(std::chrono::system_clock::time_point t);
// The inverse, for query parameters: RFC 3339 date-time with 'Z' or a +hh:mm/-hh:mm offset,
// fraction optional (read to the millisecond). nullopt for anything else, an impossible date
// (2026-02-30) included.
std::optional<std::chrono::system_clock::time_point> parseTimestamp(std::string_view s);

}  // namespace npufleet
