// Admission control for inference: at most `max_concurrent` jobs run, at most `queue_limit`
// wait, waiting jobs start in arrival order (so FIFO per model), and a job whose deadline passes
// while it waits is expired instead of run. The queue decides; an Executor (the engine's thread
// pool in production, a plain list in tests) runs. Thread-safe; callbacks run outside the lock.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>

#include "common/Clock.h"
#include "common/Error.h"

namespace npufleet::worker {

class InferenceQueue {
 public:
  struct Limits {
    size_t max_concurrent = 4;
    size_t queue_limit = 64;
  };
  enum class Outcome { kRun, kExpired };
  // Called exactly once: with kRun on an executor thread while holding a slot (the slot is
  // freed when it returns), or with kExpired when the deadline passed first.
  using Job = std::function<void(Outcome, std::chrono::nanoseconds waited)>;
  using Executor = std::function<void(std::function<void()>)>;

  InferenceQueue(Limits limits, const Clock& clock, Executor executor);

  // The job's id, or 503 (kUnavailable) when the waiting line is full.
  Result<uint64_t> submit(std::string model, std::chrono::steady_clock::time_point deadline,
                          Job job);
  // Expires a job that is still waiting; false when it has already started or finished.
  bool expire(uint64_t id);
  // Expires every waiting job whose deadline has passed; returns how many.
  size_t expireOverdue();

  size_t waiting() const;
  size_t running() const;
  size_t peakRunning() const;
  const Limits& limits() const { return limits_; }

 private:
  struct Entry {
    uint64_t id;
    std::string model;
    std::chrono::steady_clock::time_point deadline;
    std::chrono::steady_clock::time_point enqueued;
    Job job;
  };
  struct Started {
    Entry entry;
    bool expired;
  };
  // Pops what can start now; caller hands them out after releasing the lock.
  std::vector<Started> takeStartableLocked();
  void dispatch(std::vector<Started> started);
  void finished();

  const Limits limits_;
  const Clock& clock_;
  Executor executor_;
  mutable std::mutex mu_;
  std::deque<Entry> waiting_;
  size_t running_ = 0;
  size_t peak_running_ = 0;
  uint64_t next_id_ = 1;
};

}  // namespace npufleet::worker
