// One subscriber's bounded queue of events. Publishers never wait on it: when it is full the
// newest event is dropped and counted, so one slow SSE client cannot hold up the monitor.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>

#include "npu/NpuEvent.h"

namespace npufleet::npu {

class EventBus;

class EventSubscription {
 public:
  ~EventSubscription();
  EventSubscription(const EventSubscription&) = delete;
  EventSubscription& operator=(const EventSubscription&) = delete;

  std::optional<NpuEvent> tryNext();
  // Waits up to max_wait for an event; nullopt on timeout (the SSE handler's cue to send a
  // heartbeat comment) or once closed.
  boost::asio::awaitable<std::optional<NpuEvent>> next(std::chrono::milliseconds max_wait);
  uint64_t dropped() const;
  void close();
  bool closed() const;

 private:
  friend class EventBus;
  struct Signal;
  EventSubscription(boost::asio::any_io_executor executor, size_t capacity);
  void deliver(const NpuEvent& event);  // called by EventBus, never blocks

  size_t capacity_;
  mutable std::mutex mu_;
  std::deque<NpuEvent> queue_;
  uint64_t dropped_ = 0;
  bool closed_ = false;
  std::unique_ptr<Signal> signal_;
};

}  // namespace npufleet::npu
