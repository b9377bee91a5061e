// The engine's busy fraction, for /health's utilization when the device has no hardware
// counter: busy time of all engine slots between two samples divided by (wall time x slots).
// Runs still in progress count up to the sampling instant.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>

#include "common/Clock.h"

namespace npufleet::worker {

class EngineBusyMeter {
 public:
  EngineBusyMeter(const Clock& clock, size_t slots, std::chrono::milliseconds min_interval);

  uint64_t begin();          // a run started; returns its token
  void end(uint64_t token);  // that run finished

  // Percent 0..100 over the interval since the previous sample; samples closer together than
  // `min_interval` return the previous figure so that frequent polling does not make it noisy.
  double samplePercent();

 private:
  const Clock& clock_;
  const size_t slots_;
  const std::chrono::milliseconds min_interval_;
  std::mutex mu_;
  std::map<uint64_t, std::chrono::steady_clock::time_point> active_;
  uint64_t next_token_ = 1;
  std::chrono::nanoseconds busy_since_sample_{0};
  std::chrono::steady_clock::time_point last_sample_;
  double last_percent_ = 0;
};

}  // namespace npufleet::worker
