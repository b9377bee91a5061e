#include "worker/InferenceQueue.h"

#include <algorithm>

namespace npufleet::worker {

InferenceQueue::InferenceQueue(Limits limits, const Clock& clock, Executor executor)
    : limits_(limits), clock_(clock), executor_(std::move(executor)) {}

Result<uint64_t> InferenceQueue::submit(std::string model,
                                        std::chrono::steady_clock::time_point deadline, Job job) {
  std::vector<Started> started;
  uint64_t id;
  {
    std::lock_guard lock(mu_);
    // A free slot with nobody ahead starts at once; otherwise the job must fit in the line.
    bool can_start_now = waiting_.empty() && running_ < limits_.max_concurrent;
    if (!can_start_now && waiting_.size() >= limits_.queue_limit) {
      return Error::unavailable("inference queue is full (" + std::to_string(running_) +
                                " running, " + std::to_string(waiting_.size()) + " waiting)");
    }
    id = next_id_++;
    waiting_.push_back({id, std::move(model), deadline, clock_.steadyNow(), std::move(job)});
    started = takeStartableLocked();
  }
  dispatch(std::move(started));
  return id;
}

bool InferenceQueue::expire(uint64_t id) {
  Entry entry;
  {
    std::lock_guard lock(mu_);
    auto it = std::find_if(waiting_.begin(), waiting_.end(),
                           [id](const Entry& e) { return e.id == id; });
    if (it == waiting_.end()) return false;
    entry = std::move(*it);
    waiting_.erase(it);
  }
  entry.job(Outcome::kExpired, clock_.steadyNow() - entry.enqueued);
  return true;
}

size_t InferenceQueue::expireOverdue() {
  std::vector<Entry> expired;
  auto now = clock_.steadyNow();
  {
    std::lock_guard lock(mu_);
    for (auto it = waiting_.begin(); it != waiting_.end();) {
      if (it->deadline <= now) {
        expired.push_back(std::move(*it));
        it = waiting_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& e : expired) e.job(Outcome::kExpired, now - e.enqueued);
  return expired.size();
}

std::vector<InferenceQueue::Started> InferenceQueue::takeStartableLocked() {
  std::vector<Started> out;
  auto now = clock_.steadyNow();
  while (!waiting_.empty()) {
    if (waiting_.front().deadline <= now) {
      out.push_back({std::move(waiting_.front()), true});
      waiting_.pop_front();
      continue;
    }
    if (running_ >= limits_.max_concurrent) break;
    ++running_;
    peak_running_ = std::max(peak_running_, running_);
    out.push_back({std::move(waiting_.front()), false});
    waiting_.pop_front();
  }
  return out;
}

void InferenceQueue::dispatch(std::vector<Started> started) {
  auto now = clock_.steadyNow();
  for (auto& s : started) {
    auto waited = now - s.entry.enqueued;
    if (s.expired) {
      s.entry.job(Outcome::kExpired, waited);
      continue;
    }
    executor_([this, job = std::move(s.entry.job), waited]() mutable {
      job(Outcome::kRun, waited);
      finished();
    });
  }
}

void InferenceQueue::finished() {
  std::vector<Started> started;
  {
    std::lock_guard lock(mu_);
    --running_;
    started = takeStartableLocked();
  }
  dispatch(std::move(started));
}

size_t InferenceQueue::waiting() const {
  std::lock_guard lock(mu_);
  return waiting_.size();
}

size_t InferenceQueue::running() const {
  std::lock_guard lock(mu_);
  return running_;
}

size_t InferenceQueue::peakRunning() const {
  std::lock_guard lock(mu_);
  return peak_running_;
}

}  // namespace npufleet::worker
