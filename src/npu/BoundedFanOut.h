// Runs task(0..count-1) with at most `concurrency` running at once, and returns when every task
// has finished or (with release_after) has been running long enough to give its slot away. The
// release is what keeps a few hung workers from starving a sweep: they keep their own timeout
// but stop counting against the cap.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>

namespace npufleet::npu {

using FanOutTask = std::function<boost::asio::awaitable<void>(size_t index)>;

boost::asio::awaitable<void> boundedFanOut(boost::asio::any_io_executor executor, size_t count,
                                           size_t concurrency, FanOutTask task,
                                           std::optional<std::chrono::milliseconds> release_after = {});

}  // namespace npufleet::npu
