#include "http/EventLoops.h"

#include <algorithm>
#include <exception>
#include <mutex>
#include <thread>

namespace npufleet::http {

// An io_context whose services EventLoops can shut down before any loop is destroyed: an object
// on one loop can hold another loop's I/O object (the server's acceptor on loop 0 is kept alive
// by connections on the others), and destroying it after its loop's reactor is gone crashes.
class EventLoops::Loop : public boost::asio::io_context {
 public:
  // Concurrency hint 1: one thread runs the loop. Asio keeps its locks (other threads post to a
  // loop, and the acceptor registers sockets with it from loop 0): never an UNSAFE hint here.
  Loop() : boost::asio::io_context(1) {}
  void shutdownServices() { shutdown(); }
};

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
    loops_.push_back(std::make_unique<Loop>());
    guards_.push_back(boost::asio::make_work_guard(*loops_.back()));
  }
}

EventLoops::~EventLoops() {
  stop();
  guards_.clear();
  // Every loop's pending handlers (and the coroutine frames they own) go while every reactor
  // still exists; then the loops themselves.
  for (auto& loop : loops_) loop->shutdownServices();
  loops_.clear();
}

boost::asio::io_context& EventLoops::main() { return *loops_.front(); }

boost::asio::io_context& EventLoops::at(size_t i) { return *loops_.at(i); }

boost::asio::io_context& EventLoops::next() {
  if (loops_.size() == 1) return main();
  return *loops_[1 + next_.fetch_add(1, std::memory_order_relaxed) % (loops_.size() - 1)];
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
  threads.reserve(loops_.size());
  try {
    for (size_t i = 1; i < loops_.size(); ++i) {
      threads.emplace_back([&guarded, this, i] { guarded(*loops_[i]); });
    }
  } catch (...) {  // no thread to be had: stop the loops already running, then fail
    stop();
    for (auto& t : threads) t.join();
    throw;
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
