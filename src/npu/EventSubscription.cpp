#include "npu/EventSubscription.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace npufleet::npu {

namespace asio = boost::asio;

// A one-slot thread-safe channel used as a "something arrived" flag: try_send from any thread
// never blocks, and a waiter cannot miss a wake-up that happened before it started waiting.
struct EventSubscription::Signal {
  explicit Signal(asio::any_io_executor ex) : executor(ex), channel(ex, 1) {}
  asio::any_io_executor executor;
  asio::experimental::concurrent_channel<void(boost::system::error_code)> channel;
};

EventSubscription::EventSubscription(asio::any_io_executor executor, size_t capacity)
    : capacity_(capacity), signal_(std::make_unique<Signal>(executor)) {}

EventSubscription::~EventSubscription() = default;

void EventSubscription::deliver(const NpuEvent& event) {
  {
    std::lock_guard lock(mu_);
    if (closed_) return;
    if (queue_.size() >= capacity_) {
      ++dropped_;
      return;
    }
    queue_.push_back(event);
  }
  signal_->channel.try_send(boost::system::error_code{});
}

std::optional<NpuEvent> EventSubscription::tryNext() {
  std::lock_guard lock(mu_);
  if (queue_.empty()) return std::nullopt;
  NpuEvent e = std::move(queue_.front());
  queue_.pop_front();
  return e;
}

uint64_t EventSubscription::dropped() const {
  std::lock_guard lock(mu_);
  return dropped_;
}

bool EventSubscription::closed() const {
  std::lock_guard lock(mu_);
  return closed_;
}

void EventSubscription::close() {
  {
    std::lock_guard lock(mu_);
    closed_ = true;
    queue_.clear();
  }
  signal_->channel.try_send(boost::system::error_code{});
}

asio::awaitable<std::optional<NpuEvent>> EventSubscription::next(std::chrono::milliseconds max_wait) {
  using namespace asio::experimental::awaitable_operators;
  auto deadline = std::chrono::steady_clock::now() + max_wait;
  for (;;) {
    {
      std::lock_guard lock(mu_);
      if (closed_) co_return std::nullopt;
    }
    if (auto e = tryNext()) co_return e;
    if (std::chrono::steady_clock::now() >= deadline) co_return std::nullopt;
    asio::steady_timer timer(co_await asio::this_coro::executor, deadline);
    co_await (signal_->channel.async_receive(asio::as_tuple(asio::use_awaitable)) ||
              timer.async_wait(asio::as_tuple(asio::use_awaitable)));
  }
}

}  // namespace npufleet::npu
