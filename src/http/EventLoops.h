// A fixed set of event loops, as nginx's worker processes but threads of one process: each loop
// is an io_context run by exactly one thread, so a connection, its timers and the pooled
// upstream connections its handlers use live on one loop and need no strand (accepted sockets
// are made on the main loop and handed over once, through Asio's locked queues). Loop 0 is the
// main loop, run by the thread that calls run(): the server's acceptor, signals and the
// process's background work live there. next() spreads connections over the other loops, so a
// blocking moment in background work delays accepting, not the connections being served.
#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <atomic>
#include <memory>
#include <vector>

namespace npufleet::http {

class EventLoops {
 public:
  // count >= 1 loops, main included (a smaller count is taken as 1).
  explicit EventLoops(int count);
  ~EventLoops();
  EventLoops(const EventLoops&) = delete;
  EventLoops& operator=(const EventLoops&) = delete;

  boost::asio::io_context& main();
  boost::asio::io_context& at(size_t i);
  // The loops after the main one in turn, for spreading connections; the main loop when it is
  // the only one.
  boost::asio::io_context& next();
  size_t size() const { return loops_.size(); }

  // Runs loops 1.. on threads of their own and loop 0 on the caller's; returns once every loop
  // has stopped (stop(), or an exception escaping a handler, which is rethrown here).
  void run();
  // Makes every loop's run() return as soon as it can (handlers still queued are not run);
  // callable from any thread.
  void stop();

  // The loop the calling thread runs, or null when it runs none: what http::Client asks to know
  // that a caller's io_context is single-threaded.
  static boost::asio::io_context* current();

 private:
  using Guard = boost::asio::executor_work_guard<boost::asio::io_context::executor_type>;
  class Loop;
  std::vector<std::unique_ptr<Loop>> loops_;
  std::vector<Guard> guards_;
  std::atomic<size_t> next_{0};
};

}  // namespace npufleet::http
