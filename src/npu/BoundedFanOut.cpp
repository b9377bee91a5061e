#include "npu/BoundedFanOut.h"

#include <algorithm>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <memory>

namespace npufleet::npu {

namespace asio = boost::asio;

namespace {

struct Shared {
  Shared(asio::any_io_executor ex, size_t lanes) : done(ex, lanes) {}
  size_t count = 0;
  FanOutTask task;
  std::optional<std::chrono::milliseconds> release_after;
  std::atomic<size_t> next{0};
  asio::experimental::concurrent_channel<void(boost::system::error_code)> done;
};

asio::awaitable<void> runTask(std::shared_ptr<Shared> st, size_t i) {
  try {
    co_await st->task(i);
  } catch (...) {
    // A task's failure is the task's business; the fan-out must still complete.
  }
}

asio::awaitable<void> lane(std::shared_ptr<Shared> st) {
  auto ex = co_await asio::this_coro::executor;  // this lane's strand
  for (;;) {
    size_t i = st->next.fetch_add(1);
    if (i >= st->count) break;
    if (!st->release_after) {
      co_await runTask(st, i);
      continue;
    }
    // Task and lane share the strand, so `finished` and the timer need no further locking.
    auto timer = std::make_shared<asio::steady_timer>(ex, *st->release_after);
    auto finished = std::make_shared<bool>(false);
    asio::co_spawn(
        ex,
        [st, i, timer, finished]() -> asio::awaitable<void> {
          co_await runTask(st, i);
          *finished = true;
          timer->cancel();
        },
        asio::detached);
    if (!*finished) co_await timer->async_wait(asio::as_tuple(asio::use_awaitable));
  }
  co_await st->done.async_send(boost::system::error_code{}, asio::as_tuple(asio::use_awaitable));
}

}  // namespace

asio::awaitable<void> boundedFanOut(asio::any_io_executor executor, size_t count,
                                    size_t concurrency, FanOutTask task,
                                    std::optional<std::chrono::milliseconds> release_after) {
  if (count == 0) co_return;
  size_t lanes = std::clamp<size_t>(concurrency, 1, count);
  auto st = std::make_shared<Shared>(executor, lanes);
  st->count = count;
  st->task = std::move(task);
  st->release_after = release_after;
  for (size_t l = 0; l < lanes; ++l) {
    asio::co_spawn(asio::make_strand(executor), lane(st), asio::detached);
  }
  for (size_t l = 0; l < lanes; ++l) {
    co_await st->done.async_receive(asio::as_tuple(asio::use_awaitable));
  }
}

}  // namespace npufleet::npu
