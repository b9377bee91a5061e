#include "http/EventLoops.h"

#include <algorithm>
#include <exception>
#include <mutex>
#include <thread>

namespace npufleet::http {

namespace {
thread_local boost::asio::io_context* t_current = nullptr;

void runLoop(boost::asio::io_context& loop) {
  t_current = &loop;
  try {
    loop.run();
  } catch (...) {
    t_current = nullptr;
    throw;
  }
  t_current = nullptr;
}
}  // namespace

EventLoops::EventLoops(int count) {
  const int n = std::max(count, 1);
  for (int i = 0; i < n; ++i) {
    // Concurrency hint 1: one thread runs each loop, so Asio may skip some locking.
    loops_.push_back(std::make_unique<boost::asio::io_context>(1));
    guards_.push_back(boost::asio::make_work_guard(*loops_.back()));
  }
}

EventLoops::~EventLoops() { stop(); }

boost::asio::io_context& EventLoops::next() {
  return *loops_[next_.fetch_add(1, std::memory_order_relaxed) % loops_.size()];
}

void EventLoops::run() {
  std::mutex mu;
  std::exception_ptr failure;
  auto guarded = [&](boost::asio::io_context& loop) {
    try {
      runLoop(loop);
    } catch (...) {
      // A handler threw out of a loop: stop the others and let run() rethrow the first.
      std::lock_guard lock(mu);
      if (!failure) failure = std::current_exception();
      stop();
    }
  };
  std::vector<std::thread> threads;
  for (size_t i = 1; i < loops_.size(); ++i) {
    threads.emplace_back([&guarded, this, i] { guarded(*loops_[i]); });
  }
  guarded(main());
  for (auto& t : threads) t.join();
  if (failure) std::rethrow_exception(failure);
}

void EventLoops::stop() {
  for (auto& loop : loops_) loop->stop();
}

boost::asio::io_context* EventLoops::current() { return t_current; }

}  // namespace npufleet::http
